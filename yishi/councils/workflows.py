"""The councils' state graphs, declared once on the core workflow mechanism: the meeting (会议),
its minutes (会议纪要), the call for deliberation (一键呼) and the round table (圆桌会). The
services do the work around each step (dates, quorum, notices, votes)."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import Transition, Workflow

from .models import (
    ActionState,
    AgendaItem,
    Call,
    CallState,
    FollowUpAction,
    Invitation,
    InvitationState,
    ItemState,
    Meeting,
    MeetingState,
    Minutes,
    MinutesState,
    RoundTable,
    RoundTableState,
)

M, N, C, V = MeetingState, MinutesState, CallState, ItemState


class CouncilError(ValidationError):
    """A council action refused for its input, state or rules, with a message for the user."""


def _error(message, code):
    return CouncilError(message, code=code)


def _on_its_day(meeting) -> str | None:
    """A meeting starts on its day (Asia/Shanghai), any time that day, never before: staff open
    sign-in in the morning, but not a week early."""
    day = timezone.localtime(meeting.starts_at).date()
    if timezone.localdate() < day:
        return _("The meeting can start on its day, %(day)s, not before.") % {
            "day": day.isoformat()}
    return None


def _meeting_closed(minutes) -> str | None:
    if minutes.meeting.state != M.CLOSED:
        return _("Minutes are approved and published only after the meeting has closed.")
    return None


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
                   rule=_manages(lambda m: m.council.street), guards=[_on_its_day]),
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
                   rule=_manages(lambda m: m.meeting.council.street), guards=[_meeting_closed]),
        Transition("publish_minutes", {N.APPROVED}, N.PUBLISHED, _("Publish the minutes"),
                   rule=_manages(lambda m: m.meeting.council.street), guards=[_meeting_closed],
                   confirm=_("The minutes become public; they cannot be edited afterwards.")),
    ],
)

def _in_progress(item) -> str | None:
    if item.meeting.state != M.IN_PROGRESS:
        return _("Votes are taken while the meeting is in progress.")
    return None


def _has_its_ballot(item) -> str | None:
    if item.needs_ballot and item.ballot_id is None:
        return _("A %(kind)s is voted on its own ballot of candidates, not yes or no: attach "
                 "that ballot to the item first.") % {"kind": item.get_kind_display()}
    return None


def _quorate(item) -> str | None:
    from .meetings import quorum

    q = quorum(item.meeting)
    if not q["met"]:
        return _("No quorum: %(present)d of %(entitled)d members present, %(needed)d "
                 "needed.") % q
    return None


def _counted(item) -> str | None:
    from yishi.voting.models import BallotState

    ballot = item.ballot if item.ballot_id else None
    if ballot is None or ballot.state not in (BallotState.CLOSED, BallotState.PUBLISHED):
        return _("The vote has not been counted.")
    if ballot.is_sealed and ballot.decrypted_at is None:
        return _("The vote is sealed: the meeting's tellers bring their key shares first.")
    return None


# An agenda item's vote (表决): opened with quorum, closed (irreversible: the count decides),
# then its counted outcome recorded, at once or after the tellers' shares for a sealed vote.
ITEM = Workflow(
    AgendaItem, "councils.agenda_item", audit_prefix="councils", audit_changes=True,
    unit=lambda i: i.meeting.council.street, error=_error,
    state_message=_("The vote on this item cannot go from “%(old)s” to “%(new)s”."),
    conflict_message=_("The vote on this item was changed by someone else; please reload."),
    transitions=[
        Transition("open_vote", {V.PENDING}, V.VOTING, _("Open the vote"),
                   rule=_manages(lambda i: i.meeting.council.street),
                   guards=[_in_progress, _has_its_ballot, _quorate]),
        Transition("close_vote", {V.VOTING}, V.COUNTING, _("Close the vote"),
                   rule=_manages(lambda i: i.meeting.council.street),
                   confirm=_("No more votes are taken: the outcome is what the count says, "
                             "and it cannot be changed.")),
        Transition("record_result", {V.COUNTING}, V.RESOLVED, _("Record the counted result"),
                   rule=_manages(lambda i: i.meeting.council.street), guards=[_counted],
                   action="resolve_item"),
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
