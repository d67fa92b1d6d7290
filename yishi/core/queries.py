"""Reads that pages and the API share."""

from django.conf import settings
from django.db.models import Count, Q

from .models import AuditRecord, RoleAssignment, Unit, UnitKind, User


def district() -> Unit | None:
    return (
        Unit.objects.filter(kind=UnitKind.DISTRICT, code=settings.YISHI_DISTRICT_CODE).first()
        or Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("path").first()
    )


def streets_with_counts(district_unit: Unit | None):
    if district_unit is None:
        return Unit.objects.none()
    return (
        Unit.objects.filter(parent=district_unit, kind__in=[UnitKind.STREET, UnitKind.TOWN])
        .annotate(
            community_count=Count("children", filter=Q(children__kind=UnitKind.COMMUNITY))
        )
        .order_by("kind", "sort_order", "code")
    )


def holders(role: str, unit: Unit, on=None):
    """Who holds `role` here now: the people whose assignment of that role, in `unit` or a unit
    above it, is in force on `on` (today by default), and whose account is active. The one
    answer to "who is street staff of 西溪 / a deputy here / a handler" for notifications and
    choices."""
    return User.objects.filter(
        pk__in=RoleAssignment.objects.covering(role, unit, on).values("user_id"))


def audit_records_visible_to(user):
    """The audit records of the units `user` oversees (core.view_audit), newest first; None when
    they oversee none. A district-wide role sees every record."""
    from .permissions import active_roles, has_perm

    paths = [path for _role, path, _d in active_roles(user)
             if has_perm(user, "core.view_audit", Unit(path=path))]
    if not paths:
        return None
    records = AuditRecord.objects.order_by("-seq")
    if any(path.count("/") == 1 for path in paths):  # district-wide
        return records
    scope = Q()
    for path in paths:
        scope |= Q(unit_path__startswith=path)
    return records.filter(scope)


def audit_action_choices(records) -> list[tuple[str, str]]:
    """(action, label) of the actions these records hold, sorted by label in the active
    language: the choices of the audit trail's filter."""
    from .audit_labels import choices

    return choices(records.order_by().values_list("action", flat=True).distinct())
