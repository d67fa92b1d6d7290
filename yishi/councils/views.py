"""Public council pages (roster, meetings, resolutions, minutes, videos), the calendar with its
iCal feed, calls and round tables; and the members' own pages (notices, opinions, voting)."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.exports import table_response
from yishi.core.permissions import has_perm
from yishi.core.workflow import may
from yishi.moderation.queries import attach as attach_moderation
from yishi.voting.queries import has_voted
from yishi.voting.views import keep_receipt, render_receipt

from . import ical, queries, roundtables
from . import meetings as meetings_svc
from . import roster as roster_svc
from . import votes as votes_svc
from .forms import CallForm
from .models import (
    Attendance,
    Call,
    CallState,
    Invitation,
    InvitationState,
    ItemOpinion,
    ItemState,
    Meeting,
    MeetingState,
    Member,
    MemberStatus,
    RoundTable,
)
from .workflows import CALL, CouncilError


def index(request: HttpRequest) -> HttpResponse:
    rows = []
    for street in queries.streets().select_related("council"):
        council = getattr(street, "council", None)
        rows.append({"street": street, "council": council})
    return render(request, "councils/index.html", {
        "rows": rows, "upcoming": queries.upcoming_meetings()[:10],
        "trail": [(_("Deliberation councils"), None)],
    })


def council_detail(request: HttpRequest, code: str) -> HttpResponse:
    council = queries.council_for_code(code)
    if council is None:
        raise Http404
    term, roster = queries.public_roster(council)
    meetings = queries.public_meetings().filter(council=council).prefetch_related("items")
    return render(request, "councils/council_detail.html", {
        "council": council, "term": term, "roster": roster, "meetings": meetings,
        "resolutions": queries.resolutions(council)[:50],
        "can_manage": has_perm(request.user, "councils.manage", council.street),
        "trail": [(_("Deliberation councils"), reverse("councils:index")), (str(council), None)],
    })


def roster_csv(request: HttpRequest, code: str) -> HttpResponse:
    council = queries.council_for_code(code)
    if council is None:
        raise Http404
    _term, roster = queries.public_roster(council)
    return table_response(
        [_("Name"), _("Category"), _("Community"), _("Mobile number"), _("Joined")],
        ([row["name"], row["category"], row["community"], row["mobile"],
          row["joined_on"].isoformat()] for row in roster), "csv", f"council-{code}-roster")


def resolutions_csv(request: HttpRequest, code: str) -> HttpResponse:
    council = queries.council_for_code(code)
    if council is None:
        raise Http404
    return table_response(
        [_("Meeting"), _("Date"), _("Item"), _("Kind"), _("Yes"), _("No"), _("Abstain"),
         _("Outcome"), _("Motion put to the vote"), _("Closed early")],
        ([item.meeting.title, timezone.localtime(item.meeting.starts_at).date().isoformat(),
          item.title, item.get_kind_display(), item.votes_yes, item.votes_no, item.votes_abstain,
          _("Adopted") if item.passed else _("Not adopted"), item.motion_text,
          _("yes") if item.closed_early else ""]
         for item in queries.resolutions(council)), "csv", f"council-{code}-resolutions")


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(queries.public_meetings(), pk=pk)
    member = roster_svc.member_for(request.user, meeting)
    attendance = (Attendance.objects.filter(meeting=meeting, member=member).first()
                  if member else None)
    items = list(meeting.items.select_related("ballot").prefetch_related(
        "documents", "actions", Prefetch("opinions", queryset=ItemOpinion.objects.select_related(
            "member__user"), to_attr="public_opinions")))
    for item in items:
        item.embed = queries.video_is_embeddable(item.video_url)
        item.vote_open = item.state == ItemState.VOTING
        item.voted = item.vote_open and has_voted(item.ballot, request.user)
        item.my_opinions = item.opinions.filter(member=member) if member else []
    attach_moderation([o for item in items for o in item.public_opinions])
    embed = queries.video_is_embeddable(meeting.video_url)
    response = render(request, "councils/meeting_detail.html", {
        "meeting": meeting, "items": items, "member": member, "attendance": attendance,
        "quorum": meetings_svc.quorum(meeting),
        "is_teller": (request.user.is_authenticated
                      and meeting.tellers.filter(pk=request.user.pk).exists()),
        "embed": embed,
        "minutes": queries.published_minutes(meeting),
        "can_manage": has_perm(request.user, "councils.manage", meeting.council.street),
        "trail": [(_("Deliberation councils"), reverse("councils:index")),
                  (str(meeting.council), reverse("councils:council",
                                                 args=[meeting.council.street.code])),
                  (meeting.title, None)],
    })
    if embed or any(item.embed for item in items):
        # The site's policy allows frames from nowhere; this page allows the district's video
        # hosts.
        response._csp_update = {"frame-src": [f"https://{h}" for h in queries.video_embed_hosts()]}
    return response


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    try:
        meetings_svc.answer_notice(request.user, meeting,
                               attending=request.POST.get("answer") == "attend",
                               reason=request.POST.get("reason", ""))
        messages.success(request, _("Your answer has been recorded."))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect("councils:meeting", pk=meeting.pk)


@login_required
@require_POST
def online_sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    try:
        meetings_svc.sign_in_online(request.user, meeting)
        messages.success(request, _("You are signed in as attending online."))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect("councils:meeting", pk=meeting.pk)


@login_required
@require_POST
def item_opinion(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    item = get_object_or_404(meeting.items, pk=item_pk)
    try:
        meetings_svc.submit_item_opinion(request.user, item, request.POST.get("text", ""))
        messages.success(request, _("Your written opinion has been submitted."))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect(f"{reverse('councils:meeting', args=[meeting.pk])}#item-{item.pk}")


@login_required
@require_POST
def vote(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    item = get_object_or_404(meeting.items.select_related("ballot"), pk=item_pk)
    try:
        receipt = votes_svc.cast_member_vote(request.user, item, request.POST.get("answer", ""))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
        return redirect(f"{reverse('councils:meeting', args=[meeting.pk])}#item-{item.pk}")
    # The receipt is a page the member can copy, download and print (the voting engine's),
    # not a message that vanishes with the next click.
    keep_receipt(request, item.ballot, receipt)
    return redirect("councils:vote_receipt", pk=meeting.pk, item_pk=item.pk)


@login_required
def vote_receipt(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The member's receipt for their vote on an item, shown once, with the link to find its
    tracking code on the vote's bulletin board (inclusion, never content)."""
    meeting = get_object_or_404(Meeting.objects.select_related("council__street"), pk=pk)
    item = get_object_or_404(meeting.items.select_related("ballot"), pk=item_pk,
                             ballot__isnull=False)
    back = f"{reverse('councils:meeting', args=[meeting.pk])}#item-{item.pk}"
    return render_receipt(request, item.ballot, back_url=back, trail=[
        (_("Deliberation councils"), reverse("councils:index")),
        (meeting.title, back), (_("Receipt"), None)])


@login_required
def my_meetings(request: HttpRequest) -> HttpResponse:
    memberships = Member.objects.filter(user=request.user, status=MemberStatus.SERVING)
    attendances = (Attendance.objects.filter(member__in=memberships)
                   .exclude(meeting__state=MeetingState.DRAFT)
                   .select_related("meeting__council").order_by("-meeting__starts_at"))
    return render(request, "councils/my_meetings.html", {
        "attendances": attendances,
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("My council meetings"), None)],
    })


def calendar(request: HttpRequest) -> HttpResponse:
    days: dict = {}
    for meeting in queries.upcoming_meetings()[:200]:
        days.setdefault(timezone.localtime(meeting.starts_at).date(), []).append(meeting)
    return render(request, "councils/calendar.html", {
        "days": sorted(days.items()),
        "trail": [(_("Deliberation councils"), reverse("councils:index")),
                  (_("Upcoming meetings"), None)],
    })


def calendar_ics(request: HttpRequest) -> HttpResponse:
    meetings = queries.public_meetings().exclude(state=MeetingState.CANCELLED).filter(
        starts_at__gte=timezone.now() - timezone.timedelta(days=90)).order_by("starts_at")
    street = request.GET.get("street")
    if street:
        meetings = meetings.filter(council__street__code=street)
    body = ical.calendar(meetings[:500], request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="council-meetings.ics"'
    return response


# --- calls and round tables ---------------------------------------------------------------

def call_list(request: HttpRequest) -> HttpResponse:
    calls = queries.public_calls()
    state = request.GET.get("state")
    if state in CallState.values:
        calls = calls.filter(state=state)
    return render(request, "councils/call_list.html", {
        "calls": attach_moderation(calls[:200]), "states": CallState.choices, "state": state,
        "round_tables": queries.public_round_tables()[:50],
        "trail": [(_("Deliberation councils"), reverse("councils:index")),
                  (_("One-click calls and round tables"), None)],
    })


def calls_csv(request: HttpRequest) -> HttpResponse:
    return table_response(
        [_("Number"), _("Street"), _("Community"), _("The matter"), _("Supports"), _("State"),
         _("Raised"), _("Round table due by"), _("Overdue")],
        ([call.pk, call.street.name, call.community.name, call.description, call.supports,
          call.get_state_display(), timezone.localtime(call.created_at).date().isoformat(),
          timezone.localtime(call.due_at).date().isoformat() if call.due_at else "",
          _("Overdue") if call.overdue else ""]
         for call in queries.public_calls().iterator(chunk_size=2000)), "csv", "council-calls")


@login_required
def call_new(request: HttpRequest) -> HttpResponse:
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = roundtables.raise_call(request.user, form.cleaned_data["community"],
                                          form.cleaned_data["description"])
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied:
            form.add_error("community", _("You can raise matters only where you live or work."))
        else:
            messages.success(request, _("Raised. Ask your neighbours to support it."))
            return redirect("councils:call", pk=call.pk)
    return render(request, "councils/call_new.html", {
        "form": form,
        "trail": [(_("One-click calls and round tables"), reverse("councils:calls")),
                  (_("Raise a matter"), None)],
    }, status=400 if request.method == "POST" else 200)


def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(queries.public_calls(), pk=pk)
    supported = (request.user.is_authenticated
                 and call.support_rows.filter(user=request.user).exists())
    council = getattr(call.street, "council", None)
    return render(request, "councils/call_detail.html", {
        "call": call, "supported": supported, "council": council,
        "round_table": RoundTable.objects.filter(call=call).first(),
        "can_manage": has_perm(request.user, "councils.manage", call.street),
        "may": may(call, request.user, workflow=CALL) if request.user.is_authenticated else {},
        "trail": [(_("One-click calls and round tables"), reverse("councils:calls")),
                  (str(call), None)],
    })


@login_required
@require_POST
def call_support(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call, pk=pk)
    try:
        roundtables.support_call(request.user, call)
        messages.success(request, _("Thank you for your support."))
    except ValidationError as exc:
        error_messages(request, exc)
    except PermissionDenied:
        messages.error(request, _("You can support matters only where you live or work."))
    return redirect("councils:call", pk=call.pk)


def round_table_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .forms import RoundTableRecordForm

    table = get_object_or_404(queries.public_round_tables(), pk=pk)
    can_manage = has_perm(request.user, "councils.manage", table.street)
    form = None
    if can_manage and table.state == "planned":
        form = RoundTableRecordForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            from .manage_views import parse_actions

            data = form.cleaned_data
            try:
                actions = parse_actions(data["actions"])
                roundtables.record_round_table(
                    request.user, table, summary=data["summary"], actions=actions,
                    outcome=data["outcome"], outcome_text=data["outcome_text"],
                    category=data["category"])
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Recorded; everyone who supported the call has "
                                            "been told."))
                return redirect("councils:round_table", pk=table.pk)
    community = table.call.community if table.call_id else None
    return render(request, "councils/round_table_detail.html", {
        "table": table, "form": form, "participants": table.participants.all(),
        # what the projects module's proposal form is filled with when the outcome is a project
        "propose_query": urlencode({
            "title": table.title[:120], "community": community.code if community else "",
            "description": f"{table.outcome_text}\n\n{table.summary}"}),
        "actions": table.actions.all(),
        "trail": [(_("One-click calls and round tables"), reverse("councils:calls")),
                  (table.title, None)],
    }, status=400 if form is not None and form.errors else 200)


@login_required
def invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """The invited person's page: accept or decline. Someone else's invitation is not found."""
    invitation = get_object_or_404(Invitation.objects.select_related("term__council__street"),
                                   pk=pk, user=request.user)
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                roster_svc.accept_invitation(request.user, invitation)
                messages.success(request, _("Welcome to the council: you are now a member."))
            elif answer == "decline":
                roster_svc.decline_invitation(request.user, invitation)
                messages.success(request, _("You declined the invitation."))
            else:
                raise CouncilError(_("Choose accept or decline."))
        except ValidationError as exc:
            error_messages(request, exc)
        return redirect("councils:invitation", pk=pk)
    return render(request, "councils/invitation.html", {
        "invitation": invitation, "council": invitation.term.council,
        "open": invitation.state == InvitationState.INVITED,
        "trail": [(_("Councils"), reverse("councils:index")), (_("Invitation"), None)],
    })
