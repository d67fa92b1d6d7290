"""Project pages: the public overview, list, map, cycle and project pages; residents' proposals,
comments and objections; staff control of cycles, review, notice, ballot, implementation and
acceptance. Views parse input, call a service, render; a refusal re-shows the form with what
was typed and the reason."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.attachments import store_attachment
from yishi.core.charts import bar_chart
from yishi.core.errors import add_form_errors
from yishi.core.exports import table_response
from yishi.core.models import Unit, UnitKind
from yishi.core.paging import light_page
from yishi.core.permissions import has_perm
from yishi.moderation.queries import attach as attach_moderation
from yishi.voting.models import BallotState

from . import forms, queries, services
from .models import (
    Cycle,
    Follow,
    Phase,
    PhaseKind,
    Project,
    ProjectState,
    PublishedVersion,
)
from .workflows import PROGRESS_SHOWN, project_features


def posted_id(request, name: str) -> int:
    """The id of a row named in a form; anything but a number is "not found", never a crash."""
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise Http404
    return int(value)


# --- public ---------------------------------------------------------------------------------


def overview(request: HttpRequest) -> HttpResponse:
    """The district's overview of all streets' projects for a year."""
    years = queries.years()
    year = request.GET.get("year")
    year = (int(year) if year and year.isdigit() and len(year) <= 4
            else queries.default_year())
    data = queries.overview(year)
    bars = [(str(label), data["totals"][g], str(data["totals"][g]))
            for g, label in data["labels"].items()]
    chart = bar_chart(_("Projects of %(year)d by status") % {"year": year}, bars)
    street_bars = [(row["street"].display_name, row["projects"], str(row["projects"]))
                   for row in data["rows"]]
    return render(request, "projects/overview.html", {
        "year": year, "years": years, "data": data, "chart": chart,
        "street_chart": bar_chart(_("Projects of %(year)d by street") % {"year": year},
                                  street_bars),
        # phases prefetched: the template shows each cycle's current phase
        "cycles": Cycle.objects.filter(year=year).select_related("unit").prefetch_related(
            "phases").order_by("unit__path"),
        "trail": [(_("Livelihood projects"), None)],
    })


def project_list(request: HttpRequest) -> HttpResponse:
    rows, selected = queries.filtered(request.GET)
    return render(request, "projects/list.html", {
        "page": light_page(rows, request.GET.get("page"), per_page=30), "selected": selected,
        "years": queries.years(),
        "streets": Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]),
        "groups": queries.GROUP_LABELS, "query": request.GET.urlencode(),
        "trail": [(_("Livelihood projects"), reverse("projects:overview")),
                  (_("All projects"), None)],
    })


def project_map(request: HttpRequest) -> HttpResponse:
    rows, selected = queries.filtered(request.GET)
    rows = list(rows[:300])
    return render(request, "projects/map.html", {
        "map": queries.map_points(rows), "unlocated": [p for p in rows if p.latitude is None],
        "selected": selected, "years": queries.years(),
        "streets": Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]),
        "trail": [(_("Livelihood projects"), reverse("projects:overview")), (_("Map"), None)],
    })


def list_csv(request: HttpRequest) -> HttpResponse:
    """Open data: the project list (no personal data: no proposer, no phone numbers), as CSV
    with stable machine column names, or as Excel with labels in the reader's language."""
    rows, _selected = queries.filtered(request.GET)
    return table_response(
        ["id", "year", "street", "community", "title", "category", "state", "estimated_cost",
         "assessed_cost", "department", "votes", "progress", "satisfaction"],
        ([p.pk, p.cycle.year, p.community.parent.name, p.community.name, p.title,
          p.category.name, p.state, p.estimated_cost, p.assessed_cost or "",
          p.department.name if p.department else "", p.votes or "", p.progress,
          (p.satisfaction or {}).get("rating", "")] for p in rows.iterator(chunk_size=500)),
        "csv", "projects")


def list_xlsx(request: HttpRequest) -> HttpResponse:
    rows, _selected = queries.filtered(request.GET)
    return table_response(
        [_("Number"), _("Year"), _("Street"), _("Community"), _("Project"), _("Category"),
         _("State"), _("Estimated cost (yuan)"), _("Assessed cost (yuan)"),
         _("Responsible department"), _("Votes"), _("Progress (%)"), _("Satisfaction")],
        ([p.pk, p.cycle.year, p.community.parent.name, p.community.name, p.title,
          p.category.name, p.get_state_display(), float(p.estimated_cost),
          float(p.assessed_cost) if p.assessed_cost else None,
          p.department.name if p.department else "", p.votes, p.progress,
          (p.satisfaction or {}).get("rating", "")] for p in rows.iterator(chunk_size=500)),
        "xlsx", "projects", _("Livelihood projects"))


def objections_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Open data: a cycle's objections and their public answers (no names)."""
    cycle = get_object_or_404(Cycle, pk=pk)
    return table_response(
        ["id", "project", "tender", "objection", "raised", "answer", "answered"],
        ([o.pk, o.project.title if o.project else "", o.tender_id or "", o.text,
          o.created_at.isoformat(), o.answer, o.answered_at.isoformat() if o.answered_at else ""]
         for o in cycle.objections.select_related("project").order_by("id")),
        "csv", f"objections-{cycle.pk}")


def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle.objects.select_related("unit", "ballot",
                                                           "satisfaction_ballot"), pk=pk)
    return _render_cycle(request, cycle)


def _render_cycle(request, cycle: Cycle, objection_form=None, status=200):
    phase = cycle.current_phase()
    candidates = list(cycle.projects.filter(state=ProjectState.CANDIDATE))
    versions = {kind: list(cycle.versions.filter(kind=kind).order_by("-number"))
                for kind in PublishedVersion.Kind.values}
    for version in versions["satisfaction"]:
        for item in version.items["projects"]:
            item["rating"] = queries.RATING_LABELS.get(item["rating"], item["rating"])
    for version in versions["result"]:
        for item in version.items["projects"]:
            if item["selected"] and not item["votes"] and not item.get("why"):
                item["why"] = queries.selected_without_votes(version.items["rule"])
    can_object = (request.user.is_authenticated and phase is not None
                  and phase.kind == PhaseKind.NOTICE and bool(versions["notice"]))
    if can_object and objection_form is None:
        objection_form = forms.ObjectionForm(candidates=candidates)
    return render(request, "projects/cycle.html", {
        "cycle": cycle, "phase": phase, "phases": cycle.phases.all(),
        "versions": versions, "objections": attach_moderation(
            cycle.objections.filter(tender__isnull=True).select_related("project")),
        "objection_form": objection_form if can_object else None,
        "projects": cycle.projects.select_related("community", "category").order_by("id"),
        "can_propose": cycle.allows("propose"),
        "ballot_open": cycle.ballot and cycle.ballot.state == BallotState.OPEN,
        "satisfaction_open": (cycle.satisfaction_ballot
                              and cycle.satisfaction_ballot.state == BallotState.OPEN),
        "can_manage": has_perm(request.user, "projects.manage", cycle.unit),
        "trail": [(_("Livelihood projects"), reverse("projects:overview")), (cycle.title, None)],
    }, status=status)


@require_POST
@login_required
def object_view(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=pk)
    candidates = list(cycle.projects.filter(state=ProjectState.CANDIDATE))
    form = forms.ObjectionForm(request.POST, candidates=candidates)
    if form.is_valid():
        project = next((p for p in candidates if p.pk == form.cleaned_data["project"]), None)
        try:
            services.file_objection(request.user, cycle, form.cleaned_data["text"], project)
        except ValidationError as exc:
            add_form_errors(form, exc, "text")
        else:
            messages.success(request, _("Your objection was filed; the answer will be public."))
            return redirect("projects:cycle", pk=cycle.pk)
    if not cycle.allows("object"):
        messages.error(request, _("Objections are taken only during the public notice period."))
        return redirect("projects:cycle", pk=cycle.pk)
    return _render_cycle(request, cycle, objection_form=form, status=400)


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(queries.public_projects(), pk=pk)
    return _render_project(request, project)


def _render_project(request, project, comment_form=None, visit_form=None, status=200):
    user = request.user
    events = [{"label": queries.EVENT_LABELS.get(e.action, e.action), "note": e.note, "at": e.at,
               "action": e.action}
              for e in project.events.all()]
    features = project_features(project)
    can_supervise = (has_perm(user, "projects.supervise", project.community)
                     and "supervise" in features)
    return render(request, "projects/detail.html", {
        "project": project, "events": events,
        "milestones": project.milestones.all(),
        "reports": project.reports.prefetch_related("photos")[:20],
        "spendings": project.spendings.all(), "spent": queries.spending_total(project),
        "visits": project.visits.all(), "reviews": project.reviews.filter(
            submitted_at__isnull=False),
        "comments": attach_moderation(project.comments.filter(tender_version__isnull=True)),
        "objections": attach_moderation(project.objections.filter(tender__isnull=True)),
        "comment_form": comment_form or (forms.CommentForm() if user.is_authenticated else None),
        "visit_form": visit_form or (forms.VisitForm(initial={
            "visited_on": timezone.localdate()}) if can_supervise else None),
        "following": user.is_authenticated and Follow.objects.filter(
            project=project, user=user).exists(),
        "can_report": has_perm(user, "projects.report", project),
        "can_assess": ("assess" in features
                       and has_perm(user, "projects.review", project.community)),
        "shows_progress": project.state in PROGRESS_SHOWN,
        "selected_without_votes": queries.project_selected_without_votes(project),
        "rating_labels": queries.RATING_LABELS,
        "tender": getattr(project, "tender", None),
        "trail": [(_("Livelihood projects"), reverse("projects:overview")),
                  (project.cycle.title, reverse("projects:cycle", args=[project.cycle_id])),
                  (project.title, None)],
    }, status=status)


@require_POST
@login_required
def comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment(request.user, project, form.cleaned_data["text"],
                             form.cleaned_data["is_question"])
        except ValidationError as exc:
            add_form_errors(form, exc, "text")
        else:
            messages.success(request, _("Thank you; your comment is published."))
            return redirect("projects:detail", pk=pk)
    return _render_project(request, project, comment_form=form, status=400)


@require_POST
@login_required
def follow_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    services.follow(request.user, project, request.POST.get("follow") != "0")
    return redirect("projects:detail", pk=pk)


@require_POST
@login_required
def visit_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(queries.public_projects(), pk=pk)
    form = forms.VisitForm(request.POST)
    if form.is_valid():
        try:
            services.log_visit(request.user, project, form.cleaned_data["visited_on"],
                               form.cleaned_data["findings"])
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The supervision visit is recorded."))
            return redirect("projects:detail", pk=pk)
    return _render_project(request, project, visit_form=form, status=400)


# --- proposing --------------------------------------------------------------------------------

@login_required
def propose_start(request: HttpRequest) -> HttpResponse:
    """The cycles taking proposals now, nearest the person's home first."""
    now = timezone.now()
    open_ids = Phase.objects.filter(kind=PhaseKind.NOMINATION, starts_at__lte=now,
                                    ends_at__gt=now).values_list("cycle_id", flat=True)
    cycles = list(Cycle.objects.filter(pk__in=open_ids).select_related("unit"))
    home = request.user.home_unit
    if home is not None:
        cycles.sort(key=lambda c: not home.path.startswith(c.unit.path))
    if len(cycles) == 1:  # keep what a round table passed on (?title=…&description=…)
        query = request.GET.urlencode()
        return redirect(reverse("projects:propose", args=[cycles[0].pk])
                        + (f"?{query}" if query else ""))
    return render(request, "projects/propose_start.html", {
        "cycles": cycles, "trail": [(_("Livelihood projects"), reverse("projects:overview")),
                                    (_("Propose a project"), None)]})


@login_required
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle.objects.select_related("unit"), pk=pk)
    if request.method == "POST":
        form = forms.ProposalForm(request.POST, request.FILES, cycle=cycle)
        if form.is_valid():
            data = form.cleaned_data
            try:
                photos = []
                if data.get("photo"):
                    photos.append(store_attachment(request.user, data["photo"]))
                project = services.propose(request.user, cycle, services.ProposalInput(
                    title=data["title"], description=data["description"],
                    category=data["category"], community=data["community"],
                    beneficiaries=data["beneficiaries"],
                    estimated_cost=data["estimated_cost"], address=data["address"],
                    latitude=data["latitude"], longitude=data["longitude"], photos=photos))
            except ValidationError as exc:
                add_form_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Thank you: your proposal is registered."))
                return redirect("projects:detail", pk=project.pk)
        status = 400
    else:
        # A round table whose outcome is a candidate project passes its matter on in the query.
        initial = {key: request.GET[key][:2000] for key in ("title", "description")
                   if request.GET.get(key)}
        home = Unit.objects.filter(code=request.GET.get("community", ""),
                                   kind=UnitKind.COMMUNITY).first() or request.user.home_unit
        if home is not None and home.path.startswith(cycle.unit.path):
            initial["community"] = home
        form, status = forms.ProposalForm(cycle=cycle, initial=initial), 200
    return render(request, "projects/propose.html", {
        "form": form, "cycle": cycle, "open": cycle.allows("propose"),
        "trail": [(_("Livelihood projects"), reverse("projects:overview")),
                  (cycle.title, reverse("projects:cycle", args=[cycle.pk])),
                  (_("Propose a project"), None)]}, status=status)


@login_required
def review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An expert's or department's assessment of a proposal."""
    project = get_object_or_404(queries.public_projects(), pk=pk)
    if not has_perm(request.user, "projects.review", project.community):
        raise PermissionDenied
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_review(request.user, project, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Your assessment is recorded."))
            return redirect("projects:detail", pk=pk)
    return render(request, "projects/review.html", {
        "project": project, "form": form,
        "trail": [(_("Livelihood projects"), reverse("projects:overview")),
                  (project.title, reverse("projects:detail", args=[pk])), (_("Assess"), None)],
    }, status=400 if request.method == "POST" else 200)

