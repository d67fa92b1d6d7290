"""Opinion pages: residents (submit, follow, rate, support), the public board, and the staff
queue with its actions. Views parse input, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.models import Department, Unit, UnitKind
from yishi.core.paging import light_page
from yishi.core.permissions import has_perm
from yishi.core.workflow import may as workflow_may
from yishi.moderation.queries import attach as attach_moderation
from yishi.moderation.queries import iter_attached
from yishi.moderation.queries import published as moderated

from . import queries, services
from .forms import AssignForm, OpinionForm, RatingForm, RecordOpinionForm, RefuseForm, ReplyForm
from .handoff_views import deliveries_for_page
from .models import ExtensionRequest, ExtensionState, Opinion, OpinionCategory, OpinionState
from .workflows import OPINION

QUEUE_VIEWS = {"mine": gettext_lazy("Open"), "overdue": gettext_lazy("Overdue"),
               "due_soon": gettext_lazy("Due soon"), "all": gettext_lazy("All")}


def _intake(data) -> services.Intake:
    return services.Intake(
        title=data["title"], text=data["text"], category=data["category"],
        community=data["community"], address=data.get("address") or "",
        latitude=data.get("latitude"), longitude=data.get("longitude"),
        is_public=data.get("is_public", False), contact_name=data.get("contact_name", ""),
        contact_mobile=data.get("contact_mobile") or "", photos=data.get("photos") or [],
        kept_photos=data.get("kept") or [])


def _keep_photos(request: HttpRequest, form) -> list:
    """After a refused try: the photos it carried (if they passed their check) are stored and
    their ids put back in the form, so the resident does not attach them again."""
    files = form.cleaned_data.get("photos") or [] if hasattr(form, "cleaned_data") else []
    kept = services.keep_photos(request.user, files, form.kept_ids())
    form.data = form.data.copy()
    form.data[form.add_prefix("kept_photos")] = ",".join(str(a.pk) for a in kept)
    return kept


# --- public and residents -----------------------------------------------------------------------

def board(request: HttpRequest) -> HttpResponse:
    streets = Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]).order_by("path")
    street = streets.filter(code=request.GET.get("street")).first()
    category = OpinionCategory.objects.filter(code=request.GET.get("category")).first()
    state = request.GET.get("state") if request.GET.get("state") in OpinionState.values else None
    community = (Unit.objects.filter(code=request.GET.get("community"), parent=street).first()
                 if street and request.GET.get("community") else None)
    start, end = _stats_period(request)
    rows = queries.public_board(street=street, category=category, state=state,
                                community=community)
    if start:
        rows = rows.filter(created_at__date__gte=start)
    if end:
        rows = rows.filter(created_at__date__lte=end)
    query = (request.GET.get("q") or "").strip()[:100]
    if query:
        from .search import search

        rows = search(query, rows=rows, limit=200)
    if not query:
        rows = rows.order_by("-created_at", "-id")
    page = light_page(rows, request.GET.get("page"))
    attach_moderation(page)  # one query for the page's moderation states
    return render(request, "opinions/board.html", {
        "page": page, "query": query,
        "streets": streets, "categories": OpinionCategory.objects.all(),
        "states": queries.PUBLIC_STATES, "state_labels": dict(OpinionState.choices),
        "selected": {"street": street, "category": category, "state": state,
                     "community": community, "start": start, "end": end},
        "communities": street.children.order_by("sort_order") if street else [],
        "trail": [(_("Residents' opinions"), None)],
    })


def board_csv(request: HttpRequest) -> HttpResponse:
    """Open data: the public board as CSV, without personal data."""
    from yishi.core.exports import table_response

    return table_response(
        ["number", "title", "category", "street", "community", "state", "submitted", "replied",
         "rating", "me_too"],
        ([o.number, moderated(o, "title"), o.category.name, o.street.name,
          o.community.name if o.community_id else "", o.state, timezone.localtime(o.created_at).isoformat(),
          timezone.localtime(o.replied_at).isoformat() if o.replied_at else "", o.rating, o.supports]
         for o in iter_attached(queries.public_board()
                                .select_related("category", "street", "community"))),
        "csv", "opinions")


@login_required
def submit(request: HttpRequest) -> HttpResponse:
    initial = {"community": request.user.home_unit_id}
    form = OpinionForm(request.POST or None, request.FILES or None, initial=initial)
    kept = []
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data,
                "kept": services.kept_photos(request.user, form.kept_ids())}
        try:
            opinion = services.submit_opinion(request.user, _intake(data))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Thank you. Your opinion %(number)s has been received.")
                             % {"number": opinion.number})
            return redirect("opinions:detail", number=opinion.number)
    if request.method == "POST":
        kept = _keep_photos(request, form)
    return render(request, "opinions/submit.html", {
        "form": form, "kept": kept,
        "trail": [(_("Residents' opinions"), reverse("opinions:board")),
                  (_("Raise an opinion"), None)],
    }, status=400 if request.method == "POST" else 200)


@login_required
def record(request: HttpRequest) -> HttpResponse:
    form = RecordOpinionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            opinion = services.submit_opinion(request.user, _intake(form.cleaned_data),
                                              channel=form.cleaned_data["channel"])
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("community", str(exc))
        else:
            messages.success(request, _("Recorded as %(number)s.") % {"number": opinion.number})
            return redirect("opinions:detail", number=opinion.number)
    return render(request, "opinions/submit.html", {
        "form": form, "recording": True,
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("Record an opinion"), None)],
    }, status=400 if request.method == "POST" else 200)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    rows = Opinion.objects.filter(author=request.user).select_related("category", "street")
    return render(request, "opinions/mine.html", {
        "page": Paginator(rows, 20).get_page(request.GET.get("page")),
        "trail": [(_("My opinions"), None)],
    })


def _visible(request, number) -> Opinion:
    opinion = get_object_or_404(Opinion.objects.select_related("street", "community",
                                                               "category", "merged_into"),
                                number=number)
    if not queries.can_see(request.user, opinion):
        raise Http404
    return opinion


def detail(request: HttpRequest, number: str) -> HttpResponse:
    opinion = _visible(request, number)
    is_author = request.user.is_authenticated and opinion.author_id == request.user.pk
    following = request.user.is_authenticated and opinion.followers.filter(
        user=request.user).exists()
    return render(request, "opinions/detail.html", {
        "opinion": opinion, "is_author": is_author, "following": following,
        "timeline": opinion.timeline.all(), "replies": opinion.replies.all(),
        # Rated exactly when the workflow lets the author rate now (the lead department replied).
        "rating_form": RatingForm() if "rate_closed" in workflow_may(opinion, request.user,
                                                                     workflow=OPINION) else None,
        "trail": [(_("Residents' opinions"), reverse("opinions:board")), (opinion.number, None)],
    })


@login_required
@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    opinion = _visible(request, number)
    form = RatingForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose how satisfied you are."))
        services.rate_opinion(request.user, opinion, form.cleaned_data["rating"],
                              form.cleaned_data["comment"])
        messages.success(request, _("Thank you for your rating."))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect("opinions:detail", number=opinion.number)


@login_required
@require_POST
def follow(request: HttpRequest, number: str) -> HttpResponse:
    opinion = _visible(request, number)
    try:
        following = services.follow_opinion(request.user, opinion,
                                            request.POST.get("follow") != "0")
        messages.success(request, _("You follow this opinion.") if following
                         else _("You no longer follow this opinion."))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect("opinions:detail", number=opinion.number)


@login_required
@require_POST
def support(request: HttpRequest, number: str) -> HttpResponse:
    opinion = _visible(request, number)
    try:
        services.support_opinion(request.user, opinion)
        messages.success(request, _("You support this opinion (me too)."))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect("opinions:detail", number=opinion.number)


# --- statistics ---------------------------------------------------------------------------------

def _stats_period(request):
    """?start= and ?end= as dates; anything that is not a date is ignored."""
    from django.utils.dateparse import parse_date

    def day(name):
        try:
            return parse_date(request.GET.get(name) or "")
        except ValueError:  # well-formed but impossible, e.g. 2026-13-45
            return None

    return day("start"), day("end")


# --- staff --------------------------------------------------------------------------------------

@login_required
def queue(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "mine")
    if view not in QUEUE_VIEWS:
        view = "mine"
    rows = queries.staff_queue(request.user, view).order_by("reply_deadline", "accept_deadline")
    return render(request, "opinions/queue.html", {
        "page": Paginator(rows, 30).get_page(request.GET.get("page")), "view": view,
        "views": list(QUEUE_VIEWS.items()),
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("Opinions queue"), None)],
    })


def _queued(request, number) -> Opinion:
    opinion = get_object_or_404(Opinion, number=number)
    if not queries.staff_queue(request.user).filter(pk=opinion.pk).exists():
        raise PermissionDenied
    return opinion


@login_required
def manage(request: HttpRequest, number: str) -> HttpResponse:
    return _render_manage(request, _queued(request, number))


def _render_manage(request, opinion: Opinion, posted=None, status: int = 200) -> HttpResponse:
    """The staff page of one opinion. After a refused action the page is shown again with what
    the person typed (`posted`), so nothing is lost."""
    can_manage = has_perm(request.user, "opinions.manage", opinion.street)
    suggested = {"categories": [], "departments": []}
    if can_manage and opinion.state in (OpinionState.SUBMITTED, OpinionState.ACCEPTED):
        from .routing_model import suggest

        suggested = suggest(opinion)
    # The buttons are exactly the transitions this person may take now (workflows.OPINION);
    # the irreversible ones (refuse, merge) ask first, through includes/action.html.
    may = workflow_may(opinion, request.user, workflow=OPINION)
    refuse_form = RefuseForm(initial={"reason": (posted or {}).get("reason", "")})
    return render(request, "opinions/manage.html", {
        "opinion": opinion, "can_manage": can_manage, "suggested": suggested, "may": may,
        "timeline": opinion.timeline.all(), "replies": opinion.replies.all(),
        "assignments": opinion.assignments.select_related("department"),
        "extensions": ExtensionRequest.objects.filter(assignment__opinion=opinion,
                                                      state=ExtensionState.PENDING),
        "refuse_form": refuse_form,
        "refuse_fields": render_to_string("includes/form.html", {"form": refuse_form}),
        "merge_fields": format_html(
            '<div class="field"><label for="m-into">{}</label>'
            '<input id="m-into" name="into" type="text" value="{}" required></div>',
            _("Number of the opinion to merge into"), (posted or {}).get("into", "")),
        # Nothing pre-ticked: the suggestion is offered beside the form, one click to take it.
        "assign_form": AssignForm(street=opinion.street, initial={
            "lead": (posted or {}).get("lead"), "also": (posted or {}).getlist("also")
            if posted else [], "note": (posted or {}).get("note", "")}),
        "suggested_department": next(iter(suggested["departments"]), (None, 0))[0],
        "reply_form": ReplyForm(initial={"text": (posted or {}).get("text", "")}),
        "posted": posted or {},
        "departments": opinion.street.departments.all(),
        "deliveries": deliveries_for_page(opinion, request.user),
        "trail": [(_("Opinions queue"), reverse("opinions:queue")), (opinion.number, None)],
    }, status=status)


@login_required
@require_POST
def manage_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    opinion = _queued(request, number)
    user, data = request.user, request.POST
    try:
        if action == "accept":
            services.accept_opinion(user, opinion)
        elif action == "refuse":
            services.refuse_opinion(user, opinion, data.get("reason", ""))
        elif action == "assign":
            form = AssignForm(data, street=opinion.street)
            if not form.is_valid():
                raise ValidationError(_("Choose the department that answers the resident."))
            services.assign_opinion(user, opinion, form.departments(),
                                    lead=form.cleaned_data["lead"],
                                    note=form.cleaned_data["note"])
        elif action == "start":
            services.start_handling(user, opinion)
        elif action == "reply":
            services.reply_to_opinion(user, opinion, data.get("text", ""))
        elif action == "transfer":
            to = Department.objects.filter(pk=data.get("department") or 0).first()
            if to is None:
                raise ValidationError(_("Choose a department."))
            services.transfer_assignment(user, opinion, to, data.get("reason", ""))
        elif action == "extension":
            try:
                days = int(data.get("days", ""))
            except ValueError:
                raise ValidationError(_("Ask for 1 to 30 working days.")) from None
            services.request_extension(user, opinion, days, data.get("reason", ""))
        elif action in ("approve-extension", "refuse-extension"):
            request_row = get_object_or_404(ExtensionRequest, pk=data.get("request") or 0,
                                            assignment__opinion=opinion)
            services.decide_extension(user, request_row, action == "approve-extension")
        elif action == "merge":
            into = Opinion.objects.filter(number=data.get("into", "").strip()).first()
            if into is None:
                raise ValidationError(services.NO_SUCH_NUMBER)
            services.merge_opinion(user, opinion, into)
        elif action == "close":
            services.close_supervised(user, opinion, data.get("conclusion", ""))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
        opinion.refresh_from_db()
        return _render_manage(request, opinion, posted=data, status=400)
    messages.success(request, _("Done."))
    return redirect("opinions:manage", number=opinion.number)
