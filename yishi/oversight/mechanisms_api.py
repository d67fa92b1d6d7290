"""Bimonthly meetings, joint supervision and support requests in the API
(/api/oversight/meetings, /joint, /support), as thin as the pages: the same services, the same
scope (a street's staff see their street's; another street's object by id is 404)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from yishi.core.api import AttachmentOut
from yishi.core.api_types import AllowedActionOut, Id, allowed_actions

from . import joint, meetings, services, support
from .joint_models import EntryKind, JointMatter, LinkKind
from .meetings_models import AttendanceStatus, BimonthlyMeeting, ItemKind, MeetingState
from .permissions import reader_paths
from .support_models import SupportKind, SupportState

router = Router(tags=["oversight: meetings, joint supervision, support"])


def _street(code: str, field: str = "street"):
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .queries import streets

    unit = streets().filter(code=code).first()
    if unit is None:
        raise ValidationError({field: [_("Unknown street: %(code)s") % {"code": code}]})
    return unit


def _reader(request):
    if reader_paths(request.auth) == []:
        raise PermissionDenied
    return request.auth


# --- bimonthly meetings ------------------------------------------------------------------------

class BimonthlyMeetingOut(Schema):
    id: int
    title: str
    held_on: date
    place: str
    state: str
    state_label: str

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()


class BimonthlyItemOut(Schema):
    id: int
    kind: str
    title: str
    presenter: str | None
    open: bool
    resolution: str
    carried_from_meeting: int | None
    materials: list[AttachmentOut]

    @staticmethod
    def resolve_materials(obj):
        return list(obj.materials.all())

    @staticmethod
    def resolve_presenter(obj):
        return obj.presenter.code if obj.presenter else None

    @staticmethod
    def resolve_open(obj):
        return obj.is_open

    @staticmethod
    def resolve_carried_from_meeting(obj):
        return obj.carried_from.meeting_id if obj.carried_from else None


class AttendanceOut(Schema):
    street: str
    status: str
    attendees: str

    @staticmethod
    def resolve_street(obj):
        return obj.street.code


class DecisionOut(Schema):
    text: str
    task: int | None

    @staticmethod
    def resolve_task(obj):
        return obj.task_id


class BimonthlyMeetingDetailOut(BimonthlyMeetingOut):
    items: list[BimonthlyItemOut]
    attendance: list[AttendanceOut]
    decisions: list[DecisionOut]
    minutes: str | None
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.select_related("presenter", "carried_from")
                    .prefetch_related("materials"))

    @staticmethod
    def resolve_attendance(obj):
        return list(obj.attendance.select_related("street"))

    @staticmethod
    def resolve_decisions(obj):
        return list(obj.decisions.all())

    @staticmethod
    def resolve_minutes(obj, context):
        user = context["request"].auth
        if obj.published_at is not None or meetings.has_perm(user, "oversight.assign",
                                                             meetings.district()):
            return obj.minutes
        return None

    @staticmethod
    def resolve_actions(obj, context):
        return allowed_actions(obj, context["request"])


class BimonthlyMeetingIn(Schema):
    title: str = Field(max_length=200)
    held_on: date
    place: str = Field("", max_length=200)


class BimonthlyItemIn(Schema):
    kind: ItemKind = ItemKind.TOPIC
    title: str = Field(max_length=200)
    description: str = Field("", max_length=5000)
    presenter: str | None = Field(None, description="the presenting street's code")


class BimonthlyAttendanceIn(Schema):
    street: str
    status: AttendanceStatus
    attendees: str = Field("", max_length=300)


class BimonthlyDecisionIn(Schema):
    text: str = Field(max_length=5000)
    item: Id | None = None
    streets: list[str] = Field([], max_length=50, description="street codes to assign it to")
    lead: str | None = None
    workdays: int | None = Field(None, ge=1, le=services.MAX_WORKDAYS)


class MinutesIn(Schema):
    minutes: str = Field(max_length=20000)


def _meeting(request, meeting_id):
    _reader(request)
    return get_object_or_404(BimonthlyMeeting, pk=meeting_id)


@router.get("/meetings", response=list[BimonthlyMeetingOut], auth=django_auth,
            summary="Bimonthly meetings")
def meeting_list(request, state: MeetingState | None = None):
    _reader(request)
    rows = BimonthlyMeeting.objects.all()
    return list((rows.filter(state=state) if state else rows)[:200])


@router.get("/meetings/{meeting_id}", response=BimonthlyMeetingDetailOut, auth=django_auth,
            summary="A meeting with its agenda, attendance, decisions and actions")
def meeting_detail(request, meeting_id: Id):
    return _meeting(request, meeting_id)


@router.post("/meetings", response={201: BimonthlyMeetingDetailOut}, auth=django_auth,
             summary="Convene a meeting (district)")
def meeting_new(request, data: BimonthlyMeetingIn):
    return Status(201, meetings.schedule_meeting(request.auth, **data.dict()))


@router.post("/meetings/{meeting_id}/items", response={201: BimonthlyMeetingDetailOut},
             auth=django_auth, summary="Add an agenda item (district)")
def meeting_item(request, meeting_id: Id, data: BimonthlyItemIn):
    meeting = _meeting(request, meeting_id)
    meetings.add_item(request.auth, meeting, kind=data.kind, title=data.title,
                      description=data.description,
                      presenter=_street(data.presenter, "presenter") if data.presenter else None)
    return Status(201, meeting)


@router.post("/meetings/{meeting_id}/items/{item_id}/materials",
             response={201: BimonthlyMeetingDetailOut}, auth=django_auth,
             summary="Add practice materials (交流材料) to an agenda item (multipart `files`): the "
                     "presenting street or the district")
def meeting_materials(request, meeting_id: Id, item_id: Id,
                      files: File[list[UploadedFile]] = None):
    meeting = _meeting(request, meeting_id)
    item = get_object_or_404(meeting.items, pk=item_id)
    meetings.add_materials(request.auth, item, files or [])
    return Status(201, meeting)


@router.post("/meetings/{meeting_id}/attendance", response=BimonthlyMeetingDetailOut, auth=django_auth,
             summary="Record a street's attendance (district)")
def meeting_attendance(request, meeting_id: Id, data: BimonthlyAttendanceIn):
    meeting = _meeting(request, meeting_id)
    meetings.record_attendance(request.auth, meeting, _street(data.street), data.status,
                               data.attendees)
    return meeting


@router.post("/meetings/{meeting_id}/decisions", response={201: BimonthlyMeetingDetailOut},
             auth=django_auth, summary="Record a decision; with streets, it assigns the work")
def meeting_decision(request, meeting_id: Id, data: BimonthlyDecisionIn):
    meeting = _meeting(request, meeting_id)
    item = meeting.items.filter(pk=data.item).first() if data.item else None
    if data.item and item is None:
        raise Http404
    assign = None
    if data.streets:
        assign = services.TaskInput(
            title=data.text[:200], description=data.text,
            streets=[_street(c, "streets") for c in data.streets],
            lead=_street(data.lead, "lead") if data.lead else None, workdays=data.workdays)
    meetings.decide(request.auth, meeting, data.text, item=item, assign=assign)
    return Status(201, meeting)


@router.put("/meetings/{meeting_id}/minutes", response=BimonthlyMeetingDetailOut, auth=django_auth,
            summary="Write the minutes (district)")
def meeting_minutes(request, meeting_id: Id, data: MinutesIn):
    return meetings.write_minutes(request.auth, _meeting(request, meeting_id), data.minutes)


@router.post("/meetings/{meeting_id}/{action}", response=BimonthlyMeetingDetailOut, auth=django_auth,
             summary="Record as held (hold) or publish the minutes (publish)")
def meeting_step(request, meeting_id: Id, action: str):
    steps = {"hold": meetings.hold, "publish": meetings.publish}
    if action not in steps:
        raise Http404
    meeting = _meeting(request, meeting_id)
    steps[action](request.auth, meeting)
    meeting.refresh_from_db()
    return meeting


# --- joint supervision -------------------------------------------------------------------------

class EntryOut(Schema):
    kind: str
    date: date
    text: str
    street: str | None

    @staticmethod
    def resolve_street(obj):
        return obj.street.code if obj.street else None


class LinkOut(Schema):
    kind: str
    reference: str
    label: str | None
    url: str | None


class MatterOut(Schema):
    id: int
    title: str
    state: str
    started_on: date
    streets: list[str]

    @staticmethod
    def resolve_streets(obj):
        return [p.street.code for p in obj.streets.all()]


class MatterDetailOut(MatterOut):
    description: str
    conclusion: str
    entries: list[EntryOut]
    links: list[LinkOut]
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_entries(obj):
        return list(obj.entries.select_related("street"))

    @staticmethod
    def resolve_links(obj):
        rows = []
        for link in obj.links.all():
            found = joint.resolve(link) or {}
            rows.append({"kind": link.kind, "reference": link.reference,
                         "label": found.get("label"), "url": found.get("url")})
        return rows

    @staticmethod
    def resolve_actions(obj, context):
        return allowed_actions(obj, context["request"])


class MatterIn(Schema):
    title: str = Field(max_length=200)
    description: str = Field(max_length=5000)
    streets: list[str] = Field(min_length=1, max_length=50, description="street codes")


class EntryIn(Schema):
    kind: EntryKind
    date: date
    text: str = Field(max_length=5000)
    street: str | None = Field(None, description="district only: the street it concerns")


class LinkIn(Schema):
    kind: LinkKind
    reference: str = Field(max_length=40)


class ConclusionIn(Schema):
    conclusion: str = Field(max_length=5000)


def _matter(request, matter_id) -> JointMatter:
    return get_object_or_404(joint.matters_for(request.auth), pk=matter_id)


@router.get("/joint", response=list[MatterOut], auth=django_auth,
            summary="Joint supervision matters you may read")
def matter_list(request):
    return list(joint.matters_for(request.auth).prefetch_related("streets__street")[:200])


@router.get("/joint/{matter_id}", response=MatterDetailOut, auth=django_auth,
            summary="A matter with its timeline, linked records and actions")
def matter_detail(request, matter_id: Id):
    return _matter(request, matter_id)


@router.post("/joint", response={201: MatterDetailOut}, auth=django_auth,
             summary="Start a joint supervision (district)")
def matter_new(request, data: MatterIn):
    return Status(201, joint.start_matter(request.auth, joint.MatterInput(
        title=data.title, description=data.description,
        streets=[_street(c, "streets") for c in data.streets])))


@router.post("/joint/{matter_id}/entries", response={201: MatterDetailOut}, auth=django_auth,
             summary="Add to the timeline (district or a participating street)")
def matter_entry(request, matter_id: Id, data: EntryIn):
    matter = _matter(request, matter_id)
    joint.add_entry(request.auth, matter, kind=data.kind, date=data.date, text=data.text,
                    street=_street(data.street) if data.street else None)
    return Status(201, matter)


@router.post("/joint/{matter_id}/links", response={201: MatterDetailOut}, auth=django_auth,
             summary="Link an opinion, project or assignment")
def matter_link(request, matter_id: Id, data: LinkIn):
    matter = _matter(request, matter_id)
    joint.link_record(request.auth, matter, data.kind, data.reference)
    return Status(201, matter)


@router.post("/joint/{matter_id}/conclude", response=MatterDetailOut, auth=django_auth,
             summary="Conclude the supervision (district)")
def matter_conclude(request, matter_id: Id, data: ConclusionIn):
    return joint.conclude(request.auth, _matter(request, matter_id), data.conclusion)


# --- service guarantee -------------------------------------------------------------------------

class SupportOut(Schema):
    id: int
    street: str
    kind: str
    title: str
    amount: Decimal | None
    state: str
    state_label: str
    answer_by: date
    overdue: bool

    @staticmethod
    def resolve_street(obj):
        return obj.street.code

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()

    @staticmethod
    def resolve_answer_by(obj):
        from django.utils import timezone

        return timezone.localdate(obj.answer_by)

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue


class SupportDetailOut(SupportOut):
    description: str
    answer: str
    reason: str
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_actions(obj, context):
        return allowed_actions(obj, context["request"])


class SupportIn(Schema):
    street: str = Field(description="your street's code")
    kind: SupportKind
    title: str = Field(max_length=200)
    description: str = Field(max_length=5000)
    amount: Decimal | None = Field(None, max_digits=12, decimal_places=2)


class AnswerIn(Schema):
    text: str = Field(max_length=5000)


class SupportReasonIn(Schema):
    reason: str = Field(max_length=2000)


def _request(request, request_id):
    return get_object_or_404(support.requests_for(request.auth), pk=request_id)


@router.get("/support", response=list[SupportOut], auth=django_auth,
            summary="Support requests you may read")
def support_list(request, state: SupportState | None = None):
    rows = support.requests_for(request.auth)
    return list((rows.filter(state=state) if state else rows)[:500])


@router.get("/support/{request_id}", response=SupportDetailOut, auth=django_auth,
            summary="A support request, with the actions you may take now")
def support_detail(request, request_id: Id):
    return _request(request, request_id)


@router.post("/support", response={201: SupportDetailOut}, auth=django_auth,
             summary="Ask the district for support (street)")
def support_new(request, data: SupportIn):
    return Status(201, support.request_support(
        request.auth, _street(data.street), kind=data.kind, title=data.title,
        description=data.description, amount=data.amount))


@router.post("/support/{request_id}/answer", response=SupportDetailOut, auth=django_auth,
             summary="Answer (district)")
def support_answer(request, request_id: Id, data: AnswerIn):
    return support.answer(request.auth, _request(request, request_id), data.text)


@router.post("/support/{request_id}/decline", response=SupportDetailOut, auth=django_auth,
             summary="Do not support, with a reason (district)")
def support_decline(request, request_id: Id, data: SupportReasonIn):
    return support.decline(request.auth, _request(request, request_id), data.reason)


@router.post("/support/{request_id}/reopen", response=SupportDetailOut, auth=django_auth,
             summary="Not resolved: ask again, with a reason (street)")
def support_reopen(request, request_id: Id, data: SupportReasonIn):
    return support.reopen(request.auth, _request(request, request_id), data.reason)


@router.post("/support/{request_id}/{action}", response=SupportDetailOut, auth=django_auth,
             summary="Accept (district) or close as resolved (street)")
def support_step(request, request_id: Id, action: str):
    steps = {"accept": support.accept, "close": support.close}
    if action not in steps:
        raise Http404
    return steps[action](request.auth, _request(request, request_id))
