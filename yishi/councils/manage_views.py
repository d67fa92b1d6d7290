"""The street committee's pages: councils in scope, roster, convening, agenda, the sign-in desk,
votes, minutes, follow-up actions, round tables; and the district's all-streets meeting."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.models import Role, Unit, UnitKind, User
from yishi.core.permissions import active_roles, has_perm, require
from yishi.voting.models import Ballot

from . import imports, queries, roundtables, services
from .forms import (
    BatchForm,
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
    ItemKind,
    Meeting,
    MeetingBatch,
    MeetingState,
    Member,
    MemberStatus,
    Minutes,
    ParticipantKind,
    SignInMode,
)


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
            raise services.CouncilError({"actions": _(
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
                services.invite_member(request.user, term, services.MemberInput(
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
                services.update_rules(request.user, council, **{
                    name: rules_form.cleaned_data[name] for name in services.RULE_FIELDS})
            except ValidationError as exc:
                add_form_errors(rules_form, exc)
            else:
                messages.success(request, _("The council's rules are saved."))
                return redirect("councils:members", code=code)
        status = 400
    elif request.method == "POST" and request.POST.get("action") == "publish":
        try:
            services.publish_roster(request.user, term)
            messages.success(request, _("The roster is published."))
        except ValidationError as exc:
            error_messages(request, exc)
        return redirect("councils:members", code=code)
    elif request.method == "POST" and request.POST.get("action") == "withdraw":
        invitation = get_object_or_404(Invitation, pk=request.POST.get("invitation"), term=term)
        try:
            services.withdraw_invitation(request.user, invitation)
            messages.success(request, _("The invitation is withdrawn."))
        except ValidationError as exc:
            error_messages(request, exc)
        return redirect("councils:members", code=code)
    elif request.method == "POST" and request.POST.get("action") == "end":
        member = get_object_or_404(Member, pk=request.POST.get("member"), term=term)
        end_form = EndMembershipForm(request.POST)
        try:
            if not end_form.is_valid():
                raise services.CouncilError(_("Choose resigned or replaced."))
            services.end_membership(request.user, member, end_form.cleaned_data["status"],
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
            meeting = services.create_meeting(request.user, council, **form.cleaned_data)
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
        services.add_item(request.user, meeting, kind=data["kind"], title=data["title"],
                          description=data["description"], presenter=data["presenter"],
                          video_url=data["video_url"], documents=documents, ballot=ballot)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return False
    return True


ACTIONS = {
    "convene": (services.convene_meeting, _("Convened; the notice is on its way.")),
    "start": (services.start_meeting, _("The meeting has started: sign-in is open.")),
    "close": (services.close_meeting, _("The meeting is closed.")),
    "draft_minutes": (services.draft_minutes, _("Minutes drafted from the record.")),
}


@login_required
def meeting_manage(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _staff_meeting(request, pk)
    item_form = ItemForm()
    follow_form = FollowUpForm()
    members = User.objects.filter(pk__in=services.serving_members(meeting.term).values(
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
                        services.set_meeting_tellers(
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
            elif action in ACTIONS:
                function, done = ACTIONS[action]
                function(request.user, meeting)
                messages.success(request, done)
                return redirect("councils:meeting_manage", pk=meeting.pk)
            elif action == "cancel":
                services.cancel_meeting(request.user, meeting, request.POST.get("reason", ""))
                messages.success(request, _("The meeting is cancelled."))
                return redirect("councils:meeting_manage", pk=meeting.pk)
            elif action in ("open_vote", "close_vote"):
                item = get_object_or_404(meeting.items, pk=request.POST.get("item"))
                if action == "open_vote":
                    services.open_vote(request.user, item)
                    messages.success(request, _("Voting is open on “%(title)s”.") % {
                        "title": item.title})
                else:
                    item = services.close_vote(request.user, item,
                                               request.POST.get("resolution", ""))
                    if item.resolved_at is None:
                        messages.success(request, _("The vote is closed. The tellers now bring "
                                                    "their key shares; then record the result."))
                    else:
                        messages.success(request, _("The vote is closed and the resolution "
                                                    "recorded."))
                return redirect(f"{reverse('councils:meeting_manage', args=[meeting.pk])}"
                                f"#item-{item.pk}")
            elif action == "follow_up":
                item = get_object_or_404(meeting.items, pk=request.POST.get("item"))
                follow_form = FollowUpForm(request.POST)
                if follow_form.is_valid():
                    try:
                        services.add_follow_up(request.user, item, **follow_form.cleaned_data)
                    except ValidationError as exc:
                        add_form_errors(follow_form, exc)
                    else:
                        messages.success(request, _("Follow-up action added."))
                        return redirect("councils:meeting_manage", pk=meeting.pk)
                status = 400
            elif action == "progress":
                follow = get_object_or_404(FollowUpAction, pk=request.POST.get("follow_up"),
                                           item__meeting__council=meeting.council)
                services.report_progress(request.user, follow, state=request.POST.get("state", ""),
                                         progress=request.POST.get("progress", ""))
                messages.success(request, _("Progress recorded."))
                return redirect("councils:meeting_manage", pk=meeting.pk)
            elif action in ("edit_minutes", "approve_minutes", "publish_minutes"):
                minutes = get_object_or_404(Minutes, meeting=meeting)
                if action == "edit_minutes":
                    version = request.POST.get("version", "")
                    services.edit_minutes(request.user, minutes, request.POST.get("text", ""),
                                          int(version) if version.isdigit() else None)
                    messages.success(request, _("Minutes saved."))
                elif action == "approve_minutes":
                    services.approve_minutes(request.user, minutes)
                    messages.success(request, _("Minutes approved."))
                else:
                    services.publish_minutes(request.user, minutes)
                    messages.success(request, _("Minutes published."))
                return redirect("councils:meeting_manage", pk=meeting.pk)
            else:
                raise Http404
        except ValidationError as exc:
            error_messages(request, exc)
            status = 400
    meeting.refresh_from_db()
    items = list(meeting.items.select_related("ballot").prefetch_related("actions", "opinions"))
    earlier = FollowUpAction.objects.filter(
        item__meeting__council=meeting.council,
        item__meeting__starts_at__lt=meeting.starts_at).select_related("item__meeting")
    return render(request, "councils/meeting_manage.html", {
        "meeting": meeting, "items": items, "item_form": item_form, "follow_form": follow_form,
        "tellers_form": tellers_form, "tellers": list(meeting.tellers.order_by("name")),
        "quorum": services.quorum(meeting),
        "minutes": Minutes.objects.filter(meeting=meeting).first(),
        "earlier_actions": earlier, "action_states": ActionState.choices,
        "trail": [(_("Councils"), reverse("councils:manage")),
                  (str(meeting.council), reverse("councils:members",
                                                 args=[meeting.council.street.code])),
                  (meeting.title, None)],
    }, status=status)


@login_required
def desk(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-in desk, on a tablet: one big button per member, the live quorum on top."""
    meeting = _staff_meeting(request, pk)
    if request.method == "POST":
        member = get_object_or_404(Member, pk=request.POST.get("member"), term=meeting.term)
        try:
            mode = request.POST.get("mode", SignInMode.IN_PERSON)
            if services.sign_in(request.user, meeting, member, mode):
                messages.success(request, _("%(name)s signed in.") % {"name": member.user.name})
            else:
                messages.success(request, _("%(name)s was already signed in.") % {
                    "name": member.user.name})
        except ValidationError as exc:
            error_messages(request, exc)
        return redirect("councils:desk", pk=meeting.pk)
    attendances = meeting.attendances.select_related("member__user", "member__community"
                                                     ).order_by("member__community__sort_order",
                                                                "member_id")
    return render(request, "councils/desk.html", {
        "meeting": meeting, "attendances": attendances, "quorum": services.quorum(meeting),
        "trail": [(_("Councils"), reverse("councils:manage")),
                  (meeting.title, reverse("councils:meeting_manage", args=[meeting.pk])),
                  (_("Sign-in desk"), None)],
    })


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


# --- the district convenes every street at once -------------------------------------------

def _district(request) -> Unit:
    district = Unit.objects.filter(kind=UnitKind.DISTRICT).first()
    if district is None:
        raise Http404
    require(request.user, "councils.convene_district", district)
    return district


@login_required
def batch_new(request: HttpRequest) -> HttpResponse:
    district = _district(request)
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agenda = []
            for n, line in enumerate(data["agenda"].splitlines(), start=1):
                if not line.strip():
                    continue
                kind, _sep, title = (p.strip() for p in line.partition("|"))
                if kind not in ItemKind.values or not title:
                    raise services.CouncilError({"agenda": _(
                        "Line %(n)d: write a kind code, a bar and a title.") % {"n": n}})
                agenda.append(services.ItemTemplate(kind, title))
            batch = services.convene_in_every_street(
                request.user, district, title=data["title"], starts_at=data["starts_at"],
                place=data["place"], agenda=agenda)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Convened in %(n)d streets.") % {
                "n": batch.meetings.count()})
            return redirect("councils:batch", pk=batch.pk)
    return render(request, "councils/batch_new.html", {
        "form": form, "kinds": ItemKind.choices,
        "trail": [(_("Councils"), reverse("councils:manage")),
                  (_("Convene in every street"), None)],
    }, status=400 if request.method == "POST" else 200)


def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The district's side-by-side view of a meeting held in every street."""
    batch = get_object_or_404(MeetingBatch, pk=pk)
    rows = []
    for meeting in batch.meetings.select_related("council__street").order_by(
            "council__street__sort_order"):
        items = list(meeting.items.all())
        minutes = Minutes.objects.filter(meeting=meeting).first()
        rows.append({"meeting": meeting, "quorum": services.quorum(meeting),
                     "resolved": sum(1 for i in items if i.resolved_at), "items": len(items),
                     "minutes": minutes})
    return render(request, "councils/batch_detail.html", {
        "batch": batch, "rows": rows,
        "trail": [(_("Deliberation councils"), reverse("councils:index")), (batch.title, None)],
    })

