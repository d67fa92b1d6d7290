"""Deputies and liaison stations (人大代表联络站). The foundation holds the stations the demo
needs; schedules, receptions and duty registration come with the deputies issue."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Unit


class StationKind(models.TextChoices):
    STREET = "street", _("Street station")
    THEMED = "themed", _("Themed station")


class LiaisonStation(models.Model):
    """A place (and online room) where deputies meet residents (代表联络站)."""

    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="liaison_stations", verbose_name=_("street")
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=StationKind.choices)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)
    notice_days = models.PositiveSmallIntegerField(
        _("publish receptions at least this many days ahead"), default=3)
    min_receptions = models.PositiveSmallIntegerField(
        _("receptions each deputy should hold per year"), default=4)

    class Meta:
        verbose_name = _("liaison station (代表联络站)")
        verbose_name_plural = _("liaison stations")
        ordering = ["unit__path", "kind", "name"]

    def __str__(self) -> str:
        if get_language() and not get_language().startswith("zh") and self.name_en:
            return self.name_en
        return self.name


class DeputyLevel(models.TextChoices):
    NATIONAL = "national", _("National People's Congress")
    PROVINCIAL = "provincial", _("Provincial People's Congress")
    CITY = "city", _("City People's Congress")
    DISTRICT = "district", _("District People's Congress")


class DeputyProfile(models.Model):
    """A deputy's public profile (代表信息): who they are, where to meet them. Contact goes
    through the platform only; the number is never shown."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE,
                                related_name="deputy_profile", verbose_name=_("person"))
    level = models.CharField(_("level"), max_length=12, choices=DeputyLevel.choices,
                             default=DeputyLevel.DISTRICT)
    term = models.CharField(_("term"), max_length=40, blank=True)
    constituency = models.CharField(_("constituency"), max_length=100, blank=True)
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    biography = models.TextField(_("about"), blank=True)
    photo = models.ForeignKey("core.Attachment", models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("photo"))
    stations = models.ManyToManyField(LiaisonStation, blank=True, related_name="deputies",
                                      verbose_name=_("liaison stations"))
    is_public = models.BooleanField(_("public profile"), default=True)

    class Meta:
        verbose_name = _("deputy profile (代表信息)")
        verbose_name_plural = _("deputy profiles")
        ordering = ["level", "user__name"]

    def __str__(self) -> str:
        return self.user.name


class ExpertGroup(models.Model):
    """A deputies' expert group (代表专家组), such as 灵隐's: deputies with expertise who
    supervise the street's work on given topics."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="deputy_expert_groups",
                             verbose_name=_("street"))
    name = models.CharField(_("name"), max_length=100)
    topics = models.CharField(_("topics"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(DeputyProfile, blank=True, related_name="expert_groups",
                                     verbose_name=_("members"))

    class Meta:
        verbose_name = _("deputies' expert group (代表专家组)")
        verbose_name_plural = _("deputies' expert groups")
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class ReceptionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online (云接待)")


class SessionState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class ReceptionSession(models.Model):
    """A published reception (接待日): deputies on duty at a station, in person or online, with
    numbered slots residents can book."""

    station = models.ForeignKey(LiaisonStation, models.CASCADE, related_name="sessions",
                                verbose_name=_("station"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    mode = models.CharField(_("mode"), max_length=10, choices=ReceptionMode.choices,
                            default=ReceptionMode.IN_PERSON)
    deputies = models.ManyToManyField(DeputyProfile, related_name="sessions",
                                      verbose_name=_("deputies on duty"))
    slots = models.PositiveSmallIntegerField(_("bookable slots"), default=8)
    state = models.CharField(_("state"), max_length=10, choices=SessionState.choices,
                             default=SessionState.SCHEDULED)
    series = models.ForeignKey("ReceptionSeries", models.SET_NULL, null=True, blank=True,
                               related_name="sessions", verbose_name=_("schedule"))
    cancel_reason = models.CharField(_("reason cancelled"), max_length=300, blank=True)
    # Bumped by every change the online room shows (yishi/deputies/live.py): pollers compare it.
    live_version = models.PositiveIntegerField(_("version of the live room"), default=0,
                                               editable=False)

    class Meta:
        verbose_name = _("reception session (接待日)")
        verbose_name_plural = _("reception sessions")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        # Stored in UTC; people read Asia/Shanghai (a 09:00 reception is not "01:00").
        return f"{self.station} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class BookingState(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CALLED = "called", _("Called in")
    SERVED = "served", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not come")


# A booking in one of these states holds its place; a cancelled one gives it back.
HOLDS_PLACE = ~models.Q(state=BookingState.CANCELLED)


class Booking(models.Model):
    """A resident's booked place (预约) at a reception. One resident per place and one place per
    resident in a session, among the bookings not cancelled, both enforced by the database."""

    session = models.ForeignKey(ReceptionSession, models.CASCADE, related_name="bookings",
                                verbose_name=_("session"))
    slot = models.PositiveSmallIntegerField(_("slot"))
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                                 related_name="reception_bookings", verbose_name=_("resident"))
    topic = models.CharField(_("what you want to raise"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("booked"), auto_now_add=True)
    # Booked → called in (by the desk or the deputy) → finished; or cancelled by the resident,
    # or marked as not come. Declared in workflows.BOOKING.
    state = models.CharField(_("state"), max_length=10, choices=BookingState.choices,
                             default=BookingState.BOOKED)
    called_at = models.DateTimeField(_("called in"), null=True, blank=True)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name=_("called in by"))
    served_at = models.DateTimeField(_("finished"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking (预约)")
        verbose_name_plural = _("bookings")
        ordering = ["slot"]
        constraints = [
            models.UniqueConstraint(fields=["session", "slot"], condition=HOLDS_PLACE,
                                    name="one_resident_per_slot"),
            models.UniqueConstraint(fields=["session", "resident"], condition=HOLDS_PLACE,
                                    name="one_slot_per_resident"),
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.slot}"


class Recurrence(models.TextChoices):
    WEEKLY = "weekly", _("Every week on a weekday")
    MONTHLY = "monthly", _("A day of the month, in chosen months")


class ReceptionSeries(models.Model):
    """A reception schedule (排班), e.g. every Monday 9–11, or the 15th of each odd month: the
    sessions it produces are ordinary reception sessions."""

    station = models.ForeignKey(LiaisonStation, models.CASCADE, related_name="series",
                                verbose_name=_("station"))
    recurrence = models.CharField(_("repeats"), max_length=8, choices=Recurrence.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday (0 = Monday)"), null=True, blank=True)
    month_day = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True)
    months = models.CharField(_("months"), max_length=40, blank=True,
                              help_text=_("Comma-separated month numbers, e.g. 1,3,5,7,9,11"))
    first_date = models.DateField(_("from"))
    last_date = models.DateField(_("until"))
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))
    mode = models.CharField(_("mode"), max_length=10, choices=ReceptionMode.choices)
    slots = models.PositiveSmallIntegerField(_("bookable slots"), default=8)
    deputies = models.ManyToManyField(DeputyProfile, related_name="+",
                                      verbose_name=_("deputies on duty"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("published by"))

    class Meta:
        verbose_name = _("reception schedule (排班)")
        verbose_name_plural = _("reception schedules")

    def __str__(self) -> str:
        return f"{self.station} {self.get_recurrence_display()}"


class RoomMessage(models.Model):
    """A line of the text conversation in an online reception room (云接待), the local room that
    stands in for a video service."""

    booking = models.ForeignKey(Booking, models.CASCADE, related_name="messages",
                                verbose_name=_("booking"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+",
                               verbose_name=_("written by"))
    text = models.TextField(_("message"), max_length=1000)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("room message")
        verbose_name_plural = _("room messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class ActivityWeek(models.Model):
    """A deputies' activity week (代表活动周) the district declares; stations publish their
    events in it and deputies register their participation."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("district"))
    theme = models.CharField(_("theme"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("declared by"))

    class Meta:
        verbose_name = _("activity week (代表活动周)")
        verbose_name_plural = _("activity weeks")
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="activity_week_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.theme} ({self.starts_on:%Y-%m-%d})"


class WeekEvent(models.Model):
    """An event a station holds during an activity week."""

    week = models.ForeignKey(ActivityWeek, models.CASCADE, related_name="events",
                             verbose_name=_("activity week"))
    station = models.ForeignKey(LiaisonStation, models.CASCADE, related_name="week_events",
                                verbose_name=_("station"))
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("activity-week event")
        verbose_name_plural = _("activity-week events")
        ordering = ["date", "station__name"]

    def __str__(self) -> str:
        return self.title


class ActivityKind(models.TextChoices):
    RECEPTION = "reception", _("Receiving voters")
    INSPECTION = "inspection", _("Inspection or research")
    SUGGESTION = "suggestion", _("Deputy's suggestion submitted")
    MEETING = "meeting", _("Meeting attended")
    TRAINING = "training", _("Training")
    ACTIVITY_WEEK = "activity_week", _("Activity week event")
    SUPERVISION = "supervision", _("Project supervision")
    VOTER_TALK = "voter_talk", _("Reporting to voters (述职)")
    ABSENCE = "absence", _("Absence without leave")


class ActivityState(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    RETURNED = "returned", _("Returned")


class DutyActivity(models.Model):
    """A deputy's registered duty (履职登记); staff confirm it or return it with a reason.
    Some are registered by the platform itself (a reception held)."""

    deputy = models.ForeignKey(DeputyProfile, models.CASCADE, related_name="activities",
                               verbose_name=_("deputy"))
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    date = models.DateField(_("date"))
    description = models.TextField(_("description"), max_length=2000)
    evidence = models.ManyToManyField("core.Attachment", blank=True, related_name="+",
                                      verbose_name=_("evidence"))
    state = models.CharField(_("state"), max_length=10, choices=ActivityState.choices,
                             default=ActivityState.SUBMITTED)
    automatic = models.BooleanField(_("registered by the platform"), default=False)
    # What the platform registered it from ("councils.meeting:12"), so it is registered once.
    source_key = models.CharField(_("source"), max_length=80, blank=True)
    event = models.ForeignKey(WeekEvent, models.SET_NULL, null=True, blank=True,
                              related_name="participations", verbose_name=_("activity-week event"))
    return_reason = models.CharField(_("reason returned"), max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("duty activity (履职登记)")
        verbose_name_plural = _("duty activities")
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["deputy", "source_key"], condition=~models.Q(source_key=""),
            name="one_automatic_activity_per_source")]

    def __str__(self) -> str:
        return f"{self.deputy} {self.get_kind_display()} {self.date}"


class PointsRule(models.Model):
    """Points per kind of activity (考评积分规则), edited by the district; a rule applies from
    its date until a newer rule for the same kind."""

    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1)
    valid_from = models.DateField(_("applies from"))

    class Meta:
        verbose_name = _("points rule (积分规则)")
        verbose_name_plural = _("points rules")
        ordering = ["kind", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["kind", "valid_from"],
                                               name="one_points_rule_per_kind_and_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.points} ({self.valid_from})"
