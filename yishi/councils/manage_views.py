"""The street committee's pages: councils in scope, roster, convening, agenda, the sign-in desk,
votes, minutes, follow-up actions, round tables; and the district's all-streets meeting."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.models import Role, Unit, UnitKind, User
from yishi.core.permissions import active_roles, has_perm, require
from yishi.core.workflow import may
from yishi.voting.models import Ballot

from . import imports, queries, roundtables
from . import meetings as meetings_svc
from . import minutes as minutes_svc
from . import roster as roster_svc
from . import votes as votes_svc
from .forms import (
    EndMembershipForm,
    FollowUpForm,
    ImportForm,
    ItemForm,
    MeetingForm,
    MemberForm,
    RoundTableForm,
    RulesForm,
    TellersForm,
)
from .models import (
    ActionState,
    Call,
    Council,
    FollowUpAction,
    Invitation,
    InvitationState,
    ItemState,
    Meeting,
    MeetingBatch,
    MeetingState,
    Member,
    MemberStatus,
    Minutes,
    MinutesState,
    ParticipantKind,
)
from .workflows import ITEM, MEETING, MINUTES, CouncilError


def _staff_council(request, code: str) -> Council:
    council = queries.council_for_code(code)
    if council is None:
        raise Http404
    require(request.user, "councils.manage", council.street)
    return council


def _staff_meeting(request, pk: int) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("council__street", "term"), pk=pk)
    require(request.user, "councils.manage", meeting.council.street)
    return meeting



def parse_actions(text: str) -> list[roundtables.AgreedAction]:
    """"what | who | YYYY-MM-DD" per line."""
    actions = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        try:
            deadline = datetime.strptime(parts[2], "%Y-%m-%d").date()
        except (IndexError, ValueError):
            raise CouncilError({"actions": _(
                "Line %(n)d: write what | who | deadline (YYYY-MM-DD).") % {"n": n}}) from None
        actions.append(roundtables.AgreedAction(parts[0], parts[1], deadline))
    return actions


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    councils = [c for c in Council.objects.select_related("street")
                if has_perm(request.user, "councils.manage", c.street)]
    if not councils and not has_perm(request.user, "councils.manage", None):
        raise PermissionDenied
    street_ids = [c.street_id for c in councils]
    district = Unit.objects.filter(kind=UnitKind.DISTRICT).first()
    return render(request, "councils/manage.html", {
        "councils": councils,
        "meetings": Meeting.objects.filter(council__street_id__in=street_ids).exclude(
            state__in=[MeetingState.CLOSED, MeetingState.CANCELLED]).select_related(
            "council").order_by("starts_at")[:50],
        "calls_due": roundtables.overdue_calls().filter(street_id__in=street_ids)[:50],
        "calls_waiting": Call.objects.filter(street_id__in=street_ids,
                                             state="due").order_by("due_at")[:50],
        "batches": MeetingBatch.objects.all()[:10],
        "can_convene_district": district is not None and has_perm(
            request.user, "councils.convene_district", district),
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("Councils"), None)],
    })


@login_required
def members(request: HttpRequest, code: str) -> HttpResponse:
    council = _staff_council(request, code)
    term = council.current_term()
    form = MemberForm(None, street=council.street)
    import_form = ImportForm()
    rules_form = RulesForm(instance=council)
    report = None
    status = 200
    if request.method == "POST" and request.POST.get("action") == "add":
        form = MemberForm(request.POST, street=council.street)
        if form.is_valid():
            data = form.cleaned_data
            try:
                roster_svc.invite_member(request.user, term, roster_svc.MemberInput(
                    mobile=data["mobile"], name=data["name"], category=data["category"],
                    community=data["community"], birth_date=data["birth_date"],
                    in_street_since=data["in_street_since"]))
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _(
                    "Invitation sent. The person becomes a member when they accept."))
                return redirect("councils:members", code=code)
        status = 400
    elif request.method == "POST" and request.POST.get("action") == "import":
        import_form = ImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            try:
                report = imports.import_members(request.user, term,
                                                import_form.cleaned_data["file"])
            except ValidationError as exc:
                add_form_errors(import_form, exc)
            else:
                if not report.rejected:
                    messages.success(request, _(
                        "%(n)d members imported, %(i)d invited.") % {
                        "n": report.added, "i": report.invited})
                    return redirect("councils:members", code=code)
        status = 400
    elif request.method == "POST" and request.POST.get("action") == "rules":
        rules_form = RulesForm(request.POST, instance=Council.objects.get(pk=council.pk))
        if rules_form.is_valid():
            try:
                roster_svc.update_rules(request.user, council, **{
                    name: rules_form.cleaned_data[name] for name in roster_svc.RULE_FIELDS})
            except ValidationError as exc:
                add_form_errors(rules_form, exc)
            else:
                messages.success(request, _("The council's rules are saved."))
                return redirect("councils:members", code=code)
        status = 400
    elif request.method == "POST" and request.POST.get("action") == "publish":
        try:
            roster_svc.publish_roster(request.user, term)
            messages.success(request, _("The roster is published."))
        except ValidationError as exc:
            error_messages(request, exc)
        return redirect("councils:members", code=code)
    elif request.method == "POST" and request.POST.get("action") == "withdraw":
        invitation = get_object_or_404(Invitation, pk=request.POST.get("invitation"), term=term)
        try:
            roster_svc.withdraw_invitation(request.user, invitation)
            messages.success(request, _("The invitation is withdrawn."))
        except ValidationError as exc:
            error_messages(request, exc)
        return redirect("councils:members", code=code)
    elif request.method == "POST" and request.POST.get("action") == "end":
        member = get_object_or_404(Member, pk=request.POST.get("member"), term=term)
        end_form = EndMembershipForm(request.POST)
        try:
            if not end_form.is_valid():
                raise CouncilError(_("Choose resigned or replaced."))
            roster_svc.end_membership(request.user, member, end_form.cleaned_data["status"],
                                    replaced_by=Member.objects.filter(
                                        term=term, pk=request.POST.get("replaced_by") or 0).first())
            messages.success(request, _("The member has left the council."))
        except ValidationError as exc:
            error_messages(request, exc)
        return redirect("councils:members", code=code)
    rows = term.members.select_related("user", "community").order_by("status", "id") if term else []
    return render(request, "councils/members.html", {
        "council": council, "term": term, "form": form, "import_form": import_form,
        "report": report, "rows": rows, "serving": MemberStatus.SERVING,
        "pending": term.invitations.filter(state=InvitationState.INVITED).select_related(
            "user", "community") if term else [],
        "rules_form": rules_form,
        "end_form": EndMembershipForm(),
        "trail": [(_("Councils"), reverse("councils:manage")), (str(council), None)],
    }, status=status)


@login_required
def import_template(request: HttpRequest, code: str) -> HttpResponse:
    _staff_council(request, code)
    response = HttpResponse(
        imports.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="council-members.xlsx"'
    return response


@login_required
def meeting_new(request: HttpRequest, code: str) -> HttpResponse:
    council = _staff_council(request, code)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meetings_svc.create_meeting(request.user, council, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Meeting created. Add its agenda, then convene it."))
            return redirect("councils:meeting_manage", pk=meeting.pk)
    return render(request, "councils/meeting_new.html", {
        "council": council, "form": form,
        "trail": [(_("Councils"), reverse("councils:manage")), (_("New meeting"), None)],
    }, status=400 if request.method == "POST" else 200)


def _agenda_post(request, meeting: Meeting, form: ItemForm) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    ballot = None
    if data["ballot"]:
        ballot = Ballot.objects.filter(pk=data["ballot"]).first()
        if ballot is None:
            form.add_error("ballot", _("No ballot with this number."))
            return False
    documents = []
    if data["documents"]:
        from yishi.core.attachments import store_attachment

        try:
            documents = [store_attachment(request.user, data["documents"])]
        except ValidationError as exc:
            add_form_errors(form, exc, "documents")
            return False
    try:
        meetings_svc.add_item(request.user, meeting, kind=data["kind"], title=data["title"],
                              description=data["description"], presenter=data["presenter"],
                              video_url=data["video_url"], documents=documents, ballot=ballot,
                              motion=data["motion"])
    except ValidationError as exc:
        add_form_errors(form, exc)
        return False
    return True


def _manage_url(meeting: Meeting, anchor: str = "") -> str:
    url = reverse("councils:meeting_manage", args=[meeting.pk])
    return f"{url}#{anchor}" if anchor else url


# The meeting's workflow steps and the minutes' (name: service, message when done). Each is
# posted to its own address by includes/action.html; the page shows it only when `may` says so.
MEETING_STEPS = {
    "convene_meeting": (lambda u, m, p: meetings_svc.convene_meeting(u, m),
                        _("Convened; the notice is on its way.")),
    "start_meeting": (lambda u, m, p: meetings_svc.start_meeting(u, m),
                      _("The meeting has started: sign-in is open.")),
    "close_meeting": (lambda u, m, p: meetings_svc.close_meeting(u, m),
                      _("The meeting is closed.")),
    "cancel_meeting": (lambda u, m, p: meetings_svc.cancel_meeting(u, m, p.get("reason", "")),
                       _("The meeting is cancelled.")),
    "draft_minutes": (lambda u, m, p: minutes_svc.draft_minutes(u, m),
                      _("Minutes drafted from the record.")),
    "approve_minutes": (lambda u, m, p: minutes_svc.approve_minutes(
        u, get_object_or_404(Minutes, meeting=m)), _("Minutes approved.")),
    "publish_minutes": (lambda u, m, p: minutes_svc.publish_minutes(
        u, get_object_or_404(Minutes, meeting=m)), _("Minutes published.")),
}


@login_required
@require_POST
def meeting_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    meeting = _staff_meeting(request, pk)
    if name not in MEETING_STEPS:
        raise Http404
    function, done = MEETING_STEPS[name]
    try:
        function(request.user, meeting, request.POST)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, done)
    return redirect(_manage_url(meeting, "minutes" if "minutes" in name else ""))


@login_required
@require_POST
def item_step(request: HttpRequest, pk: int, item_pk: int, name: str) -> HttpResponse:
    """An agenda item's vote: open, close (confirmed on the page, and required when fewer have
    voted than could carry it), record the counted result."""
    meeting = _staff_meeting(request, pk)
    item = get_object_or_404(meeting.items, pk=item_pk)
    try:
        if name == "open_vote":
            votes_svc.open_vote(request.user, item)
            messages.success(request, _("Voting is open on “%(title)s”.") % {"title": item.title})
        elif name in ("close_vote", "record_result"):
            item = votes_svc.close_vote(request.user, item,
                                        confirmed=request.POST.get("confirmed") == "1")
            if item.resolved_at is None:
                messages.success(request, _("The vote is closed. The tellers now bring their key "
                                            "shares; then record the result."))
            else:
                messages.success(request, _("The vote is closed and its counted outcome "
                                            "recorded."))
        else:
            raise Http404
    except ValidationError as exc:
        error_messages(request, exc)
    return redirect(_manage_url(meeting, f"item-{item.pk}"))


def _cancel_fields() -> str:
    return format_html(
        '<div class="field"><label for="cancel-reason">{}</label>'
        '<input type="text" id="cancel-reason" name="reason" maxlength="200" required></div>',
        _("Reason (told to the members)"))


def _early_fields(progress: dict | None) -> str:
    if not progress:
        return ""
    if progress["early"]:
        return format_html('<p class="message message-warning" role="alert">{}</p>',
                           votes_svc.early_close_warning(progress))
    return format_html("<p>{}</p>", _("%(cast)d of %(present)d members present have voted.")
                       % progress)


@login_required
def meeting_manage(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _staff_meeting(request, pk)
    item_form = ItemForm()
    follow_form = FollowUpForm()
    members = User.objects.filter(pk__in=roster_svc.serving_members(meeting.term).values(
        "user_id")).order_by("name")
    tellers_form = TellersForm(users=members, initial={
        "tellers": list(meeting.tellers.all()), "threshold": meeting.teller_threshold})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "tellers":
                tellers_form = TellersForm(request.POST, users=members)
                if tellers_form.is_valid():
                    try:
                        meetings_svc.set_meeting_tellers(
                            request.user, meeting, list(tellers_form.cleaned_data["tellers"]),
                            tellers_form.cleaned_data["threshold"])
                    except ValidationError as exc:
                        add_form_errors(tellers_form, exc)
                    else:
                        messages.success(request, _("The meeting's tellers are saved."))
                        return redirect("councils:meeting_manage", pk=meeting.pk)
                status = 400
            elif action == "add_item":
                item_form = ItemForm(request.POST, request.FILES)
                if _agenda_post(request, meeting, item_form):
                    messages.success(request, _("Item added to the agenda."))
                    return redirect("councils:meeting_manage", pk=meeting.pk)
                status = 400
            elif action == "attach_ballot":
                item = get_object_or_404(meeting.items, pk=request.POST.get("item"))
                number = request.POST.get("ballot", "")
                ballot = (Ballot.objects.filter(pk=int(number)).first()
                          if number.isdigit() and len(number) < 10 else None)
                if ballot is None:
                    raise CouncilError(_("No ballot with this number."))
                meetings_svc.attach_ballot(request.user, item, ballot)
                messages.success(request, _("The ballot is attached to the item."))
                return redirect(_manage_url(meeting, f"item-{item.pk}"))
            elif action == "follow_up":
                item = get_object_or_404(meeting.items, pk=request.POST.get("item"))
                follow_form = FollowUpForm(request.POST)
                if follow_form.is_valid():
                    try:
                        minutes_svc.add_follow_up(request.user, item, **follow_form.cleaned_data)
                    except ValidationError as exc:
                        add_form_errors(follow_form, exc)
                    else:
                        messages.success(request, _("Follow-up action added."))
                        return redirect("councils:meeting_manage", pk=meeting.pk)
                status = 400
            elif action == "progress":
                follow = get_object_or_404(FollowUpAction, pk=request.POST.get("follow_up"),
                                           item__meeting__council=meeting.council)
                minutes_svc.report_progress(request.user, follow,
                                            state=request.POST.get("state", ""),
                                            progress=request.POST.get("progress", ""))
                messages.success(request, _("Progress recorded."))
                return redirect("councils:meeting_manage", pk=meeting.pk)
            elif action == "edit_minutes":
                minutes = get_object_or_404(Minutes, meeting=meeting)
                version = request.POST.get("version", "")
                minutes_svc.edit_minutes(request.user, minutes, request.POST.get("text", ""),
                                         int(version) if version.isdigit() else None)
                messages.success(request, _("Minutes saved."))
                return redirect(_manage_url(meeting, "minutes"))
            else:
                raise Http404
        except ValidationError as exc:
            error_messages(request, exc)
            status = 400
    meeting.refresh_from_db()
    user = request.user
    items = list(meeting.items.select_related("ballot", "meeting__council__street")
                 .prefetch_related("actions", "opinions"))
    for item in items:
        item.may = may(item, user, workflow=ITEM)
        item.progress = votes_svc.vote_progress(item) if item.state == ItemState.VOTING else None
        item.early_fields = _early_fields(item.progress)
        item.awaits_ballot = (item.needs_ballot and item.ballot_id is None
                              and item.state == ItemState.PENDING and not meeting.finished)
        item.waiting_for_tellers = (item.state == ItemState.COUNTING and item.ballot.is_sealed
                                    and item.ballot.decrypted_at is None)
    minutes = Minutes.objects.filter(meeting=meeting).select_related(
        "meeting__council__street").first()
    earlier = FollowUpAction.objects.filter(
        item__meeting__council=meeting.council,
        item__meeting__starts_at__lt=meeting.starts_at).select_related("item__meeting")
    return render(request, "councils/meeting_manage.html", {
        "meeting": meeting, "items": items, "item_form": item_form, "follow_form": follow_form,
        "tellers_form": tellers_form, "tellers": list(meeting.tellers.order_by("name")),
        "quorum": meetings_svc.quorum(meeting),
        "may": may(meeting, user, workflow=MEETING),
        "minutes": minutes,
        "may_minutes": may(minutes, user, workflow=MINUTES) if minutes else {},
        "minutes_editable": minutes is not None and minutes.state == MinutesState.DRAFT,
        "can_draft_minutes": meeting.state == MeetingState.CLOSED and minutes is None,
        "cancel_fields": _cancel_fields(),
        "earlier_actions": earlier, "action_states": ActionState.choices,
        "trail": [(_("Councils"), reverse("councils:manage")),
                  (str(meeting.council), reverse("councils:members",
                                                 args=[meeting.council.street.code])),
                  (meeting.title, None)],
    }, status=status)


# --- round tables -------------------------------------------------------------------------

def _participants_from(call: Call | None, text: str) -> list[roundtables.Person]:
    people = []
    if call is not None:
        supporters = User.objects.filter(pk__in=call.support_rows.values("user_id"))
        for user in supporters:
            kind = ParticipantKind.RESIDENT
            roles = {role for role, _p, _d in active_roles(user)}
            if Role.DEPUTY in roles:
                kind = ParticipantKind.DEPUTY
            elif Role.COUNCIL_MEMBER in roles:
                kind = ParticipantKind.MEMBER
            people.append(roundtables.Person(kind, user.name, user))
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, _sep, role = line.partition(",")
        if not role:
            name, _sep, role = line.partition("，")
        people.append(roundtables.Person(ParticipantKind.DEPARTMENT if role.strip()
                                         else ParticipantKind.RESIDENT,
                                         f"{name.strip()} {role.strip()}".strip()))
    return people


@login_required
def round_table_new(request: HttpRequest, code: str) -> HttpResponse:
    council = _staff_council(request, code)
    call = None
    if request.GET.get("call") or request.POST.get("call"):
        call = get_object_or_404(Call, pk=request.GET.get("call") or request.POST.get("call"),
                                 street=council.street)
    form = RoundTableForm(request.POST or None, initial={"title": call.description[:200]}
                          if call else None)
    if request.method == "POST" and request.POST.get("action") == "decide" and call:
        try:
            roundtables.decide_round_table(request.user, call)
            messages.success(request, _("A round table is now due for this call."))
        except ValidationError as exc:
            error_messages(request, exc)
        return redirect("councils:call", pk=call.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            table = roundtables.convene_round_table(
                request.user, council.street, title=data["title"], held_at=data["held_at"],
                place=data["place"], participants=_participants_from(call, data["participants"]),
                call=call)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Round table convened; participants are invited."))
            return redirect("councils:round_table", pk=table.pk)
    return render(request, "councils/round_table_new.html", {
        "council": council, "form": form, "call": call,
        "trail": [(_("Councils"), reverse("councils:manage")), (_("New round table"), None)],
    }, status=400 if request.method == "POST" else 200)
