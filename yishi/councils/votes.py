"""An agenda item's vote (表决) through the voting engine, moved by workflows.ITEM: opened with
quorum (and, for a kind voted on its own ballot, only with that ballot), closed with a
confirmation when fewer members have voted than could carry it, resolved from the count alone.
The item's motion is the wording put to the vote; nobody types the outcome."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core.permissions import require
from yishi.core.workflow import transition
from yishi.voting import services as voting
from yishi.voting.models import (
    Ballot,
    BallotState,
    Method,
    Participation,
    PassRule,
    RollSource,
    Secrecy,
)

from .meetings import _present_users, quorum
from .models import AgendaItem, Attendance, ItemState
from .roster import member_for, serving_members
from .workflows import ITEM, CouncilError

RESOLUTION_KEY = "resolution"


def _locked(item: AgendaItem) -> AgendaItem:
    # Work on the stored row, locked, never on the caller's object: when the engine refuses,
    # everything done here rolls back, and an id left on the caller's object would point at
    # nothing on the retry.
    return AgendaItem.objects.select_for_update(of=("self",)).select_related(
        "meeting__council__street", "ballot").get(pk=item.pk)


@transaction.atomic
def open_vote(actor, item: AgendaItem) -> AgendaItem:
    """Open the vote on an item: a yes/no ballot on the motion with the council's rules, or the
    attached ballot of a kind voted otherwise. The roll is the term's serving members; presence
    is the meeting's sign-in; without quorum the workflow's guard refuses."""
    item = _locked(item)
    meeting, council = item.meeting, item.meeting.council
    require(actor, "councils.manage", council.street)
    transition(item, "open_vote", actor, workflow=ITEM)
    if item.ballot_id is None:
        sealed = {}
        if council.secrecy == Secrecy.SECRET:
            tellers = list(meeting.tellers.order_by("pk"))
            if len(tellers) < voting.MIN_TELLERS:
                raise CouncilError(_("Name the meeting's tellers (at least %(n)d) before a "
                                     "secret vote.") % {"n": voting.MIN_TELLERS},
                                   code="tellers")
            sealed = {"tellers": tellers, "threshold": meeting.teller_threshold}
        ballot = voting.create_ballot(
            actor, council.street, title=f"{meeting.title} · {item.title}",
            method=Method.YES_NO,
            options=[voting.OptionInput(RESOLUTION_KEY, item.motion_text)], **sealed,
            secrecy=council.secrecy, pass_rule=council.pass_rule, quorum_required=True,
            quorum_fraction=council.quorum_fraction, roll_source=RollSource.LIST)
        report = voting.set_roll_from_list(
            actor, ballot, [m.user.mobile for m in serving_members(meeting.term)])
        if report.rejected:
            raise CouncilError(_("The voter roll could not be built."))
        AgendaItem.objects.filter(pk=item.pk).update(ballot=ballot)
    ballot = Ballot.objects.get(pk=AgendaItem.objects.values_list("ballot_id", flat=True)
                                .get(pk=item.pk))
    if ballot.state != BallotState.DRAFT:
        raise CouncilError(_("The vote on this item has already been opened."))
    if not ballot.quorum_required:
        Ballot.objects.filter(pk=ballot.pk).update(
            quorum_required=True, quorum_fraction=council.quorum_fraction)
    voting.mark_present(actor, ballot, _present_users(meeting))
    try:
        voting.open_ballot(actor, ballot)
    except ValidationError as exc:
        raise CouncilError(exc.messages) from None
    item.refresh_from_db()
    return item


def cast_member_vote(user, item: AgendaItem, answer: str):
    """A member votes on an item, in person: no proxies, only members of the term present."""
    meeting = item.meeting
    member = member_for(user, meeting)
    if member is None:
        raise PermissionDenied(_("Only serving members of this term vote."))
    if not Attendance.objects.filter(meeting=meeting, member=member,
                                     signed_in_at__isnull=False).exists():
        raise CouncilError(_("Sign in at the meeting before voting."))
    if item.ballot_id is None:
        raise CouncilError(_("This item has no vote."))
    return voting.cast_vote(user, item.ballot, {"votes": {RESOLUTION_KEY: answer}})


def needed_to_carry(pass_rule: str, present: int, entitled: int) -> int:
    """The fewest votes that could carry the motion under the council's pass rule: closing with
    fewer cast means the outcome was decided by who had not voted yet."""
    if pass_rule == PassRule.TWO_THIRDS_ENTITLED:
        return -(-entitled * 2 // 3)
    if pass_rule == PassRule.MORE_THAN_HALF_ENTITLED:
        return entitled // 2 + 1
    return present // 2 + 1  # of those present (or of the votes cast, when all present vote)


def vote_progress(item: AgendaItem) -> dict | None:
    """How far the open vote has come: votes cast, members present, entitled, and needed to
    carry; `early` when closing now would be closing before enough have voted."""
    if item.ballot_id is None:
        return None
    ballot = item.ballot
    q = quorum(item.meeting)
    cast = Participation.objects.filter(ballot_id=ballot.pk).count()
    needed = needed_to_carry(ballot.pass_rule, q["present"], q["entitled"])
    return {"cast": cast, "present": q["present"], "entitled": q["entitled"],
            "needed": needed, "early": cast < needed}


def early_close_warning(progress: dict) -> str:
    return _("Only %(cast)d of the %(present)d members present have voted, and %(needed)d "
             "votes are needed to carry the motion. If you close now, the vote is recorded "
             "as closed early.") % progress


@transaction.atomic
def close_vote(actor, item: AgendaItem, *, confirmed: bool = False) -> AgendaItem:
    """Close the vote and record the outcome the count gives. Closing while fewer members have
    voted than could carry the motion needs `confirmed`, and is recorded as closed early (on
    the item, in its audit record, on the pages and in the minutes). A sealed vote waits, closed,
    for its tellers' shares; calling this again then records the result."""
    item = _locked(item)
    require(actor, "councils.manage", item.meeting.council.street)
    if item.state == ItemState.VOTING:
        ballot = item.ballot
        # Online sign-ins since the vote opened join the presence count before it closes.
        voting.mark_present(actor, ballot, _present_users(item.meeting))
        progress = vote_progress(item)
        if progress["early"] and not confirmed:
            raise CouncilError(early_close_warning(progress), code="confirm")
        transition(item, "close_vote", actor, workflow=ITEM, closed_early=progress["early"],
                   votes_cast=progress["cast"],
                   after={"present": progress["present"], "needed": progress["needed"]})
        voting.close_ballot(actor, ballot)
    if item.state != ItemState.COUNTING:
        raise CouncilError(_("The vote on this item is not open."), code="state")
    ballot = Ballot.objects.get(pk=item.ballot_id)
    if ballot.is_sealed and ballot.decrypted_at is None:
        # The close stays committed; the item is resolved when this is called again after a
        # quorum of the meeting's tellers has brought their shares on the ballot's tellers page.
        return item
    return record_result(actor, item)


@transaction.atomic
def record_result(actor, item: AgendaItem) -> AgendaItem:
    """The counted outcome onto the item: figures and passed, from the published result."""
    item = _locked(item)
    ballot = Ballot.objects.get(pk=item.ballot_id) if item.ballot_id else None
    if ballot is not None and ballot.state == BallotState.CLOSED and (
            not ballot.is_sealed or ballot.decrypted_at is not None):
        ballot = voting.publish_results(actor, ballot)
    result = (ballot.result if ballot is not None else None) or {}
    line = (result.get("items") or {}).get(RESOLUTION_KEY)
    changes = {"resolved_at": timezone.now()}
    if line is not None:
        changes.update(votes_yes=line["yes"], votes_no=line["no"], votes_abstain=line["abstain"],
                       passed=bool(line["passed"]))
    else:  # an attached project ballot: the winners are the outcome
        changes["passed"] = bool(result.get("winners"))
    transition(item, "record_result", actor, workflow=ITEM, **changes)
    return item
