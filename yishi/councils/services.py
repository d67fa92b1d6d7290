"""Every state change of councils and their meetings, one function each: permission, one
transaction, audit record, notifications. Votes go through the voting engine."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yishi.core import audit
from yishi.core import services as core_services
from yishi.core.models import Role, RoleAssignment, Unit, UnitKind, User, normalize_mobile
from yishi.core.notifications import notify
from yishi.core.permissions import require
from yishi.core.signals import duty_performed
from yishi.core.weblinks import clean_https_url
from yishi.core.workflow import transition
from yishi.voting import services as voting
from yishi.voting.models import Ballot, BallotState, Method, RollSource, Secrecy

from .models import (
    ActionState,
    AgendaItem,
    Attendance,
    Council,
    FollowUpAction,
    Invitation,
    InvitationState,
    ItemKind,
    ItemOpinion,
    Meeting,
    MeetingBatch,
    MeetingKind,
    MeetingState,
    Member,
    MemberCategory,
    MemberStatus,
    Minutes,
    MinutesState,
    MinutesVersion,
    Response,
    SignInMode,
    Term,
)
from .workflows import FOLLOW_UP, INVITATION, MEETING, MINUTES

RESOLUTION_KEY = "resolution"


class CouncilError(ValidationError):
    pass


# --- councils, terms, members -------------------------------------------------------------

@transaction.atomic
def create_council(actor, street: Unit, *, name: str = "", term_starts_on: date | None = None,
                   **rules) -> Council:
    require(actor, "councils.manage", street)
    if street.kind not in (UnitKind.STREET, UnitKind.TOWN):
        raise CouncilError({"street": _("A council belongs to a street or town.")})
    if Council.objects.filter(street=street).exists():
        raise CouncilError({"street": _("This street already has a council.")})
    council = Council.objects.create(street=street, name=name or f"{street.name}居民议事会",
                                     **rules)
    Term.objects.create(council=council, number=1,
                        starts_on=term_starts_on or timezone.localdate())
    audit.record(actor, "councils.create_council", council, after=audit.snapshot(council),
                 unit=street)
    return council


RULE_FIELDS = ("quorum_fraction", "pass_rule", "secrecy", "notice_days", "min_age",
               "min_years_in_street", "call_threshold", "round_table_days")


@transaction.atomic
def update_rules(actor, council: Council, **rules) -> Council:
    """The council's rules (议事规则): quorum, pass rule, named or secret votes, notice, membership
    conditions, the one-click-call threshold and the round table's deadline."""
    require(actor, "councils.manage", council.street)
    unknown = set(rules) - set(RULE_FIELDS)
    if unknown:
        raise CouncilError(_("Unknown rule: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    council = Council.objects.select_for_update().get(pk=council.pk)
    before = audit.snapshot(council, list(RULE_FIELDS))
    for name, value in rules.items():
        setattr(council, name, value)
    errors = {}
    if not 1 <= council.call_threshold <= 10000:
        errors["call_threshold"] = _("Between 1 and 10000 supports.")
    if not 1 <= council.round_table_days <= 365:
        errors["round_table_days"] = _("Between 1 and 365 days.")
    if not 16 <= council.min_age <= 100:
        errors["min_age"] = _("Between 16 and 100 years.")
    if council.notice_days > 90:
        errors["notice_days"] = _("At most 90 days.")
    if errors:
        raise CouncilError(errors)
    council.full_clean()
    council.save(update_fields=list(rules))
    audit.record(actor, "councils.update_rules", council, before=before,
                 after=audit.snapshot(council, list(RULE_FIELDS)), unit=council.street)
    return council


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


@dataclass
class MemberInput:
    mobile: str
    name: str
    category: str
    community: Unit | None = None
    birth_date: date | None = None
    in_street_since: date | None = None


def check_member(council: Council, term: Term, data: MemberInput, on: date) -> dict:
    """The council's membership rules; returns field → message for each broken one."""
    errors = {}
    mobile = normalize_mobile(data.mobile)
    from yishi.core.models import MOBILE_RE

    if not MOBILE_RE.match(mobile):
        errors["mobile"] = _("Enter a mainland China mobile number: 11 digits starting with 1.")
    if not (data.name or "").strip():
        errors["name"] = _("Enter the member's name.")
    if data.category not in MemberCategory.values:
        errors["category"] = _("Choose one of the member categories.")
    if data.community is not None and data.community.parent_id != council.street_id:
        errors["community"] = _("The community is not in this street.")
    if data.birth_date is None:
        errors["birth_date"] = _("The date of birth is needed to check the minimum age.")
    elif _years_between(data.birth_date, on) < council.min_age:
        errors["birth_date"] = _("Members must be at least %(n)d years old.") % {
            "n": council.min_age}
    if data.in_street_since is None:
        errors["in_street_since"] = _("Say since when the person lives or works in the street.")
    elif _years_between(data.in_street_since, on) < council.min_years_in_street:
        errors["in_street_since"] = _(
            "Members must have lived or worked in the street for at least %(n)d year(s).") % {
            "n": council.min_years_in_street}
    if "mobile" not in errors and Member.objects.filter(
            term=term, user__mobile=mobile).exists():
        errors["mobile"] = _("This person is already a member in this term.")
    return errors


def _user_for(mobile: str, name: str, community: Unit | None) -> User:
    user = User.objects.filter(mobile=mobile).first()
    if user is None:
        # Like a resident's sign-up: an account without password, signed in by SMS code.
        user = User.objects.create_user(mobile, name=name.strip(), home_unit=community)
    return user


def _add_member(actor, term: Term, data: MemberInput, on: date) -> Member:
    mobile = normalize_mobile(data.mobile)
    user = _user_for(mobile, data.name, data.community)
    try:
        with transaction.atomic():
            member = Member.objects.create(
                term=term, user=user, category=data.category, community=data.community,
                birth_date=data.birth_date, in_street_since=data.in_street_since, joined_on=on)
    except IntegrityError:
        raise CouncilError({"mobile": _("This person is already a member in this term.")}) from None
    street = term.council.street
    role = RoleAssignment.objects.active().filter(
        user=user, role=Role.COUNCIL_MEMBER, unit=street, ends_on__isnull=True).first()
    if role is None:
        role = core_services.assign_role(actor, user, Role.COUNCIL_MEMBER, street)
    member.role = role
    member.save(update_fields=["role"])
    # A member who joins between the notice and the meeting is on its roll too.
    Attendance.objects.bulk_create(
        [Attendance(meeting=m, member=member) for m in Meeting.objects.filter(
            term=term, state__in=[MeetingState.CONVENED, MeetingState.IN_PROGRESS])],
        ignore_conflicts=True)
    audit.record(actor, "councils.add_member", member, after={
        "term": term.pk, "user": user.pk, "category": data.category,
        "community": data.community.pk if data.community else None}, unit=street,
        repr_=f"{user.name} {user.masked_mobile}")
    return member


@transaction.atomic
def add_member(actor, term: Term, data: MemberInput, on: date | None = None) -> Member:
    """Staff add a member after checking the council's rules; the person gets an account if
    they have none, and the council-member role in the street."""
    council = term.council
    require(actor, "councils.manage", council.street)
    on = on or timezone.localdate()
    errors = check_member(council, term, data, on)
    if errors:
        raise CouncilError(errors)
    return _add_member(actor, term, data, on)


def _resident_of(street: Unit, mobile: str) -> User | None:
    """The account with this number if it lives in the street (home unit the street or one of
    its communities), the same residence the council's community rule checks."""
    from django.db.models import Q

    return User.objects.filter(
        Q(home_unit=street) | Q(home_unit__parent=street), mobile=mobile, is_active=True).first()


# The same answer for an unknown number and for an account living elsewhere: the form must not
# tell staff who holds a number anywhere in the district.
NOT_FOUND = gettext_lazy(
    "No account living in this street has this number. Ask the person to sign up on Yishi "
    "with their community first, then invite them again.")


@transaction.atomic
def invite_member(actor, term: Term, data: MemberInput, on: date | None = None) -> Invitation:
    """Staff invite a person living in the street by number. Nothing of the account is shown
    and no role is given until the person accepts; the name on the invitation is what staff
    typed, labelled so."""
    council = term.council
    street = council.street
    require(actor, "councils.manage", street)
    on = on or timezone.localdate()
    errors = check_member(council, term, data, on)
    errors.pop("name", None)  # the name is optional: it comes from the person, not staff
    if errors:
        raise CouncilError(errors)
    mobile = normalize_mobile(data.mobile)
    user = _resident_of(street, mobile)
    if user is None:
        raise CouncilError({"mobile": str(NOT_FOUND)})
    # Row lock on the term: two staff inviting the same number at once make one invitation.
    Term.objects.select_for_update().get(pk=term.pk)
    if Invitation.objects.filter(term=term, user=user, state=InvitationState.INVITED).exists():
        raise CouncilError({"mobile": _("This person has already been invited in this term.")})
    invitation = Invitation.objects.create(
        term=term, user=user, typed_name=(data.name or "").strip(), category=data.category,
        community=data.community, birth_date=data.birth_date,
        in_street_since=data.in_street_since, invited_by=actor)
    audit.record(actor, "councils.invite_member", invitation, after={
        "term": term.pk, "user": user.pk, "category": data.category}, unit=street,
        repr_=user.masked_mobile)
    from django.urls import reverse

    notify([user], _("Invitation to join %(council)s") % {"council": council},
           _("The street invites you to serve on its residents' council. Open the invitation "
             "to accept or decline."),
           url=reverse("councils:invitation", args=[invitation.pk]))
    return invitation


@transaction.atomic
def accept_invitation(user, invitation: Invitation) -> Member:
    """The invited person accepts: the membership becomes active and the role is given. The
    conditional state move makes a second, concurrent accept fail instead of adding twice."""
    transition(invitation, "accept_invitation", user, workflow=INVITATION)
    data = MemberInput(mobile=user.mobile, name=user.name, category=invitation.category,
                       community=invitation.community, birth_date=invitation.birth_date,
                       in_street_since=invitation.in_street_since)
    member = _add_member(invitation.invited_by or user, invitation.term, data,
                         timezone.localdate())
    Invitation.objects.filter(pk=invitation.pk).update(member=member)
    invitation.member = member
    return member


def decline_invitation(user, invitation: Invitation) -> Invitation:
    transition(invitation, "decline_invitation", user, workflow=INVITATION)
    return invitation


def withdraw_invitation(actor, invitation: Invitation) -> Invitation:
    transition(invitation, "withdraw_invitation", actor, workflow=INVITATION)
    return invitation


@transaction.atomic
def end_membership(actor, member: Member, status: str, on: date | None = None,
                   replaced_by: Member | None = None) -> Member:
    """Resignation or replacement: the member leaves the roster and loses the role."""
    street = member.term.council.street
    require(actor, "councils.manage", street)
    if status not in (MemberStatus.RESIGNED, MemberStatus.REPLACED):
        raise CouncilError({"status": _("Choose resigned or replaced.")})
    if status == MemberStatus.REPLACED and replaced_by is None:
        raise CouncilError({"replaced_by": _("Say who replaces the member.")})
    if replaced_by is not None and (replaced_by.pk == member.pk
                                    or replaced_by.term_id != member.term_id):
        raise CouncilError({"replaced_by": _(
            "The replacement must be another member of the same term.")})
    on = on or timezone.localdate()
    updated = Member.objects.filter(pk=member.pk, status=MemberStatus.SERVING).update(
        status=status, left_on=on, replaced_by=replaced_by)
    if not updated:
        raise CouncilError(_("This member has already left the council."))
    member.refresh_from_db()
    if member.role_id and member.role.ends_on is None:
        core_services.end_role(actor, member.role, on)
    audit.record(actor, "councils.end_membership", member,
                 after={"status": status, "left_on": on.isoformat(),
                        "replaced_by": replaced_by.pk if replaced_by else None}, unit=street,
                 repr_=member.user.name)
    return member


@transaction.atomic
def publish_roster(actor, term: Term) -> Term:
    """The street committee, having vetted the roster, publishes it."""
    require(actor, "councils.manage", term.council.street)
    if not term.members.filter(status=MemberStatus.SERVING).exists():
        raise CouncilError(_("The roster is empty."))
    Term.objects.filter(pk=term.pk).update(roster_published_at=timezone.now())
    term.refresh_from_db()
    audit.record(actor, "councils.publish_roster", term,
                 after={"members": term.members.filter(status=MemberStatus.SERVING).count()},
                 unit=term.council.street)
    return term


def serving_members(term: Term):
    return term.members.filter(status=MemberStatus.SERVING).select_related("user")


def member_for(user, meeting: Meeting) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(term=meeting.term, user=user,
                                 status=MemberStatus.SERVING).first()


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
             ballot: Ballot | None = None) -> AgendaItem:
    require(actor, "councils.manage", meeting.council.street)
    if meeting.state not in (MeetingState.DRAFT, MeetingState.CONVENED):
        raise CouncilError(_("The agenda can only be changed before the meeting starts."))
    if kind not in ItemKind.values:
        raise CouncilError({"kind": _("Choose the kind of item.")})
    if not (title or "").strip():
        raise CouncilError({"title": _("Give the item a title.")})
    video_url = clean_https_url(video_url, "video_url")
    if ballot is not None:
        _check_attachable(meeting, kind, ballot)
    position = (meeting.items.order_by("-position").values_list("position", flat=True).first()
                or 0) + 1
    item = AgendaItem.objects.create(meeting=meeting, kind=kind, title=title.strip(),
                                     description=description, presenter=presenter,
                                     video_url=video_url, position=position, ballot=ballot)
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
    if item.ballot_id:
        raise CouncilError({"ballot": _("This item already has a vote.")})
    _check_attachable(meeting, item.kind, ballot)
    item.ballot = ballot
    item.save(update_fields=["ballot"])
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
    subject, body = _notice_text(meeting)
    members = [a.member.user for a in meeting.attendances.select_related("member__user")]
    notify(members, subject, body, f"/councils/meetings/{meeting.pk}/")
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
           _("Meeting cancelled: %(title)s") % {"title": meeting.title}, reason,
           f"/councils/meetings/{meeting.pk}/")
    return meeting


def quorum(meeting: Meeting) -> dict:
    """The live quorum figure: members signed in against the members of the term."""
    from yishi.voting.services import quorum_met

    # Only serving members count: one who resigned mid-meeting leaves the roll and the figure.
    rows = meeting.attendances.filter(member__status=MemberStatus.SERVING)
    entitled = rows.count() or serving_members(meeting.term).count()
    present = rows.filter(signed_in_at__isnull=False).count()
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
            for item in meeting.items.filter(ballot__state=BallotState.OPEN
                                             ).select_related("ballot"):
                voting.mark_present(actor, item.ballot, [member.user])
        when = timezone.localtime(meeting.starts_at).date()
        user = member.user
        transaction.on_commit(lambda: duty_performed.send(
            sender=Meeting, user=user, kind="meeting", date=when,
            description=str(meeting), source_key=f"councils.meeting:{meeting.pk}"))
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
def open_vote(actor, item: AgendaItem) -> AgendaItem:
    """Open the vote on an item: a yes/no ballot with the council's rules (or the attached
    ballot). The roll is the term's serving members; presence is the meeting's sign-in; the
    voting engine refuses to open without quorum."""
    # Work on the stored row, locked, never on the caller's object: when the engine refuses,
    # the ballot created here rolls back, and a ballot id left on the caller's object would
    # point at nothing on the retry.
    item = AgendaItem.objects.select_for_update(of=("self",)).select_related(
        "meeting__council").get(pk=item.pk)
    meeting = item.meeting
    council = meeting.council
    require(actor, "councils.manage", council.street)
    if meeting.state != MeetingState.IN_PROGRESS:
        raise CouncilError(_("Votes are taken while the meeting is in progress."))
    q = quorum(meeting)
    if not q["met"]:
        raise CouncilError(_("No quorum: %(present)d of %(entitled)d members present, "
                             "%(needed)d needed.") % q)
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
            options=[voting.OptionInput(RESOLUTION_KEY, item.title)], **sealed,
            secrecy=council.secrecy, pass_rule=council.pass_rule, quorum_required=True,
            quorum_fraction=council.quorum_fraction, roll_source=RollSource.LIST)
        report = voting.set_roll_from_list(
            actor, ballot, [m.user.mobile for m in serving_members(meeting.term)])
        if report.rejected:
            raise CouncilError(_("The voter roll could not be built."))
        item.ballot = ballot
        item.save(update_fields=["ballot"])
    ballot = Ballot.objects.get(pk=item.ballot_id)
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
    audit.record(actor, "councils.open_vote", item, after={"ballot": ballot.pk},
                 unit=council.street)
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


@transaction.atomic
def close_vote(actor, item: AgendaItem, resolution: str = "") -> AgendaItem:
    """Close the vote, publish the count, and record the resolution with its figures."""
    meeting = item.meeting
    require(actor, "councils.manage", meeting.council.street)
    if item.ballot_id is None:
        raise CouncilError(_("This item has no vote."))
    ballot = Ballot.objects.get(pk=item.ballot_id)
    if ballot.state == BallotState.OPEN:
        # Online sign-ins since the vote opened join the presence count before it closes.
        voting.mark_present(actor, ballot, _present_users(meeting))
        ballot = voting.close_ballot(actor, ballot)
    if ballot.state == BallotState.CLOSED and ballot.is_sealed and ballot.decrypted_at is None:
        # The close stays committed; the item is resolved when this is called again after a
        # quorum of the meeting's tellers has brought their shares on the ballot's tellers page.
        return item
    if ballot.state == BallotState.CLOSED:
        ballot = voting.publish_results(actor, ballot)
    if ballot.state != BallotState.PUBLISHED:
        raise CouncilError(_("The vote on this item is not open."))
    result = ballot.result or {}
    line = (result.get("items") or {}).get(RESOLUTION_KEY)
    if line is not None:
        item.votes_yes, item.votes_no, item.votes_abstain = line["yes"], line["no"], line["abstain"]
        item.passed = bool(line["passed"])
    else:  # an attached project ballot: the winners are the outcome
        item.passed = bool(result.get("winners"))
    if not resolution.strip():
        resolution = (_("Adopted.") if item.passed else _("Not adopted."))
    item.resolution = resolution.strip()
    item.resolved_at = timezone.now()
    item.save(update_fields=["votes_yes", "votes_no", "votes_abstain", "passed", "resolution",
                             "resolved_at"])
    audit.record(actor, "councils.resolve_item", item, after={
        "passed": item.passed, "yes": item.votes_yes, "no": item.votes_no,
        "abstain": item.votes_abstain, "resolution": item.resolution},
        unit=meeting.council.street)
    return item


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
    audit.record(user, "councils.item_opinion", opinion, after={"item": item.pk},
                 unit=meeting.council.street)
    return opinion


@transaction.atomic
def close_meeting(actor, meeting: Meeting) -> Meeting:
    require(actor, "councils.manage", meeting.council.street)
    if meeting.items.filter(ballot__state=BallotState.OPEN).exists():
        raise CouncilError(_("Close the open votes first."))
    # The tellers decrypt within the meeting: once it closes they are no longer in the room.
    if meeting.items.filter(ballot__state=BallotState.CLOSED, ballot__decrypted_at__isnull=True
                            ).exclude(ballot__public_key="").exists():
        raise CouncilError(_("A secret vote still waits for its tellers' key shares."))
    return _move(actor, meeting, MeetingState.CLOSED, "councils.close_meeting",
                 closed_at=timezone.now())


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
        if item.votes_yes is not None:
            lines.append(_("Vote: %(yes)d yes, %(no)d no, %(abstain)d abstaining.") % {
                "yes": item.votes_yes, "no": item.votes_no, "abstain": item.votes_abstain})
        if item.resolution:
            lines.append(_("Resolution: %(text)s") % {"text": item.resolution})
        for opinion in item.opinions.select_related("member__user"):
            lines.append(f"— {opinion.member.user.name}: {opinion.text}")
    if earlier:
        lines += ["", _("Progress on earlier resolutions:")]
        for action in earlier:
            lines.append(f"· {action.title} ({action.owner}, {action.deadline:%Y-%m-%d}): "
                         f"{action.get_state_display()} {action.progress}".rstrip())
    return "\n".join(str(line) for line in lines)


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
           _("Minutes published: %(title)s") % {"title": meeting.title}, "",
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


# --- the district convenes every street at once -------------------------------------------

@dataclass
class ItemTemplate:
    kind: str
    title: str
    presenter: str = ""


@transaction.atomic
def convene_in_every_street(actor, district: Unit, *, title: str, starts_at, place: str,
                            agenda: list[ItemTemplate]) -> MeetingBatch:
    """One action: a meeting per street from a template agenda, each convened."""
    require(actor, "councils.convene_district", district)
    if starts_at <= timezone.now():
        raise CouncilError({"starts_at": _("A meeting cannot be convened in the past.")})
    if not agenda:
        raise CouncilError({"agenda": _("Give the template agenda at least one item.")})
    councils = [c for c in Council.objects.filter(street__path__startswith=district.path)
                .select_related("street").order_by("street__sort_order")
                if c.current_term() and serving_members(c.current_term()).exists()]
    if not councils:
        raise CouncilError(_("No street has a council with serving members yet."))
    batch = MeetingBatch.objects.create(
        title=title, starts_at=starts_at, created_by=actor,
        agenda=[{"kind": t.kind, "title": t.title, "presenter": t.presenter} for t in agenda])
    for council in councils:
        meeting = create_meeting(actor, council, title=title, starts_at=starts_at,
                                 place=place.replace("{street}", council.street.name),
                                 batch=batch)
        for t in agenda:
            add_item(actor, meeting, kind=t.kind, title=t.title, presenter=t.presenter)
        convene_meeting(actor, meeting)
    audit.record(actor, "councils.convene_in_every_street", batch,
                 after={"streets": len(councils), "starts_at": starts_at.isoformat()},
                 unit=district)
    return batch
