"""State changes at the liaison stations: scheduling receptions, booking slots, and recording
what residents raised — each matter becomes an opinion in the opinions loop, with the deputy as
recorder (deputies record; they do not decide on the spot)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yishi.core import audit
from yishi.core.models import Unit, User
from yishi.core.notifications import notify
from yishi.core.permissions import require
from yishi.core.workflow import transition

from .models import (
    HOLDS_PLACE,
    Booking,
    DeputyProfile,
    LiaisonStation,
    ReceptionSeries,
    ReceptionSession,
    Recurrence,
    SessionState,
)
from .permissions import may_confirm_activities
from .workflows import DUTY_ACTIVITY, RECEPTION_SESSION


class ReceptionError(ValidationError):
    pass


@transaction.atomic
def schedule_session(actor, station: LiaisonStation, *, starts_at, ends_at, mode: str,
                     deputies: list[DeputyProfile], slots: int = 8) -> ReceptionSession:
    require(actor, "deputies.schedule", station.unit)
    _check_session(station, starts_at, ends_at, deputies, slots)
    session = ReceptionSession.objects.create(station=station, starts_at=starts_at,
                                              ends_at=ends_at, mode=mode, slots=slots)
    session.deputies.set(deputies)
    audit.record(actor, "deputies.schedule_session", session,
                 after={"starts_at": starts_at.isoformat(), "mode": mode,
                        "deputies": [d.pk for d in deputies]}, unit=station.unit)
    return session


def _check_session(station, starts_at, ends_at, deputies, slots) -> None:
    if starts_at <= timezone.now():
        raise ReceptionError({"starts_at": _("A reception must be scheduled in the future.")})
    earliest = timezone.localdate() + timedelta(days=station.notice_days)
    if timezone.localtime(starts_at).date() < earliest:
        raise ReceptionError({"starts_at": _(
            "Receptions at this station are published at least %(days)d days ahead: the "
            "earliest date is %(date)s.") % {"days": station.notice_days, "date": earliest}})
    if ends_at <= starts_at:
        raise ReceptionError({"ends_at": _("A reception must end after it starts.")})
    if not deputies:
        raise ReceptionError({"deputies": _("Choose at least one deputy on duty.")})
    if not 1 <= slots <= 100:
        raise ReceptionError({"slots": _("Between 1 and 100 slots.")})
    foreign = [d for d in deputies if not d.stations.filter(pk=station.pk).exists()]
    if foreign:
        raise ReceptionError({"deputies": _("%(name)s does not serve at this station.")
                              % {"name": foreign[0].user.name}})


def series_dates(recurrence: str, first: date, last: date, *, weekday=None, month_day=None,
                 months=()) -> list[date]:
    """The days a schedule falls on, e.g. every Monday, or the 15th of each odd month."""
    days, day = [], first
    while day <= last:
        if recurrence == Recurrence.WEEKLY and day.weekday() == weekday:
            days.append(day)
        elif (recurrence == Recurrence.MONTHLY and day.day == month_day
              and day.month in months):
            days.append(day)
        day += timedelta(days=1)
    return days


MAX_SERIES_DAYS = 366


@transaction.atomic
def schedule_series(actor, station: LiaisonStation, *, recurrence: str, first_date: date,
                    last_date: date, start_time: time, end_time: time, mode: str,
                    deputies: list[DeputyProfile], slots: int = 8, weekday: int | None = None,
                    month_day: int | None = None, months: list[int] = ()) -> ReceptionSeries:
    """排班: publish a whole schedule at once; every date becomes a reception session."""
    require(actor, "deputies.schedule", station.unit)
    if recurrence == Recurrence.WEEKLY and weekday not in range(7):
        raise ReceptionError({"weekday": _("Choose a weekday.")})
    if recurrence == Recurrence.MONTHLY:
        if month_day not in range(1, 29):
            raise ReceptionError({"month_day": _("Choose a day between 1 and 28.")})
        if not months or any(m not in range(1, 13) for m in months):
            raise ReceptionError({"months": _("Choose the months, as numbers from 1 to 12.")})
    if recurrence not in Recurrence.values:
        raise ReceptionError({"recurrence": _("Choose how the reception repeats.")})
    if last_date < first_date or (last_date - first_date).days > MAX_SERIES_DAYS:
        raise ReceptionError({"last_date": _("The schedule must end after it starts and cover "
                                             "at most a year.")})
    if end_time <= start_time:
        raise ReceptionError({"end_time": _("A reception must end after it starts.")})
    days = series_dates(recurrence, first_date, last_date, weekday=weekday, month_day=month_day,
                        months=months)
    if not days:
        raise ReceptionError({"first_date": _("No date between these days fits the schedule.")})
    tz = timezone.get_current_timezone()
    moments = [(datetime.combine(d, start_time, tz), datetime.combine(d, end_time, tz))
               for d in days]
    _check_session(station, moments[0][0], moments[0][1], deputies, slots)
    series = ReceptionSeries.objects.create(
        station=station, recurrence=recurrence, weekday=weekday, month_day=month_day,
        months=",".join(str(m) for m in months), first_date=first_date, last_date=last_date,
        start_time=start_time, end_time=end_time, mode=mode, slots=slots, created_by=actor)
    series.deputies.set(deputies)
    sessions = ReceptionSession.objects.bulk_create([
        ReceptionSession(station=station, starts_at=start, ends_at=end, mode=mode, slots=slots,
                         series=series) for start, end in moments])
    through = ReceptionSession.deputies.through
    through.objects.bulk_create([through(receptionsession_id=s.pk, deputyprofile_id=d.pk)
                                 for s in sessions for d in deputies])
    audit.record(actor, "deputies.schedule_series", series,
                 after={"sessions": len(sessions), "from": first_date.isoformat(),
                        "until": last_date.isoformat(), "deputies": [d.pk for d in deputies]},
                 unit=station.unit)
    return series


@transaction.atomic
def cancel_session(actor, session: ReceptionSession, reason: str) -> ReceptionSession:
    require(actor, "deputies.schedule", session.station.unit)
    reason = (reason or "").strip()
    if not reason:
        raise ReceptionError({"reason": _("Say why the reception is cancelled.")})
    transition(session, "cancel_session", actor, workflow=RECEPTION_SESSION,
               after={"reason": reason}, cancel_reason=reason[:300])
    notify([b.resident for b in session.bookings.filter(HOLDS_PLACE).select_related("resident")],
           lambda: _("Reception cancelled: %(session)s") % {"session": session}, reason,
           f"/deputies/sessions/{session.pk}/")
    return session


def _on_duty(user, session: ReceptionSession) -> bool:
    return user.is_authenticated and session.deputies.filter(user=user).exists()


@dataclass
class Matter:
    title: str
    text: str
    category: object
    community: Unit
    # 涉诉涉仲裁: recorded, but as not accepted, with this reason
    in_litigation: bool = False


def record_matters(deputy_user, session: ReceptionSession, *, resident_name: str,
                   resident_mobile: str, matters: list[Matter], booking: Booking | None = None):
    """What a resident raised at a reception: each matter becomes an opinion in the loop,
    recorded by the deputy on the resident's behalf (street staff then accept it). A matter in
    litigation or arbitration is recorded as not accepted, with that reason. A resident with an
    account (the one who booked, or whose number it is) follows the opinion's progress."""
    from yishi.core.models import normalize_mobile
    from yishi.opinions import services as opinions

    if not _on_duty(deputy_user, session):
        raise PermissionDenied(_("Only a deputy on duty at this reception can record it."))
    if session.state == SessionState.CANCELLED:
        raise ReceptionError(_("This reception was cancelled."))
    if not matters:
        raise ReceptionError(_("Record at least one matter."))
    if booking is not None and booking.session_id != session.pk:
        raise ReceptionError(_("This booking is for another reception."))
    resident = booking.resident if booking else (
        User.objects.filter(mobile=normalize_mobile(resident_mobile), is_active=True).first()
        if resident_mobile else None)
    with transaction.atomic():
        created = []
        for m in matters:
            opinion = opinions.submit_opinion(deputy_user, opinions.Intake(
                title=m.title, text=m.text, category=m.category, community=m.community,
                contact_name=resident_name, contact_mobile=resident_mobile),
                channel="reception", resident=resident)
            if m.in_litigation:
                opinions.record_not_accepted(deputy_user, opinion, str(LITIGATION_REASON))
            created.append(opinion)
        try:
            transition(session, "session_held", deputy_user, workflow=RECEPTION_SESSION)
            held = True
        except ReceptionError:
            held = False  # held already: another deputy on duty recorded a matter first
        if held:  # the reception counts as a duty for every deputy on duty, once
            for profile in session.deputies.select_related("user"):
                register_automatic_activity(
                    profile.user, kind="reception",
                    date=timezone.localtime(session.starts_at).date(),
                    description=str(_("Reception at %(station)s") % {"station": session.station}),
                    source_key=f"deputies.session:{session.pk}")
        audit.record(deputy_user, "deputies.record_reception", session,
                     after={"opinions": [o.number for o in created]}, unit=session.station.unit)
    return created


LITIGATION_REASON = gettext_lazy(
    "In litigation or arbitration (涉诉涉仲裁): to be settled through the legal procedure.")


# --- duty registration and points -------------------------------------------------------------

def register_automatic_activity(user, *, kind: str, date, description: str, source_key: str,
                                confirmed: bool = True):
    """A duty the platform saw happen (a reception held, a meeting attended, a supervision
    visit logged): registered as confirmed, once per source, for a person who is a deputy.
    What the deputy did alone (`confirmed=False`, a suggestion they typed in) waits for the
    street's confirmation like an activity they registered, so it scores nothing until then."""
    from .models import DutyActivity

    profile = DeputyProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    with transaction.atomic():
        activity, created = DutyActivity.objects.get_or_create(
            deputy=profile, source_key=source_key,
            defaults={"kind": kind, "date": date, "description": description[:2000],
                      "automatic": True})
        if created and confirmed:
            # Seen by the platform itself: confirmed by it on registration.
            transition(activity, "confirm_activity", None, workflow=DUTY_ACTIVITY)
            audit.record(None, "deputies.register_automatic_activity", activity,
                         after={"kind": kind, "date": date.isoformat(), "source": source_key})
    return activity


def _clean_activity(kind: str, day, description: str) -> str:
    from .models import ActivityKind

    if kind not in ActivityKind.values or kind == ActivityKind.ABSENCE:
        raise ReceptionError({"kind": _("Choose the kind of activity.")})
    if day > timezone.localdate():
        raise ReceptionError({"date": _("An activity cannot be dated in the future.")})
    description = (description or "").strip()
    if not description:
        raise ReceptionError({"description": _("Describe the activity.")})
    return description[:2000]


def _evidence(actor, files) -> list:
    """Store evidence files, or name the one that is refused (type, size) and store none."""
    from yishi.core.attachments import clean_upload, store_attachments

    for f in files:
        try:
            clean_upload(f)
        except ValidationError as exc:
            raise ReceptionError({"evidence": f"{f.name}: {exc.messages[0]}"}) from None
    return store_attachments(actor, files)


def register_activity(actor, deputy: DeputyProfile, *, kind: str, date, description: str,
                      evidence=(), event=None):
    """A deputy registers one of their own activities (not one dated in the future)."""
    from .models import ActivityKind, DutyActivity

    if deputy.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Deputies register their own activities only."))
    description = _clean_activity(kind, date, description)
    if event is not None and not deputy.stations.filter(pk=event.station_id).exists():
        # Each station's events are its own deputies' duty; points for another station's
        # event would be points for an event one was never expected at.
        raise ReceptionError({"event": _("This event is not at your liaison station.")})
    if event is not None and (kind != ActivityKind.ACTIVITY_WEEK or event.date != date):
        raise ReceptionError({"date": _("Taking part in an activity-week event is registered "
                                        "on the day of the event.")})
    with transaction.atomic():
        activity = DutyActivity.objects.create(deputy=deputy, kind=kind, date=date,
                                               description=description, event=event)
        if evidence:
            activity.evidence.set(_evidence(actor, evidence))
        audit.record(actor, "deputies.register_activity", activity,
                     after={"kind": kind, "date": date.isoformat()})
    return activity


@transaction.atomic
def edit_activity(actor, activity, *, kind: str, date, description: str, evidence=()):
    """A deputy corrects an activity not yet confirmed (or returned to them): it goes back to
    the street for confirmation."""
    from .models import ActivityState

    if activity.deputy.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Deputies edit their own activities only."))
    if activity.automatic:
        raise ReceptionError(_("An activity registered by the platform cannot be edited."))
    description = _clean_activity(kind, date, description)
    before = {"kind": activity.kind, "date": activity.date.isoformat(),
              "description": activity.description}
    if activity.state == ActivityState.CONFIRMED:
        raise ReceptionError(_("A confirmed activity cannot be edited."))
    transition(activity, "resubmit_activity", actor, workflow=DUTY_ACTIVITY, kind=kind,
               date=date, description=description, return_reason="")
    if evidence:
        activity.evidence.add(*_evidence(actor, evidence))
    audit.record(actor, "deputies.edit_activity", activity, before=before,
                 after={"kind": kind, "date": date.isoformat(), "description": description})
    return activity


@transaction.atomic
def decide_activity(actor, activity, *, confirm: bool, reason: str = ""):
    """Street or district staff confirm an activity, or return it with a reason."""
    from .models import ActivityState

    if not may_confirm_activities(actor, activity.deputy):
        raise PermissionDenied(_("You cannot confirm this deputy's activities."))
    if not confirm and not reason.strip():
        raise ReceptionError({"reason": _("Say why the activity is returned.")})
    if activity.state != ActivityState.SUBMITTED:
        raise ReceptionError(_("This activity has already been dealt with."))
    transition(activity, "confirm_activity" if confirm else "return_activity", actor,
               workflow=DUTY_ACTIVITY, return_reason="" if confirm else reason.strip()[:500],
               decided_by=actor)
    audit.record(actor, "deputies.decide_activity", activity,
                 after={"state": activity.state, "reason": activity.return_reason})
    return activity


def score(deputy: DeputyProfile, start, end) -> dict:
    """Points for confirmed activities between two dates, each counted by the rule in force on
    its date; recomputed from the rules every time, so a changed rule applies from its date."""
    from decimal import Decimal

    from .models import ActivityState
    from .queries import _rules, points_for

    rules = _rules()
    total, by_kind = Decimal(0), {}
    for kind, day in deputy.activities.filter(state=ActivityState.CONFIRMED,
                                              date__range=(start, end)).values_list("kind", "date"):
        points = points_for(rules, kind, day)
        total += points
        by_kind[kind] = by_kind.get(kind, Decimal(0)) + points
    return {"total": total, "by_kind": by_kind}


@transaction.atomic
def update_profile(actor, profile: DeputyProfile, *, biography: str, photo=None) -> DeputyProfile:
    """A deputy keeps their public profile up to date: what they say about themselves, and a
    photo (an image, re-encoded without its metadata)."""
    from yishi.core.attachments import store_attachment

    if profile.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Deputies edit their own profile only."))
    before = {"biography": profile.biography, "photo": profile.photo_id}
    profile.biography = (biography or "").strip()[:2000]
    if photo is not None:
        try:
            profile.photo = store_attachment(actor, photo, images_only=True)
        except ValidationError as exc:
            raise ReceptionError({"photo": exc.messages}) from None
    profile.save(update_fields=["biography", "photo"])
    audit.record(actor, "deputies.update_profile", profile, before=before,
                 after={"biography": profile.biography, "photo": profile.photo_id})
    return profile


# --- deputies' suggestions (代表建议) -----------------------------------------------------------

def submit_suggestion(deputy_user, *, title: str, text: str, category, community):
    """A deputy's suggestion goes into the opinions loop (accepted, assigned to a department,
    answered within the statutory time, rated by the deputy, answered again when unsatisfied),
    and counts as a duty once the street has confirmed it (otherwise every submission would
    add points). The community is one of the streets of the deputy's stations, as on the
    form, whichever way the suggestion arrives."""
    from yishi.opinions import services as opinions
    from yishi.opinions.models import OpinionChannel

    profile = DeputyProfile.objects.filter(user=deputy_user).first()
    if profile is None:
        raise PermissionDenied(_("Only deputies submit deputies' suggestions."))
    streets = {station.unit_id for station in profile.stations.all()}
    if community is None or community.parent_id not in streets:
        raise ReceptionError({"community": _("Choose a community of your station's street.")})
    with transaction.atomic():
        opinion = opinions.submit_opinion(deputy_user, opinions.Intake(
            title=title, text=text, category=category, community=community),
            channel=OpinionChannel.SUGGESTION)
        register_automatic_activity(
            deputy_user, kind="suggestion", date=timezone.localdate(),
            description=str(_("Suggestion %(number)s: %(title)s")
                            % {"number": opinion.number, "title": opinion.title}),
            source_key=f"opinions.suggestion:{opinion.pk}", confirmed=False)
    return opinion


# --- activity weeks (代表活动周) ------------------------------------------------------------------

@transaction.atomic
def declare_week(actor, unit: Unit, *, theme: str, starts_on: date, ends_on: date):
    from .models import ActivityWeek

    require(actor, "deputies.declare_week", unit)
    theme = (theme or "").strip()
    if not theme:
        raise ReceptionError({"theme": _("Give the week a theme.")})
    if ends_on < starts_on or (ends_on - starts_on).days > 13:
        raise ReceptionError({"ends_on": _("An activity week ends after it starts, within two "
                                           "weeks.")})
    week = ActivityWeek.objects.create(unit=unit, theme=theme[:200], starts_on=starts_on,
                                       ends_on=ends_on, declared_by=actor)
    audit.record(actor, "deputies.declare_week", week,
                 after={"theme": week.theme, "from": starts_on.isoformat()}, unit=unit)
    return week


@transaction.atomic
def publish_event(actor, week, station: LiaisonStation, *, title: str, date: date, place: str,
                  description: str = ""):
    from .models import WeekEvent

    require(actor, "deputies.schedule", station.unit)
    if not station.unit.path.startswith(week.unit.path):
        raise ReceptionError({"station": _("This station is outside the week's district.")})
    if not week.starts_on <= date <= week.ends_on:
        raise ReceptionError({"date": _("The event must take place during the week (%(start)s "
                                        "to %(end)s).") % {"start": week.starts_on,
                                                            "end": week.ends_on}})
    title, place = (title or "").strip(), (place or "").strip()
    if not title or not place:
        raise ReceptionError({"title" if not title else "place": _("This field is required.")})
    event = WeekEvent.objects.create(week=week, station=station, title=title[:200], date=date,
                                     place=place[:200], description=(description or "")[:2000])
    audit.record(actor, "deputies.publish_event", event, after={"title": event.title},
                 unit=station.unit)
    return event


def on_duty_performed(sender, *, user, kind, date, description, source_key, **kwargs):
    register_automatic_activity(user, kind=kind, date=date, description=description,
                                source_key=source_key)


def withdraw_automatic_activity(user, source_key: str) -> bool:
    """Take back a duty the platform registered from an event that turned out a mistake (a
    sign-in undone at the desk): the record goes, audited, so the deputy scores nothing for it
    and signing in again registers it anew."""
    from .models import DutyActivity

    with transaction.atomic():
        activity = (DutyActivity.objects.select_for_update()
                    .filter(deputy__user=user, source_key=source_key, automatic=True).first())
        if activity is None:
            return False
        audit.record(None, "deputies.withdraw_automatic_activity", activity,
                     before={"kind": activity.kind, "date": activity.date.isoformat(),
                             "state": activity.state, "source": source_key})
        activity.delete()
    return True


def on_duty_withdrawn(sender, *, user, source_key, **kwargs):
    withdraw_automatic_activity(user, source_key)
