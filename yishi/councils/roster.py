"""The council's roster: councils and their rules, terms, members, invitations (议事会成员),
the published roster."""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yishi.core import audit
from yishi.core import services as core_services
from yishi.core.models import Role, RoleAssignment, Unit, UnitKind, User, normalize_mobile
from yishi.core.notifications import notify
from yishi.core.permissions import require
from yishi.core.workflow import transition

from .models import (
    Attendance,
    Council,
    Invitation,
    InvitationState,
    Meeting,
    MeetingState,
    Member,
    MemberCategory,
    MemberStatus,
    Term,
)
from .workflows import INVITATION, CouncilError

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

    notify([user], lambda: _("Invitation to join %(council)s") % {"council": council},
           lambda: _("The street invites you to serve on its residents' council. Open the invitation "
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
