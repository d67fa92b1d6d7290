"""Pages of the people who keep and review a budget: the street's finance staff (imports,
adjustments, answers), the district (approval) and the council members (questions). Each form
posts to one service; a refusal comes back as form errors or messages, and an import's
row-by-row report is shown on the page it was sent from."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.models import Unit
from yishi.core.permissions import has_perm
from yishi.core.workflow import may

from . import exports, queries, services
from .forms import (
    AdjustmentForm,
    AnswerForm,
    ApproveForm,
    CreateBudgetForm,
    CrosswalkForm,
    QuestionForm,
    SubmitReviewForm,
    UploadForm,
)
from .models import Budget, BudgetState, Question
from .views import _budget, _trail
from .workflows import BUDGET_FEATURES


def _back(budget) -> HttpResponse:
    return redirect("finance:manage", budget.street.code, budget.year)


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    user = request.user
    streets = [s for s in queries.streets()
               if has_perm(user, "finance.view_draft", s) or has_perm(user, "finance.manage", s)]
    if not streets:
        raise PermissionDenied
    managed = [s for s in streets if has_perm(user, "finance.manage", s)]
    form = CreateBudgetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        street = get_object_or_404(Unit, pk=request.POST.get("street"))
        try:
            budget = services.create_budget(user, street, form.cleaned_data["year"])
            return _back(budget)
        except ValidationError as exc:
            add_form_errors(form, exc, "year")
        except PermissionDenied as exc:
            error_messages(request, exc)
    budgets = (Budget.objects.filter(street__in=streets).select_related("street")
               .order_by("street__sort_order", "-year"))
    return render(request, "finance/workspace.html", {
        "budgets": budgets, "managed": managed, "form": form,
        "edits_classification": has_perm(user, "finance.edit_classification", None),
        "trail": _trail(None, (_("Street budget"), None))})


def _upload_form(kind: str, *args) -> UploadForm:
    # One upload form per import on the page: each needs its own ids.
    return UploadForm(*args, auto_id=f"{kind}-%s")


def _manage_context(request, budget, upload=None, **forms):
    """`upload` is a refused import's (kind, form), shown in its own section with its errors."""
    user = request.user
    choices = may(budget, user)
    lines = sorted(services.leaf_lines(budget).values(), key=lambda ln: ln.code)
    context = {
        "budget": budget, "may": choices,
        "features": BUDGET_FEATURES.get(budget.state, frozenset()),
        "manages": has_perm(user, "finance.manage", budget.street),
        "review_outcome": queries.review_outcome(budget),
        "upload_forms": {kind: _upload_form(kind) for kind in _IMPORTS}
        | dict([upload] if upload else []),
        "submit_form": SubmitReviewForm(items=queries.review_items(budget.street)),
        "approve_form": ApproveForm(),
        "adjust_form": AdjustmentForm(lines=lines),
        "trail": _trail(budget, (_("Manage"), None)),
    }
    context.update(forms)
    # The approval's fields go inside the confirmation panel of includes/action.html.
    context["approve_fields"] = mark_safe(render_to_string(  # noqa: S308 - our own template
        "includes/form.html", {"form": context["approve_form"]}))
    return context


@login_required
def manage(request: HttpRequest, code: str, year: int) -> HttpResponse:
    budget = _budget(request, code, year)
    if not (has_perm(request.user, "finance.manage", budget.street)
            or has_perm(request.user, "finance.approve", budget.street)):
        raise PermissionDenied
    return render(request, "finance/manage.html", _manage_context(request, budget))


@login_required
def final_template(request: HttpRequest, code: str, year: int, fmt: str) -> HttpResponse:
    budget = _budget(request, code, year)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if not has_perm(request.user, "finance.manage", budget.street):
        raise PermissionDenied
    return exports.final_template(budget, fmt)


_IMPORTS = {
    "budget": services.import_budget,
    "execution": services.import_execution,
    "final": services.import_final_accounts,
}


@login_required
@require_POST
def upload(request: HttpRequest, code: str, year: int, kind: str) -> HttpResponse:
    budget = _budget(request, code, year)
    if kind not in _IMPORTS:
        raise Http404
    form = _upload_form(kind, request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = _IMPORTS[kind](request.user, budget, upload.name, upload.read())
            messages.success(request, _("Imported: %(n)d rows.") % {"n": len(report.rows)})
            return _back(budget)
        except services.ImportRejected as exc:
            report = exc.report
            form.add_error("file", _("Nothing was imported. %(first)s")
                           % {"first": report.first_error})
        except ValidationError as exc:
            add_form_errors(form, exc, "file")
        except PermissionDenied as exc:
            error_messages(request, exc)
            return _back(budget)
    budget.refresh_from_db()
    return render(request, "finance/manage.html", _manage_context(
        request, budget, upload=(kind, form), report=report, report_kind=kind), status=422)


@login_required
@require_POST
def submit_review(request: HttpRequest, code: str, year: int) -> HttpResponse:
    budget = _budget(request, code, year)
    form = SubmitReviewForm(request.POST, items=queries.review_items(budget.street))
    if form.is_valid():
        try:
            services.submit_for_review(request.user, budget, form.cleaned_data["review_item"])
            messages.success(request, _("Submitted to the council for review."))
            return _back(budget)
        except ValidationError as exc:
            add_form_errors(form, exc, "review_item")
        except PermissionDenied as exc:
            error_messages(request, exc)
            return _back(budget)
    return render(request, "finance/manage.html",
                  _manage_context(request, budget, submit_form=form), status=422)


@login_required
@require_POST
def approve(request: HttpRequest, code: str, year: int) -> HttpResponse:
    budget = _budget(request, code, year)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.approve_budget(request.user, budget, decision=form.cleaned_data["decision"],
                                    approved_on=form.cleaned_data["approved_on"])
            messages.success(request, _("The budget is approved, frozen and published."))
            return _back(budget)
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied as exc:
            error_messages(request, exc)
            return _back(budget)
    return render(request, "finance/manage.html",
                  _manage_context(request, budget, approve_form=form), status=422)


_STEPS = {"withdraw": services.withdraw_budget, "finalize": services.finalize_budget}


@login_required
@require_POST
def step(request: HttpRequest, code: str, year: int, name: str) -> HttpResponse:
    budget = _budget(request, code, year)
    if name not in _STEPS:
        raise Http404
    try:
        _STEPS[name](request.user, budget)
        messages.success(request, _("Done."))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return _back(budget)


@login_required
@require_POST
def adjust(request: HttpRequest, code: str, year: int) -> HttpResponse:
    budget = _budget(request, code, year)
    leaves = services.leaf_lines(budget)
    form = AdjustmentForm(request.POST, lines=sorted(leaves.values(), key=lambda ln: ln.code))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_adjustment(request.user, leaves[data["line"]], amount=data["amount"],
                                       reason=data["reason"], approved_by=data["approved_by"],
                                       approved_on=data["approved_on"])
            messages.success(request, _("The adjustment is recorded."))
            return _back(budget)
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied as exc:
            error_messages(request, exc)
            return _back(budget)
    return render(request, "finance/manage.html",
                  _manage_context(request, budget, adjust_form=form), status=422)


@login_required
@require_POST
def ask(request: HttpRequest, code: str, year: int, line_code: str) -> HttpResponse:
    budget = _budget(request, code, year)
    line = queries.line_of(budget, line_code)
    if line is None:
        raise Http404
    form = QuestionForm(request.POST)
    url = reverse("finance:line", args=[code, year, line_code])
    if form.is_valid():
        try:
            services.ask_question(request.user, line, form.cleaned_data["text"])
            messages.success(request, _("Your question is published on this line."))
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
    else:
        messages.error(request, _("Write your question first."))
    return redirect(url + "#questions")


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.select_related("line__budget__street"), pk=pk)
    budget = question.line.budget
    if budget.state == BudgetState.DRAFT and not has_perm(request.user, "finance.view_draft",
                                                          budget.street):
        raise Http404
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_question(request.user, question, form.cleaned_data["text"])
            messages.success(request, _("Your answer is published."))
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
    else:
        messages.error(request, _("Write the answer first."))
    return redirect(reverse("finance:line", args=[budget.street.code, budget.year,
                                                  question.line.code]) + "#questions")


@login_required
def crosswalk(request: HttpRequest) -> HttpResponse:
    """The district's page for the crosswalk between two editions' codes (科目对照): upload it,
    see the lines in force; a refused file comes back with the rows at fault, nothing changed."""
    from . import crosswalk as cw

    if not has_perm(request.user, "finance.edit_classification", None):
        raise PermissionDenied
    editions = cw.editions_with_crosswalk()
    form = CrosswalkForm(request.POST or None, request.FILES or None, editions=editions)
    problems, status = [], 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                n = cw.import_crosswalk(request.user, form.cleaned_data["year"], upload.read(),
                                        upload.name)
                messages.success(request, _("The crosswalk to %(year)d is in force: %(n)d "
                                            "lines.") % {"year": form.cleaned_data["year"],
                                                         "n": n})
                return redirect(reverse("finance:crosswalk")
                                + f"?year={form.cleaned_data['year']}")
            except ValidationError as exc:
                if hasattr(exc, "error_dict") or getattr(exc, "code", None) == "edition":
                    add_form_errors(form, exc, "year")
                else:
                    problems = exc.messages
                    form.add_error("file", _("Nothing was changed: %(n)d rows are at fault.")
                                   % {"n": len(problems)})
            except PermissionDenied as exc:
                error_messages(request, exc)
        status = 422
    shown = None
    wanted = request.GET.get("year") or (form.data.get("year") if form.is_bound else None)
    for edition in editions:
        if str(edition.year) == str(wanted) or (shown is None and not wanted):
            shown = edition
    return render(request, "finance/crosswalk.html", {
        "form": form, "editions": editions, "problems": problems, "shown": shown,
        "lines": cw.crosswalk_lines(shown) if shown else [],
        "trail": _trail(None, (_("Crosswalk between editions"), None))}, status=status)
