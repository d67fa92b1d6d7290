"""Councils API: councils, masked rosters, meetings with agendas and results, the calendar, calls
and round tables for everyone; convening, agenda, sign-in, votes for staff; answers and votes
for members."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from yishi.core.models import Unit

from . import queries, roundtables, services
from .models import AgendaItem, Call, Meeting, Member, RoundTable

router = Router(tags=["councils"])


def _refuse(exc):
    """403 for a refused permission; 422 naming the field for invalid input."""
    if isinstance(exc, PermissionDenied):
        raise HttpError(403, str(exc) or "forbidden")
    if hasattr(exc, "error_dict"):
        raise NinjaValidationError([
            {"loc": ["body", field], "msg": " ".join(messages), "type": "value_error"}
            for field, messages in exc.message_dict.items()])
    raise HttpError(422, " ".join(exc.messages))


class CouncilOut(Schema):
    street: str
    name: str
    term: int | None
    members: int
    quorum_fraction: str
    pass_rule: str
    secrecy: str
    notice_days: int
    call_threshold: int
    round_table_days: int


def _council_out(council) -> dict:
    term = council.current_term()
    return {"street": council.street.code, "name": council.name,
            "term": term.number if term else None,
            "members": services.serving_members(term).count() if term else 0,
            **{f: getattr(council, f) for f in (
                "quorum_fraction", "pass_rule", "secrecy", "notice_days", "call_threshold",
                "round_table_days")}}


@router.get("/councils", response=list[CouncilOut], summary="Every street's council and rules")
def councils(request):
    from .models import Council

    return [_council_out(c) for c in Council.objects.select_related("street")]


class RosterRow(Schema):
    name: str
    category: str
    community: str
    mobile: str


@router.get("/councils/{street}/members", response=list[RosterRow],
            summary="The published roster, contacts masked")
def roster(request, street: str):
    council = queries.council_for_code(street)
    if council is None:
        raise HttpError(404, "Not Found")
    _term, rows = queries.public_roster(council)
    return [{"name": r["name"], "category": r["category_code"], "community": r["community"],
             "mobile": r["mobile"]} for r in rows]


class DocumentOut(Schema):
    name: str
    url: str

    @staticmethod
    def resolve_name(obj):
        return obj.original_name

    @staticmethod
    def resolve_url(obj):
        return obj.file.url


class ItemOut(Schema):
    id: int
    position: int
    kind: str
    title: str
    presenter: str
    video_url: str
    ballot: str | None
    resolution: str
    passed: bool | None
    votes_yes: int | None
    votes_no: int | None
    votes_abstain: int | None
    documents: list[DocumentOut]

    @staticmethod
    def resolve_documents(obj):
        return list(obj.documents.all())

    @staticmethod
    def resolve_ballot(obj):
        return str(obj.ballot.public_id) if obj.ballot_id else None


class MeetingOut(Schema):
    id: int
    street: str
    title: str
    kind: str
    state: str
    starts_at: datetime
    place: str
    video_url: str
    district_batch: int | None
    items: list[ItemOut]
    minutes: str | None

    @staticmethod
    def resolve_street(obj):
        return obj.council.street.code

    @staticmethod
    def resolve_district_batch(obj):
        return obj.batch_id

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.select_related("ballot"))

    @staticmethod
    def resolve_minutes(obj):
        minutes = queries.published_minutes(obj)
        return minutes.text if minutes else None


@router.get("/meetings", response=list[MeetingOut], summary="Meetings (not drafts)")
def meetings(request, street: str | None = None, state: str | None = None,
             upcoming: bool = False):
    rows = queries.upcoming_meetings() if upcoming else queries.public_meetings()
    if street:
        rows = rows.filter(council__street__code=street)
    if state:
        rows = rows.filter(state=state)
    return list(rows.prefetch_related("items")[:200])


def _meeting(meeting_id: int) -> Meeting:
    return get_object_or_404(queries.public_meetings(), pk=meeting_id)


@router.get("/meetings/{meeting_id}", response=MeetingOut)
def meeting(request, meeting_id: int):
    return _meeting(meeting_id)


class QuorumOut(Schema):
    present: int
    entitled: int
    needed: int
    fraction: str
    met: bool


@router.get("/meetings/{meeting_id}/quorum", response=QuorumOut, summary="Live quorum figure")
def quorum(request, meeting_id: int):
    return services.quorum(_meeting(meeting_id))


class MeetingIn(Schema):
    street: str
    title: str
    starts_at: datetime
    place: str
    kind: str = "ordinary"
    online_url: str = ""
    video_url: str = ""


@router.post("/meetings", response={201: MeetingOut}, auth=django_auth,
             summary="Create a meeting (street committee)")
def create_meeting(request, data: MeetingIn):
    council = queries.council_for_code(data.street)
    if council is None:
        raise NinjaValidationError([{"loc": ["body", "street"], "msg": "no council",
                                     "type": "value_error"}])
    try:
        created = services.create_meeting(request.user, council, **data.dict(exclude={"street"}))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(exc)
    return Status(201, created)


class ItemIn(Schema):
    kind: str
    title: str
    description: str = ""
    presenter: str = ""
    video_url: str = ""
    ballot_id: int | None = None


@router.post("/meetings/{meeting_id}/items", response={201: ItemOut}, auth=django_auth,
             summary="Add an agenda item")
def add_item(request, meeting_id: int, data: ItemIn):
    from yishi.voting.models import Ballot

    target = get_object_or_404(Meeting, pk=meeting_id)
    ballot = None
    if data.ballot_id:
        ballot = Ballot.objects.filter(pk=data.ballot_id).first()
        if ballot is None:
            raise NinjaValidationError([{"loc": ["body", "ballot_id"], "msg": "no such ballot",
                                         "type": "value_error"}])
    try:
        item = services.add_item(request.user, target, kind=data.kind, title=data.title,
                                 description=data.description, presenter=data.presenter,
                                 video_url=data.video_url, ballot=ballot)
    except (ValidationError, PermissionDenied) as exc:
        _refuse(exc)
    return Status(201, item)


def _meeting_action(request, meeting_id: int, function):
    target = get_object_or_404(Meeting, pk=meeting_id)
    try:
        return function(request.user, target)
    except (ValidationError, PermissionDenied) as exc:
        _refuse(exc)


@router.post("/meetings/{meeting_id}/convene", response=MeetingOut, auth=django_auth,
             summary="Convene a meeting and send the notice")
def convene(request, meeting_id: int):
    return _meeting_action(request, meeting_id, services.convene_meeting)


@router.post("/meetings/{meeting_id}/start", response=MeetingOut, auth=django_auth,
             summary="Start a meeting: sign-in opens")
def start(request, meeting_id: int):
    return _meeting_action(request, meeting_id, services.start_meeting)


@router.post("/meetings/{meeting_id}/close", response=MeetingOut, auth=django_auth,
             summary="Close a meeting")
def close(request, meeting_id: int):
    return _meeting_action(request, meeting_id, services.close_meeting)


class AnswerIn(Schema):
    attending: bool
    reason: str = ""


@router.post("/meetings/{meeting_id}/attendance", auth=django_auth,
             summary="A member confirms attendance or asks for leave")
def answer(request, meeting_id: int, data: AnswerIn):
    try:
        row = services.answer_notice(request.user, _meeting(meeting_id),
                                     attending=data.attending, reason=data.reason)
    except (ValidationError, PermissionDenied) as exc:
        _refuse(exc)
    return {"response": row.response}


class SignInIn(Schema):
    member_id: int
    mode: str = "in_person"


class SignInOut(Schema):
    signed_in: bool
    quorum: QuorumOut


@router.post("/meetings/{meeting_id}/sign-ins", response=SignInOut, auth=django_auth,
             summary="Sign a member in (desk); twice counts once")
def sign_in(request, meeting_id: int, data: SignInIn):
    target = get_object_or_404(Meeting, pk=meeting_id)
    member = Member.objects.filter(pk=data.member_id).first()
    if member is None:
        raise NinjaValidationError([{"loc": ["body", "member_id"], "msg": "no such member",
                                     "type": "value_error"}])
    try:
        done = services.sign_in(request.user, target, member, data.mode)
    except (ValidationError, PermissionDenied) as exc:
        _refuse(exc)
    return {"signed_in": done, "quorum": services.quorum(target)}


@router.post("/items/{item_id}/open-vote", response=ItemOut, auth=django_auth,
             summary="Open the vote on an item (needs quorum)")
def open_vote(request, item_id: int):
    item = get_object_or_404(AgendaItem, pk=item_id)
    try:
        return services.open_vote(request.user, item)
    except (ValidationError, PermissionDenied) as exc:
        _refuse(exc)


class CloseIn(Schema):
    resolution: str = ""


@router.post("/items/{item_id}/close-vote", response=ItemOut, auth=django_auth,
             summary="Close the vote and record the resolution")
def close_vote(request, item_id: int, data: CloseIn):
    item = get_object_or_404(AgendaItem, pk=item_id)
    try:
        return services.close_vote(request.user, item, data.resolution)
    except (ValidationError, PermissionDenied) as exc:
        _refuse(exc)


class VoteIn(Schema):
    answer: str


@router.post("/items/{item_id}/votes", response={201: dict}, auth=django_auth,
             summary="A member present votes yes, no or abstain")
def vote(request, item_id: int, data: VoteIn):
    item = get_object_or_404(AgendaItem.objects.select_related("meeting"), pk=item_id)
    try:
        receipt = services.cast_member_vote(request.user, item, data.answer)
    except (ValidationError, PermissionDenied) as exc:
        _refuse(exc)
    return Status(201, {"code": receipt.code, "hash": receipt.hash})


class CallOut(Schema):
    id: int
    street: str
    community: str
    description: str
    supports: int
    state: str
    created_at: datetime
    due_at: datetime | None
    overdue: bool

    @staticmethod
    def resolve_street(obj):
        return obj.street.code

    @staticmethod
    def resolve_community(obj):
        return obj.community.code


@router.get("/calls", response=list[CallOut], summary="One-click calls and their state")
def calls(request, street: str | None = None, state: str | None = None):
    rows = queries.public_calls()
    if street:
        rows = rows.filter(street__code=street)
    if state:
        rows = rows.filter(state=state)
    return list(rows[:500])


class CallIn(Schema):
    community: str
    description: str


@router.post("/calls", response={201: CallOut}, auth=django_auth,
             summary="Raise a matter with one action (一键呼)")
def raise_call(request, data: CallIn):
    community = Unit.objects.filter(code=data.community).first()
    try:
        call = roundtables.raise_call(request.user, community, data.description)
    except (ValidationError, PermissionDenied) as exc:
        _refuse(exc)
    return Status(201, call)


@router.post("/calls/{call_id}/supports", response={201: CallOut}, auth=django_auth,
             summary="Support a call (once)")
def support(request, call_id: int):
    call = get_object_or_404(Call, pk=call_id)
    try:
        return Status(201, roundtables.support_call(request.user, call))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(exc)


class ActionOut(Schema):
    title: str
    owner: str
    deadline: str

    @staticmethod
    def resolve_deadline(obj):
        return obj.deadline.isoformat()


class RoundTableOut(Schema):
    id: int
    street: str
    call: int | None
    title: str
    held_at: datetime
    place: str
    state: str
    summary: str
    outcome: str
    outcome_text: str
    participants: list[str]
    actions: list[ActionOut]

    @staticmethod
    def resolve_street(obj):
        return obj.street.code

    @staticmethod
    def resolve_call(obj):
        return obj.call_id

    @staticmethod
    def resolve_participants(obj):
        return [p.name for p in obj.participants.all()]

    @staticmethod
    def resolve_actions(obj):
        return list(obj.actions.all())


@router.get("/round-tables", response=list[RoundTableOut], summary="Livelihood round tables")
def round_tables(request, street: str | None = None):
    rows = queries.public_round_tables().prefetch_related("participants", "actions")
    if street:
        rows = rows.filter(street__code=street)
    return list(rows[:200])


@router.get("/round-tables/{table_id}", response=RoundTableOut)
def round_table(request, table_id: int):
    return get_object_or_404(RoundTable, pk=table_id)
