"""Reads that pages, the API and the downloads share: a budget's lines with their original,
adjusted and executed figures (rolled up from the lowest lines), the drill-down, the economic
view, 三公, and the year against last year."""

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from yishi.core.models import Unit, UnitKind

from .models import (
    PUBLIC_STATES,
    Adjustment,
    Budget,
    BudgetLine,
    Execution,
    LineKind,
    Question,
    System,
    localized_name,
)

ZERO = Decimal(0)


def streets():
    return Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]).order_by("sort_order")


def review_items(street: Unit):
    """The council's open 预决算审查 items of this street, for the submit form. Read from the
    councils app's agenda; councils knows nothing of finance."""
    from yishi.councils.models import AgendaItem, ItemKind

    return (AgendaItem.objects.filter(kind=ItemKind.BUDGET_REVIEW, meeting__council__street=street,
                                      resolved_at__isnull=True)
            .select_related("meeting").order_by("meeting__starts_at", "position"))


def review_outcome(budget: Budget) -> bool | None:
    """None: not on an agenda; True: the council passed its review; False: not (yet)."""
    if budget.review_item_id is None:
        return None
    from yishi.councils.models import AgendaItem

    item = AgendaItem.objects.filter(pk=budget.review_item_id).values(
        "passed", "resolved_at").first()
    return bool(item and item["passed"] and item["resolved_at"])


def review_item_of(budget: Budget):
    if budget.review_item_id is None:
        return None
    return budget.review_item


def public_budgets():
    """Published budgets with their street and their total, in one query for any number."""
    return Budget.objects.filter(state__in=PUBLIC_STATES).select_related("street").annotate(
        top_total=Sum("lines__original", filter=Q(lines__kind=LineKind.FUNCTION,
                                                  lines__level=1)))


def budgets_of(street: Unit):
    return Budget.objects.filter(street=street).order_by("-year")


def budget_of(street_code: str, year: int) -> Budget | None:
    return (Budget.objects.select_related("street", "review_item__meeting")
            .filter(street__code=street_code, year=year).first())


def elapsed_share(year: int, today: date | None = None) -> Decimal:
    """How much of the year has passed (0 … 1), the yardstick of the execution rate."""
    today = today or timezone.localdate()
    if today.year < year:
        return ZERO
    if today.year > year:
        return Decimal(1)
    days = 366 if calendar.isleap(year) else 365
    return (Decimal(today.timetuple().tm_yday) / days).quantize(Decimal("0.0001"))


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class Figures:
    """One line with its figures; `children` filled for the drill-down."""

    line: BudgetLine
    original: Decimal = ZERO
    adjusted: Decimal = ZERO
    executed: Decimal = ZERO
    final: Decimal | None = None
    last_year: Decimal | None = None
    # Last year's codes the crosswalk read this line under, when it was renumbered.
    last_year_codes: list = field(default_factory=list)
    children: list = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.line.code

    @property
    def name(self) -> str:
        return localized_name(self.line)

    @property
    def level(self) -> int:
        return self.line.level

    @property
    def rate(self) -> Decimal | None:
        return percent(self.executed, self.adjusted)

    @property
    def final_rate(self) -> Decimal | None:
        """The final figure as a share of the adjusted budget (决算数为调整预算数的%)."""
        return percent(self.final, self.adjusted) if self.final is not None else None

    @property
    def change(self) -> Decimal | None:
        return percent(self.original - self.last_year, self.last_year) if self.last_year else None


LEVEL_LENGTH = {1: 3, 2: 5, 3: 7}


def _under(prefix: str, field: str = "code") -> dict:
    """Codes starting with `prefix`, as a range the (budget, kind, code) index can serve (codes
    are digits, and ":" sorts right after "9")."""
    return {f"{field}__gte": prefix, f"{field}__lt": prefix + ":"} if prefix else {}


def figures(budget: Budget, kind: str = LineKind.FUNCTION, *, prefix: str = "",
            max_level: int = 3, originals_only: bool = False) -> dict[str, Figures]:
    """The lines of one table (those under `prefix`, down to `max_level`) with their figures, by
    code. Adjustments and execution are recorded on the lowest lines; a line above holds the sum
    of those under it, summed by the database per code prefix (one query per level shown)."""
    lines = list(BudgetLine.objects.filter(budget=budget, kind=kind, level__lte=max_level,
                                           **_under(prefix)).order_by("position", "code"))
    result = {ln.code: Figures(ln, ln.original, ln.original, ZERO, ln.final) for ln in lines}
    if kind != LineKind.FUNCTION or not lines or originals_only:
        return result
    levels = sorted({ln.level for ln in lines})
    for model, attr in ((Execution, "executed"), (Adjustment, "adjusted")):
        rows = model.objects.filter(line__budget=budget, line__kind=kind,
                                    **_under(prefix, "line__code"))
        for level in levels:
            length = LEVEL_LENGTH.get(level, 7)
            sums = (rows.annotate(k=Substr("line__code", 1, length)).values("k")
                    .annotate(total=Sum("amount")).order_by())
            for row in sums:
                fig = result.get(row["k"])
                # A 款 with no 项 is its own prefix at every length: count it at its own level.
                if fig is not None and len(fig.code) == length:
                    setattr(fig, attr, getattr(fig, attr) + row["total"])
    return result


def tree(budget: Budget, kind: str = LineKind.FUNCTION) -> list[Figures]:
    """The top lines (类), each with its children (款) and theirs (项)."""
    all_figures = figures(budget, kind)
    top = []
    for code, fig in all_figures.items():
        parent = all_figures.get(code[:-2]) if len(code) > 3 else None
        (parent.children if parent else top).append(fig)
    return top


def with_last_year(budget: Budget, rows: list[Figures], kind=LineKind.FUNCTION) -> list[str]:
    """Put last year's original figure beside each row, reading a renumbered line under its old
    code(s) through the crosswalk between the editions (crosswalk.py); the codes still without a
    figure last year are returned (a new line, or a renumbering the crosswalk lacks)."""
    from .crosswalk import old_codes

    previous = Budget.objects.filter(street=budget.street, year=budget.year - 1,
                                     state__in=PUBLIC_STATES).first()
    if previous is None:
        return []
    system = System.FUNCTION if kind == LineKind.FUNCTION else System.ECONOMIC
    renumbered = old_codes(budget.year, system)
    wanted = {fig.code: renumbered.get(fig.code, [fig.code]) for fig in rows}
    last = dict(BudgetLine.objects.filter(budget=previous, kind=kind,
                                          code__in={c for codes in wanted.values() for c in codes})
                .values_list("code", "original"))
    unmapped = []
    for fig in rows:
        found = [last[c] for c in wanted[fig.code] if c in last]
        fig.last_year = sum(found, ZERO) if found else None
        fig.last_year_codes = [c for c in wanted[fig.code] if c != fig.code and c in last]
        if fig.last_year is None:
            unmapped.append(fig.code)
    return unmapped


def total(budget: Budget) -> Decimal:
    if hasattr(budget, "top_total"):  # read with public_budgets(): no query per budget
        return budget.top_total or ZERO
    return (BudgetLine.objects.filter(budget=budget, kind=LineKind.FUNCTION, level=1)
            .aggregate(s=Sum("original"))["s"] or ZERO)


def per_resident(budget: Budget, amount: Decimal) -> Decimal | None:
    population = budget.street.population
    return (amount / population).quantize(Decimal("0.01")) if population else None


def summary(budget: Budget) -> dict:
    top = list(figures(budget, max_level=1).values())
    original = sum((f.original for f in top), ZERO)
    adjusted = sum((f.adjusted for f in top), ZERO)
    executed = sum((f.executed for f in top), ZERO)
    return {"top": top, "original": original, "adjusted": adjusted, "executed": executed,
            "rate": percent(executed, adjusted), "elapsed": elapsed_share(budget.year) * 100,
            "per_resident": per_resident(budget, original),
            "revenue": list(BudgetLine.objects.filter(budget=budget, kind=LineKind.REVENUE)
                            .order_by("position"))}


def has_final_accounts(budget: Budget) -> bool:
    return budget.lines.filter(final__isnull=False).exists()


def _flatten(rows: list[Figures]) -> list[Figures]:
    out = []
    for fig in rows:
        out.append(fig)
        out.extend(_flatten(fig.children))
    return out


def final_accounts(budget: Budget) -> dict:
    """The final accounts (决算) in their standard tables, each line beside its budget: 收支决算
    总表 (revenue), 支出决算 by function (original, adjusted, final, final as a share of the
    adjusted budget), 基本支出决算 by economic type, and 三公经费 (budget, actual, explanation)."""
    # 类 and 款 on the page (a 项 is one tap away, on its line's page); the download has all.
    function = [f for f in _flatten(tree(budget)) if f.level <= 2]
    top = [f for f in function if f.level == 1]
    adjusted = sum((f.adjusted for f in top), ZERO)
    final = sum((f.final or ZERO for f in top), ZERO)
    revenue = list(BudgetLine.objects.filter(budget=budget, kind=LineKind.REVENUE)
                   .order_by("position"))
    return {
        "revenue": revenue, "function": function, "top": top,
        "economic": _flatten(tree(budget, LineKind.ECONOMIC)),
        "three_public": sorted(budget.three_public.all(), key=lambda r: r.order),
        "original": sum((f.original for f in top), ZERO), "adjusted": adjusted, "final": final,
        "revenue_final": sum((r.final or ZERO for r in revenue), ZERO),
        "rate": percent(final, adjusted),
    }


def line_of(budget: Budget, code: str) -> BudgetLine | None:
    return BudgetLine.objects.filter(budget=budget, kind=LineKind.FUNCTION, code=code).first()


def ancestors(budget: Budget, line: BudgetLine) -> list[BudgetLine]:
    """The 类 (and 款) above a line, for the breadcrumb."""
    codes = [line.code[:n] for n in (3, 5) if n < len(line.code)]
    return list(BudgetLine.objects.filter(budget=budget, kind=line.kind, code__in=codes)
                .order_by("code"))


def line_history(line: BudgetLine) -> dict:
    """For a line's page: the adjustments under it, month by month execution, and the same
    line in the street's other years."""
    code = line.code
    adjustments = (Adjustment.objects.filter(line__budget=line.budget, **_under(code, "line__code"),
                                             line__kind=LineKind.FUNCTION)
                   .select_related("line").order_by("approved_on", "id"))
    months = dict(Execution.objects.filter(line__budget=line.budget, **_under(code, "line__code"),
                                           line__kind=LineKind.FUNCTION)
                  .values_list("month").annotate(s=Sum("amount")).order_by("month"))
    years = list(BudgetLine.objects.filter(budget__street=line.budget.street,
                                           budget__state__in=PUBLIC_STATES,
                                           kind=LineKind.FUNCTION, code=code)
                 .values_list("budget__year", "original", "final").order_by("budget__year"))
    return {"adjustments": adjustments, "months": sorted(months.items()), "years": years}


def questions_on(line: BudgetLine):
    return Question.objects.filter(line=line).select_related("asker", "answered_by")


def adjusted_of(line: BudgetLine) -> Decimal:
    return line.original + (line.adjustments.aggregate(s=Sum("amount"))["s"] or ZERO)


def explanation_of(budget: Budget, line: BudgetLine) -> str:
    from .models import Classification, System

    system = System.FUNCTION if line.kind == LineKind.FUNCTION else System.ECONOMIC
    found = Classification.objects.filter(edition__year=budget.year, system=system,
                                          code=line.code).values_list("explanation",
                                                                      flat=True).first()
    return found or ""


# --- figures for the district's evaluation (考评) ---------------------------------------------

def budgets_published_by(street: Unit | None, year: int, until):
    """The street's budget of `year`, if it was published before `until` (an aware datetime);
    every street's when `street` is None."""
    return budgets_due(street, year).filter(published_at__isnull=False, published_at__lt=until)


def budgets_due(street: Unit | None, year: int):
    """The street's budget of `year` (published or not): what budgets_published_by counts in;
    every street's when `street` is None."""
    rows = Budget.objects.filter(year=year)
    return rows if street is None else rows.filter(street=street)
