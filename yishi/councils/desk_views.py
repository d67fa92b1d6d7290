"""The sign-in desk (签到台) on a tablet at the door: find a member by name or number, tap to sign
them in without losing the place, undo a mistaken sign-in, and a live count of those present
against the quorum (a small JSON read polled by desk.js; without the script every sign-in
reloads the page with the count)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from yishi.core.errors import error_messages

from . import meetings as meetings_svc
from .manage_views import _staff_meeting
from .models import Meeting, Member, SignInMode


def _rows(meeting: Meeting) -> list:
    """Every member on the meeting's roll, numbered in roster order: the number is what the
    member is told at the door and what the desk searches."""
    rows = list(meeting.attendances.select_related("member__user", "member__community")
                .order_by("member__community__sort_order", "member_id"))
    for n, attendance in enumerate(rows, start=1):
        attendance.number = n
    return rows


def matches(attendance, query: str) -> bool:
    """A name (or part of one), the desk number, or the last digits of the mobile number."""
    query = query.strip()
    if not query:
        return True
    if query.isdigit():
        mobile = attendance.member.user.mobile or ""
        return str(attendance.number) == query or (len(query) >= 4 and mobile.endswith(query))
    return query.casefold() in attendance.member.user.name.casefold()


def quorum_text(q: dict) -> str:
    state = _("Quorum reached") if q["met"] else _("No quorum yet")
    return _("%(present)d of %(entitled)d signed in · %(needed)d needed") % q + f" — {state}"


def _back(meeting: Meeting, query: str, member_pk=None) -> str:
    url = reverse("councils:desk", args=[meeting.pk])
    if query:
        url += "?" + urlencode({"q": query})
    return url + (f"#member-{member_pk}" if member_pk else "")


@login_required
def desk(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _staff_meeting(request, pk)
    if request.method == "POST":
        query = request.POST.get("q", "")[:50]
        member = get_object_or_404(Member, pk=request.POST.get("member"), term=meeting.term)
        name = member.user.name
        try:
            if request.POST.get("action") == "undo":
                if meetings_svc.undo_sign_in(request.user, meeting, member):
                    messages.success(request, _("The sign-in of %(name)s is undone.") % {
                        "name": name})
            else:
                mode = request.POST.get("mode", SignInMode.IN_PERSON)
                if meetings_svc.sign_in(request.user, meeting, member, mode):
                    messages.success(request, _("%(name)s signed in.") % {"name": name})
                else:
                    messages.success(request, _("%(name)s was already signed in.") % {
                        "name": name})
        except ValidationError as exc:
            error_messages(request, exc)
        return redirect(_back(meeting, query, member.pk))
    query = request.GET.get("q", "")[:50].strip()
    rows = _rows(meeting)
    shown = [row for row in rows if matches(row, query)]
    quorum = meetings_svc.quorum(meeting)
    return render(request, "councils/desk.html", {
        "meeting": meeting, "attendances": shown, "total": len(rows), "query": query,
        "quorum": quorum, "quorum_text": quorum_text(quorum),
        "trail": [(_("Councils"), reverse("councils:manage")),
                  (meeting.title, reverse("councils:meeting_manage", args=[meeting.pk])),
                  (_("Sign-in desk"), None)],
    })


@login_required
def desk_count(request: HttpRequest, pk: int) -> JsonResponse:
    """The live count for the desk's screen, polled every few seconds."""
    meeting = _staff_meeting(request, pk)
    quorum = meetings_svc.quorum(meeting)
    response = JsonResponse({**quorum, "text": quorum_text(quorum)})
    response["Cache-Control"] = "no-store"
    return response
