"""The district's oversight of its streets (区人大对街道人大工作的指导): tasks assigned to streets
and their assignments (委托交办 / 督办), the standing-committee leaders linked to each street and
their guidance visits (联系指导), and the streets' regular reports (定期汇报)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Attachment, Unit

# --- assignments (委托交办 / 督办) -----------------------------------------------------------


class Task(models.Model):
    """A piece of work the district assigns (交办事项) to one or more streets, one of them the
    lead; each street's share is an Assignment with its own state."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what is to be done"))
    evidence_expected = models.TextField(_("evidence expected"), blank=True)
    issued_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"))
    workdays = models.PositiveSmallIntegerField(_("working days allowed"), null=True, blank=True)
    remind_after_workdays = models.PositiveSmallIntegerField(
        _("remind if not signed for after (working days)"), default=2)
    escalate_after_workdays = models.PositiveSmallIntegerField(
        _("escalate to the liaison leader after the deadline (working days)"), default=3)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("assigned by"))
    source_visit = models.ForeignKey(
        "GuidanceVisit", models.SET_NULL, null=True, blank=True, related_name="follow_up_tasks",
        verbose_name=_("follow-up of the guidance visit"))

    class Meta:
        verbose_name = _("assigned task (交办事项)")
        verbose_name_plural = _("assigned tasks")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.title


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned (交办)")
    SIGNED = "signed", _("Signed for (签收)")
    HANDLING = "handling", _("In progress (办理中)")
    REPORTED = "reported", _("Reported back (已反馈)")
    CLOSED = "closed", _("Closed (办结)")
    RETURNED = "returned", _("Returned (退回)")


OPEN_ASSIGNMENT_STATES = (AssignmentState.ASSIGNED, AssignmentState.SIGNED,
                          AssignmentState.HANDLING)


class Assignment(models.Model):
    """One street's share of a task (交办单): signed for, handled and reported back by the
    street's committee, closed by the district."""

    task = models.ForeignKey(Task, models.CASCADE, related_name="assignments",
                             verbose_name=_("task"))
    street = models.ForeignKey(Unit, models.PROTECT, related_name="oversight_assignments",
                               verbose_name=_("street"))
    is_lead = models.BooleanField(_("lead street"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=AssignmentState.choices,
                             default=AssignmentState.ASSIGNED)
    sign_by = models.DateTimeField(_("to be signed for by"))
    escalate_at = models.DateTimeField(_("escalated to the liaison leader at"))
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported back at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reason = models.TextField(_("reason for returning"), blank=True)
    # Each reminder and the escalation are sent once: the first worker to set the column wins.
    sign_reminded_at = models.DateTimeField(null=True, blank=True)
    deadline_reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment (交办单)")
        verbose_name_plural = _("assignments")
        ordering = ["task", "-is_lead", "street__path"]
        constraints = [
            models.UniqueConstraint(fields=["task", "street"], name="oversight_one_per_street"),
            models.UniqueConstraint(fields=["task"], condition=Q(is_lead=True),
                                    name="oversight_one_lead"),
        ]
        indexes = [models.Index(fields=["state", "street"])]

    def __str__(self) -> str:
        return f"{self.task.title} · {self.street}"

    @property
    def deadline(self):
        return self.task.deadline

    @property
    def is_overdue(self) -> bool:
        return self.state in OPEN_ASSIGNMENT_STATES and self.task.deadline < timezone.now()


class Feedback(models.Model):
    """What a street reports back on its assignment (办理反馈), with its evidence."""

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="feedback",
                                   verbose_name=_("assignment"))
    text = models.TextField(_("what was done"))
    evidence = models.ManyToManyField(Attachment, blank=True, related_name="+",
                                      verbose_name=_("evidence"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback (办理反馈)")
        verbose_name_plural = _("feedback")
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.assignment} @ {self.submitted_at:%Y-%m-%d}"


class EventAction(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    SIGN = "sign", _("Signed for")
    DECLINE = "decline", _("Returned to the district")
    START = "start", _("Handling started")
    REPORT = "report", _("Reported back")
    SEND_BACK = "send_back", _("Sent back for more work")
    CLOSE = "close", _("Closed")
    REASSIGN = "reassign", _("Assigned again")
    SIGN_REMINDER = "sign_reminder", _("Reminder: not yet signed for")
    DEADLINE_REMINDER = "deadline_reminder", _("Reminder: deadline reached")
    ESCALATE = "escalate", _("Escalated to the liaison leader")


class AssignmentEvent(models.Model):
    """The assignment's timeline (办理记录): every step, reminder and escalation, as shown."""

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="events",
                                   verbose_name=_("assignment"))
    action = models.CharField(_("action"), max_length=32, choices=EventAction.choices)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("assignment event (办理记录)")
        verbose_name_plural = _("assignment events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"


# --- liaison leaders and guidance visits (联系指导) --------------------------------------------


class LiaisonLink(models.Model):
    """A standing-committee leader linked to a street (联系街道的常委会领导), for a period."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT,
                               related_name="liaison_links", verbose_name=_("leader"))
    street = models.ForeignKey(Unit, models.PROTECT, related_name="liaison_links",
                               verbose_name=_("street"))
    title = models.CharField(_("position"), max_length=64, blank=True)
    starts_on = models.DateField(_("from"), default=timezone.localdate)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("liaison leader (联系领导)")
        verbose_name_plural = _("liaison leaders")
        ordering = ["street__path", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["leader", "street"], condition=Q(ends_on__isnull=True),
                                    name="oversight_link_unique_open"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True)
                                   | Q(ends_on__gte=models.F("starts_on")),
                                   name="oversight_link_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.leader.name} → {self.street}"


class GuidanceVisit(models.Model):
    """A leader's guidance visit to a street (联系指导活动): topics, problems found, follow-ups;
    a follow-up can become an assignment (Task.source_visit)."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT,
                               related_name="guidance_visits", verbose_name=_("leader"))
    street = models.ForeignKey(Unit, models.PROTECT, related_name="guidance_visits",
                               verbose_name=_("street"))
    date = models.DateField(_("date"))
    topics = models.TextField(_("topics"))
    problems = models.TextField(_("problems found"), blank=True)
    follow_ups = models.TextField(_("follow-ups"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("guidance visit (联系指导活动)")
        verbose_name_plural = _("guidance visits")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["street", "date"])]

    def __str__(self) -> str:
        return f"{self.street} {self.date}"


# --- regular reports (定期汇报) ---------------------------------------------------------------


class ReportKind(models.TextChoices):
    HALF_YEAR = "half_year", _("Half-year (半年)")
    ANNUAL = "annual", _("Annual (年度)")
    SPECIAL = "special", _("Special (专项)")


class ReportType(models.Model):
    """A report the district asks of every street (汇报要求): the period it covers, when it is
    due and the sections it must have."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    due_on = models.DateField(_("due on"))
    sections = models.JSONField(_("required sections"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("defined by"))

    class Meta:
        verbose_name = _("report type (汇报要求)")
        verbose_name_plural = _("report types")
        ordering = ["-due_on", "title"]
        constraints = [models.CheckConstraint(condition=Q(period_end__gte=models.F(
            "period_start")), name="oversight_report_period")]

    def __str__(self) -> str:
        return self.title


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft (起草中)")
    SUBMITTED = "submitted", _("Submitted (已报送)")
    RETURNED = "returned", _("Returned (退回修改)")
    ACCEPTED = "accepted", _("Accepted (已通过)")


class StreetReport(models.Model):
    """A street's report (街道定期汇报): figures for the period prefilled from the modules, the
    required sections written by the street's committee; submitted, then accepted or returned
    with comments by the district."""

    report_type = models.ForeignKey(ReportType, models.CASCADE, related_name="reports",
                                    verbose_name=_("report type"))
    street = models.ForeignKey(Unit, models.PROTECT, related_name="oversight_reports",
                               verbose_name=_("street"))
    state = models.CharField(_("state"), max_length=16, choices=ReportState.choices,
                             default=ReportState.DRAFT)
    figures = models.JSONField(_("figures"), default=dict)
    sections = models.JSONField(_("sections"), default=dict)
    comments = models.TextField(_("district's comments"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    late_flagged_at = models.DateTimeField(_("flagged late"), null=True, blank=True)

    class Meta:
        verbose_name = _("street report (街道定期汇报)")
        verbose_name_plural = _("street reports")
        ordering = ["report_type", "street__path"]
        constraints = [models.UniqueConstraint(fields=["report_type", "street"],
                                               name="oversight_one_report_per_street")]

    def __str__(self) -> str:
        return f"{self.report_type} · {self.street}"

    @property
    def is_late(self) -> bool:
        return self.late_flagged_at is not None


# The "886" rules library, bimonthly meetings, joint supervision and service guarantee live in
# modules of their own; imported here so that Django sees their models.
# --- evaluation (考评激励), in its own module -----------------------------------------------
from .evaluation_models import (  # noqa: E402,F401
    EvaluationScheme,
    Indicator,
    Measure,
    SchemeState,
    ScoringMethod,
    StreetScore,
)
from .joint_models import JointEntry, JointLink, JointMatter, JointStreet  # noqa: E402, F401
from .meetings_models import (  # noqa: E402, F401
    AgendaItem,
    BimonthlyMeeting,
    MeetingAttendance,
    MeetingDecision,
)
from .rules_models import Rule, RuleGroup, RuleVersion  # noqa: E402, F401
from .support_models import SupportEvent, SupportRequest  # noqa: E402, F401
