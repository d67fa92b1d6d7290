"""The final accounts (决算): imported all or nothing into last year's approved budget from the
budget's template (or the budget's own final-accounts template), shown beside the budget in the
standard tables, downloaded, and carried in the Fiscal Data Package."""

import csv
import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from yishi.core.models import AuditRecord
from yishi.finance import services
from yishi.finance.models import Budget, BudgetLine, LineKind, ThreePublic

from .conftest import YEAR, csv_of, pass_review, rows_for, xlsx_of

pytestmark = pytest.mark.django_db
X = "330106002"  # 西溪街道


@pytest.fixture
def last_year(fin, xihu, review_item):
    officer = fin["finance_staff"]
    budget = services.create_budget(officer, xihu["xixi"], YEAR - 1)
    services.import_budget(officer, budget, "b.csv", csv_of(rows_for(YEAR - 1, seed=3)))
    services.submit_for_review(officer, budget, review_item)
    pass_review(review_item)
    budget.refresh_from_db()
    services.approve_budget(fin["district_staff"], budget, decision="批复",
                            approved_on=timezone.localdate() - timedelta(days=1))
    budget.refresh_from_db()
    return budget


def final_rows(factor=Decimal("0.95")):
    """Last year's budget rows turned into consistent final accounts: every figure scaled (the
    sums still hold to the fen because leaves are rounded and rolled up again), 三公 actual."""
    rows = rows_for(YEAR - 1, seed=3, three_public_actual=True)
    out, leaves = [], {}
    for table, code, _name, amount, _actual, _note in rows:
        if table in ("支出功能分类", "基本支出经济分类"):
            leaves.setdefault(table, {})[code] = amount
    finals = {}
    for table, codes in leaves.items():
        parents = {c[:-2] for c in codes if len(c) > 3}
        scaled = {c: (a * factor).quantize(Decimal("0.01")) for c, a in codes.items()
                  if c not in parents}
        for code in codes:
            finals[(table, code)] = sum((a for c, a in scaled.items() if c.startswith(code)),
                                        Decimal(0))
    spent = sum((a for (t, c), a in finals.items() if t == "支出功能分类" and len(c) == 3),
                Decimal(0))
    for table, code, name, amount, actual, note in rows:
        if table == "收支总表":
            amount = spent if code == "R01" else Decimal(0)
        elif table != "三公经费":
            amount = finals[(table, code)]
        out.append((table, code, name, amount, actual, note + ("（决算）" if note else "")))
    return out


def test_final_accounts_go_beside_every_table_of_the_budget(last_year, fin):
    services.import_final_accounts(fin["finance_staff"], last_year, "final.xlsx",
                                   xlsx_of(final_rows()))
    lines = BudgetLine.objects.filter(budget=last_year)
    assert not lines.filter(final__isnull=True).exclude(kind=LineKind.REVENUE,
                                                        code="R02").exists()
    top = lines.filter(kind=LineKind.FUNCTION, level=1)
    revenue = lines.get(kind=LineKind.REVENUE, code="R01")
    assert revenue.final == sum(ln.final for ln in top)
    economic = lines.filter(kind=LineKind.ECONOMIC).exclude(final=None)
    assert economic.count() == lines.filter(kind=LineKind.ECONOMIC).count()
    three = ThreePublic.objects.filter(budget=last_year)
    assert all(r.actual is not None and r.explanation.endswith("（决算）") for r in three)
    assert AuditRecord.objects.filter(action="finance.import_final_accounts").count() == 1


@pytest.mark.parametrize("change, words", [
    (lambda rows: [(*r[:3], Decimal("1.005"), *r[4:]) if r[1] == "2010101" else r
                   for r in rows], "more than two decimals"),
    (lambda rows: [r[:4] + (None,) + r[5:] if r[0] == "三公经费" and r[1] == "3" else r
                   for r in rows], "needs its actual figure"),
    (lambda rows: [r[:3] + (r[3] + 1,) + r[4:] if r[0] == "三公经费" and r[1] == "4" else r
                   for r in rows], "in the approved budget"),
    (lambda rows: [(*r[:3], r[3] + 1, *r[4:]) if r[1] == "201" else r for r in rows],
     "add up to"),
])
def test_bad_final_accounts_change_nothing(last_year, fin, change, words):
    before = list(BudgetLine.objects.filter(budget=last_year).values_list("final", flat=True))
    with pytest.raises(services.FinanceError) as refused:
        services.import_final_accounts(fin["finance_staff"], last_year, "f.csv",
                                       csv_of(change(final_rows())))
    assert any(words in m for m in refused.value.messages), refused.value.messages
    assert list(BudgetLine.objects.filter(budget=last_year)
                .values_list("final", flat=True)) == before
    assert not ThreePublic.objects.filter(budget=last_year, explanation__endswith="（决算）").exists()


def test_formula_cells_and_wrong_file_types_are_refused(last_year, fin):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx_of(final_rows())))
    book["支出功能分类"]["C2"] = "=SUM(C3:C9)"
    buffer = io.BytesIO()
    book.save(buffer)
    for name, data, words in (("f.xlsx", buffer.getvalue(), "formula"),
                              ("f.pdf", b"%PDF-1.4", ".xlsx"),
                              ("f.xlsx", b"not a zip", ".xlsx")):
        with pytest.raises(services.FinanceError) as refused:
            services.import_final_accounts(fin["finance_staff"], last_year, name, data)
        assert words in " ".join(refused.value.messages)
    assert not BudgetLine.objects.filter(budget=last_year, final__isnull=False).exists()


def test_another_streets_staff_and_residents_cannot_import(last_year, fin, verified_login):
    for person in ("beishan_finance", "council_member", "district_staff"):
        with pytest.raises(PermissionDenied):
            services.import_final_accounts(fin[person], last_year, "f.csv", csv_of(final_rows()))
    client = verified_login(fin["beishan_finance"])
    url = reverse("finance:upload", args=[X, YEAR - 1, "final"])
    upload = io.BytesIO(csv_of(final_rows()))
    upload.name = "f.csv"
    assert client.post(url, {"file": upload}).status_code == 302  # told, back to the page
    assert not BudgetLine.objects.filter(budget=last_year, final__isnull=False).exists()
    template = reverse("finance:final_template", args=[X, YEAR - 1, "csv"])
    assert client.get(template).status_code == 403


def test_this_years_budget_takes_no_final_accounts(approved, fin):
    with pytest.raises(services.FinanceError) as refused:
        services.import_final_accounts(fin["finance_staff"], approved, "f.csv",
                                       csv_of(rows_for(YEAR, three_public_actual=True)))
    assert "after the end of the year" in refused.value.messages[0]


def test_the_budgets_own_template_round_trips(last_year, fin, verified_login):
    """The final-accounts template lists the budget's lines with their budget for reference;
    filled in, it imports."""
    from openpyxl import load_workbook

    client = verified_login(fin["finance_staff"])
    response = client.get(reverse("finance:final_template", args=[X, YEAR - 1, "xlsx"]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        if sheet.title == "填写说明":
            continue
        header = [c.value for c in sheet[1]]
        reference, amount = header.index("预算数（参考）"), header.index("金额")
        for row in sheet.iter_rows(min_row=2):
            row[amount].value = row[reference].value
            if sheet.title == "三公经费":
                row[header.index("实际数")].value = 1000
    buffer = io.BytesIO()
    book.save(buffer)
    services.import_final_accounts(fin["finance_staff"], last_year, "t.xlsx", buffer.getvalue())
    assert set(ThreePublic.objects.filter(budget=last_year).values_list("actual", flat=True)) \
        == {Decimal("1000.00")}
    assert not BudgetLine.objects.filter(budget=last_year, final__isnull=True).exists()


@pytest.fixture
def imported(last_year, fin):
    services.import_final_accounts(fin["finance_staff"], last_year, "f.csv", csv_of(final_rows()))
    return last_year


def test_the_final_page_shows_budget_and_final_in_both_languages(client, settings, imported):
    url = reverse("finance:final", args=[X, YEAR - 1])
    for language, words in (("zh-hans", ["决算", "三公经费", "收支决算总表"]),
                            ("en", ["final accounts", "Final ÷ adjusted", "Revenue and spending"])):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(url).content.decode()
        assert all(w in page for w in words), (language, words)
        assert "<svg" in page and "<table" in page
    budget_page = client.get(reverse("finance:budget", args=[X, YEAR - 1])).content.decode()
    assert url in budget_page


def test_no_final_page_before_the_final_accounts(client, last_year):
    assert client.get(reverse("finance:budget", args=[X, YEAR - 1])).status_code == 200
    assert client.get(reverse("finance:final", args=[X, YEAR - 1])).status_code == 404


def test_downloads_carry_the_final_figures(client, imported):
    final_201 = BudgetLine.objects.get(budget=imported, kind=LineKind.FUNCTION, code="201").final
    for table, column in (("function", "决算数（元）"), ("economic", "决算数（元）"),
                          ("revenue", "决算数（元）")):
        response = client.get(reverse("finance:download", args=[X, YEAR - 1, table, "csv"]))
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows and all(r[column] != "" for r in rows if r.get("编码") != "R02"), table
        if table == "function":
            assert Decimal(next(r for r in rows if r["科目编码"] == "201")[column]) == final_201


def test_the_data_package_holds_the_final_accounts_and_validates(client, imported, tmp_path):
    from frictionless import Package

    response = client.get(reverse("finance:datapackage", args=[X, YEAR - 1]))
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in descriptor["resources"]} == {"budget.csv", "economic.csv",
                                                            "three_public.csv"}
    assert "final" in descriptor["model"]["measures"]
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = list(csv.DictReader(io.StringIO((tmp_path / "budget.csv").read_text("utf-8"))))
    assert all(r["final"] for r in rows)
    three = list(csv.DictReader(io.StringIO((tmp_path / "three_public.csv").read_text("utf-8"))))
    assert len(three) == 4 and all(r["actual"] for r in three)


def test_a_new_import_replaces_the_last_one(imported, fin):
    first = BudgetLine.objects.get(budget=imported, kind=LineKind.FUNCTION, code="201").final
    services.import_final_accounts(fin["finance_staff"], Budget.objects.get(pk=imported.pk),
                                   "f.csv", csv_of(final_rows(Decimal("0.90"))))
    again = BudgetLine.objects.get(budget=imported, kind=LineKind.FUNCTION, code="201").final
    assert again < first
