"""Liaison stations and deputies' public profiles as open data."""

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from .models import DeputyProfile, LiaisonStation

router = Router(tags=["deputies"])


class StationOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    street: str
    theme: str
    address: str
    opening_hours: str
    deputies: list[int]

    @staticmethod
    def resolve_street(obj):
        return obj.unit.code

    @staticmethod
    def resolve_deputies(obj):
        return [d.pk for d in obj.deputies.all() if d.is_public]


class DeputyOut(Schema):
    id: int
    name: str
    level: str
    term: str
    constituency: str
    sector: str
    stations: list[str]

    @staticmethod
    def resolve_name(obj):
        return obj.user.name

    @staticmethod
    def resolve_stations(obj):
        return [s.code for s in obj.stations.all()]


@router.get("/stations", response=list[StationOut], summary="Deputies' liaison stations")
def stations(request, street: str | None = None):
    rows = LiaisonStation.objects.select_related("unit").prefetch_related("deputies")
    if street:
        rows = rows.filter(unit__code=street)
    return rows


@router.get("/deputies/{deputy_id}", response=DeputyOut, summary="A deputy's public profile")
def deputy(request, deputy_id: int):
    return get_object_or_404(
        DeputyProfile.objects.select_related("user").prefetch_related("stations"),
        pk=deputy_id, is_public=True, user__is_active=True)
