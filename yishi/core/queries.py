"""Reads that pages and the API share."""

from django.conf import settings
from django.db.models import Count, Q

from .models import Unit, UnitKind


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
