"""A meeting from draft to close: agenda, notices, answers, the sign-in desk and quorum, tellers,
written opinions. Votes: votes.py; minutes: minutes.py."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.models import User
from yishi.core.notifications import notify
from yishi.core.permissions import require
from yishi.core.signals import duty_performed, duty_withdrawn
from yishi.core.weblinks import clean_https_url
from yishi.core.workflow import transition
from yishi.moderation.services import submit as hold_for_moderation
from yishi.voting import services as voting
from yishi.voting.models import Ballot, BallotState, Participation

from .models import (
    AgendaItem,
    Attendance,
    Council,
    ItemKind,
    ItemOpinion,
    ItemState,
    Meeting,
    MeetingBatch,
    MeetingKind,
    MeetingState,
    Member,
    MemberStatus,
    Response,
    SignInMode,
)
from .roster import member_for, serving_members
from .workflows import MEETING, CouncilError

# --- meetings -----------------------------------------------------------------------------

def _move(actor, meeting: Meeting, new_state: str, action: str, **changes) -> Meeting:
    """Take the meeting workflow's transition named by the audit action (workflows.MEETING)."""
    name = action.removeprefix("councils.")
    assert MEETING[name].target == new_state, (name, new_state)
    transition(meeting, name, actor, workflow=MEETING, **changes)
    return meeting


@transaction.atomic
def create_meeting(actor, council: Council, *, title: str, starts_at, place: str,
                   kind: str = MeetingKind.ORDINARY, online_url: str = "", video_url: str = "",
                   batch: MeetingBatch | None = None) -> Meeting:
    require(actor, "councils.manage", council.street)
    if starts_at <= timezone.now():
        raise CouncilError({"starts_at": _("A meeting cannot be convened in the past.")})
    if not (title or "").strip():
        raise CouncilError({"title": _("Give the meeting a title.")})
    if not (place or "").strip():
        raise CouncilError({"place": _("Say where the meeting takes place.")})
    if kind not in MeetingKind.values:
        raise CouncilError({"kind": _("Choose ordinary or extraordinary.")})
    online_url = clean_https_url(online_url, "online_url")
    video_url = clean_https_url(video_url, "video_url")
    term = council.current_term()
    if term is None:
        raise CouncilError(_("The council has no term yet."))
    meeting = Meeting.objects.create(
        council=council, term=term, title=title.strip(), starts_at=starts_at,
        place=place.strip(), kind=kind, online_url=online_url, video_url=video_url,
        batch=batch, created_by=actor)
    audit.record(actor, "councils.create_meeting", meeting,
                 after={"title": meeting.title, "starts_at": starts_at.isoformat(), "kind": kind},
                 unit=council.street)
    return meeting


@transaction.atomic
def add_item(actor, meeting: Meeting, *, kind: str, title: str, description: str = "",
             presenter: str = "", video_url: str = "", documents=(),
             ballot: Ballot | None = None, motion: str = "") -> AgendaItem:
    """An agenda item; `motion` is the wording put to the vote (the title when left empty). It
    is fixed before the vote, so it can state what is decided, never whether it was."""
    require(actor, "councils.manage", meeting.council.street)
    if meeting.state not in (MeetingState.DRAFT, MeetingState.CONVENED):
        raise CouncilError(_("The agenda can only be changed before the meeting starts."))
    if kind not in ItemKind.values:
        raise CouncilError({"kind": _("Choose the kind of item.")})
    if not (title or "").strip():
        raise CouncilError({"title": _("Give the item a title.")})
    motion = (motion or "").strip()
    if len(motion) > 2000:
        raise CouncilError({"motion": _("Too long: at most %(n)d characters.") % {"n": 2000}})
    video_url = clean_https_url(video_url, "video_url")
    if ballot is not None:
        _check_attachable(meeting, kind, ballot)
    position = (meeting.items.order_by("-position").values_list("position", flat=True).first()
                or 0) + 1
    item = AgendaItem.objects.create(meeting=meeting, kind=kind, title=title.strip(),
                                     description=description, presenter=presenter,
                                     video_url=video_url, position=position, ballot=ballot,
                                     motion=motion)
    if documents:
        item.documents.set(documents)
    audit.record(actor, "councils.add_item", item,
                 after={"meeting": meeting.pk, "kind": kind, "title": item.title,
                        "ballot": ballot.pk if ballot else None}, unit=meeting.council.street)
    return item


def _check_attachable(meeting: Meeting, kind: str, ballot: Ballot) -> None:
    if kind != ItemKind.PROJECT_SELECTION:
        raise CouncilError({"ballot": _(
            "Only a livelihood project selection can use a ballot created elsewhere.")})
    if not meeting.council.street.contains(ballot.unit):
        raise CouncilError({"ballot": _("That ballot belongs to another street.")})
    if ballot.state != BallotState.DRAFT:
        raise CouncilError({"ballot": _("Only a ballot that has not opened can be attached.")})
    if AgendaItem.objects.filter(ballot=ballot).exists():
        raise CouncilError({"ballot": _("That ballot is already on an agenda.")})


@transaction.atomic
def attach_ballot(actor, item: AgendaItem, ballot: Ballot) -> AgendaItem:
    """A livelihood project selection voted with a ballot created elsewhere (by its id)."""
    meeting = item.meeting
    require(actor, "councils.manage", meeting.council.street)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if item.ballot_id:
        raise CouncilError({"ballot": _("This item already has a vote.")})
    if item.state != ItemState.PENDING or meeting.finished:
        raise CouncilError({"ballot": _("A ballot can be attached only before the item's "
                                        "vote.")})
    _check_attachable(meeting, item.kind, ballot)
    AgendaItem.objects.filter(pk=item.pk).update(ballot=ballot)
    item.refresh_from_db()
    audit.record(actor, "councils.attach_ballot", item, after={"ballot": ballot.pk},
                 unit=meeting.council.street)
    return item


def _notice_text(meeting: Meeting) -> tuple[str, str]:
    when = timezone.localtime(meeting.starts_at)
    subject = _("Notice of meeting: %(title)s") % {"title": meeting.title}
    body = _("%(council)s meets on %(when)s at %(place)s. Please confirm your attendance or "
             "ask for leave.") % {"council": meeting.council, "when": f"{when:%Y-%m-%d %H:%M}",
                                  "place": meeting.place}
    return subject, body


def _send_notice(meeting: Meeting) -> int:
    """Send the notice once: the conditional update decides who sends it."""
    sent = Meeting.objects.filter(pk=meeting.pk, notice_sent_at__isnull=True).update(
        notice_sent_at=timezone.now())
    if not sent:
        return 0
    members = [a.member.user for a in meeting.attendances.select_related("member__user")]
    notify(members, lambda: _notice_text(meeting)[0], lambda: _notice_text(meeting)[1],
           f"/councils/meetings/{meeting.pk}/")
    return len(members)


@transaction.atomic
def convene_meeting(actor, meeting: Meeting) -> Meeting:
    """Convene: the roll of this meeting is the term's serving members; the notice goes now, or
    `notice_days` before the meeting when it is further out (sent by the periodic job)."""
    council = meeting.council
    require(actor, "councils.manage", council.street)
    if meeting.starts_at <= timezone.now():
        raise CouncilError({"starts_at": _("A meeting cannot be convened in the past.")})
    if not meeting.items.exists():
        raise CouncilError(_("Add at least one agenda item before convening."))
    members = list(serving_members(meeting.term))
    if not members:
        raise CouncilError(_("The council has no serving members."))
    due = meeting.starts_at - timedelta(days=council.notice_days)
    meeting = _move(actor, meeting, MeetingState.CONVENED, "councils.convene_meeting",
                    notice_due_at=max(due, timezone.now()))
    Attendance.objects.bulk_create([Attendance(meeting=meeting, member=m) for m in members],
                                   ignore_conflicts=True)
    if meeting.notice_due_at <= timezone.now():
        _send_notice(meeting)
    return meeting


def send_due_notices(now=None) -> int:
    """Periodic job: notices whose day has come. Safe in several workers (conditional update)."""
    now = now or timezone.now()
    sent = 0
    for meeting in Meeting.objects.filter(state=MeetingState.CONVENED,
                                          notice_sent_at__isnull=True, notice_due_at__lte=now):
        with transaction.atomic():
            sent += _send_notice(meeting)
    return sent


@transaction.atomic
def answer_notice(user, meeting: Meeting, *, attending: bool, reason: str = "") -> Attendance:
    """A member confirms attendance or asks for leave."""
    member = member_for(user, meeting)
    if member is None:
        raise PermissionDenied(_("Only the council's serving members answer this notice."))
    if meeting.state != MeetingState.CONVENED:
        raise CouncilError(_("Answers are taken between the notice and the meeting."))
    reason = (reason or "").strip()
    if not attending and not reason:
        raise CouncilError({"reason": _("Give a reason for your leave.")})
    attendance, _created = Attendance.objects.get_or_create(meeting=meeting, member=member)
    attendance.response = Response.ATTENDING if attending else Response.LEAVE
    attendance.leave_reason = "" if attending else reason[:200]
    attendance.save(update_fields=["response", "leave_reason"])
    audit.record(user, "councils.answer_notice", attendance,
                 after={"response": attendance.response}, unit=meeting.council.street)
    return attendance


@transaction.atomic
def start_meeting(actor, meeting: Meeting) -> Meeting:
    require(actor, "councils.manage", meeting.council.street)
    return _move(actor, meeting, MeetingState.IN_PROGRESS, "councils.start_meeting",
                 opened_at=timezone.now())


@transaction.atomic
def cancel_meeting(actor, meeting: Meeting, reason: str) -> Meeting:
    require(actor, "councils.manage", meeting.council.street)
    if not (reason or "").strip():
        raise CouncilError({"reason": _("Give a reason for cancelling.")})
    meeting = _move(actor, meeting, MeetingState.CANCELLED, "councils.cancel_meeting")
    notify([a.member.user for a in meeting.attendances.select_related("member__user")],
           lambda: _("Meeting cancelled: %(title)s") % {"title": meeting.title}, reason,
           f"/councils/meetings/{meeting.pk}/")
    return meeting


def with_quorum_counts(meetings):
    """Meetings annotated with what quorum() counts, for a list of them in one query."""
    serving = Q(attendances__member__status=MemberStatus.SERVING)
    return meetings.annotate(
        quorum_rows=Count("attendances", filter=serving),
        quorum_present=Count("attendances", filter=serving & Q(
            attendances__signed_in_at__isnull=False)))


def quorum(meeting: Meeting) -> dict:
    """The live quorum figure: members signed in against the members of the term (from the
    counts of with_quorum_counts when the meeting carries them)."""
    from yishi.voting.services import quorum_met

    # Only serving members count: one who resigned mid-meeting leaves the roll and the figure.
    if hasattr(meeting, "quorum_rows"):
        rows, present = meeting.quorum_rows, meeting.quorum_present
    else:
        serving = meeting.attendances.filter(member__status=MemberStatus.SERVING)
        rows, present = serving.count(), serving.filter(signed_in_at__isnull=False).count()
    entitled = rows or serving_members(meeting.term).count()
    fraction = meeting.council.quorum_fraction
    needed = entitled // 2 + 1 if fraction == "1/2" else -(-entitled * 2 // 3)
    return {"present": present, "entitled": entitled, "needed": needed, "fraction": fraction,
            "met": quorum_met(present, entitled, fraction)}


def sign_in(actor, meeting: Meeting, member: Member,
            mode: str = SignInMode.IN_PERSON) -> bool:
    """Sign a member in at the desk. Two sign-ins of the same member count once: the attendance
    row is unique and the update only fires while it is unsigned. Returns whether this call
    signed the member in."""
    require(actor, "councils.manage", meeting.council.street)
    return _sign_in(actor, meeting, member, mode, mirror=True)


def sign_in_online(user, meeting: Meeting) -> bool:
    """A member attending online signs themselves in (the meeting must offer online
    attendance). Their presence reaches open ballots when staff next open or close a vote."""
    member = member_for(user, meeting)
    if member is None:
        raise PermissionDenied(_("Only the council's serving members sign in."))
    if not meeting.online_url:
        raise CouncilError(_("This meeting has no online attendance."))
    return _sign_in(user, meeting, member, SignInMode.ONLINE, mirror=False)


def _sign_in(actor, meeting: Meeting, member: Member, mode: str, *, mirror: bool) -> bool:
    street = meeting.council.street
    if meeting.state != MeetingState.IN_PROGRESS:
        raise CouncilError(_("Sign-in opens when the meeting starts."))
    if member.term_id != meeting.term_id or member.status != MemberStatus.SERVING:
        raise CouncilError(_("This person is not a serving member of this term."))
    if mode not in SignInMode.values:
        raise CouncilError({"mode": _("Unknown way of attending.")})
    try:
        with transaction.atomic():
            Attendance.objects.get_or_create(meeting=meeting, member=member)
    except IntegrityError:
        pass  # created by a concurrent sign-in: the row is there now
    with transaction.atomic():
        done = Attendance.objects.filter(meeting=meeting, member=member,
                                         signed_in_at__isnull=True).update(
            signed_in_at=timezone.now(), mode=mode)
        if not done:
            return False
        attendance = Attendance.objects.get(meeting=meeting, member=member)
        audit.record(actor, "councils.sign_in", attendance, after={"mode": mode}, unit=street,
                     repr_=member.user.name)
        # A late arrival counts towards the votes still open (others are synced on opening).
        if mirror:
            for item in meeting.items.filter(state=ItemState.VOTING).select_related("ballot"):
                voting.mark_present(actor, item.ballot, [member.user])
        when = timezone.localtime(meeting.starts_at).date()
        user = member.user
        transaction.on_commit(lambda: duty_performed.send(
            sender=Meeting, user=user, kind="meeting", date=when,
            description=str(meeting), source_key=f"councils.meeting:{meeting.pk}"))
    return True


@transaction.atomic
def undo_sign_in(actor, meeting: Meeting, member: Member) -> bool:
    """Take back a mistaken sign-in at the desk, while the meeting is in progress and before the
    member has voted in it (a vote cast stands, and so does the presence it was cast with).
    Audited; returns whether this call undid it."""
    require(actor, "councils.manage", meeting.council.street)
    if meeting.state != MeetingState.IN_PROGRESS:
        raise CouncilError(_("A sign-in can only be undone while the meeting is in progress."))
    if member.term_id != meeting.term_id:
        raise CouncilError(_("This person is not a serving member of this term."))
    ballots = [b for b in meeting.items.exclude(ballot=None).values_list("ballot_id", flat=True)]
    if Participation.objects.filter(ballot_id__in=ballots, voter=member.user_id).exists():
        raise CouncilError(_("%(name)s has already voted in this meeting: the sign-in stands.")
                           % {"name": member.user.name})
    done = Attendance.objects.filter(meeting=meeting, member=member,
                                     signed_in_at__isnull=False).update(signed_in_at=None,
                                                                        mode="")
    if not done:
        return False
    attendance = Attendance.objects.get(meeting=meeting, member=member)
    audit.record(actor, "councils.undo_sign_in", attendance, after={"signed_in": False},
                 unit=meeting.council.street, repr_=member.user.name)
    for item in meeting.items.filter(state=ItemState.VOTING).select_related("ballot"):
        voting.mark_present(actor, item.ballot, [member.user], present=False)
    user = member.user
    transaction.on_commit(lambda: duty_withdrawn.send(
        sender=Meeting, user=user, source_key=f"councils.meeting:{meeting.pk}"))
    return True


def _present_users(meeting: Meeting) -> list[User]:
    return [a.member.user for a in meeting.attendances.filter(
        signed_in_at__isnull=False, member__status=MemberStatus.SERVING).select_related(
        "member__user")]


@transaction.atomic
def set_meeting_tellers(actor, meeting: Meeting, tellers: list[User],
                        threshold: int) -> Meeting:
    """Name the meeting's tellers: a secret vote of the meeting is sealed to them when it opens,
    and counted when a quorum of them brings their shares at the close of the item."""
    meeting = Meeting.objects.select_for_update().select_related("council__street").get(
        pk=meeting.pk)
    require(actor, "councils.manage", meeting.council.street)
    if meeting.state in (MeetingState.CLOSED, MeetingState.CANCELLED):
        raise CouncilError(_("The tellers of a closed meeting cannot be changed."),
                           code="state")
    # Tellers are members in the room: a share in an outsider's hands is a key leaving the
    # meeting.
    serving = set(serving_members(meeting.term).filter(user__is_active=True).values_list(
        "user_id", flat=True))
    if any(t.pk not in serving for t in tellers):
        raise CouncilError(_("Tellers are chosen among the serving members of the term."),
                           code="tellers")
    if len({t.pk for t in tellers}) != len(tellers):
        raise CouncilError(_("A teller is listed twice."), code="tellers")
    if len(tellers) < voting.MIN_TELLERS:
        raise CouncilError(_("A secret ballot needs at least %(n)d tellers.") % {
            "n": voting.MIN_TELLERS}, code="tellers")
    if not 2 <= threshold <= len(tellers):
        raise CouncilError(_("The number of tellers needed to count must be between 2 and the "
                             "number of tellers (%(n)d).") % {"n": len(tellers)},
                           code="threshold")
    meeting.teller_threshold = threshold
    meeting.save(update_fields=["teller_threshold"])
    meeting.tellers.set(tellers)
    audit.record(actor, "councils.set_meeting_tellers", meeting, after={
        "tellers": [t.pk for t in tellers], "threshold": threshold},
        unit=meeting.council.street)
    return meeting

@transaction.atomic
def submit_item_opinion(user, item: AgendaItem, text: str) -> ItemOpinion:
    meeting = item.meeting
    member = member_for(user, meeting)
    if member is None:
        raise PermissionDenied(_("Only serving members submit written opinions."))
    if meeting.state not in (MeetingState.CONVENED, MeetingState.IN_PROGRESS):
        raise CouncilError(_("Written opinions are taken before and during the meeting."))
    text = (text or "").strip()
    if not text:
        raise CouncilError({"text": _("Write your opinion.")})
    if len(text) > 3000:
        raise CouncilError({"text": _("Too long: at most %(n)d characters.") % {"n": 3000}})
    opinion = ItemOpinion.objects.create(item=item, member=member, text=text)
    hold_for_moderation(opinion, ["text"], street=meeting.council.street, author=user,
                        url=reverse("councils:meeting", args=[meeting.pk]))
    audit.record(user, "councils.item_opinion", opinion, after={"item": item.pk},
                 unit=meeting.council.street)
    return opinion


@transaction.atomic
def close_meeting(actor, meeting: Meeting) -> Meeting:
    require(actor, "councils.manage", meeting.council.street)
    if meeting.items.filter(state=ItemState.VOTING).exists():
        raise CouncilError(_("Close the open votes first."))
    # The tellers decrypt within the meeting: once it closes they are no longer in the room.
    if meeting.items.filter(state=ItemState.COUNTING).exists():
        raise CouncilError(_("A secret vote still waits for its tellers' key shares."))
    return _move(actor, meeting, MeetingState.CLOSED, "councils.close_meeting",
                 closed_at=timezone.now())
