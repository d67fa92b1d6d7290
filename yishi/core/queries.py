"""Reads that pages and the API share."""

from django.conf import settings
from django.db.models import Count, Q

from .models import RoleAssignment, Unit, UnitKind, User


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
