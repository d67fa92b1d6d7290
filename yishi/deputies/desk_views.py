"""The reception desk (接待台): the station's staff or a deputy on duty find a booked resident
by name, number or place, call them in, mark them finished or not come, and undo a mistaken tap
while the reception lasts. Every tap is a workflow transition (workflows.BOOKING), audited.
Works without JavaScript; desk.js only refreshes the live count."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.errors import error_messages
from yishi.core.workflow import may

from . import bookings
from .models import HOLDS_PLACE, Booking, ReceptionSession
from .workflows import BOOKING, UNDO, runs_desk


def _desk_session(request, pk) -> ReceptionSession:
    session = get_object_or_404(ReceptionSession.objects.select_related("station__unit"), pk=pk)
    if not runs_desk(request.user, session):
        raise Http404  # a desk one does not run reads like one that does not exist
    return session


def _search(rows, query: str):
    """By name, by place number, or by the last digits of the mobile number."""
    if not query:
        return rows
    match = Q(resident__name__icontains=query)
    if query.isdigit():
        match |= Q(slot=int(query)) if len(query) <= 3 else Q()
        match |= Q(resident__mobile__endswith=query) if len(query) >= 4 else Q()
    return rows.filter(match)


@login_required
def desk(request: HttpRequest, pk: int) -> HttpResponse:
    session = _desk_session(request, pk)
    query = (request.GET.get("q") or "").strip()[:40]
    rows = list(_search(session.bookings.filter(HOLDS_PLACE).select_related("resident"), query)
                .order_by("slot"))
    for b in rows:
        b.session = session  # the guards read the session; one query for all rows
        b.may = may(b, request.user, workflow=BOOKING)
        b.undo = next((b.may[name] for name in UNDO.values() if name in b.may), None)
    return render(request, "deputies/desk.html", {
        "session": session, "rows": rows, "query": query,
        # Each tap posts the search back, so the desk returns to the same list.
        "q_field": format_html('<input type="hidden" name="q" value="{}">', query),
        "counts": bookings.desk_counts(session),
        "trail": [(_("Deputies"), reverse("deputies:index")),
                  (str(session.station), reverse("deputies:session", args=[session.pk])),
                  (_("Reception desk"), None)],
    })


@login_required
@require_POST
def desk_step(request: HttpRequest, pk: int, booking: int, step: str) -> HttpResponse:
    session = _desk_session(request, pk)
    row = get_object_or_404(Booking.objects.select_related("resident"), pk=booking,
                            session=session)
    row.session = session
    try:
        bookings.desk_step(request.user, row, step)
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("%(slot)d. %(name)s: %(state)s") % {
            "slot": row.slot, "name": row.resident.name, "state": row.get_state_display()})
    # Back to the same search and the same row, so the desk does not lose its place.
    query = (request.POST.get("q") or "").strip()[:40]
    url = reverse("deputies:desk", args=[session.pk])
    return redirect(f"{url}?{urlencode({'q': query})}#booking-{row.pk}" if query
                    else f"{url}#booking-{row.pk}")


@login_required
def desk_counts(request: HttpRequest, pk: int) -> JsonResponse:
    """The desk's live figures, polled by desk.js."""
    response = JsonResponse(bookings.desk_counts(_desk_session(request, pk)))
    response["Cache-Control"] = "no-store"
    return response
