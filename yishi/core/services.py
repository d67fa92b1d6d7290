"""Every state change of core data: one function each, taking the actor, checking permission,
changing state in one transaction and writing the audit record."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import (
    Attachment,
    Department,
    NoticeKind,
    NoticePreference,
    Notification,
    Role,
    RoleAssignment,
    TextSize,
    Unit,
    UnitKind,
    User,
    normalize_mobile,
)
from .permissions import STREET_ASSIGNABLE_ROLES, district_wide, holds, require


@transaction.atomic
def sign_up_resident(mobile: str, name: str, home_unit: Unit) -> User:
    """A resident creates their own account after proving the number with a code."""
    mobile = normalize_mobile(mobile)
    if home_unit.kind != UnitKind.COMMUNITY:
        raise ValidationError({"home_unit": _("Choose the community you live in.")})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Please enter your name.")})
    if User.objects.filter(mobile=mobile).exists():
        raise ValidationError({"mobile": _("This number already has an account. Please sign in.")})
    try:
        with transaction.atomic():
            user = User.objects.create_user(mobile, name=name, home_unit=home_unit)
    except IntegrityError:
        raise ValidationError(
            {"mobile": _("This number already has an account. Please sign in.")}
        ) from None
    RoleAssignment.objects.create(user=user, role=Role.RESIDENT, unit=home_unit)
    audit.record(user, "core.sign_up", user, after={"home_unit": home_unit.code},
                 unit=home_unit, repr_=user.masked_mobile)
    return user


@transaction.atomic
def assign_role(actor: User, person: User, role: str, unit: Unit,
                department: Department | None = None) -> RoleAssignment:
    require(actor, "core.assign_role", unit)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if not (district_wide(actor) or holds(actor, {Role.SYSADMIN})) and (
        role not in STREET_ASSIGNABLE_ROLES
    ):
        raise PermissionDenied(_("Only the district can give this role."))
    if role == Role.DEPARTMENT_HANDLER:
        if department is None:
            raise ValidationError({"department": _("Choose the handler's department.")})
        if not unit.contains(department.street):
            raise ValidationError({"department": _("The department belongs to another street.")})
    elif department is not None:
        raise ValidationError({"department": _("Only department handlers have a department.")})
    if role in (Role.DISTRICT_STAFF, Role.SYSADMIN) and unit.kind != UnitKind.DISTRICT:
        raise ValidationError({"unit": _("This role is held at district level.")})
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=person, role=role, unit=unit, department=department
            )
    except IntegrityError:
        raise ValidationError(_("This person already holds this role in this unit.")) from None
    audit.record(actor, "core.assign_role", assignment,
                 after=audit.snapshot(assignment), unit=unit)
    return assignment


@transaction.atomic
def end_role(actor: User, assignment: RoleAssignment, on=None) -> RoleAssignment:
    require(actor, "core.assign_role", assignment.unit)
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.ends_on is not None:
        raise ValidationError(_("This role has already ended."))
    before = audit.snapshot(assignment)
    assignment.ends_on = on or timezone.localdate()
    assignment.save(update_fields=["ends_on"])
    audit.record(actor, "core.end_role", assignment, before=before,
                 after=audit.snapshot(assignment), unit=assignment.unit)
    return assignment


@transaction.atomic
def verify_resident(actor: User, person: User) -> User:
    """Street staff confirm that a person lives in the community they gave (实名核验)."""
    if person.home_unit is None:
        raise ValidationError(_("This person has not given a community of residence."))
    require(actor, "core.verify_resident", person.home_unit)
    updated = User.objects.filter(pk=person.pk, verified_at__isnull=True).update(
        verified_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("This resident is already verified."))
    person.refresh_from_db()
    audit.record(actor, "core.verify_resident", person, after={"verified": True},
                 unit=person.home_unit, repr_=person.masked_mobile)
    return person




def set_preferences(user: User, *, language: str | None = None,
                    text_size: str | None = None) -> None:
    """Display preferences are not audited: they change nothing anyone else sees."""
    fields = []
    if language is not None:
        user.language = language
        fields.append("language")
    if text_size is not None:
        if text_size not in TextSize.values:
            raise ValidationError(_("Unknown text size."))
        user.text_size = text_size
        fields.append("text_size")
    if fields and user.pk:
        user.save(update_fields=fields)


@transaction.atomic
def set_notice_preferences(user: User, chosen: dict[str, dict[str, bool]]) -> None:
    """A person chooses, per kind of notice, whether it also comes by text and by e-mail (the
    inbox always keeps a copy). Not audited: it concerns nobody else."""
    for kind, flags in chosen.items():
        if kind not in NoticeKind.values:
            raise ValidationError(_("Unknown kind of notice."))
        NoticePreference.objects.update_or_create(
            user=user, kind=kind,
            defaults={"by_text": bool(flags.get("by_text")),
                      "by_email": bool(flags.get("by_email"))},
        )


EMAIL_SALT = "yishi.core.confirm_email"


def request_email_confirmation(user: User, email: str) -> str:
    """Mail a signed link to the address; it becomes the person's only when they follow it, so
    nobody can have notices sent to an address that is not theirs. Returns the link."""
    from django.conf import settings
    from django.core import signing
    from django.core.mail import send_mail
    from django.core.validators import validate_email
    from django.urls import reverse

    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    token = signing.dumps({"user": user.pk, "email": email}, salt=EMAIL_SALT)
    link = (settings.YISHI_PUBLIC_URL.rstrip("/")
            + reverse("core:confirm_email", kwargs={"token": token}))
    send_mail(
        _("Confirm your e-mail address for Yishi"),
        _("Follow this link within %(days)s days to receive Yishi's notices at this address:"
          "\n\n%(link)s\n\nIf you did not ask for this, ignore this mail.")
        % {"days": settings.YISHI_EMAIL_CONFIRM_DAYS, "link": link},
        None, [email],
    )
    return link


@transaction.atomic
def confirm_email(user: User, token: str) -> str:
    """Take the address from a confirmation link the person followed while signed in."""
    from django.conf import settings
    from django.core import signing

    try:
        data = signing.loads(token, salt=EMAIL_SALT,
                             max_age=settings.YISHI_EMAIL_CONFIRM_DAYS * 24 * 3600)
    except signing.SignatureExpired:
        raise ValidationError(_("This link has expired. Please add the address again.")) from None
    except signing.BadSignature:
        raise ValidationError(_("This link is not valid.")) from None
    if data.get("user") != user.pk:
        raise PermissionDenied(_("This link was sent to another account."))
    before = {"email": bool(user.email)}
    user.email = data["email"]
    user.save(update_fields=["email"])
    audit.record(user, "core.confirm_email", user, before=before, after={"email": True},
                 unit=user.home_unit, repr_=user.masked_mobile)
    return user.email


@transaction.atomic
def remove_email(user: User) -> None:
    user.email = ""
    user.save(update_fields=["email"])
    audit.record(user, "core.remove_email", user, after={"email": False},
                 unit=user.home_unit, repr_=user.masked_mobile)


def _when(moment) -> str | None:
    """Times in the export read as in Shanghai, with the offset (+08:00) so they are exact."""
    return timezone.localtime(moment).isoformat() if moment else None


def export_personal_data(user: User) -> dict:
    """Everything the platform holds about a person, for the person (PIPL art. 45)."""
    return {
        "account": {
            "mobile": user.mobile, "name": user.name, "email": user.email,
            "home_unit": user.home_unit.name if user.home_unit else None,
            "verified_at": _when(user.verified_at),
            "date_joined": _when(user.date_joined),
            "language": user.language, "text_size": user.text_size,
        },
        "roles": [
            {"role": a.role, "unit": a.unit.name, "from": a.starts_on.isoformat(),
             "until": a.ends_on.isoformat() if a.ends_on else None}
            for a in user.role_assignments.select_related("unit")
        ],
        "notifications": [
            {"subject": n.subject, "body": n.body, "sent": _when(n.created_at)}
            for n in Notification.objects.filter(recipient=user)
        ],
        "notice_preferences": [
            {"kind": p.kind, "by_text": p.by_text, "by_email": p.by_email}
            for p in NoticePreference.objects.filter(user=user)
        ],
        "attachments": [
            {"name": a.original_name, "uploaded": _when(a.uploaded_at)}
            for a in Attachment.objects.filter(uploaded_by=user)
        ],
    }


@transaction.atomic
def delete_account(user: User) -> None:
    """A person deletes their account (PIPL art. 47). Public records they took part in keep an
    anonymous actor; the audit trail keeps only the id and a masked label."""
    label = user.masked_mobile
    audit.record(user, "core.delete_account", user, repr_=label,
                 unit=user.home_unit)
    user.delete()
