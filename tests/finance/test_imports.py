"""The budget workbook import: all or nothing, a verdict per row, and each kind of bad input of
the issue refused with a message naming the problem, changing nothing."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from yishi.core.models import AuditRecord
from yishi.finance import services
from yishi.finance.models import Adjustment, BudgetLine, Execution, LineKind

from .conftest import YEAR, csv_of, rows_for, xlsx_of

pytestmark = pytest.mark.django_db


def _replace(rows, code, amount, table="支出功能分类"):
    return [(t, c, n, amount if (t, c) == (table, code) else a, x, e) for t, c, n, a, x, e in rows]


def _rejected(budget, actor, rows=None, *, data=None, name="budget.csv"):
    before = list(BudgetLine.objects.filter(budget=budget).values_list("code", "original"))
    with pytest.raises(services.FinanceError) as refused:
        services.import_budget(actor, budget, name, data if data is not None else csv_of(rows))
    after = list(BudgetLine.objects.filter(budget=budget).values_list("code", "original"))
    assert after == before  # all or nothing
    return refused.value


def test_a_consistent_workbook_is_imported_with_every_line(draft, fin):
    lines = BudgetLine.objects.filter(budget=draft)
    assert lines.filter(kind=LineKind.FUNCTION, level=3).exists()
    total = sum(ln.original for ln in lines.filter(kind=LineKind.FUNCTION, level=1))
    assert total == Decimal("150000000.00")
    revenue = sum(ln.original for ln in lines.filter(kind=LineKind.REVENUE))
    assert revenue == total
    assert draft.three_public.count() == 4
    assert lines.get(kind=LineKind.FUNCTION, code="201").name_en == "General public services"
    assert AuditRecord.objects.filter(action="finance.import_budget").count() == 1


def test_excel_and_csv_import_the_same_figures(draft, fin):
    rows = rows_for(YEAR, seed=9)
    report = services.import_budget(fin["finance_staff"], draft, "预算.xlsx", xlsx_of(rows))
    from_excel = dict(BudgetLine.objects.filter(budget=draft).values_list("code", "original"))
    services.import_budget(fin["finance_staff"], draft, "预算.csv", csv_of(rows))
    assert dict(BudgetLine.objects.filter(budget=draft).values_list("code", "original")) == \
        from_excel
    assert len(report.rows) == len(rows) and all(not r.error for r in report.rows)


def test_more_than_two_decimals_is_refused(draft, fin):
    rows = _replace(rows_for(YEAR), "2010101", "1000.005")
    error = _rejected(draft, fin["finance_staff"], rows)
    assert "1000.005" in error.messages[0] and "two decimals" in error.messages[0]
    assert error.report.rows[[r.code for r in error.report.rows].index("2010101")].error


def test_not_a_number_is_refused(draft, fin):
    error = _rejected(draft, fin["finance_staff"], _replace(rows_for(YEAR), "2010101", "一万"))
    assert "“一万” is not a number" in error.messages[0]


def test_lines_that_do_not_add_up_name_the_first_one(draft, fin):
    rows = rows_for(YEAR)
    amount = next(a for t, c, n, a, x, e in rows if c == "2010101")
    error = _rejected(draft, fin["finance_staff"],
                      _replace(rows, "2010101", amount + Decimal("0.01")))
    assert "20101" in error.messages[0] and "add up" in error.messages[0]


def test_revenue_must_equal_spending(draft, fin):
    rows = rows_for(YEAR)
    r01 = next(a for t, c, n, a, x, e in rows if c == "R01")
    error = _rejected(draft, fin["finance_staff"],
                      _replace(rows, "R01", r01 - 100, table="收支总表"))
    assert "Revenue" in error.messages[0] and "does not equal spending" in error.messages[0]


def test_a_code_missing_from_the_edition_is_refused(draft, fin):
    rows = [*rows_for(YEAR), ("支出功能分类", "2999999", "不存在", Decimal(0), None, "")]
    error = _rejected(draft, fin["finance_staff"], rows)
    assert "2999999 is not in this year's edition" in error.messages[0]


def test_the_same_line_twice_is_refused(draft, fin):
    rows = rows_for(YEAR)
    duplicate = next(r for r in rows if r[1] == "2010101")
    error = _rejected(draft, fin["finance_staff"], [*rows, duplicate])
    assert "2010101 appears twice" in error.messages[0]


def test_a_wrong_file_type_is_refused(draft, fin):
    error = _rejected(draft, fin["finance_staff"], data=b"%PDF-1.4 ...", name="budget.pdf")
    assert error.message_dict["file"][0].startswith("Upload the template as an Excel")
    error = _rejected(draft, fin["finance_staff"], data=b"not a zip", name="budget.xlsx")
    assert "Upload the template" in error.message_dict["file"][0]


def test_formula_cells_are_refused(draft, fin):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx_of(rows_for(YEAR))))
    book["支出功能分类"]["C2"] = "=SUM(C3:C5)"
    buffer = io.BytesIO()
    book.save(buffer)
    error = _rejected(draft, fin["finance_staff"], data=buffer.getvalue(), name="budget.xlsx")
    assert "C2" in error.messages[0] and "formula" in error.messages[0]


def test_a_frozen_budget_cannot_be_reimported(approved, fin):
    error = _rejected(approved, fin["finance_staff"], rows_for(YEAR, seed=2))
    assert error.code == "frozen" and "can no longer be changed" in error.messages[0]


def test_another_streets_staff_cannot_touch_it(draft, fin):
    for person in ("beishan_finance", "street_staff", "council_member", "resident"):
        with pytest.raises(PermissionDenied):
            services.import_budget(fin[person], draft, "b.csv", csv_of(rows_for(YEAR, seed=3)))
    assert BudgetLine.objects.filter(budget=draft, original=Decimal(0)).count() >= 0


# --- adjustments and execution ---------------------------------------------------------------------

def _leaf(budget, code="2120399"):
    return BudgetLine.objects.get(budget=budget, kind=LineKind.FUNCTION, code=code)


def test_an_adjustment_without_its_approval_is_refused(approved, fin):
    with pytest.raises(services.FinanceError) as refused:
        services.record_adjustment(fin["finance_staff"], _leaf(approved), amount="100000",
                                   reason="追加", approved_by="", approved_on=None)
    assert set(refused.value.message_dict) == {"approved_by", "approved_on"}
    assert not Adjustment.objects.exists()


def test_adjusted_is_original_plus_adjustments_rolled_up(approved, fin):
    from yishi.finance.queries import figures

    line = _leaf(approved)
    other = _leaf(approved, "2120501")
    for amount, target in (("1200000.00", line), ("-200000", line), ("-1000000", other)):
        services.record_adjustment(fin["finance_staff"], target, amount=amount, reason="调剂",
                                   approved_by="第二次居民议事会议", approved_on=date(YEAR, 1, 1))
    f = figures(approved)
    assert f["2120399"].adjusted == line.original + Decimal("1000000")
    assert f["21203"].adjusted == BudgetLine.objects.get(budget=approved, kind=LineKind.FUNCTION,
                                                         code="21203").original + 1000000
    assert f["212"].adjusted == f["212"].original  # moved between lines of one class
    with pytest.raises(services.FinanceError) as refused:  # cannot go below zero
        services.record_adjustment(fin["finance_staff"], other, amount=f"-{other.original}",
                                   reason="x", approved_by="会议", approved_on=date(YEAR, 1, 1))
    assert "below zero" in refused.value.messages[0]


def _execution_csv(rows) -> bytes:
    return ("编码,月份,金额\n" + "\n".join(",".join(map(str, r)) for r in rows)).encode()


def test_execution_for_a_future_month_is_refused(approved, fin):
    today = timezone.localdate()
    if today.month == 12:
        pytest.skip("no future month left in this year")
    with pytest.raises(services.FinanceError) as refused:
        services.import_execution(fin["finance_staff"], approved, "e.csv", _execution_csv(
            [("2120399", 1, "100.00"), ("2120399", today.month + 1, "100.00")]))
    assert "is in the future" in refused.value.messages[0]
    assert not Execution.objects.exists()


def test_execution_is_imported_rolled_up_and_replaced(approved, fin):
    from yishi.finance.queries import figures

    services.import_execution(fin["finance_staff"], approved, "e.csv", _execution_csv(
        [("2120399", 1, "100.50"), ("2120501", 1, "200")]))
    services.import_execution(fin["finance_staff"], approved, "e.csv", _execution_csv(
        [("2120399", 1, "300.50")]))
    f = figures(approved)
    assert f["2120399"].executed == Decimal("300.50")
    assert f["212"].executed == Decimal("500.50")
    with pytest.raises(services.FinanceError) as refused:  # not a lowest line
        services.import_execution(fin["finance_staff"], approved, "e.csv",
                                  _execution_csv([("212", 1, "1")]))
    assert "not a lowest-level line" in refused.value.messages[0]
    with pytest.raises(PermissionDenied):
        services.import_execution(fin["beishan_finance"], approved, "e.csv",
                                  _execution_csv([("2120399", 1, "1")]))


def test_execution_before_approval_is_refused(draft, fin):
    with pytest.raises(services.FinanceError):
        services.import_execution(fin["finance_staff"], draft, "e.csv",
                                  _execution_csv([("2120399", 1, "1")]))
