"""Execution monitoring (预算执行监督): the district's warning rules find lines whose execution
lags the year, spending without budget, spending above the adjusted budget and 三公 above budget;
the street answers each warning in writing within the rule's working days; the periodic worker
reminds once before the due date and escalates once after it."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.models import Role
from yishi.core.notifications import notify
from yishi.core.permissions import require
from yishi.core.queries import holders
from yishi.core.workdays import add_workdays
from yishi.core.workflow import WorkflowError, transition

from . import queries
from .models import (
    Budget,
    BudgetState,
    ExecutionWarning,
    WarningKind,
    WarningRule,
    WarningState,
)

RESPONSE_MIN, RESPONSE_MAX = 5, 2000


def rules() -> dict[str, WarningRule]:
    """The four rules, created with their defaults the first time they are asked for."""
    found = {r.kind: r for r in WarningRule.objects.all()}
    for kind in WarningKind.values:
        if kind not in found:
            found[kind], _created = WarningRule.objects.get_or_create(kind=kind)
    return found


@transaction.atomic
def update_rule(actor, rule: WarningRule, *, active: bool, points, response_days: int):
    require(actor, "finance.edit_rules", None)
    from .services import FinanceError

    errors = {}
    try:
        points = Decimal(str(points))
        if not 0 <= points <= 100:
            raise ValueError
    except (ValueError, ArithmeticError):
        errors["points"] = _("Enter a number of points from 0 to 100.")
    if not isinstance(response_days, int) or not 1 <= response_days <= 60:
        errors["response_days"] = _("Enter from 1 to 60 working days.")
    if errors:
        raise FinanceError(errors)
    before = {"active": rule.active, "points": str(rule.points),
              "response_days": rule.response_days}
    WarningRule.objects.filter(pk=rule.pk).update(active=active, points=points,
                                                  response_days=response_days)
    rule.refresh_from_db()
    audit.record(actor, "finance.update_warning_rule", rule, before=before,
                 after={"active": active, "points": str(points), "response_days": response_days})
    return rule


def findings(budget: Budget, today: date | None = None) -> list[tuple[str, str, str]]:
    """(kind, key, finding) for everything the active rules flag in this budget now."""
    active = {k: r for k, r in rules().items() if r.active}
    elapsed = queries.elapsed_share(budget.year, today) * 100
    leaves = {code for code in _leaf_codes(budget)}
    found = []
    for code, f in queries.figures(budget).items():
        if code not in leaves:
            continue
        rate = queries.percent(f.executed, f.adjusted)
        if WarningKind.BEHIND in active and f.adjusted and rate is not None \
                and elapsed - rate > active[WarningKind.BEHIND].points:
            found.append((WarningKind.BEHIND, code, f"{rate}% / {elapsed:.1f}%"))
        if WarningKind.NO_BUDGET in active and not f.adjusted and f.executed > 0:
            found.append((WarningKind.NO_BUDGET, code, f"{f.executed:,.2f} / 0.00"))
        if WarningKind.OVER_BUDGET in active and f.adjusted and f.executed > f.adjusted:
            found.append((WarningKind.OVER_BUDGET, code,
                          f"{f.executed:,.2f} / {f.adjusted:,.2f}"))
    if WarningKind.THREE_PUBLIC_OVER in active:
        for row in budget.three_public.all():
            if row.actual is not None and row.actual > row.planned:
                found.append((WarningKind.THREE_PUBLIC_OVER, row.kind,
                              f"{row.actual:,.2f} / {row.planned:,.2f}"))
    return found


def _leaf_codes(budget):
    from .services import leaf_lines

    return leaf_lines(budget).keys()


def raise_warnings(budget: Budget, today: date | None = None) -> int:
    """Record what the rules flag; a warning already raised for the same line and rule is not
    raised again (the unique constraint holds it under concurrent workers)."""
    today = today or timezone.localdate()
    rule_of = rules()
    rows = [ExecutionWarning(budget=budget, kind=kind, key=key, detail=detail[:300],
                             raised_on=today,
                             due_on=add_workdays(today, rule_of[kind].response_days))
            for kind, key, detail in findings(budget, today)]
    existing = set(budget.warnings.values_list("kind", "key"))
    new = [w for w in rows if (w.kind, w.key) not in existing]
    ExecutionWarning.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        notify(list(holders(Role.FINANCE_STAFF, budget.street)),
               lambda: _("%(n)d new execution warnings on the %(year)d budget")
               % {"n": len(new), "year": budget.year}, url=reverse("finance:warnings"))
    return len(new)


@transaction.atomic
def respond_to_warning(actor, warning: ExecutionWarning, text: str) -> ExecutionWarning:
    from .services import FinanceError

    text = (text or "").strip()
    if not RESPONSE_MIN <= len(text) <= RESPONSE_MAX:
        raise FinanceError({"text": _("Write between %(min)d and %(max)d characters.")
                            % {"min": RESPONSE_MIN, "max": RESPONSE_MAX}})
    transition(warning, "respond", actor, response=text, responded_by=actor,
               responded_at=timezone.now())
    return warning


def run_warnings(today: date | None = None) -> tuple[int, int, int]:
    """The periodic job: raise new warnings on this year's approved budgets, remind once a
    working day before the due date, escalate once after it. Returns (raised, reminded,
    escalated)."""
    today = today or timezone.localdate()
    raised = sum(raise_warnings(b, today) for b in Budget.objects.filter(
        state=BudgetState.APPROVED, year=today.year).select_related("street"))
    reminded = escalated = 0
    now = timezone.now()
    for warning in (ExecutionWarning.objects.filter(state=WarningState.OPEN,
                                                    reminded_at__isnull=True)
                    .select_related("budget__street")):
        if add_workdays(today, 1) >= warning.due_on and ExecutionWarning.objects.filter(
                pk=warning.pk, reminded_at__isnull=True).update(reminded_at=now):
            reminded += 1
            notify(list(holders(Role.FINANCE_STAFF, warning.budget.street)),
                   lambda warning=warning: _("An execution warning is due for your answer on %(date)s")
                   % {"date": warning.due_on}, url=reverse("finance:warnings"))
    for warning in (ExecutionWarning.objects.filter(state=WarningState.OPEN, due_on__lt=today)
                    .select_related("budget__street")):
        try:
            with transaction.atomic():
                transition(warning, "escalate", None)
        except WorkflowError:
            continue  # another worker escalated it, or the street answered meanwhile
        escalated += 1
        notify(list(holders(Role.DISTRICT_STAFF, warning.budget.street)),
               lambda warning=warning: _("An execution warning of %(street)s was not answered in time")
               % {"street": warning.budget.street.name}, url=reverse("finance:warnings"))
    return raised, reminded, escalated


def visible_warnings(user):
    """The warnings a person may see: their streets' (council members, the street's staff and
    deputies), or all (district)."""
    from yishi.core.permissions import has_perm

    rows = ExecutionWarning.objects.select_related("budget__street").order_by(
        "budget__street__sort_order", "-raised_on", "kind", "key")
    streets = [s.pk for s in queries.streets() if has_perm(user, "finance.view_draft", s)]
    return rows.filter(budget__street__in=streets)
