"""The reception session's state graph (接待活动), declared once on the core workflow mechanism."""

from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import Transition, Workflow

from .models import ReceptionSession, SessionState

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
