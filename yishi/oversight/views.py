"""The oversight pages: assignments (交办督办) for the district and the streets, and liaison
leaders with their guidance visits (联系指导). Thin: parse, call a service or query, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.charts import bar_chart
from yishi.core.errors import add_form_errors, error_messages
from yishi.core.permissions import has_perm
from yishi.core.queries import district
from yishi.core.workflow import may

from . import dashboard as board
from . import queries, services
from .forms import (
    CommentsForm,
    FeedbackForm,
    LinkForm,
    ReasonForm,
    ReportTypeForm,
    TaskForm,
    VisitForm,
    sections_form,
    sections_from,
)
from .models import Assignment, GuidanceVisit, Task
from .permissions import is_district, reader_paths


def _trail(*rest):
    return [(_("Workspace"), reverse("core:workspace")),
            (_("Assignments"), reverse("oversight:assignments")), *rest]


def _reader(request):
    if reader_paths(request.user) == []:
        raise PermissionDenied
    return request.user


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The module's own address: the district's board for the district, the assignments for a
    street (whose list refuses anyone who may read neither)."""
    return redirect("oversight:dashboard" if is_district(request.user) else "oversight:assignments")


@login_required
def assignments(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    home = district()
    if is_district(user):
        tasks = list(queries.tasks_for(user)[:200])
        for task in tasks:
            task.percent = queries.progress(task)
        return render(request, "oversight/tasks.html", {
            "tasks": tasks, "can_assign": has_perm(user, "oversight.assign", home),
            "overdue": queries.overdue_assignments().select_related("task", "street")[:100],
            "trail": _trail()[:-1] + [(_("Assignments"), None)]})
    return render(request, "oversight/my_assignments.html", {
        "assignments": queries.assignments_for(user).order_by("task__deadline")[:200],
        "trail": _trail()[:-1] + [(_("Assignments"), None)]})


@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, "oversight.assign", district()):
        raise PermissionDenied
    visit = None
    if request.GET.get("visit", "").isdigit():
        visit = GuidanceVisit.objects.filter(pk=int(request.GET["visit"])).first()
    initial = {}
    if visit:
        initial = {"title": _("Follow-up of the guidance visit of %(date)s") % {
            "date": visit.date}, "description": visit.follow_ups, "streets": [visit.street],
                   "lead": visit.street}
    form = TaskForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = services.assign_task(request.user, services.TaskInput(
                    title=data["title"], description=data["description"],
                    evidence_expected=data["evidence_expected"], streets=list(data["streets"]),
                    lead=data["lead"], workdays=data["workdays"], due_on=data["due_on"],
                    remind_after_workdays=data["remind_after_workdays"],
                    escalate_after_workdays=data["escalate_after_workdays"],
                    source_visit=visit))
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("The task was assigned to %(n)d streets.")
                                 % {"n": len(data["streets"])})
                return redirect("oversight:task", pk=task.pk)
        status = 400
    return render(request, "oversight/task_form.html", {
        "form": form, "visit": visit,
        "trail": _trail((_("Assign a task"), None))}, status=status)


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    task = get_object_or_404(Task, pk=pk)
    rows = list(queries.assignments_for(user).filter(task=task))
    if not rows:
        raise Http404
    return render(request, "oversight/task_detail.html", {
        "task": task, "assignments": rows, "percent": queries.progress(task),
        "trail": _trail((task.title, None))})


def _readable(request, pk) -> Assignment:
    assignment = get_object_or_404(Assignment.objects.select_related("task", "street"), pk=pk)
    if not queries.can_read(request.user, assignment):
        raise Http404  # another street's assignment does not exist for this person
    return assignment


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _readable(request, pk)
    return _render_assignment(request, assignment)


def _render_assignment(request, assignment, *, feedback_form=None, reason_form=None,
                       status=200):
    task = assignment.task
    return render(request, "oversight/assignment_detail.html", {
        "a": assignment, "task": task, "may": may(assignment, request.user),
        "events": assignment.events.select_related("actor"),
        "feedback": assignment.feedback.prefetch_related("evidence"),
        "feedback_form": feedback_form or FeedbackForm(),
        "reason_form": reason_form or ReasonForm(),
        "trail": _trail((task.title, reverse("oversight:task", args=[task.pk])),
                        (assignment.street.display_name, None))}, status=status)


ACTIONS = {
    "sign": lambda user, a, post: services.sign_for(user, a),
    "start": lambda user, a, post: services.start_handling(user, a),
    "close": lambda user, a, post: services.close(user, a),
    "reassign": lambda user, a, post: services.reassign(user, a),
}
REASONED = {"decline": services.decline, "send_back": services.send_back}


@login_required
@require_POST
def assignment_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    assignment = _readable(request, pk)
    url = reverse("oversight:assignment", args=[assignment.pk])
    if name == "report":
        form = FeedbackForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.report_back(request.user, assignment, form.cleaned_data["text"],
                                     form.cleaned_data["evidence"])
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Your report was sent to the district."))
                return redirect(url)
        assignment.refresh_from_db()
        return _render_assignment(request, assignment, feedback_form=form, status=400)
    if name in REASONED:
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                REASONED[name](request.user, assignment, form.cleaned_data["reason"])
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                return redirect(url)
        assignment.refresh_from_db()
        return _render_assignment(request, assignment, reason_form=form, status=400)
    if name not in ACTIONS:
        raise Http404
    try:
        ACTIONS[name](request.user, assignment, request.POST)
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect(url)


# --- liaison leaders and guidance visits ------------------------------------------------------

@login_required
def guidance(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    home = district()
    can_guide = has_perm(user, "oversight.guide", home)
    link_form, visit_form, status = LinkForm(prefix="link"), VisitForm(prefix="visit"), 200
    if request.method == "POST":
        if not can_guide:
            raise PermissionDenied
        if request.POST.get("form") == "link":
            link_form = LinkForm(request.POST, prefix="link")
            if link_form.is_valid():
                d = link_form.cleaned_data
                try:
                    services.link_leader(user, d["leader"], d["street"], title=d["title"],
                                         starts_on=d["starts_on"])
                except ValidationError as exc:
                    add_form_errors(link_form, exc)
                else:
                    messages.success(request, _("The leader was linked to the street."))
                    return redirect("oversight:guidance")
        else:
            visit_form = VisitForm(request.POST, prefix="visit")
            if visit_form.is_valid():
                try:
                    visit = services.record_visit(user, services.VisitInput(
                        **visit_form.cleaned_data))
                except ValidationError as exc:
                    add_form_errors(visit_form, exc)
                else:
                    messages.success(request, _("The visit was recorded."))
                    return redirect("oversight:visit", pk=visit.pk)
        status = 400
    leaders = queries.leaders_by_street()
    rows = [{"street": s, "links": leaders.get(s.pk, [])}
            for s in queries.streets() if has_perm(user, "oversight.view", s)]
    return render(request, "oversight/guidance.html", {
        "rows": rows, "can_guide": can_guide, "link_form": link_form, "visit_form": visit_form,
        "unvisited": [s for s in queries.streets_without_recent_visit()
                      if has_perm(user, "oversight.view", s)],
        "gap_days": queries.VISIT_GAP_DAYS,
        "visits": queries.visits_for(user)[:15],
        "trail": [(_("Workspace"), reverse("core:workspace")),
                  (_("Liaison leaders and visits"), None)]}, status=status)


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(queries.visits_for(_reader(request)), pk=pk)
    return render(request, "oversight/visit_detail.html", {
        "visit": visit, "tasks": visit.follow_up_tasks.all(),
        "can_assign": has_perm(request.user, "oversight.assign", district()),
        "trail": [(_("Workspace"), reverse("core:workspace")),
                  (_("Liaison leaders and visits"), reverse("oversight:guidance")),
                  (f"{visit.street.display_name} {visit.date}", None)]})


# --- the district dashboard -------------------------------------------------------------------

def _board_year(request, year=None) -> int:
    if not has_perm(request.user, "oversight.view_board", district()):
        raise PermissionDenied
    year = year or timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise Http404
    return year


@login_required
def dashboard(request: HttpRequest, year: int | None = None) -> HttpResponse:
    year = _board_year(request, year)
    rows = board.board(queries.streets(), year)
    trend_figure = board.BY_KEY.get(request.GET.get("trend", ""), board.TRENDS[0])
    if trend_figure not in board.TRENDS:
        trend_figure = board.TRENDS[0]
    months = board.trend(trend_figure, year, rows)  # rows: every street's
    month_names = [_("Month %(month)s") % {"month": m} for m in range(1, 13)]
    chart = bar_chart(f"{trend_figure.label} · {year}",
                      [(name, n, str(n)) for name, n in zip(month_names, months, strict=True)])
    return render(request, "oversight/dashboard.html", {
        "year": year, "figures": board.FIGURES, "rows": rows, "grid": board.grid(rows),
        "trends": board.TRENDS, "trend": trend_figure, "chart": chart,
        "months": list(zip(month_names, months, strict=True)),
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("District dashboard"), None)]})


@login_required
def dashboard_drill(request: HttpRequest, year: int, key: str, code: str) -> HttpResponse:
    year = _board_year(request, year)
    if key not in board.BY_KEY:
        raise Http404
    street = get_object_or_404(queries.streets(), code=code)
    figure = board.BY_KEY[key]
    return render(request, "oversight/dashboard_drill.html", {
        "year": year, "figure": figure, "street": street,
        "page": board.drill(key, street, year, request.GET.get("page")),
        "trail": [(_("Workspace"), reverse("core:workspace")),
                  (_("District dashboard"), reverse("oversight:dashboard_year", args=[year])),
                  (f"{street.display_name} · {figure.label}", None)]})


@login_required
def dashboard_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    from yishi.core.exports import table_response

    year = _board_year(request, year)
    header, rows = board.table(queries.streets(), year)
    return table_response(header, rows, "xlsx", f"district-board-{year}",
                          _("District dashboard"))


# --- regular reports --------------------------------------------------------------------------

@login_required
def reports(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    home = district()
    can_define = has_perm(user, "oversight.assign", home)
    form, status = ReportTypeForm(), 200
    if request.method == "POST":
        if not can_define:
            raise PermissionDenied
        form = ReportTypeForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.define_report_type(
                    user, title=d["title"], kind=d["kind"], period_start=d["period_start"],
                    period_end=d["period_end"], due_on=d["due_on"],
                    sections=d["sections"].splitlines())
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Every street was asked for the report."))
                return redirect("oversight:reports")
        status = 400
    return render(request, "oversight/reports.html", {
        "reports": queries.reports_for(user).order_by("-report_type__due_on", "street__sort_order")[:300],
        "can_define": can_define, "form": form,
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("Regular reports"), None)]},
        status=status)


def _readable_report(request, pk):
    return get_object_or_404(queries.reports_for(_reader(request)), pk=pk)


@login_required
def report_detail(request: HttpRequest, pk: int, *, sections=None, comments=None,
                  status=200) -> HttpResponse:
    report = _readable_report(request, pk)
    from .workflows import STREET_REPORT

    # Editable while the street may still submit it (the graph says from which states).
    editable = (report.state in STREET_REPORT["submit"].sources
                and has_perm(request.user, "oversight.handle", report.street))
    return render(request, "oversight/report_detail.html", {
        "report": report, "figures": queries.figure_rows(report), "editable": editable,
        "sections_form": sections or sections_form(report),
        "written": [(name, report.sections.get(name, "")) for name in report.report_type.sections],
        "comments_form": comments or CommentsForm(), "may": may(report, request.user),
        "trail": [(_("Workspace"), reverse("core:workspace")),
                  (_("Regular reports"), reverse("oversight:reports")),
                  (f"{report.report_type.title} · {report.street.display_name}", None)]},
        status=status)


@login_required
@require_POST
def report_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    report = _readable_report(request, pk)
    url = reverse("oversight:report", args=[report.pk])
    if name in ("save", "submit"):
        form = sections_form(report, request.POST)
        if form.is_valid():
            try:
                services.save_draft(request.user, report, sections_from(report, form.cleaned_data))
                if name == "submit":
                    services.submit_report(request.user, report)
            except PermissionDenied:
                raise
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Saved.") if name == "save"
                                 else _("The report was submitted to the district."))
                return redirect(url)
        return report_detail(request, pk, sections=form, status=400)
    if name == "return_report":
        form = CommentsForm(request.POST)
        if form.is_valid():
            try:
                services.return_report(request.user, report, form.cleaned_data["comments"])
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                return redirect(url)
        return report_detail(request, pk, comments=form, status=400)
    if name != "accept":
        raise Http404
    try:
        services.accept_report(request.user, report)
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect(url)
