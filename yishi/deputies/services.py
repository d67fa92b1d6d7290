"""State changes at the liaison stations: scheduling receptions, booking slots, and recording
what residents raised — each matter becomes an opinion in the opinions loop, with the deputy as
recorder (deputies record; they do not decide on the spot)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.models import Unit
from yishi.core.permissions import require

from .models import Booking, DeputyProfile, LiaisonStation, ReceptionSession, SessionState


class ReceptionError(ValidationError):
    pass


@transaction.atomic
def schedule_session(actor, station: LiaisonStation, *, starts_at, ends_at, mode: str,
                     deputies: list[DeputyProfile], slots: int = 8) -> ReceptionSession:
    require(actor, "deputies.schedule", station.unit)
    if starts_at <= timezone.now():
        raise ReceptionError({"starts_at": _("A reception must be scheduled in the future.")})
    if ends_at <= starts_at:
        raise ReceptionError({"ends_at": _("A reception must end after it starts.")})
    if not deputies:
        raise ReceptionError({"deputies": _("Choose at least one deputy on duty.")})
    if not 1 <= slots <= 100:
        raise ReceptionError({"slots": _("Between 1 and 100 slots.")})
    session = ReceptionSession.objects.create(station=station, starts_at=starts_at,
                                              ends_at=ends_at, mode=mode, slots=slots)
    session.deputies.set(deputies)
    audit.record(actor, "deputies.schedule_session", session,
                 after={"starts_at": starts_at.isoformat(), "mode": mode,
                        "deputies": [d.pk for d in deputies]}, unit=station.unit)
    return session


def book_slot(resident, session: ReceptionSession, topic: str = "") -> Booking:
    """The lowest free slot. Two residents racing for the last slot: the database's unique
    constraint lets one win; the other is told the session is full."""
    if not resident.is_authenticated:
        raise PermissionDenied(_("Please sign in to book."))
    session.refresh_from_db()
    if session.state != SessionState.SCHEDULED:
        raise ReceptionError(_("This reception was cancelled or has already taken place."))
    if session.starts_at <= timezone.now():
        raise ReceptionError(_("This reception has already started."))
    if Booking.objects.filter(session=session, resident=resident).exists():
        raise ReceptionError(_("You have already booked this reception."))
    for slot in range(1, session.slots + 1):
        if Booking.objects.filter(session=session, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                booking = Booking.objects.create(session=session, slot=slot, resident=resident,
                                                 topic=topic.strip()[:200])
        except IntegrityError:
            if Booking.objects.filter(session=session, resident=resident).exists():
                raise ReceptionError(_("You have already booked this reception.")) from None
            continue  # someone took this slot a moment ago: try the next one
        return booking
    raise ReceptionError(_("This reception is fully booked."))


@dataclass
class Matter:
    title: str
    text: str
    category: object
    community: Unit


def record_matters(deputy_user, session: ReceptionSession, *, resident_name: str,
                   resident_mobile: str, matters: list[Matter]):
    """What a resident raised at a reception: each matter becomes an opinion in the loop,
    recorded by the deputy on the resident's behalf (street staff then accept it — or record it
    as not accepted, e.g. when it is in litigation or arbitration)."""
    from yishi.opinions import services as opinions

    if not session.deputies.filter(user=deputy_user).exists():
        raise PermissionDenied(_("Only a deputy on duty at this reception can record it."))
    if not matters:
        raise ReceptionError(_("Record at least one matter."))
    with transaction.atomic():
        created = [
            opinions.submit_opinion(deputy_user, opinions.Intake(
                title=m.title, text=m.text, category=m.category, community=m.community,
                contact_name=resident_name, contact_mobile=resident_mobile), channel="reception")
            for m in matters
        ]
        held = ReceptionSession.objects.filter(pk=session.pk, state=SessionState.SCHEDULED
                                               ).update(state=SessionState.HELD)
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


# --- duty registration and points -------------------------------------------------------------

def register_automatic_activity(user, *, kind: str, date, description: str, source_key: str):
    """A duty the platform saw happen (a reception held, a meeting attended, a supervision
    visit logged): registered as confirmed, once per source, for a person who is a deputy."""
    from .models import ActivityState, DutyActivity

    profile = DeputyProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    with transaction.atomic():
        activity, created = DutyActivity.objects.get_or_create(
            deputy=profile, source_key=source_key,
            defaults={"kind": kind, "date": date, "description": description[:2000],
                      "automatic": True, "state": ActivityState.CONFIRMED})
        if created:
            audit.record(None, "deputies.register_automatic_activity", activity,
                         after={"kind": kind, "date": date.isoformat(), "source": source_key})
    return activity


def register_activity(actor, deputy: DeputyProfile, *, kind: str, date, description: str,
                      evidence=()):
    """A deputy registers one of their own activities (not one dated in the future)."""
    from yishi.core.attachments import store_attachment

    from .models import ActivityKind, DutyActivity

    if deputy.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Deputies register their own activities only."))
    if kind not in ActivityKind.values or kind == ActivityKind.ABSENCE:
        raise ReceptionError({"kind": _("Choose the kind of activity.")})
    if date > timezone.localdate():
        raise ReceptionError({"date": _("An activity cannot be dated in the future.")})
    description = (description or "").strip()
    if not description:
        raise ReceptionError({"description": _("Describe the activity.")})
    with transaction.atomic():
        activity = DutyActivity.objects.create(deputy=deputy, kind=kind, date=date,
                                               description=description[:2000])
        if evidence:
            activity.evidence.set([store_attachment(actor, f) for f in evidence])
        audit.record(actor, "deputies.register_activity", activity,
                     after={"kind": kind, "date": date.isoformat()})
    return activity


@transaction.atomic
def decide_activity(actor, activity, *, confirm: bool, reason: str = ""):
    """Street or district staff confirm an activity, or return it with a reason."""
    from .models import ActivityState, DutyActivity

    units = [s.unit for s in activity.deputy.stations.all()] or []
    if not any(_can_confirm(actor, unit) for unit in units):
        raise PermissionDenied(_("You cannot confirm this deputy's activities."))
    if not confirm and not reason.strip():
        raise ReceptionError({"reason": _("Say why the activity is returned.")})
    updated = DutyActivity.objects.filter(pk=activity.pk, state=ActivityState.SUBMITTED).update(
        state=ActivityState.CONFIRMED if confirm else ActivityState.RETURNED,
        return_reason="" if confirm else reason.strip()[:500], decided_by=actor)
    if not updated:
        raise ReceptionError(_("This activity has already been dealt with."))
    activity.refresh_from_db()
    audit.record(actor, "deputies.decide_activity", activity,
                 after={"state": activity.state, "reason": activity.return_reason})
    return activity


def _can_confirm(actor, unit) -> bool:
    from yishi.core.permissions import has_perm

    return has_perm(actor, "deputies.schedule", unit)


def score(deputy: DeputyProfile, start, end) -> dict:
    """Points for confirmed activities between two dates, each counted by the rule in force on
    its date; recomputed from the rules every time, so a changed rule applies from its date."""
    from decimal import Decimal

    from .models import ActivityState, PointsRule

    rules: dict[str, list] = {}
    for rule in PointsRule.objects.order_by("valid_from"):
        rules.setdefault(rule.kind, []).append(rule)
    total, by_kind = Decimal(0), {}
    for activity in deputy.activities.filter(state=ActivityState.CONFIRMED,
                                             date__range=(start, end)):
        applicable = [r for r in rules.get(activity.kind, []) if r.valid_from <= activity.date]
        points = applicable[-1].points if applicable else Decimal(0)
        total += points
        by_kind[activity.kind] = by_kind.get(activity.kind, Decimal(0)) + points
    return {"total": total, "by_kind": by_kind}


def on_duty_performed(sender, *, user, kind, date, description, source_key, **kwargs):
    register_automatic_activity(user, kind=kind, date=date, description=description,
                                source_key=source_key)
