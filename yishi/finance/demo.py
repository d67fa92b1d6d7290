"""The finance demo: the classification edition (marked demo) for 2025–2027, a finance officer
per street, and for each of the 12 streets the 2025 final accounts and the 2026 budget (approved
at the council's first meeting, adjusted at the second, executed month by month to last month,
with a question answered), plus 西溪's 2027 draft before its next council meeting.

All figures are made up (sample.py) and every budget is marked `is_demo`. Rows go in with bulk
inserts and the phases are set directly: this is a made-up history, not a sequence of actions."""

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from yishi.core.demo import DEMO_PASSWORD, _person, _role
from yishi.core.models import Role, Unit, UnitKind, User

from . import sample, services
from .models import (
    Adjustment,
    Budget,
    BudgetLine,
    BudgetState,
    Edition,
    Execution,
    LineKind,
    Question,
    QuestionState,
    ThreePublic,
)

DATA = Path(__file__).parent / "data" / "classification-demo.csv"
YEARS = (2025, 2026, 2027)
# Approximate resident populations of the streets (demo figures, for the per-resident sum).
POPULATION = [62000, 98000, 71000, 83000, 105000, 54000, 121000, 67000, 88000, 49000, 93000,
              58000]


def load(stdout=None) -> None:
    with transaction.atomic():
        for year in YEARS:
            if not Edition.objects.filter(year=year).exists():
                services.import_edition(None, year, DATA.read_bytes(),
                                        title=f"{year}年政府收支分类科目（演示摘录）",
                                        source=DATA.name, is_demo=True)
        streets = list(Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN])
                       .order_by("sort_order"))
        for s, street in enumerate(streets, start=1):
            officer = _person(f"1390006{s:02d}01", 6000 + s, password=True)
            _role(officer, Role.FINANCE_STAFF, street)
            if street.population is None:
                Unit.objects.filter(pk=street.pk).update(
                    population=POPULATION[(s - 1) % len(POPULATION)])
                street.population = POPULATION[(s - 1) % len(POPULATION)]
            if Budget.objects.filter(street=street, year=2026).exists():
                continue
            _street_years(street, s, officer)
    from . import asset_demo

    asset_demo.load(stdout)
    if stdout is not None:
        stdout.write("Finance: 12 streets' 2025 final accounts and 2026 budgets, 西溪's 2027 "
                     f"draft; finance staff 139000601xx (password {DEMO_PASSWORD}).\n")


def _codes(year: int):
    return sample.edition_triples(Edition.objects.get(year=year))


def _street_years(street: Unit, s: int, officer: User) -> None:
    # One seed per street: its lines keep their weight from year to year, as real budgets do.
    base = Decimal(120_000_000 + (s * 37_000_000) % 160_000_000)
    last = _budget(street, 2025, BudgetState.FINAL, base * Decimal("0.95"), seed=s)
    _final_accounts(last, seed=s)
    this = _budget(street, 2026, BudgetState.APPROVED, base, seed=s)
    _execution(this, seed=s)
    _adjust_and_ask(this, street, officer)
    _warnings(this, street, officer)
    if street.name == "西溪街道":
        draft = _budget(street, 2027, BudgetState.REVIEW, base * Decimal("1.04"),
                        seed=s)
        item = _review_item(street, "2027年")
        Budget.objects.filter(pk=draft.pk).update(review_item=item, submitted_at=timezone.now())


def _review_item(street, title_start):
    from yishi.councils.models import AgendaItem, ItemKind

    return (AgendaItem.objects.filter(meeting__council__street=street, kind=ItemKind.BUDGET_REVIEW,
                                      title__startswith=title_start)
            .order_by("meeting__starts_at").first())


def _budget(street, year, state, total, *, seed) -> Budget:
    total = total.quantize(Decimal(10000))
    approved = state in (BudgetState.APPROVED, BudgetState.FINAL)
    budget = Budget.objects.create(
        street=street, year=year, state=state, is_demo=True,
        review_item=_review_item(street, f"{year}年街道财政预算") if approved else None,
        district_decision=f"西湖区财政局 西财预〔{year}〕8号（演示）" if approved else "",
        approved_on=date(year, 1, 28) if approved else None,
        published_at=timezone.make_aware(datetime(year, 2, 5, 9)) if approved else None,
        finalized_at=timezone.make_aware(datetime(year + 1, 6, 10, 9))
        if state == BudgetState.FINAL else None)
    rows = sample.budget_rows(_codes(year), total, seed,
                              three_public_actual=state == BudgetState.FINAL)
    kinds = {"收支总表": LineKind.REVENUE, "支出功能分类": LineKind.FUNCTION,
             "基本支出经济分类": LineKind.ECONOMIC}
    lines, three = [], []
    for position, (table, code, name, amount, actual, note) in enumerate(rows):
        if table == "三公经费":
            from .imports import THREE_PUBLIC_CODES

            three.append(ThreePublic(budget=budget, kind=THREE_PUBLIC_CODES[code], planned=amount,
                                     actual=actual, explanation=note))
        else:
            lines.append(BudgetLine(budget=budget, kind=kinds[table], code=code, name=name,
                                    level=len(code) // 2 if kinds[table] != LineKind.REVENUE
                                    else 1, position=position, original=amount))
    BudgetLine.objects.bulk_create(lines)
    ThreePublic.objects.bulk_create(three)
    _english_names(budget)
    return budget


def _english_names(budget) -> None:
    from .models import Classification

    names = dict(Classification.objects.filter(edition__year=budget.year)
                 .values_list("code", "name_en"))
    lines = list(budget.lines.exclude(kind=LineKind.REVENUE))
    for line in lines:
        line.name_en = names.get(line.code, "")
    BudgetLine.objects.bulk_update(lines, ["name_en"])
    budget.lines.filter(code="R01").update(name_en="Appropriations")
    budget.lines.filter(code="R02").update(name_en="Other revenue")


def _final_accounts(budget, *, seed) -> None:
    """Final figures a little under budget, rolled up so that they add up: spending by function
    and by economic type, and revenue equal to spending (the standard tables balance)."""
    lines = list(budget.lines.all())
    for kind in (LineKind.FUNCTION, LineKind.ECONOMIC):
        table = [ln for ln in lines if ln.kind == kind]
        parents = {ln.code[:-2] for ln in table if ln.level > 1}
        finals = {}
        for n, line in enumerate(sorted((ln for ln in table if ln.code not in parents),
                                        key=lambda ln: ln.code)):
            factor = Decimal("0.90") + Decimal((seed * 7 + n * 13) % 12) / 100
            finals[line.code] = (line.original * factor).quantize(Decimal("0.01"))
        for line in table:
            line.final = sum((a for c, a in finals.items() if c.startswith(line.code)),
                             Decimal(0))
    spent = sum((ln.final for ln in lines if ln.kind == LineKind.FUNCTION and ln.level == 1),
                Decimal(0))
    revenue = sorted((ln for ln in lines if ln.kind == LineKind.REVENUE), key=lambda ln: ln.code)
    for line in revenue[1:]:
        line.final = line.original
    if revenue:
        revenue[0].final = spent - sum((ln.final for ln in revenue[1:]), Decimal(0))
    BudgetLine.objects.bulk_update(lines, ["final"])


def _execution(budget, *, seed) -> None:
    today = timezone.localdate()
    months = 12 if today.year > budget.year else max(today.month - 1, 0)
    rows = []
    for n, line in enumerate(sorted(services.leaf_lines(budget).values(), key=lambda ln: ln.code)):
        # Most lines spend evenly; every seventh lags (the execution warnings' material).
        pace = Decimal("0.45") if (n + seed) % 7 == 0 else Decimal("0.95")
        for month in range(1, months + 1):
            amount = (line.original * pace / 12).quantize(Decimal("0.01"))
            if amount:
                rows.append(Execution(line=line, month=month, amount=amount))
    Execution.objects.bulk_create(rows, batch_size=2000)


def _adjust_and_ask(budget, street, officer) -> None:
    leaves = services.leaf_lines(budget)
    elevator, sanitation = leaves.get("2120399"), leaves.get("2120501")
    if elevator is None or sanitation is None:
        return
    meeting = "2026年第二次居民议事会议审议通过（演示）"
    Adjustment.objects.bulk_create([
        Adjustment(line=elevator, amount=Decimal("1200000.00"), approved_by=meeting,
                   reason="老旧小区加装电梯项目增加，追加补助资金。", approved_on=date(2026, 5, 22),
                   recorded_by=officer),
        Adjustment(line=sanitation, amount=Decimal("-1200000.00"), approved_by=meeting,
                   reason="垃圾清运合同招标节约资金，调剂用于加装电梯。", approved_on=date(2026, 5, 22),
                   recorded_by=officer),
    ])
    member = User.objects.filter(role_assignments__role=Role.COUNCIL_MEMBER,
                                 role_assignments__unit=street).order_by("mobile").first()
    if member is not None:
        Question.objects.bulk_create([Question(
            line=elevator, asker=member, text="加装电梯补助的标准是多少？今年计划补助多少台？",
            asked_at=timezone.make_aware(datetime.combine(date(2026, 1, 10), time(10))),
            state=QuestionState.ANSWERED, answered_by=officer,
            answered_at=timezone.make_aware(datetime.combine(date(2026, 1, 14), time(15))),
            answer="按每台20万元的标准补助，今年计划补助12台，资金按进度拨付。")])


def _warnings(budget, street, officer) -> None:
    """The rules' warnings on this year's execution, answered by the street, except one of
    西溪's, still open."""
    from .models import ExecutionWarning, WarningState
    from .monitoring import raise_warnings

    if budget.year != timezone.localdate().year:
        return
    raise_warnings(budget)
    rows = ExecutionWarning.objects.filter(budget=budget).order_by("kind", "key")
    keep_open = rows.first().pk if street.name == "西溪街道" and rows.exists() else None
    rows.exclude(pk=keep_open).update(
        state=WarningState.ANSWERED, responded_by=officer, responded_at=timezone.now(),
        response="该项目按合同进度在第四季度集中支付，预计年底前执行到位。（演示）")
