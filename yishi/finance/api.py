"""Street finances as open data (published budgets, their lines and questions) and the staff's
writes (imports, phases, adjustments, answers), each through one service."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from yishi.core.api_types import AllowedActionOut, Id, Year, allowed_actions
from yishi.moderation.queries import attach as attach_moderation
from yishi.moderation.queries import published

from . import queries, services
from .models import Question

router = Router(tags=["finance"])


class BudgetSummaryOut(Schema):
    street: str
    street_name: str
    year: int
    state: str
    state_label: str
    is_demo: bool
    total: Decimal


class LineOut(Schema):
    code: str
    name: str
    level: int
    original: Decimal
    adjusted: Decimal
    executed: Decimal
    execution_rate: Decimal | None
    final: Decimal | None


class ThreePublicOut(Schema):
    kind: str
    label: str
    planned: Decimal
    actual: Decimal | None
    explanation: str


class BudgetOut(BudgetSummaryOut):
    per_resident: Decimal | None
    elapsed_percent: Decimal
    district_decision: str
    approved_on: date | None
    lines: list[LineOut]
    economic: list[LineOut]
    three_public: list[ThreePublicOut]
    actions: list[AllowedActionOut]


class QuestionOut(Schema):
    id: int
    line: str
    text: str
    asked_at: str
    state: str
    answer: str
    answered_at: str | None
    actions: list[AllowedActionOut]


class LineDetailOut(LineOut):
    explanation: str
    questions: list[QuestionOut]


def _line(f) -> dict:
    return {"code": f.code, "name": f.name, "level": f.level, "original": f.original,
            "adjusted": f.adjusted, "executed": f.executed, "execution_rate": f.rate,
            "final": f.final}


def _summary(budget) -> dict:
    return {"street": budget.street.code, "street_name": budget.street.name, "year": budget.year,
            "state": budget.state, "state_label": budget.get_state_display(),
            "is_demo": budget.is_demo, "total": queries.total(budget)}


def _budget(request, street: str, year: int):
    budget = queries.budget_of(street, year)
    if budget is None:
        raise Http404
    try:
        services.require_view(request.user, budget)
    except PermissionDenied:
        raise Http404 from None
    return budget


def _question(q, user) -> dict:
    return {"id": q.pk, "line": q.line.code, "text": published(q, "text", user), "asked_at": q.asked_at.isoformat(),
            "state": q.state, "answer": q.answer,
            "answered_at": q.answered_at.isoformat() if q.answered_at else None,
            "actions": allowed_actions(q, user)}


@router.get("/budgets", response=list[BudgetSummaryOut], summary="Published street budgets")
def budgets(request, year: Year | None = None):
    rows = queries.public_budgets().order_by("street__sort_order", "-year")
    if year:
        rows = rows.filter(year=year)
    return [_summary(b) for b in rows]


@router.get("/budgets/{street}/{year}", response=BudgetOut,
            summary="A street's budget: lines by function and economic type, 三公, actions")
def budget_detail(request, street: str, year: Year):
    budget = _budget(request, street, year)
    s = queries.summary(budget)
    function = list(queries.figures(budget).values())
    economic = list(queries.figures(budget, "economic").values())
    return {**_summary(budget), "per_resident": s["per_resident"],
            "elapsed_percent": s["elapsed"], "district_decision": budget.district_decision,
            "approved_on": budget.approved_on, "lines": [_line(f) for f in function],
            "economic": [_line(f) for f in economic],
            "three_public": [{"kind": r.kind, "label": r.get_kind_display(), "planned": r.planned,
                              "actual": r.actual, "explanation": r.explanation}
                             for r in sorted(budget.three_public.all(), key=lambda r: r.order)],
            "actions": allowed_actions(budget, request.user)}


@router.get("/budgets/{street}/{year}/lines/{code}", response=LineDetailOut,
            summary="One line with its explanation and questions")
def line_detail(request, street: str, year: Year, code: str):
    budget = _budget(request, street, year)
    line = queries.line_of(budget, code)
    if line is None:
        raise Http404
    fig = queries.figures(budget, prefix=line.code, max_level=line.level)[line.code]
    return {**_line(fig), "explanation": queries.explanation_of(budget, line),
            "questions": [_question(q, request.user)
                          for q in attach_moderation(queries.questions_on(line))]}


class ImportOut(Schema):
    rows: int


@router.post("/budgets/{street}/{year}/import/{kind}", response=ImportOut, auth=django_auth,
             summary="Import the budget, monthly execution or final accounts (all or nothing)")
def import_file(request, street: str, year: Year, kind: str, file: File[UploadedFile]):
    budget = _budget(request, street, year)
    function = {"budget": services.import_budget, "execution": services.import_execution,
                "final": services.import_final_accounts}.get(kind)
    if function is None:
        raise Http404
    report = function(request.user, budget, file.name or "", file.read())
    return {"rows": len(report.rows)}


class SubmitIn(Schema):
    review_item_id: Id


@router.post("/budgets/{street}/{year}/submit", response=BudgetSummaryOut, auth=django_auth,
             summary="Submit the draft to the council's budget review item")
def submit(request, street: str, year: Year, data: SubmitIn):
    budget = _budget(request, street, year)
    item = next((i for i in queries.review_items(budget.street)
                 if i.pk == data.review_item_id), None)
    services.submit_for_review(request.user, budget, item)
    budget.refresh_from_db()
    return _summary(budget)


class ApproveIn(Schema):
    decision: str = Field(..., max_length=200)
    approved_on: date


@router.post("/budgets/{street}/{year}/approve", response=BudgetSummaryOut, auth=django_auth,
             summary="Record the district's approval: the original budget freezes")
def approve(request, street: str, year: Year, data: ApproveIn):
    budget = _budget(request, street, year)
    services.approve_budget(request.user, budget, decision=data.decision,
                            approved_on=data.approved_on)
    budget.refresh_from_db()
    return _summary(budget)


@router.post("/budgets/{street}/{year}/withdraw", response=BudgetSummaryOut, auth=django_auth,
             summary="Withdraw the draft from review")
def withdraw(request, street: str, year: Year):
    budget = _budget(request, street, year)
    services.withdraw_budget(request.user, budget)
    budget.refresh_from_db()
    return _summary(budget)


@router.post("/budgets/{street}/{year}/finalize", response=BudgetSummaryOut, auth=django_auth,
             summary="Publish the final accounts and close the year")
def finalize(request, street: str, year: Year):
    budget = _budget(request, street, year)
    services.finalize_budget(request.user, budget)
    budget.refresh_from_db()
    return _summary(budget)


class AdjustmentIn(Schema):
    line: str = Field(..., max_length=7)
    amount: str = Field(..., max_length=20, description="元, at most two decimals; negative to "
                                                        "reduce")
    reason: str = Field(..., max_length=2000)
    approved_by: str = Field("", max_length=200)
    approved_on: date | None = None


class AdjustmentOut(Schema):
    id: int
    line: str
    amount: Decimal


@router.post("/budgets/{street}/{year}/adjustments", response={201: AdjustmentOut},
             auth=django_auth, summary="Record an adjustment with its reason and approval")
def adjust(request, street: str, year: Year, data: AdjustmentIn):
    budget = _budget(request, street, year)
    line = services.leaf_lines(budget).get(data.line)
    if line is None:
        raise services.FinanceError({"line": _("Choose a lowest-level line of this budget.")})
    adjustment = services.record_adjustment(request.user, line, amount=data.amount,
                                            reason=data.reason, approved_by=data.approved_by,
                                            approved_on=data.approved_on)
    return Status(201, {"id": adjustment.pk, "line": line.code, "amount": adjustment.amount})


class TextIn(Schema):
    text: str = Field(..., max_length=2000)


@router.post("/budgets/{street}/{year}/lines/{code}/questions", response={201: QuestionOut},
             auth=django_auth, summary="A council member's written question on a line")
def ask(request, street: str, year: Year, code: str, data: TextIn):
    budget = _budget(request, street, year)
    line = queries.line_of(budget, code)
    if line is None:
        raise Http404
    question = services.ask_question(request.user, line, data.text)
    return Status(201, _question(question, request.user))


@router.post("/questions/{question_id}/answer", response=QuestionOut, auth=django_auth,
             summary="The street's public answer to a question")
def answer(request, question_id: Id, data: TextIn):
    question = get_object_or_404(Question.objects.select_related("line__budget__street"),
                                 pk=question_id)
    _budget(request, question.line.budget.street.code, question.line.budget.year)
    services.answer_question(request.user, question, data.text)
    question.refresh_from_db()
    return _question(question, request.user)


class WarningOut(Schema):
    id: int
    street: str
    year: int
    kind: str
    kind_label: str
    key: str
    detail: str
    raised_on: date
    due_on: date
    state: str
    response: str
    actions: list[AllowedActionOut]


@router.get("/warnings", response=list[WarningOut], auth=django_auth,
            summary="Execution warnings of the streets this person may see")
def warnings(request):
    from .monitoring import visible_warnings

    return [{"id": w.pk, "street": w.budget.street.code, "year": w.budget.year, "kind": w.kind,
             "kind_label": w.get_kind_display(), "key": w.key, "detail": w.detail,
             "raised_on": w.raised_on, "due_on": w.due_on, "state": w.state,
             "response": w.response, "actions": allowed_actions(w, request.user)}
            for w in visible_warnings(request.user)]


@router.post("/warnings/{warning_id}/respond", response=WarningOut, auth=django_auth,
             summary="The street's written answer to a warning")
def respond(request, warning_id: Id, data: TextIn):
    from .models import ExecutionWarning
    from .monitoring import respond_to_warning, visible_warnings

    warning = get_object_or_404(visible_warnings(request.user), pk=warning_id)
    respond_to_warning(request.user, warning, data.text)
    warning = ExecutionWarning.objects.select_related("budget__street").get(pk=warning.pk)
    return {"id": warning.pk, "street": warning.budget.street.code, "year": warning.budget.year,
            "kind": warning.kind, "kind_label": warning.get_kind_display(), "key": warning.key,
            "detail": warning.detail, "raised_on": warning.raised_on, "due_on": warning.due_on,
            "state": warning.state, "response": warning.response,
            "actions": allowed_actions(warning, request.user)}


class CrosswalkOut(Schema):
    year: int
    lines: int


@router.post("/editions/{year}/crosswalk", response=CrosswalkOut, auth=django_auth,
             summary="Import the crosswalk from last year's edition to this year's (CSV: 类型, "
                     "旧编码, 新编码; the district)")
def import_crosswalk(request, year: Year, file: File[UploadedFile]):
    from .crosswalk import import_crosswalk as run

    return {"year": year, "lines": run(request.user, year, file.read(), file.name or "")}


# The state assets' endpoints, under /api/finance/assets.
from .asset_api import router as assets_router  # noqa: E402

router.add_router("/assets", assets_router)
