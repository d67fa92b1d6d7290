"""Public pages of the liaison stations and the deputies who receive residents there, with a QR
code per station and per deputy that opens the page (to print and put on the station's door)."""

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yishi.core.errors import error_messages
from yishi.core.models import Unit, UnitKind

from . import bookings, live
from .models import (
    HOLDS_PLACE,
    Booking,
    BookingState,
    DeputyProfile,
    ExpertGroup,
    LiaisonStation,
    ReceptionMode,
    ReceptionSession,
    SessionState,
)


def _public_deputies():
    from .queries import public_deputies

    return public_deputies()


def station_list(request: HttpRequest) -> HttpResponse:
    streets = (Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]).order_by("path")
               .prefetch_related(Prefetch("liaison_stations",
                                          queryset=LiaisonStation.objects.order_by("kind", "name"))))
    from .maps import station_map

    return render(request, "deputies/station_list.html", {
        "streets": streets, "map": station_map(LiaisonStation.objects.select_related("unit")),
        "trail": [(_("Liaison stations"), None)],
    })


def station_detail(request: HttpRequest, code: str) -> HttpResponse:
    station = get_object_or_404(LiaisonStation.objects.select_related("unit"), code=code)
    upcoming = station.sessions.filter(state=SessionState.SCHEDULED,
                                       starts_at__gt=timezone.now()).order_by("starts_at")[:10]
    return render(request, "deputies/station_detail.html", {
        "station": station, "deputies": _public_deputies().filter(stations=station),
        "sessions": upcoming,
        "expert_groups": ExpertGroup.objects.filter(unit=station.unit).prefetch_related(
            "members__user"),
        "events": station.week_events.filter(date__gte=timezone.localdate()).select_related(
            "week"),
        "trail": [(_("Liaison stations"), reverse("deputies:stations")), (str(station), None)],
    })


def deputy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .queries import scorecards

    profile = get_object_or_404(_public_deputies(), pk=pk)
    year = timezone.localdate().year
    return render(request, "deputies/deputy_detail.html", {
        "profile": profile, "stations": profile.stations.select_related("unit"),
        "card": scorecards(year, deputies=DeputyProfile.objects.filter(pk=profile.pk))[0],
        "groups": profile.expert_groups.all(),
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
    mine = (Booking.objects.filter(HOLDS_PLACE, session=session, resident=user).first()
            if user.is_authenticated else None)
    if mine:
        _with_actions([mine], user)
    booking = None
    if on_duty and request.GET.get("booking", "").isdigit():
        booking = session.bookings.select_related("resident").filter(
            pk=request.GET["booking"]).first()
    initial = {"resident_name": booking.resident.name,
               "resident_mobile": booking.resident.mobile} if booking else None
    form = MatterForm(request.POST or None, street=session.station.unit,
                      initial=initial) if on_duty else None
    if request.method == "POST" and on_duty and form.is_valid():
        from . import services

        data = form.cleaned_data
        try:
            created = services.record_matters(user, session, resident_name=data["resident_name"],
                                              resident_mobile=data["resident_mobile"] or "",
                                              booking=booking,
                                              matters=[services.Matter(
                                                  data["title"], data["text"], data["category"],
                                                  data["community"], data["in_litigation"])])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, _("Recorded as opinion %(number)s; the street committee "
                                        "will accept and assign it.") % {"number": created[0].number})
            return redirect(request.get_full_path())
    from .bookings import free_places, queue_position
    from .workflows import runs_desk

    online = session.mode == ReceptionMode.ONLINE
    waiting_states = (BookingState.BOOKED, BookingState.CALLED)
    return render(request, "deputies/session_detail.html", {
        "session": session, "on_duty": on_duty, "mine": mine, "form": form, "booking": booking,
        "position": queue_position(mine) if mine else None,
        "in_queue": online and mine is not None and mine.state in waiting_states,
        "can_book": (mine is None and session.state == SessionState.SCHEDULED
                     and session.starts_at > timezone.now()),
        "can_call_next": online and on_duty and session.state != SessionState.CANCELLED,
        "runs_desk": user.is_authenticated and runs_desk(user, session),
        "bookings": (session.bookings.filter(HOLDS_PLACE).select_related("resident")
                     if on_duty else []),
        "online": online,
        "free": free_places(session),
        "trail": [(_("Liaison stations"), reverse("deputies:stations")),
                  (str(session.station), reverse("deputies:station", args=[session.station.code])),
                  (f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}", None)],
    }, status=400 if request.method == "POST" and form is not None and form.errors else 200)


@login_required
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:

    session = get_object_or_404(ReceptionSession, pk=pk)
    try:
        booking = bookings.book_slot(request.user, session, request.POST.get("topic", ""))
        messages.success(request, _("Booked: slot %(slot)d.") % {"slot": booking.slot})
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect("deputies:session", pk=session.pk)


@login_required
def room(request: HttpRequest, pk: int, booking: int) -> HttpResponse:
    """The online reception room: a text conversation between the resident and the deputy on
    duty (or a link to the video provider's meeting when one is configured)."""
    from .forms import RoomMessageForm

    booking = get_object_or_404(Booking.objects.select_related("session__station", "resident"),
                                pk=booking, session_id=pk)
    session = booking.session
    on_duty = session.deputies.filter(user=request.user).exists()
    if request.user.pk != booking.resident_id and not on_duty:
        raise Http404
    form = RoomMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bookings.say_in_room(request.user, booking, form.cleaned_data["text"])
        except (ValidationError, PermissionDenied) as exc:
            from yishi.core.errors import add_form_errors

            add_form_errors(form, exc if isinstance(exc, ValidationError)
                            else ValidationError(str(exc)), "text")
        else:
            return redirect("deputies:room", pk=session.pk, booking=booking.pk)
    return render(request, "deputies/room.html", {
        **_room_state(booking, on_duty), "session": session, "form": form,
        "messages_": booking.messages.select_related("author"),
        "live_token": live.room_token(booking, request.user, request.session.session_key),
        "live_etag": _live_etag(session.live_version, request),
        "trail": [(_("Liaison stations"), reverse("deputies:stations")),
                  (str(session.station), reverse("deputies:session", args=[session.pk])),
                  (_("Online room"), None)],
    }, status=400 if request.method == "POST" else 200)


def _room_state(booking: Booking, on_duty: bool) -> dict:
    """What the room shows of the booking: the page and its poll render the same."""
    from .rooms import room as reception_room

    provider = reception_room()
    return {"booking": booking, "on_duty": on_duty, "local": provider.local,
            "position": bookings.queue_position(booking),
            "meeting_url": provider.meeting_url(booking) if booking.called_at else "",
            "open": booking.state == BookingState.CALLED}


def _live_etag(version: int, request: HttpRequest) -> str:
    return f'"{version}-{request.LANGUAGE_CODE}"'


@require_GET
def room_live(request: HttpRequest, pk: int, booking: int) -> HttpResponse:
    """The room's state for room.js: 304 after one query when nothing changed, else the status
    and the conversation after two. Authenticated by the token the room page signed for this
    person and booking (see live.py), not by the session."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    user_id = live.read_token(request.headers.get("X-Room-Token", ""), booking, session_key)
    state = user_id and live.room_state(pk, booking, user_id, session_key)
    if user_id is None or (state and not state["signed_in"]):
        return JsonResponse({"detail": _("This page has expired. Reload it."), "errors": []},
                            status=403)
    if state is None:
        return JsonResponse({"detail": _("Not found."), "errors": []}, status=404)
    etag = _live_etag(state["version"], request)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers=headers)
    row = state["booking"]
    context = _room_state(row, state["on_duty"])
    return JsonResponse({
        "version": state["version"], "open": context["open"],
        "status": render_to_string("deputies/includes/room_status.html", context),
        "messages": [{"id": m.pk, "html": render_to_string(
            "deputies/includes/room_message.html", {"m": m, "booking": row})}
            for m in live.room_messages(row.pk)],
    }, headers=headers)


room_live.token_authenticated = True


@login_required
@require_POST
def call_next(request: HttpRequest, pk: int) -> HttpResponse:

    session = get_object_or_404(ReceptionSession, pk=pk)
    try:
        booking = bookings.call_next(request.user, session)
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
        return redirect("deputies:session", pk=pk)
    if booking is None:
        messages.info(request, _("Nobody is waiting."))
        return redirect("deputies:session", pk=pk)
    return redirect("deputies:room", pk=pk, booking=booking.pk)


def weeks(request: HttpRequest) -> HttpResponse:
    """Deputies' activity weeks (代表活动周) and the stations' events."""
    from .models import ActivityWeek

    return render(request, "deputies/weeks.html", {
        "weeks": ActivityWeek.objects.prefetch_related("events__station")[:10],
        "trail": [(_("Liaison stations"), reverse("deputies:stations")),
                  (_("Activity weeks"), None)],
    })


def index(request: HttpRequest) -> HttpResponse:
    """The deputies' front page: the stations, the deputies who receive residents there, the
    next receptions with free places, and, signed in, the visitor's own bookings."""
    from .queries import bookings_of, upcoming_receptions

    mine = bookings_of(request.user)[:5] if request.user.is_authenticated else []
    return render(request, "deputies/index.html", {
        "stations": LiaisonStation.objects.select_related("unit").order_by("unit__path", "kind",
                                                                           "name"),
        "deputies": _public_deputies().order_by("user__name")[:24],
        "deputy_count": _public_deputies().count(),
        "receptions": upcoming_receptions()[:8],
        "mine": _with_actions(mine, request.user),
        "trail": [(_("Deputies"), None)],
    })


def _with_actions(bookings, user):
    """Each booking with `may`: what this person may do with it now (workflows.BOOKING)."""
    from yishi.core.workflow import may

    from .workflows import BOOKING

    for b in bookings:
        b.may = may(b, user, workflow=BOOKING)
    return bookings


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    from .queries import bookings_of

    return render(request, "deputies/my_bookings.html", {
        "bookings": _with_actions(bookings_of(request.user), request.user),
        "trail": [(_("Deputies"), reverse("deputies:index")), (_("My bookings"), None)],
    })


@login_required
@require_POST
def cancel_booking(request: HttpRequest, pk: int) -> HttpResponse:

    # Another resident's booking reads exactly like one that does not exist.
    booking = get_object_or_404(Booking.objects.select_related("session__station"), pk=pk,
                                resident=request.user)
    try:
        bookings.cancel_booking(request.user, booking)
        messages.success(request, _("Your booking is cancelled; the place is free for someone "
                                    "else."))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/deputies/") else "deputies:my_bookings")
