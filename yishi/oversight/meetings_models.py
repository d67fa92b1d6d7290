"""Bimonthly meetings (双月例会) of the district with the street committees: the agenda, each
street's attendance, the exchange of practice, the decisions (which become assignments) and the
minutes published to the streets. An agenda item still open when the minutes are published
carries over to the next meeting's agenda by itself, exactly once."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Attachment, Unit


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("Planned (筹备中)")
    HELD = "held", _("Held (已召开)")
    PUBLISHED = "published", _("Minutes published (纪要已发布)")


class BimonthlyMeeting(models.Model):
    """A bimonthly meeting (双月例会) of the district's standing committee with the streets."""

    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=MeetingState.choices,
                             default=MeetingState.PLANNED)
    minutes = models.TextField(_("minutes"), blank=True)
    published_at = models.DateTimeField(_("minutes published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("convened by"))

    class Meta:
        verbose_name = _("bimonthly meeting (双月例会)")
        verbose_name_plural = _("bimonthly meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class ItemKind(models.TextChoices):
    TOPIC = "topic", _("Topic (议题)")
    PRACTICE = "practice", _("Exchange of practice (经验交流)")


class AgendaItem(models.Model):
    """An item on a meeting's agenda (议程事项): a topic, or a street presenting its practice.
    Resolved at the meeting, or still open: an open item is carried over (carried_from) to the
    next meeting when the minutes are published."""

    meeting = models.ForeignKey(BimonthlyMeeting, models.CASCADE, related_name="items",
                                verbose_name=_("meeting"))
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices,
                            default=ItemKind.TOPIC)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    presenter = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("presenting street"))
    materials = models.ManyToManyField(Attachment, blank=True, related_name="+",
                                       verbose_name=_("materials"))
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # The item of an earlier meeting this one continues; one continuation per item at most.
    carried_from = models.OneToOneField("self", models.SET_NULL, null=True, blank=True,
                                        related_name="carried_to",
                                        verbose_name=_("carried over from"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("agenda item (议程事项)")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "order", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present (出席)")
    EXCUSED = "excused", _("Excused (请假)")
    ABSENT = "absent", _("Absent (缺席)")


class MeetingAttendance(models.Model):
    """A street committee's attendance at a meeting (出席情况), recorded per street."""

    meeting = models.ForeignKey(BimonthlyMeeting, models.CASCADE, related_name="attendance",
                                verbose_name=_("meeting"))
    street = models.ForeignKey(Unit, models.PROTECT, related_name="+",
                               verbose_name=_("street"))
    status = models.CharField(_("attendance"), max_length=16, choices=AttendanceStatus.choices)
    attendees = models.CharField(_("who attended"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("attendance (出席情况)")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "street__sort_order", "street__code"]
        constraints = [models.UniqueConstraint(fields=["meeting", "street"],
                                               name="oversight_attendance_once")]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.street}"


class MeetingDecision(models.Model):
    """A decision of the meeting (会议决定); one that assigns work is an assignment (task)."""

    meeting = models.ForeignKey(BimonthlyMeeting, models.CASCADE, related_name="decisions",
                                verbose_name=_("meeting"))
    item = models.ForeignKey(AgendaItem, models.SET_NULL, null=True, blank=True,
                             related_name="decisions", verbose_name=_("agenda item"))
    text = models.TextField(_("decision"))
    task = models.ForeignKey("oversight.Task", models.SET_NULL, null=True, blank=True,
                             related_name="meeting_decisions", verbose_name=_("assigned task"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting decision (会议决定)")
        verbose_name_plural = _("meeting decisions")
        ordering = ["meeting", "decided_at", "id"]
        constraints = [models.UniqueConstraint(fields=["task"], condition=Q(task__isnull=False),
                                               name="oversight_decision_one_task")]

    def __str__(self) -> str:
        return self.text[:50]
