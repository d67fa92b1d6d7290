"""Councils API: councils, masked rosters, meetings with agendas and results, the calendar, calls
and round tables for everyone; convening, agenda, sign-in, votes for staff; answers and votes
for members."""

from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from yishi.core.api import AttachmentOut
from yishi.core.api_types import AllowedActionOut, Id, allowed_actions
from yishi.core.models import Unit
from yishi.core.permissions import require
from yishi.moderation.queries import attach as attach_moderation
from yishi.moderation.queries import published

from . import meetings as meetings_svc
from . import queries, roundtables
from . import votes as votes_svc
from .models import AgendaItem, Call, Meeting, Member, Minutes, MinutesState, RoundTable
from .workflows import ITEM, MEETING

router = Router(tags=["councils"])



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
    # Terms come prefetched newest first, each with its count of serving members.
    term = council.terms_newest_first[0] if council.terms_newest_first else None
    return {"street": council.street.code, "name": council.name,
            "term": term.number if term else None,
            "members": term.serving if term else 0,
            **{f: getattr(council, f) for f in (
                "quorum_fraction", "pass_rule", "secrecy", "notice_days", "call_threshold",
                "round_table_days")}}


@router.get("/councils", response=list[CouncilOut], summary="Every street's council and rules")
def councils(request):
    from .models import Council, MemberStatus, Term

    terms = Term.objects.order_by("-number").annotate(
        serving=Count("members", filter=Q(members__status=MemberStatus.SERVING)))
    return [_council_out(c) for c in Council.objects.select_related("street").prefetch_related(
        Prefetch("terms", terms, to_attr="terms_newest_first"))]


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
        raise Http404
    _term, rows = queries.public_roster(council)
    return [{"name": r["name"], "category": r["category_code"], "community": r["community"],
             "mobile": r["mobile"]} for r in rows]


class ItemOut(Schema):
    id: int
    position: int
    kind: str
    title: str
    presenter: str
    video_url: str
    ballot: str | None
    state: str
    motion: str = Field(..., description="The wording put to the vote (the title when none "
                        "was given); it never states the outcome.")
    passed: bool | None = Field(..., description="The counted outcome, null until counted.")
    closed_early: bool = Field(..., description="Closed before enough members had voted to "
                               "carry the motion (confirmed by staff).")
    votes_cast: int | None
    votes_yes: int | None
    votes_no: int | None
    votes_abstain: int | None
    documents: list[AttachmentOut]

    @staticmethod
    def resolve_documents(obj):
        return list(obj.documents.all())

    @staticmethod
    def resolve_ballot(obj):
        return str(obj.ballot.public_id) if obj.ballot_id else None

    @staticmethod
    def resolve_motion(obj):
        return obj.motion_text


class ItemDetailOut(ItemOut):
    meeting: int
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_meeting(obj):
        return obj.meeting_id

    @staticmethod
    def resolve_actions(obj):
        return obj.allowed_steps


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
        return list(obj.items.all())

    @staticmethod
    def resolve_minutes(obj):
        try:
            minutes = obj.minutes
        except Minutes.DoesNotExist:
            return None
        return minutes.text if minutes.state == MinutesState.PUBLISHED else None


def _with_agenda(rows):
    """Meetings with everything MeetingOut reads, in a fixed number of queries."""
    return rows.select_related("minutes").prefetch_related(Prefetch(
        "items", AgendaItem.objects.select_related("ballot").prefetch_related("documents")))


@router.get("/meetings", response=list[MeetingOut], summary="Meetings (not drafts)")
def meetings(request, street: str | None = None, state: str | None = None,
             upcoming: bool = False):
    rows = queries.upcoming_meetings() if upcoming else queries.public_meetings()
    if street:
        rows = rows.filter(council__street__code=street)
    if state:
        rows = rows.filter(state=state)
    return list(_with_agenda(rows)[:200])


def _meeting(meeting_id: Id) -> Meeting:
    return get_object_or_404(queries.public_meetings(), pk=meeting_id)


class MeetingDetailOut(MeetingOut):
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_actions(obj):
        return obj.allowed_steps


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut)
def meeting(request, meeting_id: Id):
    found = get_object_or_404(_with_agenda(queries.public_meetings()), pk=meeting_id)
    found.allowed_steps = allowed_actions(found, request.user, MEETING)
    return found


@router.get("/items/{item_id}", response=ItemDetailOut, summary="An agenda item and its vote")
def item(request, item_id: Id):
    found = get_object_or_404(AgendaItem.objects.select_related(
        "ballot", "meeting__council__street").prefetch_related("documents"),
        pk=item_id, meeting__in=queries.public_meetings())
    found.allowed_steps = allowed_actions(found, request.user, ITEM)
    return found


class QuorumOut(Schema):
    present: int
    entitled: int
    needed: int
    fraction: str
    met: bool


@router.get("/meetings/{meeting_id}/quorum", response=QuorumOut, summary="Live quorum figure")
def quorum(request, meeting_id: Id):
    return meetings_svc.quorum(_meeting(meeting_id))


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
        raise ValidationError({"street": _("There is no council for this street.")})
    created = meetings_svc.create_meeting(request.user, council, **data.dict(exclude={"street"}))
    return Status(201, created)


class ItemIn(Schema):
    kind: str
    title: str
    description: str = ""
    presenter: str = ""
    video_url: str = ""
    ballot_id: Id | None = None


@router.post("/meetings/{meeting_id}/items", response={201: ItemOut}, auth=django_auth,
             summary="Add an agenda item")
def add_item(request, meeting_id: Id, data: ItemIn):
    from yishi.voting.models import Ballot

    target = get_object_or_404(Meeting, pk=meeting_id)
    ballot = None
    if data.ballot_id:
        ballot = Ballot.objects.filter(pk=data.ballot_id).first()
        if ballot is None:
            raise ValidationError({"ballot_id": _("There is no such ballot.")})
    item = meetings_svc.add_item(request.user, target, kind=data.kind, title=data.title,
                             description=data.description, presenter=data.presenter,
                             video_url=data.video_url, ballot=ballot)
    return Status(201, item)


def _meeting_action(request, meeting_id: Id, function):
    target = get_object_or_404(Meeting, pk=meeting_id)
    return function(request.user, target)


@router.post("/meetings/{meeting_id}/convene", response=MeetingOut, auth=django_auth,
             summary="Convene a meeting and send the notice")
def convene(request, meeting_id: Id):
    return _meeting_action(request, meeting_id, meetings_svc.convene_meeting)


@router.post("/meetings/{meeting_id}/start", response=MeetingOut, auth=django_auth,
             summary="Start a meeting: sign-in opens")
def start(request, meeting_id: Id):
    return _meeting_action(request, meeting_id, meetings_svc.start_meeting)


@router.post("/meetings/{meeting_id}/close", response=MeetingOut, auth=django_auth,
             summary="Close a meeting")
def close(request, meeting_id: Id):
    return _meeting_action(request, meeting_id, meetings_svc.close_meeting)


class TellersIn(Schema):
    member_ids: list[Id] = Field(..., max_length=50,
                                 description="Members of the term who act as tellers (at least 3)")
    threshold: Annotated[int, Field(ge=2, le=50)] = 2


class TellersOut(Schema):
    member_ids: list[int]
    threshold: int


@router.put("/meetings/{meeting_id}/tellers", response=TellersOut, auth=django_auth,
            summary="Name the meeting's tellers: secret votes are sealed to them")
def set_tellers(request, meeting_id: Id, data: TellersIn):
    target = get_object_or_404(Meeting, pk=meeting_id)
    # Refused before the lookup, so nobody probes another street's roster by member id.
    require(request.user, "councils.manage", target.council.street)
    members = {m.pk: m for m in Member.objects.filter(
        pk__in=data.member_ids, term=target.term).select_related("user")}
    if len(members) != len(set(data.member_ids)):
        raise ValidationError({"member_ids": _("Some of these are not members of the "
                                               "meeting's term.")})
    meetings_svc.set_meeting_tellers(request.user, target,
                                 [members[i].user for i in data.member_ids], data.threshold)
    return {"member_ids": list(data.member_ids), "threshold": data.threshold}


class AttendanceIn(Schema):
    attending: bool
    reason: str = ""


@router.post("/meetings/{meeting_id}/attendance", auth=django_auth,
             summary="A member confirms attendance or asks for leave")
def answer(request, meeting_id: Id, data: AttendanceIn):
    row = meetings_svc.answer_notice(request.user, _meeting(meeting_id),
                                 attending=data.attending, reason=data.reason)
    return {"response": row.response}


class SignInIn(Schema):
    member_id: Id
    mode: str = "in_person"


class SignInOut(Schema):
    signed_in: bool
    quorum: QuorumOut


@router.post("/meetings/{meeting_id}/sign-ins", response=SignInOut, auth=django_auth,
             summary="Sign a member in (desk); twice counts once")
def sign_in(request, meeting_id: Id, data: SignInIn):
    target = get_object_or_404(Meeting, pk=meeting_id)
    member = Member.objects.filter(pk=data.member_id).first()
    if member is None:
        raise ValidationError({"member_id": _("There is no such member.")})
    done = meetings_svc.sign_in(request.user, target, member, data.mode)
    return {"signed_in": done, "quorum": meetings_svc.quorum(target)}


@router.post("/items/{item_id}/open-vote", response=ItemOut, auth=django_auth,
             summary="Open the vote on an item (needs quorum)")
def open_vote(request, item_id: Id):
    item = get_object_or_404(AgendaItem, pk=item_id)
    return votes_svc.open_vote(request.user, item)


class CloseIn(Schema):
    confirmed: bool = Field(False, description="Close even though fewer members have voted than "
                            "could carry the motion (the vote is then recorded as closed early); "
                            "without it such a close is refused with code 'confirm'.")


@router.post("/items/{item_id}/close-vote", response=ItemOut, auth=django_auth,
             summary="Close the vote and record the counted outcome")
def close_vote(request, item_id: Id, data: CloseIn):
    item = get_object_or_404(AgendaItem, pk=item_id)
    return votes_svc.close_vote(request.user, item, confirmed=data.confirmed)


class MemberVoteIn(Schema):
    answer: str


@router.post("/items/{item_id}/votes", response={201: dict}, auth=django_auth,
             summary="A member present votes yes, no or abstain")
def vote(request, item_id: Id, data: MemberVoteIn):
    item = get_object_or_404(AgendaItem.objects.select_related("meeting"), pk=item_id)
    receipt = votes_svc.cast_member_vote(request.user, item, data.answer)
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

    @staticmethod
    def resolve_description(obj, context):
        # Moderation's one rule: under review until approved, personal data masked.
        return published(obj, "description", getattr(context.get("request"), "user", None))


@router.get("/calls", response=list[CallOut], summary="One-click calls and their state")
def calls(request, street: str | None = None, state: str | None = None):
    rows = queries.public_calls()
    if street:
        rows = rows.filter(street__code=street)
    if state:
        rows = rows.filter(state=state)
    return attach_moderation(rows[:500])


class CallIn(Schema):
    community: str
    description: str


@router.post("/calls", response={201: CallOut}, auth=django_auth,
             summary="Raise a matter with one action (一键呼)")
def raise_call(request, data: CallIn):
    community = Unit.objects.filter(code=data.community).first()
    call = roundtables.raise_call(request.user, community, data.description)
    return Status(201, call)


@router.post("/calls/{call_id}/supports", response={201: CallOut}, auth=django_auth,
             summary="Support a call (once)")
def support(request, call_id: Id):
    call = get_object_or_404(Call, pk=call_id)
    return Status(201, roundtables.support_call(request.user, call))


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
def round_table(request, table_id: Id):
    return get_object_or_404(RoundTable, pk=table_id)
