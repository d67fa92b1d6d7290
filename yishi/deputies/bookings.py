"""A resident's booking (预约) at a reception, as the workflow declares it (workflows.BOOKING):
booking and cancelling a place, the reception desk's taps (call in, finished, did not come,
undo), and the online room's queue (云接待)."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.notifications import notify
from yishi.core.workflow import transition

from . import live as live_room
from .models import (
    HOLDS_PLACE,
    Booking,
    BookingState,
    ReceptionMode,
    ReceptionSession,
    RoomMessage,
    SessionState,
)
from .services import ReceptionError, _on_duty
from .workflows import BOOKING, DESK_OPENS_BEFORE, UNDO


def book_slot(resident, session: ReceptionSession, topic: str = "") -> Booking:
    """The lowest free place. Two residents racing for the last place: the database's unique
    constraint (among bookings not cancelled) lets one win; the other is told it is full."""
    if not resident.is_authenticated:
        raise PermissionDenied(_("Please sign in to book."))
    session.refresh_from_db()
    if session.state != SessionState.SCHEDULED:
        raise ReceptionError(_("This reception was cancelled or has already taken place."))
    if session.starts_at <= timezone.now():
        raise ReceptionError(_("This reception has already started."))
    live = Booking.objects.filter(HOLDS_PLACE, session=session)
    if live.filter(resident=resident).exists():
        raise ReceptionError(_("You have already booked this reception."))
    taken = set(live.values_list("slot", flat=True))
    for slot in range(1, session.slots + 1):
        if slot in taken:
            continue
        try:
            with transaction.atomic():
                booking = Booking.objects.create(session=session, slot=slot, resident=resident,
                                                 topic=topic.strip()[:200])
                audit.record(resident, "deputies.book", booking, after={"slot": slot},
                             unit=session.station.unit)
                live_room.bump(session.pk)
        except IntegrityError:
            if live.filter(resident=resident).exists():
                raise ReceptionError(_("You have already booked this reception.")) from None
            continue  # someone took this place a moment ago: try the next one
        return booking
    raise ReceptionError(_("This reception is fully booked."))


def free_places(session: ReceptionSession) -> int:
    return session.slots - session.bookings.filter(HOLDS_PLACE).count()


@transaction.atomic
def cancel_booking(resident, booking: Booking) -> Booking:
    """The resident cancels their own booking before the reception starts; the place is free
    for someone else at once. Of a cancel racing a desk's call, one wins (the workflow's
    conditional update)."""
    transition(booking, "cancel_booking", resident, workflow=BOOKING,
               cancelled_at=timezone.now())
    return booking


# --- the reception desk and the online room (云接待) ---------------------------------------------

def queue_position(booking: Booking) -> int:
    """0 when the resident has been called in (or is done); otherwise how many are waiting
    before them, plus one."""
    if booking.state != BookingState.BOOKED:
        return 0
    if hasattr(booking, "waiting_before"):  # annotated by queries.bookings_of
        return booking.waiting_before + 1
    return Booking.objects.filter(session_id=booking.session_id, state=BookingState.BOOKED,
                                  slot__lt=booking.slot).count() + 1


ROOM_OPENS_BEFORE = DESK_OPENS_BEFORE

# What the desk may do to a booking, by the name in its address.
DESK_STEPS = {"call": "call_in", "finish": "finish_booking", "no-show": "no_show"}


@transaction.atomic
def desk_step(actor, booking: Booking, step: str) -> Booking:
    """A tap at the reception desk: call in, finish, did not come, or undo the last of these."""
    if step == "undo":
        name = UNDO.get(booking.state)
        if name is None:
            raise ReceptionError(_("There is nothing to undo."), code="state")
    elif step in DESK_STEPS:
        name = DESK_STEPS[step]
    else:
        raise ReceptionError(_("Unknown action."))
    now = timezone.now()
    changes = {"call_in": {"called_at": now, "called_by": actor},
               "finish_booking": {"served_at": now},
               "undo_call": {"called_at": None, "called_by": None},
               "undo_finish": {"served_at": None}}.get(name, {})
    transition(booking, name, actor, workflow=BOOKING, **changes)
    if name == "call_in" and booking.session.mode == ReceptionMode.ONLINE:
        _tell_called(booking)
    return booking


def _tell_called(booking: Booking) -> None:
    session = booking.session
    notify([booking.resident], lambda: _("Your turn: the deputy is waiting for you"), lambda: str(session),
           f"/deputies/sessions/{session.pk}/room/{booking.pk}/")


def desk_counts(session: ReceptionSession) -> dict:
    """The desk's live figures: places, and how many bookings are in each state."""
    counts = dict(session.bookings.order_by().values_list("state").annotate(n=Count("pk")))
    taken = sum(n for state, n in counts.items() if state != BookingState.CANCELLED)
    return {"slots": session.slots, "taken": taken, "free": session.slots - taken,
            "waiting": counts.get(BookingState.BOOKED, 0),
            "called": counts.get(BookingState.CALLED, 0),
            "served": counts.get(BookingState.SERVED, 0),
            "no_show": counts.get(BookingState.NO_SHOW, 0)}


@transaction.atomic
def call_next(deputy_user, session: ReceptionSession) -> Booking | None:
    """The deputy calls the next waiting resident into the room (the one before is finished)."""
    if not _on_duty(deputy_user, session):
        raise PermissionDenied(_("Only a deputy on duty at this reception can call residents in."))
    if session.state == SessionState.CANCELLED:
        raise ReceptionError(_("This reception was cancelled."))
    now = timezone.now()
    if now < session.starts_at - ROOM_OPENS_BEFORE:
        raise ReceptionError(_("The room opens %(minutes)d minutes before the reception starts.")
                             % {"minutes": ROOM_OPENS_BEFORE.seconds // 60})
    # Several deputies may be on duty, each talking with one resident: finish this deputy's own.
    for mine in Booking.objects.filter(session=session, called_by=deputy_user,
                                       state=BookingState.CALLED):
        transition(mine, "finish_booking", deputy_user, workflow=BOOKING, served_at=now)
    for booking in Booking.objects.filter(session=session,
                                          state=BookingState.BOOKED).order_by("slot"):
        try:
            with transaction.atomic():
                transition(booking, "call_in", deputy_user, workflow=BOOKING, called_at=now,
                           called_by=deputy_user)
        except ReceptionError:
            continue  # another deputy called this one a moment ago, or it was cancelled
        _tell_called(booking)
        return booking
    return None


def say_in_room(user, booking: Booking, text: str) -> RoomMessage:
    """A line of the conversation in the local room; only the resident and the deputies on
    duty, and only while the resident is in the room."""
    session = booking.session
    if user.pk != booking.resident_id and not _on_duty(user, session):
        raise PermissionDenied(_("This conversation is between the resident and the deputy."))
    if session.mode != ReceptionMode.ONLINE:
        raise ReceptionError(_("This reception is held in person."))
    booking.refresh_from_db()
    if booking.state != BookingState.CALLED:
        raise ReceptionError(_("The room is open only while the deputy is talking with you."))
    text = (text or "").strip()
    if not text:
        raise ReceptionError({"text": _("Write a message.")})
    if len(text) > 1000:
        raise ReceptionError({"text": _("Too long: at most %(n)d characters.") % {"n": 1000}})
    with transaction.atomic():
        message = RoomMessage.objects.create(booking=booking, author=user, text=text)
        live_room.bump(session.pk)
    return message
