"""Public pages of the liaison stations and the deputies who receive residents there, with a QR
code per station and per deputy that opens the page (to print and put on the station's door)."""

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from yishi.core.models import Unit, UnitKind

from .models import DeputyProfile, LiaisonStation


def _public_deputies():
    return DeputyProfile.objects.filter(is_public=True, user__is_active=True).select_related(
        "user")


def station_list(request: HttpRequest) -> HttpResponse:
    streets = (Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]).order_by("path")
               .prefetch_related(Prefetch("liaison_stations",
                                          queryset=LiaisonStation.objects.order_by("kind", "name"))))
    return render(request, "deputies/station_list.html", {
        "streets": streets, "trail": [(_("Liaison stations"), None)],
    })


def station_detail(request: HttpRequest, code: str) -> HttpResponse:
    station = get_object_or_404(LiaisonStation.objects.select_related("unit"), code=code)
    return render(request, "deputies/station_detail.html", {
        "station": station, "deputies": _public_deputies().filter(stations=station),
        "trail": [(_("Liaison stations"), reverse("deputies:stations")), (str(station), None)],
    })


def deputy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(_public_deputies(), pk=pk)
    return render(request, "deputies/deputy_detail.html", {
        "profile": profile, "stations": profile.stations.select_related("unit"),
        "trail": [(_("Liaison stations"), reverse("deputies:stations")),
                  (profile.user.name, None)],
    })


def qr_code(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    """An SVG QR code of the public address of a station or a deputy."""
    if kind == "station":
        path = reverse("deputies:station", args=[get_object_or_404(LiaisonStation, code=key).code])
    elif kind == "deputy" and key.isdigit():
        path = reverse("deputies:deputy", args=[get_object_or_404(_public_deputies(), pk=key).pk])
    else:
        raise Http404
    image = qrcode.make(settings.YISHI_PUBLIC_URL.rstrip("/") + path,
                        image_factory=qrcode.image.svg.SvgPathImage)
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
