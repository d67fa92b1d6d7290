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


def export_personal_data(user: User) -> dict:
    """Everything the platform holds about a person, for the person (PIPL art. 45)."""
    return {
        "account": {
            "mobile": user.mobile, "name": user.name, "email": user.email,
            "home_unit": user.home_unit.name if user.home_unit else None,
            "verified_at": user.verified_at.isoformat() if user.verified_at else None,
            "date_joined": user.date_joined.isoformat(),
            "language": user.language, "text_size": user.text_size,
        },
        "roles": [
            {"role": a.role, "unit": a.unit.name, "from": a.starts_on.isoformat(),
             "until": a.ends_on.isoformat() if a.ends_on else None}
            for a in user.role_assignments.select_related("unit")
        ],
        "notifications": [
            {"subject": n.subject, "body": n.body, "sent": n.created_at.isoformat()}
            for n in Notification.objects.filter(recipient=user)
        ],
        "attachments": [
            {"name": a.original_name, "uploaded": a.uploaded_at.isoformat()}
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
