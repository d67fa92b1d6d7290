"""The ballot's (投票) and the paper tally's (纸质票计票) state graphs, declared once on the core
workflow mechanism. services.py does the work around each step (roll, quorum, counting)."""

from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import Transition, Workflow

from .models import Ballot, BallotState, PaperTally, PaperTallyState

B, P = BallotState, PaperTallyState


def _error(message, code):
    from .services import BallotError

    # Callers know one code for a move the state does not allow, however it came about.
    return BallotError(message, code="state" if code in ("state", "conflict") else code)


def _manages(actor, ballot) -> bool:
    return has_perm(actor, "voting.manage_ballot", ballot.unit)


def _counts(actor, tally) -> bool:
    return has_perm(actor, "voting.count_paper", tally.ballot.unit)


def _second_teller(actor, tally) -> bool:
    """A second teller confirms what the first one entered."""
    return _counts(actor, tally) and tally.entered_by_id != actor.pk


def _ballot_open_or_closed(tally):
    if tally.ballot.state not in (B.OPEN, B.CLOSED):
        return _("The ballot's results are already published.")
    return None


BALLOT = Workflow(
    Ballot, "voting.ballot", audit_prefix="voting", audit_changes=True, unit=lambda b: b.unit,
    error=_error,
    state_message=_("This ballot cannot go from “%(old)s” to “%(new)s”."),
    conflict_message=_("The ballot was changed by someone else; please reload."),
    transitions=[
        # The schedule opens and closes ballots by itself too (run_due_transitions).
        Transition("open_ballot", {B.DRAFT}, B.OPEN, _("Open for voting"), rule=_manages,
                   system=True),
        Transition("close_ballot", {B.OPEN}, B.CLOSED, _("Close voting"), rule=_manages,
                   system=True,
                   confirm=_("Voting ends now: nobody can vote afterwards.")),
        Transition("publish_results", {B.CLOSED}, B.PUBLISHED, _("Publish the results"),
                   rule=_manages,
                   confirm=_("The results become public and final.")),
        Transition("cancel_ballot", {B.DRAFT, B.OPEN}, B.CANCELLED, _("Cancel the ballot"),
                   rule=_manages,
                   confirm=_("The ballot is cancelled; votes cast are not counted.")),
    ],
)

PAPER_TALLY = Workflow(
    PaperTally, "voting.paper_tally", audit_prefix="voting", unit=lambda t: t.ballot.unit,
    error=_error,
    state_message=_("This paper tally has already been dealt with."),
    conflict_message=_("This paper tally has already been dealt with."),
    transitions=[
        Transition("confirm_paper_tally", {P.ENTERED}, P.CONFIRMED, _("Confirm the count"),
                   rule=_second_teller, guards=[_ballot_open_or_closed]),
        Transition("reject_paper_tally", {P.ENTERED}, P.REJECTED, _("Reject the count"),
                   rule=_counts),
    ],
)
