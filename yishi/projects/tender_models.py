"""The tender with resident participation (居民参与招标): its own models, kept in the projects
app (same tables, same migrations) and imported by models.py so Django registers them there."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TenderState(models.TextChoices):
    DRAFTING = "drafting", _("Drafting the tender document with residents")
    BIDDING = "bidding", _("Bidding notice published")
    EVALUATING = "evaluating", _("Bids being evaluated")
    AWARDED = "awarded", _("Awarded")


class Tender(models.Model):
    """A tender (招标) drafted with residents, evaluated by a mixed panel, published with its
    scores."""

    project = models.OneToOneField("projects.Project", models.CASCADE, related_name="tender",
                                   verbose_name=_("project"))
    state = models.CharField(_("state"), max_length=12, choices=TenderState.choices,
                             default=TenderState.DRAFTING)
    notice = models.TextField(_("bidding notice (招标公告)"), blank=True)
    notice_published_at = models.DateTimeField(_("notice published"), null=True, blank=True)
    bid_deadline = models.DateTimeField(_("bids due"), null=True, blank=True)
    objection_days = models.PositiveSmallIntegerField(_("objection period (days)"), default=5)
    objections_until = models.DateTimeField(_("objections accepted until"), null=True,
                                            blank=True)

    class Meta:
        verbose_name = _("tender (招标)")
        verbose_name_plural = _("tenders")

    def __str__(self) -> str:
        return str(self.project)


class TenderVersion(models.Model):
    """One version of the tender document (招标文件): a draft may be edited; once published for
    residents' comments it is fixed, and changes make the next version."""

    tender = models.ForeignKey(Tender, models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("tender document"))
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("changed by"))
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("tender document version (招标文件版本)")
        verbose_name_plural = _("tender document versions")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"],
                                               name="one_tender_version_number")]

    def __str__(self) -> str:
        return f"v{self.number}"


class Criterion(models.Model):
    """A published evaluation criterion (评分标准) with its weight (percent) and score range."""

    tender = models.ForeignKey(Tender, models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("weight (%)"))
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("evaluation criterion (评分标准)")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Bid(models.Model):
    """A registered bid (投标)."""

    tender = models.ForeignKey(Tender, models.CASCADE, related_name="bids")
    bidder = models.CharField(_("bidder"), max_length=120)
    price = models.DecimalField(_("price (yuan)"), max_digits=14, decimal_places=2)
    proposal = models.TextField(_("technical proposal"))
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bid (投标)")
        verbose_name_plural = _("bids")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="bid_price_positive"),
            models.UniqueConstraint(fields=["tender", "bidder"], name="one_bid_per_bidder"),
        ]

    def __str__(self) -> str:
        return self.bidder


class PanelKind(models.TextChoices):
    EXPERT = "expert", _("Expert")
    DEPUTY = "deputy", _("Deputy")
    RESIDENT = "resident", _("Residents' representative")


class Panelist(models.Model):
    """A member of the evaluation panel (评标小组)."""

    tender = models.ForeignKey(Tender, models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    kind = models.CharField(_("as"), max_length=10, choices=PanelKind.choices)

    class Meta:
        verbose_name = _("panel member (评标小组成员)")
        verbose_name_plural = _("panel members")
        constraints = [models.UniqueConstraint(fields=["tender", "user"],
                                               name="one_seat_per_panelist")]

    def __str__(self) -> str:
        return f"{self.tender_id}:{self.user_id}"


class Score(models.Model):
    """One panel member's score of one bid on one criterion."""

    panelist = models.ForeignKey(Panelist, models.CASCADE, related_name="scores")
    bid = models.ForeignKey(Bid, models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, models.CASCADE, related_name="scores")
    value = models.DecimalField(_("score"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("score (评分)")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["panelist", "bid", "criterion"],
                                    name="one_score_per_cell"),
            models.CheckConstraint(condition=Q(value__gte=0), name="score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.bid_id}:{self.criterion_id}={self.value}"


class Award(models.Model):
    """The published award with every score (中标公示); a correction is the next version."""

    tender = models.ForeignKey(Tender, models.CASCADE, related_name="awards")
    number = models.PositiveSmallIntegerField(_("version"))
    winner = models.ForeignKey(Bid, models.PROTECT, related_name="+", verbose_name=_("winner"))
    table = models.JSONField(_("scores"))
    note = models.TextField(_("correction note"), blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     related_name="+")

    class Meta:
        verbose_name = _("award (中标结果)")
        verbose_name_plural = _("awards")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"],
                                               name="one_award_number")]

    def __str__(self) -> str:
        return f"v{self.number}"
