"""The liaison stations' state graphs, declared once on the core workflow mechanism: the reception
session (接待活动), a resident's booking at it (预约), and a deputy's duty activity (履职登记)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import Transition, Workflow

from .models import (
    ActivityState,
    Booking,
    BookingState,
    DutyActivity,
    ReceptionSession,
    SessionState,
)
from .permissions import may_confirm_activities

S = SessionState


def _error(message, code):
    from .services import ReceptionError

    return ReceptionError(message, code=code)


def _schedules(actor, session) -> bool:
    return has_perm(actor, "deputies.schedule", session.station.unit)


def _on_duty(actor, session) -> bool:
    return session.deputies.filter(user=actor).exists()


RECEPTION_SESSION = Workflow(
    ReceptionSession, "deputies.session", audit_prefix="deputies",
    unit=lambda s: s.station.unit, error=_error,
    state_message=_("Only a scheduled reception can be cancelled."),
    conflict_message=_("The reception was changed by someone else; please reload."),
    transitions=[
        Transition("cancel_session", {S.SCHEDULED}, S.CANCELLED, _("Cancel the reception"),
                   rule=_schedules,
                   confirm=_("Everyone who booked is told that the reception is cancelled.")),
        # Held once the first matter is recorded by a deputy on duty.
        Transition("session_held", {S.SCHEDULED}, S.HELD, _("Record a matter"),
                   rule=_on_duty),
    ],
)


# A resident's booking (预约): booked → called in → finished, or cancelled by the resident (the
# place is given back), or marked as not come. The desk (the station's staff or a deputy on
# duty) can undo its own last step while the reception lasts.
B = BookingState
# The desk opens, like the online room, half an hour before the reception starts.
DESK_OPENS_BEFORE = timedelta(minutes=30)


def _own_booking(actor, booking) -> bool:
    return booking.resident_id == actor.pk


def runs_desk(actor, session) -> bool:
    """The reception desk: a deputy on duty, or the staff who may schedule at the station."""
    return _on_duty(actor, session) or _schedules(actor, session)


def _at_desk(actor, booking) -> bool:
    return runs_desk(actor, booking.session)


def _not_started(booking):
    session = booking.session
    if session.state == S.CANCELLED:
        return _("This reception was cancelled.")
    if session.starts_at <= timezone.now():
        return _("The reception has started: tell the desk instead.")
    return None


def _desk_open(booking):
    session, now = booking.session, timezone.now()
    if session.state == S.CANCELLED:
        return _("This reception was cancelled.")
    if now < session.starts_at - DESK_OPENS_BEFORE:
        return _("The desk opens %(minutes)d minutes before the reception starts.") % {
            "minutes": DESK_OPENS_BEFORE.seconds // 60}
    if now > session.ends_at + DESK_OPENS_BEFORE:
        return _("This reception is over.")
    return None


BOOKING = Workflow(
    Booking, "deputies.booking", audit_prefix="deputies",
    unit=lambda b: b.session.station.unit, error=_error, audit_changes=False,
    state_message=_("This cannot be done while the booking is “%(state)s”."),
    conflict_message=_("The booking was changed by someone else; please reload."),
    transitions=[
        Transition("cancel_booking", {B.BOOKED}, B.CANCELLED, _("Cancel my booking"),
                   rule=_own_booking, guards=[_not_started],
                   confirm=_("Your place is given back and someone else may take it.")),
        Transition("call_in", {B.BOOKED}, B.CALLED, _("Call in"), rule=_at_desk,
                   guards=[_desk_open]),
        Transition("finish_booking", {B.CALLED}, B.SERVED, _("Finished"), rule=_at_desk,
                   guards=[_desk_open]),
        Transition("no_show", {B.BOOKED, B.CALLED}, B.NO_SHOW, _("Did not come"),
                   rule=_at_desk, guards=[_desk_open]),
        # Undo a mistaken tap at the desk, one step back, while the reception lasts (audited
        # like every transition).
        Transition("undo_call", {B.CALLED}, B.BOOKED, _("Undo: not called in"),
                   rule=_at_desk, guards=[_desk_open]),
        Transition("undo_finish", {B.SERVED}, B.CALLED, _("Undo: not finished"),
                   rule=_at_desk, guards=[_desk_open]),
        Transition("undo_no_show", {B.NO_SHOW}, B.BOOKED, _("Undo: has come"),
                   rule=_at_desk, guards=[_desk_open]),
    ],
)

UNDO = {B.CALLED: "undo_call", B.SERVED: "undo_finish", B.NO_SHOW: "undo_no_show"}


# A deputy's duty activity (履职登记): registered by the deputy, confirmed or returned by staff.
AS = ActivityState


def _own_activity(actor, activity) -> bool:
    return activity.deputy.user_id == actor.pk and not activity.automatic


def _confirms(actor, activity) -> bool:
    return may_confirm_activities(actor, activity.deputy)


DUTY_ACTIVITY = Workflow(
    DutyActivity, "deputies.activity", audit_prefix="deputies", error=_error,
    state_message=_("This cannot be done while the activity is “%(state)s”."),
    conflict_message=_("This activity has already been dealt with."),
    transitions=[
        Transition("resubmit_activity", {AS.SUBMITTED, AS.RETURNED}, AS.SUBMITTED,
                   _("Correct and submit again"), rule=_own_activity),
        Transition("confirm_activity", {AS.SUBMITTED}, AS.CONFIRMED, _("Confirm"),
                   rule=_confirms, system=True),
        Transition("return_activity", {AS.SUBMITTED}, AS.RETURNED, _("Return"),
                   rule=_confirms),
    ],
)
