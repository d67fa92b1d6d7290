"""Staff pages: the list of cycles (and opening one), a cycle's control page, a project's
control page, the Excel import. Each page offers exactly the steps the workflows allow this
person now (core.workflow.may on workflows.CYCLE and PROJECT, and the per-state features);
each step is one row of a table — its form and the service it calls — posted to one view."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

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
from yishi.core.errors import add_form_errors, error_messages
from yishi.core.models import Unit, UnitKind
from yishi.core.permissions import has_perm, holds
from yishi.core.workflow import allowed, may

from . import forms, queries, services, tender
from .models import Comment, Cycle, Objection, PhaseKind, Project, ProjectState
from .views import posted_id
from .workflows import CYCLE, PROJECT, project_features


def _staff_units(user):
    units = Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.STREET, UnitKind.TOWN])
    return units.filter(pk__in=[u.pk for u in units if has_perm(user, "projects.manage", u)])


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    cycles = [c for c in Cycle.objects.select_related("unit").prefetch_related("phases")
              if has_perm(user, "projects.manage", c.unit)
              or holds(user, {"department_handler", "expert"}, c.unit)]
    if not cycles and not _staff_units(user).exists() and not has_perm(
            user, "core.view_workspace"):
        raise PermissionDenied
    to_review = Project.objects.filter(reviews__reviewer=user, reviews__submitted_at__isnull=True)
    form = None
    units = _staff_units(user)
    if units.exists():
        form = forms.CycleForm(request.POST or None, units=units, initial={
            "year": timezone.localdate().year + 1, "starts_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                cycle = services.open_cycle(user, services.CycleInput(
                    unit=data["unit"], year=data["year"], title=data["title"],
                    budget=data["budget"], method=data["method"],
                    voter_kind=data["voter_kind"], seats=data["seats"],
                    min_support=data["min_support"], budget_rule=data["budget_rule"],
                    starts_at=timezone.make_aware(datetime.combine(data["starts_on"], time())),
                    days={PhaseKind.NOMINATION: data["nomination_days"],
                          PhaseKind.NOTICE: data["notice_days"]}))
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("The cycle is open."))
                return redirect("projects:manage_cycle", pk=cycle.pk)
    return render(request, "projects/manage_list.html", {
        "cycles": cycles, "form": form, "to_review": to_review,
        "trail": [(_("Livelihood projects"), reverse("projects:overview")), (_("Manage"), None)],
    }, status=400 if request.method == "POST" else 200)


# --- a cycle ------------------------------------------------------------------------------------

# The form each cycle step takes (services.CYCLE_STEPS says which service it calls).
CYCLE_FORMS = {
    "close_phase": forms.ReasonForm, "publish_notice": forms.CorrectionForm,
    "correct_notice": forms.NoteForm, "confirm": forms.NoteForm,
    "correct_result": forms.NoteForm, "correct_confirmed_result": forms.NoteForm,
}


def _refusals(bound: dict, shown) -> list[str]:
    """The errors of a posted form whose step the page no longer offers (refused because the
    phase or the state does not allow it): shown at the top, as the form is not there."""
    return [str(error) for name, form in bound.items() if name not in shown
            for errors in form.errors.values() for error in errors]


def _cycle_for_staff(request, pk) -> Cycle:
    cycle = get_object_or_404(Cycle.objects.select_related("unit", "ballot",
                                                           "satisfaction_ballot"), pk=pk)
    if not has_perm(request.user, "projects.manage", cycle.unit):
        raise PermissionDenied
    return cycle


def _cycle_form(name, bound):
    form_class = CYCLE_FORMS.get(name)
    return bound.get(name) or (form_class(prefix=name) if form_class else None)


@login_required
def manage_cycle(request: HttpRequest, pk: int, bound: dict | None = None,
                 status: int = 200) -> HttpResponse:
    cycle = _cycle_for_staff(request, pk)
    bound = bound or {}
    projects = cycle.projects.select_related("community", "category", "department",
                                             "merged_into")
    phase = cycle.current_phase()
    steps = may(cycle, request.user, workflow=CYCLE)
    return render(request, "projects/manage_cycle.html", {
        "refused": _refusals(bound, {*steps, "close_phase"}),
        "cycle": cycle, "phase": phase, "phases": cycle.phases.all(), "may": steps,
        # What the workflow does not offer now, with its reason (the wrong phase, an objection
        # not answered): staff see why a step is missing instead of a button that fails.
        "waiting": [c for c in allowed(cycle, request.user, workflow=CYCLE) if not c.allowed],
        "queue": projects.filter(state__in=[ProjectState.PROPOSED, ProjectState.APPROVED]),
        "projects": projects.order_by("id"),
        "unanswered": cycle.objections.filter(answered_at__isnull=True, tender__isnull=True)
        .select_related("project"),
        "forms": {name: _cycle_form(name, bound) for name in [*steps, "close_phase"]},
        "answer_form": forms.AnswerForm(prefix="answer"),
        "versions": cycle.versions.all(),
        "trail": [(_("Livelihood projects"), reverse("projects:overview")),
                  (_("Manage"), reverse("projects:manage_list")), (cycle.title, None)],
    }, status=status)


@require_POST
@login_required
def cycle_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on a cycle (services.CYCLE_STEPS), with its form when it takes one."""
    cycle = _cycle_for_staff(request, pk)
    if action not in services.CYCLE_STEPS:
        raise Http404
    form_class = CYCLE_FORMS.get(action)
    form = form_class(request.POST, prefix=action) if form_class else None
    if form is not None and not form.is_valid():
        return manage_cycle(request, pk, bound={action: form}, status=400)
    data = form.cleaned_data if form else {}
    try:
        done = services.CYCLE_STEPS[action](request.user, cycle,
                                            data.get("reason") or data.get("note") or "")
    except ValidationError as exc:
        if form is None:
            error_messages(request, exc)
            return redirect("projects:manage_cycle", pk=pk)
        add_form_errors(form, exc)
        return manage_cycle(request, pk, bound={action: form}, status=400)
    if action == "prepare_ballot":
        messages.success(request, _(
            "The ballot is ready: add a livelihood project selection item with ballot number "
            "%(number)d to the council meeting's agenda.") % {"number": done.pk})
    else:
        messages.success(request, _("Done."))
    return redirect("projects:manage_cycle", pk=pk)


@require_POST
@login_required
def answer_objection(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_for_staff(request, pk)
    objection = get_object_or_404(Objection, pk=posted_id(request, "objection"), cycle=cycle)
    form = forms.AnswerForm(request.POST, prefix="answer")
    if not form.is_valid():
        messages.error(request, _("Write the answer."))
        return redirect("projects:manage_cycle", pk=pk)
    try:
        services.answer_objection(request.user, objection, form.cleaned_data["answer"])
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("The answer is published."))
    return redirect("projects:manage_cycle", pk=pk)


# --- a project ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One thing staff record on a project: the form it takes (None: a button) and the service
    call, `(user, project, data, request)`; `street` forms list the street's departments.
    `rule` is the permission the page checks before offering a feature (transitions are offered
    by may())."""

    form: type | None
    call: Callable
    street: bool = False
    rule: str = "projects.manage"


def _merge(user, project, data, request):
    into = Project.objects.filter(pk=data["into"], cycle=project.cycle).first()
    if into is None:
        raise ValidationError({"into": [_("No such proposal in this cycle.")]})
    services.merge(user, project, into, data["reason"])


def _milestone_done(user, project, data, request):
    milestone = get_object_or_404(project.milestones, pk=posted_id(request, "milestone"))
    services.complete_milestone(user, milestone)


def _progress(user, project, data, request):
    photos = [store_attachment(user, data["photo"])] if data.get("photo") else []
    services.report_progress(user, project, data["percent"], data["note"],
                             data["reason_for_decrease"], photos)


def _answer(user, project, data, request):
    entry = get_object_or_404(Comment, pk=posted_id(request, "comment"), project=project)
    services.answer_question(user, entry, data["answer"])


def _start_tender(user, project, data, request):
    created = tender.start_tender(user, project, data["text"], data["change_note"])
    return redirect("projects:manage_tender", pk=created.pk)


PROJECT_STEPS = {
    # transitions of workflows.PROJECT
    "approve": Step(forms.ApproveForm, lambda u, p, d, r: services.approve(
        u, p, department=d["department"], assessed_cost=d["assessed_cost"],
        duration_days=d["duration_days"], note=d["note"]), street=True),
    "reject": Step(forms.ReasonForm, lambda u, p, d, r: services.reject(u, p, d["reason"])),
    "merge": Step(forms.MergeForm, _merge),
    "withdraw": Step(forms.ReasonForm,
                     lambda u, p, d, r: services.withdraw_candidate(u, p, d["reason"])),
    "start": Step(forms.StartForm, lambda u, p, d, r: services.start_implementation(
        u, p, d["department"], d["planned_budget"]), street=True),
    "complete": Step(None, lambda u, p, d, r: services.complete(u, p)),
    "accept": Step(forms.AcceptForm, lambda u, p, d, r: services.accept_completion(
        u, p, d["record"], d["accepted_on"])),
    # features of the project's state (workflows.PROJECT_FEATURES)
    "invite": Step(forms.ExpertForm,
                   lambda u, p, d, r: services.invite_expert(u, p, d["mobile"])),
    "supervisor": Step(forms.ExpertForm,
                       lambda u, p, d, r: services.attach_supervisor(u, p, d["mobile"])),
    "tender": Step(forms.TenderTextForm, _start_tender),
    "milestone": Step(forms.MilestoneForm, lambda u, p, d, r: services.add_milestone(
        u, p, d["title"], d["due_on"]), rule="projects.report"),
    "done": Step(None, _milestone_done, rule="projects.report"),
    "progress": Step(forms.ProgressForm, _progress, rule="projects.report"),
    "spending": Step(forms.SpendingForm, lambda u, p, d, r: services.record_spending(
        u, p, d["amount"], d["description"], d["spent_on"]), rule="projects.report"),
    "answer": Step(forms.AnswerForm, _answer, rule="projects.report"),
}
# The page's name of a step → the workflow transition it takes.
TRANSITION_OF = {"accept": "accept_completion"}


def _project_for_staff(request, pk) -> Project:
    project = get_object_or_404(queries.public_projects(), pk=pk)
    if not (has_perm(request.user, "projects.manage", project.cycle.unit)
            or has_perm(request.user, "projects.report", project)):
        raise PermissionDenied
    return project


def _blank(name, project):
    step = PROJECT_STEPS[name]
    if step.form is None:
        return None
    if step.street:
        return step.form(street=project.street, prefix=name)
    return step.form(prefix=name)


def _features(user, project) -> dict[str, bool]:
    """The non-transition steps this person may take on the project in its state."""
    unit = {"projects.manage": project.cycle.unit, "projects.report": project}
    names = set(project_features(project)) | {"answer"}
    return {name: True for name in names if name in PROJECT_STEPS
            and has_perm(user, PROJECT_STEPS[name].rule, unit[PROJECT_STEPS[name].rule])}


@login_required
def manage_project(request: HttpRequest, pk: int, bound: dict | None = None,
                   status: int = 200) -> HttpResponse:
    project = _project_for_staff(request, pk)
    bound = bound or {}
    steps = may(project, request.user, workflow=PROJECT)
    features = _features(request.user, project)
    shown = {name for name in PROJECT_STEPS
             if TRANSITION_OF.get(name, name) in steps or name in features}
    return render(request, "projects/manage_project.html", {
        "project": project, "phase": project.cycle.current_phase(), "may": steps,
        "refused": _refusals(bound, shown),
        "can": features,
        "forms": {name: bound.get(name) or _blank(name, project) for name in shown},
        "milestones": project.milestones.all(), "reviews": project.reviews.all(),
        "questions": project.comments.filter(is_question=True, answered_at__isnull=True),
        "tender": getattr(project, "tender", None),
        "trail": [(_("Manage"), reverse("projects:manage_list")),
                  (project.cycle.title, reverse("projects:manage_cycle",
                                                args=[project.cycle_id])),
                  (project.title, None)],
    }, status=status)


@require_POST
@login_required
def project_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on a project (PROJECT_STEPS): bind its form, call its service."""
    project = _project_for_staff(request, pk)
    step = PROJECT_STEPS.get(action)
    if step is None:
        raise Http404
    form = None
    if step.form is not None:
        form = (step.form(request.POST, street=project.street, prefix=action) if step.street
                else step.form(request.POST, request.FILES, prefix=action))
        if not form.is_valid():
            return manage_project(request, pk, bound={action: form}, status=400)
    try:
        response = step.call(request.user, project, form.cleaned_data if form else {}, request)
    except ValidationError as exc:
        if form is None:
            error_messages(request, exc)
            return redirect("projects:manage_project", pk=pk)
        add_form_errors(form, exc)
        return manage_project(request, pk, bound={action: form}, status=400)
    if isinstance(response, HttpResponse):
        return response
    messages.success(request, _("Done."))
    return redirect("projects:manage_project", pk=pk)


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    """Import a candidate list from Excel into a cycle taking proposals: all rows or none."""
    cycles = [c for c in Cycle.objects.select_related("unit")
              if has_perm(request.user, "projects.manage", c.unit)]
    if not cycles:
        raise PermissionDenied
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    report = None
    chosen = next((c for c in cycles if str(c.pk) == request.POST.get("cycle")), None)
    if request.method == "POST" and form.is_valid():
        from .exchange import import_proposals

        if chosen is None:
            form.add_error(None, _("Choose a cycle."))
        else:
            report = import_proposals(request.user, chosen, form.cleaned_data["file"].read())
            if not report.errors:
                messages.success(request, _("%(n)d proposals imported.") % {"n": report.created})
                return redirect("projects:manage_cycle", pk=chosen.pk)
    return render(request, "projects/import.html", {
        "form": form, "cycles": cycles, "report": report, "chosen": chosen,
        "trail": [(_("Manage"), reverse("projects:manage_list")), (_("Import"), None)],
    }, status=400 if request.method == "POST" else 200)
