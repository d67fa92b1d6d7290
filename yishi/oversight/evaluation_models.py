"""The district's evaluation of its streets (考评激励): each year's indicator tree (指标 / 权重 /
分值 / 目标值 / 计分方法, up to three levels), and each street's score on every leaf indicator —
computed from the platform's records, or assessed (the street's self-score with evidence, the
district's review)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Attachment, Unit

MAX_LEVELS = 3
FULL_MARKS = Decimal("100")  # a scorecard's total points (满分)


class SchemeState(models.TextChoices):
    CONFIGURING = "configuring", _("Being configured (配置中)")
    ASSESSING = "assessing", _("Self-assessment (街道自评)")
    REVIEWING = "reviewing", _("District review (区级审核)")
    PUBLISHED = "published", _("Published (已公布)")


class EvaluationScheme(models.Model):
    """A year's evaluation of the streets (年度考评方案): the indicator tree, the period the
    records are read for, and where the year's scorecards stand."""

    district = models.ForeignKey(Unit, models.PROTECT, related_name="evaluation_schemes",
                                 verbose_name=_("district"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    state = models.CharField(_("state"), max_length=16, choices=SchemeState.choices,
                             default=SchemeState.CONFIGURING)
    computed_at = models.DateTimeField(_("scores computed"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("configured by"))

    class Meta:
        verbose_name = _("evaluation scheme (考评方案)")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year"],
                                    name="oversight_one_scheme_a_year"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="oversight_scheme_period"),
        ]

    def __str__(self) -> str:
        return self.title


class ScoringMethod(models.TextChoices):
    RATIO = "ratio", _("In proportion to the target (按完成比例计分)")
    THRESHOLD = "threshold", _("Full points if the target is met (达标得满分)")
    ASSESSED = "assessed", _("Self-assessed, reviewed by the district (自评审核)")


class Measure(models.TextChoices):
    """What a computed indicator reads from the platform's records (evaluation_measures.py)."""

    OPINIONS_ON_TIME = "opinions_on_time", _("Opinions answered on time (%)")
    OPINIONS_SATISFIED = "opinions_satisfied", _("Replies rated satisfied (%)")
    MEETINGS_QUORATE = "meetings_quorate", _("Council meetings held with quorum")
    PROJECTS_ON_TIME = "projects_on_time", _("Projects completed on time (%)")
    RECEPTIONS_HELD = "receptions_held", _("Receptions held by deputies")
    REPORTS_ON_TIME = "reports_on_time", _("Regular reports submitted on time (%)")
    ASSIGNMENTS_ON_TIME = "assignments_on_time", _("Assignments reported on time (%)")
    BUDGET_ON_TIME = "budget_on_time", _("Budget published by 31 March")


class Indicator(models.Model):
    """One row of the indicator tree (考评指标). A row with children is a group; a leaf is
    scored. `weight` is its share of its parent, in per cent (siblings add up to 100); its points
    (分值) follow: 100 × the product of the weights down to it."""

    scheme = models.ForeignKey(EvaluationScheme, models.CASCADE, related_name="indicators",
                               verbose_name=_("evaluation scheme"))
    parent = models.ForeignKey("self", models.CASCADE, null=True, blank=True,
                               related_name="children", verbose_name=_("parent indicator"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("indicator (指标)"), max_length=120)
    weight = models.DecimalField(_("weight (权重, %)"), max_digits=5, decimal_places=2)
    method = models.CharField(_("scoring method (计分方法)"), max_length=12,
                              choices=ScoringMethod.choices, blank=True)
    measure = models.CharField(_("computed from"), max_length=32, choices=Measure.choices,
                               blank=True)
    target = models.DecimalField(_("target (目标值)"), max_digits=10, decimal_places=2,
                                 null=True, blank=True)
    note = models.CharField(_("scoring rule in words"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("indicator (考评指标)")
        verbose_name_plural = _("indicators")
        ordering = ["scheme", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=100),
                                   name="oversight_indicator_weight"),
        ]

    def __str__(self) -> str:
        return self.name


class StreetScore(models.Model):
    """A street's score on one leaf indicator (得分). Computed ones keep the measured value and
    its parts; assessed ones keep the street's self-score, note and evidence, and the district's
    reviewed score with its reason — a review never overwrites the self-score."""

    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="scores",
                                  verbose_name=_("indicator"))
    street = models.ForeignKey(Unit, models.PROTECT, related_name="evaluation_scores",
                               verbose_name=_("street"))
    numerator = models.PositiveIntegerField(_("counted"), null=True, blank=True)
    denominator = models.PositiveIntegerField(_("out of"), null=True, blank=True)
    value = models.DecimalField(_("measured value"), max_digits=12, decimal_places=2,
                                null=True, blank=True)
    self_score = models.DecimalField(_("self-score (自评分)"), max_digits=6, decimal_places=2,
                                     null=True, blank=True)
    self_note = models.TextField(_("self-assessment (自评说明)"), blank=True)
    evidence = models.ManyToManyField(Attachment, blank=True, related_name="+",
                                      verbose_name=_("evidence"))
    self_assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                         blank=True, related_name="+",
                                         verbose_name=_("self-assessed by"))
    self_assessed_at = models.DateTimeField(_("self-assessed at"), null=True, blank=True)
    reviewed_score = models.DecimalField(_("reviewed score (审核分)"), max_digits=6,
                                         decimal_places=2, null=True, blank=True)
    review_reason = models.TextField(_("reason for the change"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    score = models.DecimalField(_("score (得分)"), max_digits=6, decimal_places=2,
                                default=Decimal("0"))

    class Meta:
        verbose_name = _("street score (街道得分)")
        verbose_name_plural = _("street scores")
        ordering = ["indicator", "street__sort_order", "street__code"]
        constraints = [models.UniqueConstraint(fields=["indicator", "street"],
                                               name="oversight_one_score_per_street")]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.street}: {self.score}"
