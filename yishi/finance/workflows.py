"""The budget's phases (年初预算 → 审查 → 批准冻结 → 决算) and the written question's graph,
declared once on the core workflow mechanism."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.workflow import SYSTEM, Transition, Workflow

from .models import (
    Budget,
    BudgetState,
    ExecutionWarning,
    LineKind,
    Question,
    QuestionState,
    WarningState,
)

S = BudgetState


def _error(message, code):
    from .services import FinanceError

    return FinanceError(message, code=code)


def _has_lines(budget) -> str | None:
    if not budget.lines.filter(kind=LineKind.FUNCTION).exists():
        return _("Import the budget before submitting it for review.")
    return None


def _review_passed(budget) -> str | None:
    from .queries import review_outcome

    outcome = review_outcome(budget)
    if outcome is None:
        return _("The budget is not on a council meeting's agenda.")
    if outcome is not True:
        return _("The council has not yet passed its review of this budget.")
    return None


def _year_over(budget) -> str | None:
    if timezone.localdate().year <= budget.year:
        return _("Final accounts come after the end of the year.")
    return None


def _final_accounts_in(budget) -> str | None:
    if budget.lines.filter(kind=LineKind.FUNCTION, level=1, final__isnull=True).exists():
        return _("Import the final accounts first.")
    return None


BUDGET = Workflow(
    Budget, "finance.budget", unit=lambda b: b.street, error=_error, audit_changes=True,
    repr=lambda b: str(b),
    state_message=_("This cannot be done while the budget is “%(state)s”."),
    conflict_message=_("The budget was changed by someone else; please reload."),
    transitions=[
        Transition("submit_review", {S.DRAFT}, S.REVIEW, _("Submit to the council for review"),
                   rule="finance.manage", guards=[_has_lines]),
        Transition("withdraw", {S.REVIEW}, S.DRAFT, _("Withdraw for corrections"),
                   rule="finance.manage"),
        Transition("approve", {S.REVIEW}, S.APPROVED,
                   _("Record the district's approval"), rule="finance.approve",
                   guards=[_review_passed],
                   confirm=_("The original budget is frozen and published; later changes are "
                             "recorded as adjustments.")),
        Transition("finalize", {S.APPROVED}, S.FINAL, _("Publish the final accounts"),
                   rule="finance.manage", guards=[_year_over, _final_accounts_in],
                   confirm=_("The year is closed: no more adjustments or execution figures.")),
    ],
)


QUESTION = Workflow(
    Question, "finance.question", unit=lambda q: q.line.budget.street, error=_error,
    state_message=_("This question has already been answered."),
    conflict_message=_("This question has already been answered."),
    transitions=[
        Transition("answer", {QuestionState.OPEN}, QuestionState.ANSWERED, _("Answer"),
                   rule="finance.manage"),
    ],
)


W = WarningState
# An execution warning: the street answers in writing; past the due date the worker escalates it
# to the district once (an escalated warning can still be answered).
EXECUTION_WARNING = Workflow(
    ExecutionWarning, "finance.warning", unit=lambda w: w.budget.street, error=_error,
    state_message=_("This warning has already been answered."),
    conflict_message=_("This warning was changed by someone else; please reload."),
    transitions=[
        Transition("respond", {W.OPEN, W.ESCALATED}, W.ANSWERED, _("Answer the warning"),
                   rule="finance.manage"),
        Transition("escalate", {W.OPEN}, W.ESCALATED, _("Escalate: no answer in time"),
                   rule=SYSTEM),
    ],
)


# What a budget's staff page offers besides its transitions, by state (the services refuse the
# same): a draft takes its budget's import; an approved budget its monthly execution and
# adjustments.
BUDGET_FEATURES = {S.DRAFT: frozenset({"import_budget"}),
                   S.APPROVED: frozenset({"execution", "adjust"})}
