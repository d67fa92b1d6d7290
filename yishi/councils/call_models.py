"""One-click calls for deliberation (一键呼) and the livelihood round tables (民生圆桌会) they
lead to: models of the councils app, kept apart from the council and its meetings (re-exported
by models.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Unit


class CallState(models.TextChoices):
    OPEN = "open", _("Gathering support")
    DUE = "due", _("Round table due")
    SCHEDULED = "scheduled", _("Round table convened")
    CLOSED = "closed", _("Deliberated")


class Call(models.Model):
    """A one-click call for deliberation (一键呼): a matter raised by a resident or member, which
    others can support; at the street's threshold a round table must be convened."""

    street = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("street"))
    community = models.ForeignKey(Unit, models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  related_name="+", verbose_name=_("raised by"))
    description = models.CharField(_("the matter"), max_length=500)
    state = models.CharField(_("state"), max_length=10, choices=CallState.choices,
                             default=CallState.OPEN)
    supports = models.PositiveIntegerField(_("supports"), default=0)
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    due_at = models.DateTimeField(_("round table due by"), null=True, blank=True)
    triggered_by_staff = models.BooleanField(_("decided by staff"), default=False)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-click call (一键呼)")
        verbose_name_plural = _("one-click calls")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def gathering_support(self) -> bool:
        return self.state in (CallState.OPEN, CallState.DUE)

    @property
    def overdue(self) -> bool:
        return (self.state == CallState.DUE and self.due_at is not None
                and self.due_at < timezone.now())


class CallSupport(models.Model):
    call = models.ForeignKey(Call, models.CASCADE, related_name="support_rows",
                             verbose_name=_("call"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+",
                             verbose_name=_("supporter"))
    created_at = models.DateTimeField(_("supported"), default=timezone.now)

    class Meta:
        verbose_name = _("support (附议)")
        verbose_name_plural = _("supports")
        constraints = [models.UniqueConstraint(fields=["call", "user"],
                                               name="council_call_support_unique")]

    def __str__(self) -> str:
        return f"{self.call_id}:{self.user_id}"


class RoundTableState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")


class Outcome(models.TextChoices):
    NONE = "none", _("Settled at the table")
    OPINION = "opinion", _("Passed on as an opinion (意见办理)")
    PROJECT = "project", _("Candidate livelihood project (民生实事候选)")


class RoundTable(models.Model):
    """A livelihood round table (民生圆桌会 / 一桌议): residents concerned, deputies, council
    members and the departments responsible, around one matter."""

    street = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("street"))
    call = models.OneToOneField(Call, models.SET_NULL, null=True, blank=True,
                                related_name="round_table", verbose_name=_("call"))
    title = models.CharField(_("topic"), max_length=200)
    held_at = models.DateTimeField(_("when"))
    place = models.CharField(_("place"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=RoundTableState.choices,
                             default=RoundTableState.PLANNED)
    summary = models.TextField(_("discussion summary"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices,
                               default=Outcome.NONE)
    outcome_text = models.TextField(_("outcome details"), blank=True)
    opinion = models.ForeignKey("opinions.Opinion", models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("opinion"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("convened by"))

    class Meta:
        verbose_name = _("livelihood round table (民生圆桌会)")
        verbose_name_plural = _("livelihood round tables")
        ordering = ["-held_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_held(self) -> bool:
        return self.state == RoundTableState.HELD


class ParticipantKind(models.TextChoices):
    RESIDENT = "resident", _("Resident concerned")
    DEPUTY = "deputy", _("Deputy")
    MEMBER = "member", _("Council member")
    DEPARTMENT = "department", _("Responsible department")
    STAFF = "staff", _("Street committee staff")


class Participant(models.Model):
    round_table = models.ForeignKey(RoundTable, models.CASCADE, related_name="participants",
                                    verbose_name=_("round table"))
    kind = models.CharField(_("taking part as"), max_length=12, choices=ParticipantKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("person"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("round-table participant")
        verbose_name_plural = _("round-table participants")
        constraints = [models.UniqueConstraint(fields=["round_table", "user"],
                                               condition=Q(user__isnull=False),
                                               name="council_participant_unique")]

    def __str__(self) -> str:
        return self.name


class RoundTableAction(models.Model):
    round_table = models.ForeignKey(RoundTable, models.CASCADE, related_name="actions",
                                    verbose_name=_("round table"))
    title = models.CharField(_("agreed action"), max_length=200)
    owner = models.CharField(_("owner"), max_length=100)
    deadline = models.DateField(_("deadline"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreed action")
        verbose_name_plural = _("agreed actions")
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.title

