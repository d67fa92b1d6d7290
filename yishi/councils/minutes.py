"""Minutes (会议纪要) drafted from the record and its counted outcomes, edited, approved and
published after the meeting; follow-up actions on adopted resolutions (决议落实)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.notifications import notify
from yishi.core.permissions import require
from yishi.core.workflow import transition

from .meetings import quorum
from .models import (
    ActionState,
    AgendaItem,
    FollowUpAction,
    Meeting,
    MeetingState,
    Minutes,
    MinutesState,
    MinutesVersion,
    Response,
)
from .workflows import FOLLOW_UP, MINUTES, CouncilError

# --- minutes and follow-up ----------------------------------------------------------------

def minutes_from_record(meeting: Meeting) -> str:
    """The first draft: attendance, items, votes, resolutions, opinions, and progress on the
    follow-up actions of earlier meetings."""
    q = quorum(meeting)
    when = timezone.localtime(meeting.starts_at)
    lines = [f"{meeting.title}", _("Time: %(when)s; place: %(place)s") % {
        "when": f"{when:%Y-%m-%d %H:%M}", "place": meeting.place}, ""]
    present = [a.member.user.name for a in meeting.attendances.filter(signed_in_at__isnull=False)
               .select_related("member__user")]
    leave = [a.member.user.name for a in meeting.attendances.filter(
        response=Response.LEAVE, signed_in_at__isnull=True).select_related("member__user")]
    lines.append(_("Attendance: %(present)d of %(entitled)d members present.") % q)
    if present:
        lines.append(_("Present: %(names)s") % {"names": "、".join(present)})
    if leave:
        lines.append(_("On leave: %(names)s") % {"names": "、".join(leave)})
    earlier = FollowUpAction.objects.filter(
        item__meeting__council=meeting.council,
        item__meeting__starts_at__lt=meeting.starts_at).select_related("item__meeting")
    for n, item in enumerate(meeting.items.all(), start=1):
        lines += ["", f"{n}. {item.title} ({item.get_kind_display()})"]
        if item.presenter:
            lines.append(_("Presented by %(who)s.") % {"who": item.presenter})
        lines += _outcome_lines(item)
        for opinion in item.opinions.select_related("member__user"):
            lines.append(f"— {opinion.member.user.name}: {opinion.text}")
    if earlier:
        lines += ["", _("Progress on earlier resolutions:")]
        for action in earlier:
            lines.append(f"· {action.title} ({action.owner}, {action.deadline:%Y-%m-%d}): "
                         f"{action.get_state_display()} {action.progress}".rstrip())
    return "\n".join(str(line) for line in lines)


def _outcome_lines(item: AgendaItem) -> list[str]:
    """The motion and what the count gave: the minutes say only what the engine counted."""
    if item.passed is None:
        return []
    lines = [_("Motion put to the vote: %(text)s") % {"text": item.motion_text}]
    outcome = _("Adopted") if item.passed else _("Not adopted")
    if item.votes_yes is not None:
        lines.append(_("Outcome: %(outcome)s (%(yes)d yes, %(no)d no, %(abstain)d "
                       "abstaining).") % {"outcome": outcome, "yes": item.votes_yes,
                                          "no": item.votes_no, "abstain": item.votes_abstain})
    else:
        lines.append(_("Outcome: %(outcome)s.") % {"outcome": outcome})
    if item.closed_early:
        lines.append(_("The vote was closed early: %(cast)d votes had been cast.") % {
            "cast": item.votes_cast or 0})
    return lines


@transaction.atomic
def draft_minutes(actor, meeting: Meeting) -> Minutes:
    require(actor, "councils.manage", meeting.council.street)
    if meeting.state != MeetingState.CLOSED:
        raise CouncilError(_("Minutes are drafted after the meeting closes."))
    if Minutes.objects.filter(meeting=meeting).exists():
        raise CouncilError(_("The minutes have already been drafted."))
    text = minutes_from_record(meeting)
    try:
        with transaction.atomic():
            minutes = Minutes.objects.create(meeting=meeting, text=text)
    except IntegrityError:
        raise CouncilError(_("The minutes have already been drafted.")) from None
    MinutesVersion.objects.create(minutes=minutes, number=1, text=text, edited_by=actor)
    audit.record(actor, "councils.draft_minutes", minutes, after={"version": 1},
                 unit=meeting.council.street)
    return minutes


@transaction.atomic
def edit_minutes(actor, minutes: Minutes, text: str, expected_version: int | None = None
                 ) -> Minutes:
    street = minutes.meeting.council.street
    require(actor, "councils.manage", street)
    text = (text or "").strip()
    if not text:
        raise CouncilError({"text": _("The minutes cannot be empty.")})
    minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if minutes.state != MinutesState.DRAFT:
        raise CouncilError(_("Approved minutes can no longer be edited."))
    if expected_version is not None and expected_version != minutes.version:
        raise CouncilError(_("Someone else saved the minutes meanwhile; please reload."))
    before = {"version": minutes.version}
    minutes.version += 1
    minutes.text = text
    minutes.save(update_fields=["version", "text"])
    MinutesVersion.objects.create(minutes=minutes, number=minutes.version, text=text,
                                  edited_by=actor)
    audit.record(actor, "councils.edit_minutes", minutes, before=before,
                 after={"version": minutes.version}, unit=street)
    return minutes


def _move_minutes(actor, minutes: Minutes, new_state: str, action: str, **changes) -> Minutes:
    """Take the minutes workflow's transition named by the audit action (workflows.MINUTES)."""
    name = action.removeprefix("councils.")
    assert MINUTES[name].target == new_state, (name, new_state)
    transition(minutes, name, actor, workflow=MINUTES, **changes)
    return minutes


@transaction.atomic
def approve_minutes(actor, minutes: Minutes) -> Minutes:
    return _move_minutes(actor, minutes, MinutesState.APPROVED, "councils.approve_minutes",
                         approved_by=actor, approved_at=timezone.now())


@transaction.atomic
def publish_minutes(actor, minutes: Minutes) -> Minutes:
    minutes = _move_minutes(actor, minutes, MinutesState.PUBLISHED, "councils.publish_minutes",
                            published_at=timezone.now())
    meeting = minutes.meeting
    notify([a.member.user for a in meeting.attendances.select_related("member__user")],
           lambda: _("Minutes published: %(title)s") % {"title": meeting.title}, "",
           f"/councils/meetings/{meeting.pk}/")
    return minutes


@transaction.atomic
def add_follow_up(actor, item: AgendaItem, *, title: str, owner: str, deadline: date,
                  department=None) -> FollowUpAction:
    street = item.meeting.council.street
    require(actor, "councils.manage", street)
    if item.passed is not True:
        raise CouncilError(_("Only an adopted resolution has follow-up actions."))
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Say what must be done.")
    if not (owner or "").strip():
        errors["owner"] = _("Say who is responsible.")
    if deadline is None or deadline < timezone.localdate():
        errors["deadline"] = _("The deadline must be today or later.")
    if errors:
        raise CouncilError(errors)
    action = FollowUpAction.objects.create(item=item, title=title.strip(), owner=owner.strip(),
                                           deadline=deadline, department=department)
    audit.record(actor, "councils.add_follow_up", action, after=audit.snapshot(action),
                 unit=street)
    return action


@transaction.atomic
def report_progress(actor, action: FollowUpAction, *, state: str, progress: str
                    ) -> FollowUpAction:
    street = action.item.meeting.council.street
    require(actor, "councils.manage", street)
    if state not in ActionState.values:
        raise CouncilError({"state": _("Unknown state.")})
    before = {"state": action.state, "progress": action.progress}
    changes = {"progress": (progress or "").strip(), "updated_at": timezone.now()}
    if state != action.state:
        transition(action, f"mark_{state}", actor, workflow=FOLLOW_UP, **changes)
    else:
        FollowUpAction.objects.filter(pk=action.pk).update(**changes)
        action.refresh_from_db()
    audit.record(actor, "councils.report_progress", action, before=before,
                 after={"state": state, "progress": action.progress}, unit=street)
    return action
