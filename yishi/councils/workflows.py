"""The councils' state graphs, declared once on the core workflow mechanism: the meeting (会议),
its minutes (会议纪要), the call for deliberation (一键呼) and the round table (圆桌会). The
services do the work around each step (dates, quorum, notices, votes)."""

from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import Transition, Workflow

from .models import (
    ActionState,
    Call,
    CallState,
    FollowUpAction,
    Invitation,
    InvitationState,
    Meeting,
    MeetingState,
    Minutes,
    MinutesState,
    RoundTable,
    RoundTableState,
)

M, N, C = MeetingState, MinutesState, CallState


def _error(message, code):
    from .services import CouncilError

    return CouncilError(message, code=code)


def _manages(street_of):
    def rule(actor, obj) -> bool:
        return has_perm(actor, "councils.manage", street_of(obj))
    return rule


def _may_raise_or_manage(actor, call) -> bool:
    """The support that reaches the threshold makes a round table due; staff may decide so."""
    return (has_perm(actor, "councils.raise_call", call.community)
            or has_perm(actor, "councils.manage", call.street))


MEETING = Workflow(
    Meeting, "councils.meeting", audit_prefix="councils", audit_changes=True,
    unit=lambda m: m.council.street, error=_error,
    state_message=_("This meeting cannot go from “%(old)s” to “%(new)s”."),
    conflict_message=_("The meeting was changed by someone else; please reload."),
    transitions=[
        Transition("convene_meeting", {M.DRAFT}, M.CONVENED, _("Convene and send notices"),
                   rule=_manages(lambda m: m.council.street)),
        Transition("start_meeting", {M.CONVENED}, M.IN_PROGRESS, _("Start the meeting"),
                   rule=_manages(lambda m: m.council.street)),
        Transition("cancel_meeting", {M.DRAFT, M.CONVENED}, M.CANCELLED,
                   _("Cancel the meeting"), rule=_manages(lambda m: m.council.street),
                   confirm=_("The meeting is cancelled and the members are told; this cannot "
                             "be undone.")),
        Transition("close_meeting", {M.IN_PROGRESS}, M.CLOSED, _("Close the meeting"),
                   rule=_manages(lambda m: m.council.street),
                   confirm=_("The meeting is closed: no more sign-ins or votes.")),
    ],
)

MINUTES = Workflow(
    Minutes, "councils.minutes", audit_prefix="councils",
    unit=lambda m: m.meeting.council.street, error=_error,
    state_message=_("The minutes cannot go from “%(old)s” to “%(new)s”."),
    conflict_message=_("The minutes were changed by someone else; please reload."),
    transitions=[
        Transition("approve_minutes", {N.DRAFT}, N.APPROVED, _("Approve the minutes"),
                   rule=_manages(lambda m: m.meeting.council.street)),
        Transition("publish_minutes", {N.APPROVED}, N.PUBLISHED, _("Publish the minutes"),
                   rule=_manages(lambda m: m.meeting.council.street),
                   confirm=_("The minutes become public; they cannot be edited afterwards.")),
    ],
)

CALL = Workflow(
    Call, "councils.call", audit_prefix="councils", unit=lambda c: c.street, error=_error,
    state_message=_("This call cannot go from “%(old)s” to “%(new)s”."),
    conflict_message=_("The call was changed by someone else; please reload."),
    transitions=[
        Transition("call_due", {C.OPEN}, C.DUE, _("A round table is needed"),
                   rule=_may_raise_or_manage),
        Transition("call_scheduled", {C.DUE}, C.SCHEDULED, _("Convene a round table"),
                   rule=_manages(lambda c: c.street)),
        Transition("call_closed", {C.SCHEDULED}, C.CLOSED, _("Record the deliberation"),
                   rule=_manages(lambda c: c.street)),
    ],
)

ROUND_TABLE = Workflow(
    RoundTable, "councils.round_table", audit_prefix="councils", unit=lambda t: t.street,
    error=_error,
    state_message=_("This round table has already been recorded."),
    conflict_message=_("This round table has already been recorded."),
    transitions=[
        Transition("record_round_table", {RoundTableState.PLANNED}, RoundTableState.HELD,
                   _("Record what was agreed"), rule=_manages(lambda t: t.street),
                   action="round_table_held"),
    ],
)


# A follow-up action (会议决定事项) agreed at a meeting: the street reports its progress.
FA = ActionState


def _manages_action(actor, action) -> bool:
    return has_perm(actor, "councils.manage", action.item.meeting.council.street)


FOLLOW_UP = Workflow(
    FollowUpAction, "councils.follow_up", audit_prefix="councils",
    unit=lambda a: a.item.meeting.council.street, error=_error,
    state_message=_("This follow-up action cannot go from “%(old)s” to “%(new)s”."),
    conflict_message=_("The follow-up action was changed by someone else; please reload."),
    transitions=[
        Transition("mark_open", {FA.IN_PROGRESS, FA.DONE}, FA.OPEN, _("Not started"),
                   rule=_manages_action),
        Transition("mark_in_progress", {FA.OPEN, FA.DONE}, FA.IN_PROGRESS, _("In progress"),
                   rule=_manages_action),
        Transition("mark_done", {FA.OPEN, FA.IN_PROGRESS}, FA.DONE, _("Done"),
                   rule=_manages_action),
    ],
)


# An invitation to join the council: only the invited person answers it; staff may withdraw it.
IV = InvitationState


def _invitee(actor, invitation) -> bool:
    return actor is not None and actor.pk == invitation.user_id


INVITATION = Workflow(
    Invitation, "councils.invitation", audit_prefix="councils",
    unit=lambda i: i.term.council.street, error=_error, repr=lambda i: i.user.masked_mobile,
    state_message=_("This invitation cannot go from “%(old)s” to “%(new)s”."),
    conflict_message=_("The invitation has already been answered or withdrawn."),
    transitions=[
        Transition("accept_invitation", {IV.INVITED}, IV.ACCEPTED, _("Accept and join"),
                   rule=_invitee),
        Transition("decline_invitation", {IV.INVITED}, IV.DECLINED, _("Decline"),
                   rule=_invitee),
        Transition("withdraw_invitation", {IV.INVITED}, IV.WITHDRAWN,
                   _("Withdraw the invitation"), rule=_manages(lambda i: i.term.council.street)),
    ],
)
