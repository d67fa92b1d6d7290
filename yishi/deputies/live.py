"""The online reception room that updates by itself (云接待): the resident waiting in the queue
and both sides of the conversation see a change within a few seconds, without a reload.

Every change in a reception (a booking made, cancelled, called in, finished; a line said in the
room; the reception cancelled) bumps the session's `live_version` in the same transaction. The
room page polls `room_live` every two seconds with the version it has (`If-None-Match`); the
answer is 304 after one query while nothing changed, and the new state after two when something
did. The poll carries a token the room page signed for this person, booking and sign-in (valid
`TOKEN_HOURS`), so it needs no separate session or user lookup: 500 residents waiting cost the
database one query each per poll, which also checks that the sign-in the token was made for
still exists (signing out ends the poll at once, not when the token expires). The version lives
in the database, not a per-process cache, so every server process sees the same one."""

import hashlib

from django.contrib.sessions.models import Session
from django.core import signing
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.utils import timezone

from yishi.core.workflow import transitioned

from .models import Booking, BookingState, ReceptionSession, RoomMessage

TOKEN_SALT = "deputies.room-live"
TOKEN_HOURS = 4  # longer than a reception; the page signs a new one each time it is loaded


def bump(session_id: int) -> None:
    """Something in this reception changed: pollers get the new state at their next poll."""
    ReceptionSession.objects.filter(pk=session_id).update(live_version=F("live_version") + 1)


@receiver(transitioned, sender=Booking, dispatch_uid="deputies.live.booking")
def _booking_moved(sender, obj, **kwargs) -> None:
    bump(obj.session_id)


@receiver(transitioned, sender=ReceptionSession, dispatch_uid="deputies.live.session")
def _session_moved(sender, obj, **kwargs) -> None:
    bump(obj.pk)


def _sign_in_digest(session_key: str) -> str:
    # The token names the sign-in by a digest, so a token that leaks (a log, a screenshot)
    # does not carry the session key itself.
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def room_token(booking: Booking, user, session_key: str) -> str:
    return signing.dumps([booking.pk, user.pk, _sign_in_digest(session_key)], salt=TOKEN_SALT,
                         compress=False)


def read_token(token: str, booking_id: int, session_key: str | None) -> int | None:
    """The person the token was signed for, if it is for this booking, this sign-in (the
    request's session cookie) and still valid."""
    if not session_key:
        return None
    try:
        signed_booking, user_id, sign_in = signing.loads(token, salt=TOKEN_SALT,
                                                         max_age=TOKEN_HOURS * 3600)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if signed_booking != booking_id or sign_in != _sign_in_digest(session_key):
        return None
    return user_id


def room_state(session_id: int, booking_id: int, user_id: int,
               session_key: str) -> dict | None:
    """One query: the session's version and the booking's state as the room shows it, or None
    when this person may not follow this room (not the resident, not a deputy on duty, or no
    longer an active account). `signed_in` is false once the sign-in the token was made for has
    ended."""
    from .models import DeputyProfile

    waiting_before = Booking.objects.filter(
        session_id=OuterRef("session_id"), state=BookingState.BOOKED, slot__lt=OuterRef("slot"),
    ).order_by().values("session_id").annotate(n=Count("pk")).values("n")
    on_duty = DeputyProfile.objects.filter(
        sessions=OuterRef("session_id"), user_id=user_id, user__is_active=True)
    signed_in = Session.objects.filter(session_key=session_key, expire_date__gt=timezone.now())
    row = (Booking.objects.filter(pk=booking_id, session_id=session_id)
           .annotate(version=F("session__live_version"), on_duty=Exists(on_duty),
                     signed_in=Exists(signed_in),
                     waiting_before=Coalesce(Subquery(waiting_before), 0))
           .filter(Q(resident_id=user_id, resident__is_active=True) | Q(on_duty=True))
           .select_related("resident").first())
    if row is None:
        return None
    return {"booking": row, "version": row.version, "on_duty": row.on_duty,
            "signed_in": row.signed_in}


def room_messages(booking_id: int) -> list[RoomMessage]:
    return list(RoomMessage.objects.filter(booking_id=booking_id).select_related("author"))
