"""Bimonthly meetings (双月例会), one function per change: convening, the agenda, each street's
attendance, a street's practice materials, resolving items, decisions that become assignments
(through the assignment services), the minutes, and the carry-over of open items to the next
meeting, which happens by itself exactly once per item (a one-to-one `carried_from`)."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.attachments import store_attachments
from yishi.core.models import Role, UnitKind
from yishi.core.notifications import notify
from yishi.core.permissions import has_perm, require
from yishi.core.queries import district, holders
from yishi.core.workflow import transition

from . import services
from .meetings_models import (
    AgendaItem,
    AttendanceStatus,
    BimonthlyMeeting,
    ItemKind,
    MeetingAttendance,
    MeetingDecision,
    MeetingState,
)
from .services import _clean_text, _error

MAX_MATERIALS = 10


def _url(meeting) -> str:
    return f"/oversight/meetings/{meeting.pk}/"


def _require_district(actor):
    home = district()
    require(actor, "oversight.assign", home)
    return home


def _not_published(meeting):
    meeting.refresh_from_db()
    if meeting.state == MeetingState.PUBLISHED:
        raise _error(_("The minutes are published: the meeting can no longer be changed."),
                     code="state")


def _street(unit, field_name="street"):
    home = district()
    if unit is None or unit.kind not in (UnitKind.STREET, UnitKind.TOWN) or (
            home and unit.parent_id != home.pk):
        raise _error(_("Choose one of the district's streets."), field_name)
    return unit


@transaction.atomic
def schedule_meeting(actor, *, title: str, held_on: date, place: str = "") -> BimonthlyMeeting:
    """Convene the next bimonthly meeting; open items of published meetings join its agenda."""
    home = _require_district(actor)
    if held_on < timezone.localdate():
        raise _error(_("A meeting is convened for today or a later day."), "held_on", "past")
    meeting = BimonthlyMeeting.objects.create(
        title=_clean_text(title, "title", 200), held_on=held_on,
        place=_clean_text(place, "place", 200, required=False), created_by=actor)
    audit.record(actor, "oversight.meeting.schedule", meeting, unit=home,
                 after={"title": meeting.title, "held_on": held_on})
    carry_over()
    return meeting


@transaction.atomic
def add_item(actor, meeting: BimonthlyMeeting, *, title: str, description: str = "",
             kind: str = ItemKind.TOPIC, presenter=None) -> AgendaItem:
    home = _require_district(actor)
    _not_published(meeting)
    if kind not in ItemKind.values:
        raise _error(_("Choose a topic or an exchange of practice."), "kind")
    if kind == ItemKind.PRACTICE:
        _street(presenter, "presenter")
    elif presenter is not None:
        raise _error(_("Only an exchange of practice has a presenting street."), "presenter")
    item = AgendaItem.objects.create(
        meeting=meeting, kind=kind, title=_clean_text(title, "title", 200),
        description=_clean_text(description, "description", 5000, required=False),
        presenter=presenter, order=meeting.items.count() + 1)
    audit.record(actor, "oversight.meeting.add_item", item, unit=home,
                 after={"meeting": meeting.pk, "title": item.title, "kind": kind})
    if presenter is not None:
        notify(holders(Role.STREET_STAFF, presenter),
               _("Your street presents its practice at %(meeting)s") % {"meeting": meeting.title},
               item.title, _url(meeting))
    return item


def may_add_materials(user, item: AgendaItem) -> bool:
    """The presenting street's staff, or the district, add materials to an exchange of practice
    until the minutes are published."""
    if item.kind != ItemKind.PRACTICE or item.meeting.state == MeetingState.PUBLISHED:
        return False
    return (has_perm(user, "oversight.assign", district())
            or has_perm(user, "oversight.handle", item.presenter))


@transaction.atomic
def add_materials(actor, item: AgendaItem, files) -> list:
    """A street's practice materials (交流材料): files through core's upload door."""
    if not may_add_materials(actor, item):
        raise PermissionDenied(_("You are not allowed to do this here."))
    files = list(files)
    if not files:
        raise _error(_("Choose at least one file."), "files", "required")
    if item.materials.count() + len(files) > MAX_MATERIALS:
        raise _error(_("Attach at most %(n)s files.") % {"n": MAX_MATERIALS}, "files")
    try:
        stored = store_attachments(actor, files, description=item.title[:200])
    except ValidationError as exc:
        raise services.OversightError({"files": exc.messages}) from exc
    item.materials.add(*stored)
    audit.record(actor, "oversight.meeting.materials", item, unit=item.presenter,
                 after={"files": [a.pk for a in stored]})
    return stored


@transaction.atomic
def record_attendance(actor, meeting: BimonthlyMeeting, street, status: str,
                      attendees: str = "") -> MeetingAttendance:
    """Each street committee's attendance, recorded per street (once; a correction replaces
    it)."""
    home = _require_district(actor)
    _not_published(meeting)
    _street(street)
    if status not in AttendanceStatus.values:
        raise _error(_("Choose present, excused or absent."), "status")
    row, _created = MeetingAttendance.objects.update_or_create(
        meeting=meeting, street=street, defaults={
            "status": status,
            "attendees": _clean_text(attendees, "attendees", 300, required=False)})
    audit.record(actor, "oversight.meeting.attendance", meeting, unit=home,
                 after={"street": street.code, "status": status})
    return row


@transaction.atomic
def resolve_item(actor, item: AgendaItem, resolution: str) -> AgendaItem:
    """The meeting settles an item (it will not carry over)."""
    home = _require_district(actor)
    _not_published(item.meeting)
    resolution = _clean_text(resolution, "resolution", 5000)
    if not AgendaItem.objects.filter(pk=item.pk, resolved_at__isnull=True).update(
            resolution=resolution, resolved_at=timezone.now()):
        raise _error(_("This item is already resolved."), code="conflict")
    item.refresh_from_db()
    audit.record(actor, "oversight.meeting.resolve", item, unit=home,
                 after={"resolution": resolution})
    return item


@transaction.atomic
def decide(actor, meeting: BimonthlyMeeting, text: str, *, item: AgendaItem | None = None,
           assign: "services.TaskInput | None" = None) -> MeetingDecision:
    """A decision of the meeting; one that assigns work becomes a task for the streets through
    the assignment services (交办), linked back to the meeting."""
    _require_district(actor)
    _not_published(meeting)
    if meeting.state == MeetingState.PLANNED:
        raise _error(_("Record the meeting as held before its decisions."), code="state")
    if item is not None and item.meeting_id != meeting.pk:
        raise _error(_("This item is not on this meeting's agenda."), "item")
    text = _clean_text(text, "text", 5000)
    task = None
    if assign is not None:
        task = services.assign_task(actor, assign)
    decision = MeetingDecision.objects.create(meeting=meeting, item=item, text=text, task=task)
    audit.record(actor, "oversight.meeting.decide", meeting, unit=district(),
                 after={"text": text[:200], "task": task.pk if task else None})
    return decision


@transaction.atomic
def hold(actor, meeting: BimonthlyMeeting) -> BimonthlyMeeting:
    transition(meeting, "hold", actor)
    return meeting


@transaction.atomic
def write_minutes(actor, meeting: BimonthlyMeeting, minutes: str) -> BimonthlyMeeting:
    home = _require_district(actor)
    meeting.refresh_from_db()
    if meeting.state != MeetingState.HELD:
        raise _error(_("Minutes are written after the meeting and before they are published."),
                     code="state")
    minutes = _clean_text(minutes, "minutes", 20000)
    BimonthlyMeeting.objects.filter(pk=meeting.pk).update(minutes=minutes)
    meeting.refresh_from_db()
    audit.record(actor, "oversight.meeting.minutes", meeting, unit=home,
                 after={"length": len(minutes)})
    return meeting


@transaction.atomic
def publish(actor, meeting: BimonthlyMeeting, *, now=None) -> BimonthlyMeeting:
    """The minutes go to every street; open items move to the next meeting."""
    transition(meeting, "publish", actor, published_at=now or timezone.now())
    from .queries import streets

    people = [p for s in streets() for p in holders(Role.STREET_STAFF, s)]
    notify(people, _("Minutes published: %(title)s") % {"title": meeting.title},
           meeting.minutes[:500], _url(meeting))
    carry_over()
    return meeting


def next_meeting(meeting: BimonthlyMeeting):
    return (BimonthlyMeeting.objects.filter(state=MeetingState.PLANNED,
                                            held_on__gt=meeting.held_on)
            .order_by("held_on", "id").first())


def carry_over() -> int:
    """Each item still open when its meeting's minutes were published joins the next planned
    meeting's agenda, once: the continuation's one-to-one `carried_from` refuses a second copy,
    so two workers (or a second run) add nothing more. Returns how many were carried."""
    carried = 0
    open_items = (AgendaItem.objects.filter(meeting__state=MeetingState.PUBLISHED,
                                            resolved_at__isnull=True, carried_to__isnull=True)
                  .select_related("meeting").order_by("meeting__held_on", "order", "id"))
    for item in open_items:
        target = next_meeting(item.meeting)
        if target is None:
            continue  # carried when the next meeting is convened
        try:
            with transaction.atomic():
                AgendaItem.objects.create(
                    meeting=target, kind=item.kind, title=item.title,
                    description=item.description, presenter=item.presenter, carried_from=item,
                    order=target.items.count() + 1)
                audit.record(None, "oversight.meeting.carry_over", item, unit=district(),
                             after={"to_meeting": target.pk})
        except IntegrityError:
            continue  # another worker carried it first
        carried += 1
    return carried
