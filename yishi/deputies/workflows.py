"""The reception session's state graph (接待活动), declared once on the core workflow mechanism."""

from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import Transition, Workflow

from .models import ActivityState, DutyActivity, ReceptionSession, SessionState
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
