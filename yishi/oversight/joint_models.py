"""Joint supervision (监督联动): a matter supervised together by the district and several street
committees and their deputies, with a shared timeline of visits, findings and conclusions, and
links to the opinions, projects and assignments it concerns."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Unit


class JointState(models.TextChoices):
    OPEN = "open", _("Under supervision (监督中)")
    CONCLUDED = "concluded", _("Concluded (已办结)")


class JointMatter(models.Model):
    """A matter under joint supervision (联动监督事项), e.g. a cross-street project or a
    recurring complaint."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what is supervised"))
    state = models.CharField(_("state"), max_length=16, choices=JointState.choices,
                             default=JointState.OPEN)
    conclusion = models.TextField(_("conclusion"), blank=True)
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("started by"))

    class Meta:
        verbose_name = _("joint supervision matter (联动监督事项)")
        verbose_name_plural = _("joint supervision matters")
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return self.title


class JointStreet(models.Model):
    """A street committee taking part (参与街道), with the deputies it brings."""

    matter = models.ForeignKey(JointMatter, models.CASCADE, related_name="streets",
                               verbose_name=_("matter"))
    street = models.ForeignKey(Unit, models.PROTECT, related_name="+",
                               verbose_name=_("street"))
    deputies = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                      verbose_name=_("deputies"))

    class Meta:
        verbose_name = _("participating street (参与街道)")
        verbose_name_plural = _("participating streets")
        ordering = ["matter", "street__sort_order", "street__code"]
        constraints = [models.UniqueConstraint(fields=["matter", "street"],
                                               name="oversight_joint_street_once")]

    def __str__(self) -> str:
        return f"{self.matter} · {self.street}"


class EntryKind(models.TextChoices):
    VISIT = "visit", _("Visit (走访视察)")
    FINDING = "finding", _("Finding (发现问题)")
    CONCLUSION = "conclusion", _("Conclusion (结论意见)")


class JointEntry(models.Model):
    """One entry of the shared timeline (监督记录)."""

    matter = models.ForeignKey(JointMatter, models.CASCADE, related_name="entries",
                               verbose_name=_("matter"))
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    date = models.DateField(_("date"))
    text = models.TextField(_("what happened"))
    street = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("recorded for the street"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("joint supervision entry (监督记录)")
        verbose_name_plural = _("joint supervision entries")
        ordering = ["matter", "date", "id"]

    def __str__(self) -> str:
        return f"{self.matter} {self.date}"


class LinkKind(models.TextChoices):
    OPINION = "opinion", _("Opinion")
    PROJECT = "project", _("Livelihood project")
    ASSIGNMENT = "assignment", _("Assignment")


class JointLink(models.Model):
    """A record the matter concerns, named by the owning module's reference (an opinion's
    number, a project's or an assignment's id) and resolved through its queries.py."""

    matter = models.ForeignKey(JointMatter, models.CASCADE, related_name="links",
                               verbose_name=_("matter"))
    kind = models.CharField(_("kind"), max_length=16, choices=LinkKind.choices)
    reference = models.CharField(_("reference"), max_length=40)

    class Meta:
        verbose_name = _("linked record")
        verbose_name_plural = _("linked records")
        ordering = ["matter", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["matter", "kind", "reference"],
                                               name="oversight_joint_link_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"
