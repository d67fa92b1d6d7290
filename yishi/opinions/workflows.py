"""The opinion's state graph (意见办理流程), declared once on the core workflow mechanism: who may
take each step and what must hold first. services.py does the work around each step."""

from django.utils.translation import gettext_lazy as _

from yishi.core.models import Role, RoleAssignment
from yishi.core.permissions import has_perm, holds
from yishi.core.workflow import SYSTEM, Transition, Workflow

from .models import (
    Assignment,
    AssignmentState,
    ExtensionRequest,
    ExtensionState,
    Opinion,
    OpinionState,
)

S = OpinionState


def _error(message, code):
    from .services import OpinionError

    return OpinionError(message, code=code)


def _manages(actor, opinion) -> bool:
    return has_perm(actor, "opinions.manage", opinion.street)


def _manages_or_recorded(actor, opinion) -> bool:
    """Street staff, or the deputy who recorded it (不予受理 on what they recorded themselves)."""
    return _manages(actor, opinion) or (
        opinion.recorded_by_id is not None and opinion.recorded_by_id == actor.pk)


def handles(actor, opinion) -> bool:
    """A handler of a department the opinion is assigned to, or the street's staff for them."""
    live = opinion.assignments.exclude(state=AssignmentState.TRANSFERRED)
    departments = RoleAssignment.objects.active().filter(
        user=actor, role=Role.DEPARTMENT_HANDLER).values("department_id")
    if live.filter(department_id__in=departments).exists():
        return True
    return live.exists() and holds(actor, {Role.STREET_STAFF, Role.DISTRICT_STAFF},
                                   opinion.street)


def _is_author(actor, opinion) -> bool:
    return opinion.author_id is not None and actor.pk == opinion.author_id


def _first_round(opinion):
    if opinion.reopen_count:
        return _("It was already handled again once: not satisfied now sends it for "
                 "supervision.")
    return None


def _second_round(opinion):
    if not opinion.reopen_count:
        return _("The first time the resident is not satisfied, it is handled again.")
    return None


OPINION = Workflow(
    Opinion, "opinions", unit=lambda o: o.street, repr=lambda o: o.number, error=_error,
    state_message=_("This cannot be done while the opinion is “%(state)s”."),
    conflict_message=_("The opinion was changed by someone else; please reload."),
    transitions=[
        Transition("accept", {S.SUBMITTED}, S.ACCEPTED, _("Accept"), rule=_manages),
        Transition("refuse", {S.SUBMITTED}, S.NOT_ACCEPTED, _("Do not accept"),
                   rule=_manages_or_recorded,
                   confirm=_("The opinion is closed as not accepted; the resident is told the "
                             "reason.")),
        Transition("assign", {S.ACCEPTED}, S.ASSIGNED, _("Assign to departments"),
                   rule=_manages),
        Transition("start", {S.ASSIGNED}, S.HANDLING, _("Start handling"), rule=handles),
        Transition("reply", {S.ASSIGNED, S.HANDLING}, S.REPLIED, _("Reply"), rule=handles),
        Transition("rate_closed", {S.REPLIED}, S.CLOSED, _("Satisfied"), rule=_is_author,
                   action="rate"),
        Transition("reopen", {S.REPLIED}, S.HANDLING, _("Not satisfied"), rule=_is_author,
                   guards=[_first_round]),
        Transition("escalate", {S.REPLIED}, S.ESCALATED, _("Not satisfied"), rule=_is_author,
                   guards=[_second_round]),
        Transition("close_supervised", {S.ESCALATED}, S.CLOSED, _("Close after supervision"),
                   rule=_manages, action="close"),
        Transition("expire_rating", {S.REPLIED}, S.CLOSED, _("Close: not rated in time"),
                   rule=SYSTEM),
        Transition("merge", {S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.HANDLING}, S.MERGED,
                   _("Merge into another opinion"), rule=_manages,
                   confirm=_("The opinion is closed and its resident follows the other one.")),
    ],
)


# --- a department's share of the work (交办) and its requests for more time ---------------------

A = AssignmentState


def _handles_assignment(actor, assignment) -> bool:
    """A handler of the assigned department, or the street's staff acting for it."""
    return RoleAssignment.objects.active().filter(
        user=actor, role=Role.DEPARTMENT_HANDLER, department_id=assignment.department_id
    ).exists() or holds(actor, {Role.STREET_STAFF, Role.DISTRICT_STAFF},
                        assignment.opinion.street)


def _author_of_opinion(actor, assignment) -> bool:
    return _is_author(actor, assignment.opinion)


ASSIGNMENT = Workflow(
    Assignment, "opinions.assignment", audit_prefix="opinions",
    unit=lambda a: a.opinion.street, repr=lambda a: a.opinion.number, error=_error,
    state_message=_("This cannot be done while the department's part is “%(state)s”."),
    conflict_message=_("The opinion was changed by someone else; please reload."),
    transitions=[
        Transition("start_assignment", {A.ASSIGNED}, A.HANDLING, _("Start handling"),
                   rule=_handles_assignment),
        Transition("reply_assignment", {A.ASSIGNED, A.HANDLING}, A.REPLIED, _("Reply"),
                   rule=_handles_assignment),
        Transition("transfer_assignment", {A.ASSIGNED, A.HANDLING, A.REPLIED}, A.TRANSFERRED,
                   _("Transfer to another department"), rule=_handles_assignment),
        # The resident not satisfied the first time: every department that replied again.
        Transition("reopen_assignment", {A.REPLIED}, A.HANDLING, _("Handle again"),
                   rule=_author_of_opinion),
    ],
)

E = ExtensionState


def _manages_request(actor, request) -> bool:
    return has_perm(actor, "opinions.manage", request.assignment.opinion.street)


EXTENSION = Workflow(
    ExtensionRequest, "opinions.extension", audit_prefix="opinions",
    unit=lambda r: r.assignment.opinion.street, repr=lambda r: r.assignment.opinion.number,
    error=_error,
    state_message=_("This request has already been decided."),
    conflict_message=_("This request has already been decided."),
    transitions=[
        Transition("approve_extension", {E.PENDING}, E.APPROVED, _("Approve"),
                   rule=_manages_request),
        Transition("refuse_extension", {E.PENDING}, E.REFUSED, _("Refuse"),
                   rule=_manages_request),
    ],
)
