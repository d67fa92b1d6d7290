"""Public pages of the liaison stations and the deputies who receive residents there, with a QR
code per station and per deputy that opens the page (to print and put on the station's door)."""

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.models import Unit, UnitKind

from .models import Booking, DeputyProfile, LiaisonStation, ReceptionSession, SessionState


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
    upcoming = station.sessions.filter(state=SessionState.SCHEDULED,
                                       starts_at__gt=timezone.now()).order_by("starts_at")[:10]
    return render(request, "deputies/station_detail.html", {
        "station": station, "deputies": _public_deputies().filter(stations=station),
        "sessions": upcoming,
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


def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .forms import MatterForm

    session = get_object_or_404(ReceptionSession.objects.select_related("station__unit"), pk=pk)
    user = request.user
    on_duty = user.is_authenticated and session.deputies.filter(user=user).exists()
    mine = (Booking.objects.filter(session=session, resident=user).first()
            if user.is_authenticated else None)
    form = MatterForm(request.POST or None, street=session.station.unit) if on_duty else None
    if request.method == "POST" and on_duty and form.is_valid():
        from . import services

        data = form.cleaned_data
        try:
            created = services.record_matters(user, session, resident_name=data["resident_name"],
                                              resident_mobile=data["resident_mobile"] or "",
                                              matters=[services.Matter(
                                                  data["title"], data["text"], data["category"],
                                                  data["community"])])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, _("Recorded as opinion %(number)s; the street committee "
                                        "will accept and assign it.") % {"number": created[0].number})
            return redirect("deputies:session", pk=session.pk)
    return render(request, "deputies/session_detail.html", {
        "session": session, "on_duty": on_duty, "mine": mine, "form": form,
        "bookings": session.bookings.select_related("resident") if on_duty else [],
        "free": session.slots - session.bookings.count(),
        "trail": [(_("Liaison stations"), reverse("deputies:stations")),
                  (str(session.station), reverse("deputies:station", args=[session.station.code])),
                  (f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}", None)],
    }, status=400 if request.method == "POST" and form is not None and form.errors else 200)


@login_required
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    from . import services

    session = get_object_or_404(ReceptionSession, pk=pk)
    try:
        booking = services.book_slot(request.user, session, request.POST.get("topic", ""))
        messages.success(request, _("Booked: slot %(slot)d.") % {"slot": booking.slot})
    except (ValidationError, PermissionDenied) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
    return redirect("deputies:session", pk=session.pk)


@login_required
def my_duties(request: HttpRequest) -> HttpResponse:
    """A deputy's duty register: register an activity, see its state and this year's points."""
    from . import services
    from .forms import ActivityForm

    profile = DeputyProfile.objects.filter(user=request.user).first()
    if profile is None:
        raise PermissionDenied
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_activity(request.user, profile, **form.cleaned_data)
        except ValidationError as exc:
            from yishi.core.errors import add_form_errors

            add_form_errors(form, exc)
        else:
            messages.success(request, _("Registered; street staff will confirm it."))
            return redirect("deputies:my_duties")
    today = timezone.localdate()
    return render(request, "deputies/my_duties.html", {
        "profile": profile, "form": form,
        "activities": profile.activities.all()[:100],
        "score": services.score(profile, today.replace(month=1, day=1), today),
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("My duties"), None)],
    }, status=400 if request.method == "POST" else 200)


@login_required
def confirm_queue(request: HttpRequest) -> HttpResponse:
    """Activities waiting for confirmation, for the street (or district) staff."""
    from . import services
    from .models import ActivityState, DutyActivity

    pending = [a for a in DutyActivity.objects.filter(state=ActivityState.SUBMITTED)
               .select_related("deputy__user").prefetch_related("deputy__stations__unit")
               if any(services._can_confirm(request.user, s.unit) for s in a.deputy.stations.all())]
    if request.method == "POST":
        activity = next((a for a in pending if str(a.pk) == request.POST.get("activity")), None)
        if activity is None:
            raise Http404
        try:
            services.decide_activity(request.user, activity,
                                     confirm=request.POST.get("decision") == "confirm",
                                     reason=request.POST.get("reason", ""))
            messages.success(request, _("Done."))
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        return redirect("deputies:confirm_queue")
    return render(request, "deputies/confirm_queue.html", {
        "pending": pending,
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("Duties to confirm"), None)],
    })
