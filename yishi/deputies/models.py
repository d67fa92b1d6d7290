"""Deputies and liaison stations (人大代表联络站). The foundation holds the stations the demo
needs; schedules, receptions and duty registration come with the deputies issue."""

from django.conf import settings
from django.db import models
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
    stations = models.ManyToManyField(LiaisonStation, blank=True, related_name="deputies",
                                      verbose_name=_("liaison stations"))
    is_public = models.BooleanField(_("public profile"), default=True)

    class Meta:
        verbose_name = _("deputy profile (代表信息)")
        verbose_name_plural = _("deputy profiles")
        ordering = ["level", "user__name"]

    def __str__(self) -> str:
        return self.user.name


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

    class Meta:
        verbose_name = _("reception session (接待日)")
        verbose_name_plural = _("reception sessions")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.station} {self.starts_at:%Y-%m-%d %H:%M}"


class Booking(models.Model):
    """A resident's booked slot (预约). One resident per slot and one slot per resident in a
    session, both enforced by the database."""

    session = models.ForeignKey(ReceptionSession, models.CASCADE, related_name="bookings",
                                verbose_name=_("session"))
    slot = models.PositiveSmallIntegerField(_("slot"))
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                                 related_name="reception_bookings", verbose_name=_("resident"))
    topic = models.CharField(_("what you want to raise"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("booked"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking (预约)")
        verbose_name_plural = _("bookings")
        ordering = ["slot"]
        constraints = [
            models.UniqueConstraint(fields=["session", "slot"], name="one_resident_per_slot"),
            models.UniqueConstraint(fields=["session", "resident"],
                                    name="one_slot_per_resident"),
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.slot}"


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
