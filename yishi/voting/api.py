"""Voting API: the same as the pages — ballots, casting with a receipt, results, the bulletin
board; and for staff: create, open, close, paper tallies, publish."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth
from pydantic import Field

from yishi.core.api_types import AllowedActionOut, Count, Id, Money, allowed_actions
from yishi.core.models import Unit

from . import charts, queries, services, tellers
from .models import (
    Ballot,
    BallotState,
    BudgetRule,
    Method,
    PaperTally,
    PassRule,
    RollSource,
    Secrecy,
    TieBreak,
)
from .services import MAX_MONEY

router = Router(tags=["voting"])


# Money: 0 to MAX_MONEY yuan, to the fen — the same range the forms and services hold to, so a
# cost such as 6e16 is a 422 naming the field, never a saved ballot nobody can list.
class OptionIn(Schema):
    key: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=1, max_length=200)
    cost: Money = Decimal(0)
    description: str = ""


class BallotIn(Schema):
    unit: str
    title: str
    description: str = ""
    method: Method
    secrecy: Secrecy = Secrecy.SECRET
    options: list[OptionIn]
    max_choices: Count | None = None
    min_choices: Count = 0
    min_support: Count = 0
    pass_rule: PassRule = PassRule.MORE_THAN_HALF_CAST
    budget: Decimal | None = Field(None, gt=0, le=MAX_MONEY, max_digits=14, decimal_places=2)
    budget_rule: BudgetRule = BudgetRule.MES_GREEDY
    tie_break: TieBreak = TieBreak.LOWER_COST_THEN_DRAW
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    roll_source: RollSource = RollSource.ROLES
    roll_roles: list[str] = []
    quorum_required: bool = False
    tellers: list[str] = Field([], description="Mobile numbers of the tellers (secret ballots, "
                               "at least 3)")
    threshold: int | None = Field(None, ge=2, le=100)
    publish_key: bool = False


class OptionOut(Schema):
    key: str
    title: str
    description: str
    cost: Decimal


class BallotOut(Schema):
    id: UUID
    unit: str
    title: str
    description: str
    method: str
    secrecy: str
    state: str
    opens_at: datetime | None
    closes_at: datetime | None
    max_choices: int | None
    min_choices: int
    budget: Decimal | None
    budget_rule: str
    pass_rule: str
    tie_break: str
    tie_seed: str
    entitled_count: int
    options: list[OptionOut]

    @staticmethod
    def resolve_id(obj):
        return obj.public_id

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code

    @staticmethod
    def resolve_options(obj):
        return list(obj.options.all())


class CountStatusOut(Schema):
    needed: int = Field(description="Key shares needed to decrypt (k of n)")
    tellers: int
    taken: int
    brought: int
    decrypted: bool
    countable: bool = Field(description="False once fewer than `needed` tellers can bring a "
                            "share: the ballot cannot be counted")


class BallotDetailOut(BallotOut):
    public_key: str = Field(description="Sealed ballots: the key every ballot is encrypted to")
    count: CountStatusOut | None = None
    actions: list[AllowedActionOut] = Field(description="What the signed-in person may do now")


class ShareOut(Schema):
    position: int = Field(description="The teller's share number (1, 2, …)")
    share: str = Field(description="The key share's words: shown this once, never again")
    qr_svg: str = Field(description="The same words as a QR code (SVG), to print")


class ShareIn(Schema):
    share: str = Field(min_length=1, max_length=2000)


class CountProgressOut(Schema):
    brought: int
    needed: int
    decrypted: int | None = Field(description="Ballots decrypted, once the quorum was reached")


class VoteIn(Schema):
    choices: list[str] | None = None
    votes: dict[str, str] | None = None


class ReceiptOut(Schema):
    code: str
    hash: str


class PaperTallyIn(Schema):
    lines: list[dict]


class PaperVotersIn(Schema):
    voters: list[str]


class PaperBatchOut(Schema):
    voters: int


class PresenceIn(Schema):
    mobiles: list[str]
    present: bool = True


class PresenceOut(Schema):
    present_count: int


class PaperTallyOut(Schema):
    id: int
    state: str
    total: int



def _get(ballot_id: UUID, *, drafts=False) -> Ballot:
    ballot = get_object_or_404(Ballot.objects.select_related("unit"), public_id=ballot_id)
    if ballot.state == BallotState.DRAFT and not drafts:
        raise Http404
    return ballot


@router.get("/ballots", response=list[BallotOut], summary="Ballots that are open or done")
def list_ballots(request, state: BallotState | None = None, unit: str | None = None):
    ballots = queries.visible_ballots().prefetch_related("options")
    if state:
        ballots = ballots.filter(state=state)
    if unit:
        ballots = ballots.filter(unit__code=unit)
    return ballots.order_by("-created_at")[:200]


@router.get("/ballots/{ballot_id}", response=BallotDetailOut)
def get_ballot(request, ballot_id: UUID):
    ballot = _get(ballot_id)
    ballot.count = tellers.count_status(ballot)
    ballot.actions = allowed_actions(ballot, request.user)
    return ballot


# --- tellers --------------------------------------------------------------------------------

@router.post("/ballots/{ballot_id}/share", response=ShareOut, auth=django_auth,
             summary="A teller takes their key share: answered once, while the ballot is open")
def take_share(request, ballot_id: UUID):
    ballot = _get(ballot_id)
    share = tellers.take_share(request.user, ballot)
    position = tellers.teller_for(request.user, ballot).position + 1
    return {"position": position, "share": share, "qr_svg": str(charts.qr_svg(share))}


@router.post("/ballots/{ballot_id}/count", response=CountProgressOut, auth=django_auth,
             summary="A teller brings their key share after the close; the quorum's last share "
                     "decrypts and counts the ballots, as on the teller page")
def bring_share(request, ballot_id: UUID, data: ShareIn):
    ballot = _get(ballot_id)
    progress = tellers.bring_share(request.user, ballot, data.share)
    return {"brought": progress.brought, "needed": progress.needed,
            "decrypted": progress.decrypted}


@router.post("/ballots/{ballot_id}/votes", response={201: ReceiptOut}, auth=django_auth,
             summary="Cast your vote; the answer is your tracking code")
def cast(request, ballot_id: UUID, vote: VoteIn):
    ballot = _get(ballot_id)
    content = {"choices": vote.choices} if vote.choices is not None else {"votes": vote.votes}
    receipt = services.cast_vote(request.user, ballot, content)
    return Status(201, {"code": receipt.code, "hash": receipt.hash})


@router.get("/ballots/{ballot_id}/results", summary="Published result")
def results(request, ballot_id: UUID):
    ballot = _get(ballot_id)
    if ballot.state != BallotState.PUBLISHED:
        raise HttpError(404, _("The results have not been published yet."))
    return {"result": ballot.result, "turnout": queries.turnout(ballot)}


@router.get("/ballots/{ballot_id}/board", summary="Bulletin board: every counted ballot")
def board(request, ballot_id: UUID):
    ballot = _get(ballot_id)
    if ballot.state != BallotState.PUBLISHED:
        raise HttpError(404, _("The bulletin board is published with the results."))
    return queries.board(ballot)


# --- staff ----------------------------------------------------------------------------------

@router.post("/ballots", response={201: BallotOut}, auth=django_auth,
             summary="Create a ballot (draft)")
def create(request, data: BallotIn):
    unit = get_object_or_404(Unit, code=data.unit)
    fields = data.dict(exclude={"unit", "title", "method", "options", "roll_roles", "tellers"})
    fields = {k: v for k, v in fields.items() if v is not None}
    fields["roll_roles"] = ",".join(data.roll_roles)
    from yishi.core.models import User, normalize_mobile

    mobiles = [normalize_mobile(m) for m in data.tellers]
    tellers = {u.mobile: u for u in User.objects.filter(mobile__in=mobiles, is_active=True)}
    if len(tellers) != len(set(mobiles)):
        raise ValidationError({"tellers": _("Some tellers' mobile numbers have no account.")})
    ballot = services.create_ballot(
        request.user, unit, title=data.title, method=data.method,
        options=[services.OptionInput(**o.dict()) for o in data.options],
        tellers=[tellers[m] for m in mobiles], **fields)
    return Status(201, ballot)


def _staff_action(request, ballot_id: UUID, action):
    ballot = _get(ballot_id, drafts=True)
    return action(request.user, ballot)


@router.post("/ballots/{ballot_id}/open", response=BallotOut, auth=django_auth)
def open_(request, ballot_id: UUID):
    return _staff_action(request, ballot_id, services.open_ballot)


@router.post("/ballots/{ballot_id}/close", response=BallotOut, auth=django_auth)
def close(request, ballot_id: UUID):
    return _staff_action(request, ballot_id, services.close_ballot)


@router.post("/ballots/{ballot_id}/publish", response=BallotOut, auth=django_auth)
def publish(request, ballot_id: UUID):
    return _staff_action(request, ballot_id, services.publish_results)


@router.post("/ballots/{ballot_id}/presence", response=PresenceOut, auth=django_auth,
             summary="Mark people present (sign-in), for quorum and the 'present' pass rule")
def presence(request, ballot_id: UUID, data: PresenceIn):
    from yishi.core.models import User, normalize_mobile

    mobiles = [normalize_mobile(m) for m in data.mobiles]
    voters = list(User.objects.filter(mobile__in=mobiles))
    if len(voters) != len(set(mobiles)):
        raise ValidationError({"mobiles": _("Some of these mobile numbers have no account.")})
    count = _staff_action(request, ballot_id,
                          lambda user, ballot: services.mark_present(user, ballot, voters,
                                                                     data.present))
    return {"present_count": count}


@router.post("/ballots/{ballot_id}/paper-tallies", response={201: PaperTallyOut},
             auth=django_auth, summary="Enter counted paper ballots (first teller)")
def enter_paper(request, ballot_id: UUID, data: PaperTallyIn):
    tally = _staff_action(request, ballot_id, lambda user, ballot: services.enter_paper_tally(
        user, ballot, data.lines))
    return Status(201, {"id": tally.pk, "state": tally.state, "total": tally.total})


@router.post("/ballots/{ballot_id}/paper-voters", response={201: PaperBatchOut},
             auth=django_auth, summary="Record who voted on paper (batches of at least 5)")
def paper_voters(request, ballot_id: UUID, data: PaperVotersIn):
    batch = _staff_action(request, ballot_id, lambda user, ballot: services.record_paper_voters(
        user, ballot, data.voters))
    return Status(201, {"voters": batch.voters})


@router.post("/paper-tallies/{tally_id}/confirm", response=PaperTallyOut, auth=django_auth,
             summary="Confirm counted paper ballots (second teller)")
def confirm_paper(request, tally_id: Id):
    tally = get_object_or_404(PaperTally.objects.select_related("ballot__unit"), pk=tally_id)
    tally = services.confirm_paper_tally(request.user, tally)
    return {"id": tally.pk, "state": tally.state, "total": tally.total}
