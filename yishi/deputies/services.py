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
        ReceptionSession.objects.filter(pk=session.pk, state=SessionState.SCHEDULED).update(
            state=SessionState.HELD)
        audit.record(deputy_user, "deputies.record_reception", session,
                     after={"opinions": [o.number for o in created]}, unit=session.station.unit)
    return created
