"""Downloads: each table of a published budget as CSV or Excel with Chinese headers (the same
figures as the page), the import templates, and the year's Fiscal Data Package
(datapackage.json + CSV, https://specs.frictionlessdata.io/fiscal-data-package/)."""

import csv
import io
import json
import zipfile

from django.http import HttpResponse

from yishi.core.exports import XLSX, safe_cell, table_response

from . import imports, queries
from .models import Budget, LineKind, ThreePublicKind

FUNCTION_HEADER = ["科目编码", "科目名称", "级次", "年初预算数（元）", "调整后预算数（元）",
                   "执行数（元）", "执行率（%）", "决算数（元）"]
ECONOMIC_HEADER = ["科目编码", "科目名称", "级次", "预算数（元）", "决算数（元）"]
REVENUE_HEADER = ["编码", "收入项目", "预算数（元）", "决算数（元）"]
THREE_PUBLIC_HEADER = ["项目", "预算数（元）", "实际数（元）", "说明"]
LEVEL_CN = {1: "类", 2: "款", 3: "项"}


def _flat(rows):
    for fig in rows:
        yield fig
        yield from _flat(fig.children)


def function_rows(budget: Budget) -> list[list]:
    return [[f.code, f.line.name, LEVEL_CN.get(f.level, ""), f.original, f.adjusted,
             f.executed, f.rate if f.rate is not None else "",
             f.final if f.final is not None else ""]
            for f in _flat(queries.tree(budget))]


def economic_rows(budget: Budget) -> list[list]:
    return [[f.code, f.line.name, LEVEL_CN.get(f.level, ""), f.original,
             f.final if f.final is not None else ""]
            for f in _flat(queries.tree(budget, LineKind.ECONOMIC))]


def revenue_rows(budget: Budget) -> list[list]:
    return [[ln.code, ln.name, ln.original, ln.final if ln.final is not None else ""]
            for ln in budget.lines.filter(kind=LineKind.REVENUE).order_by("position")]


def three_public_rows(budget: Budget) -> list[list]:
    labels = dict(ThreePublicKind.choices)
    rows = sorted(budget.three_public.all(), key=lambda r: r.order)
    return [[str(labels[r.kind]), r.planned, r.actual if r.actual is not None else "",
             r.explanation] for r in rows]


TABLES = {
    "revenue": (REVENUE_HEADER, revenue_rows, "收支总表"),
    "function": (FUNCTION_HEADER, function_rows, "支出功能分类"),
    "economic": (ECONOMIC_HEADER, economic_rows, "基本支出经济分类"),
    "three-public": (THREE_PUBLIC_HEADER, three_public_rows, "三公经费"),
}


def table_download(budget: Budget, table: str, fmt: str) -> HttpResponse:
    header, rows, title = TABLES[table]
    filename = f"{budget.street.code}-{budget.year}-{table}"
    return table_response(header, rows(budget), fmt, filename, sheet_title=title)


# --- import templates -----------------------------------------------------------------------------

TEMPLATE_NOTES = [
    ["填写说明"],
    ["1. 每张表一个工作表，表名不要修改：收支总表、支出功能分类、基本支出经济分类、三公经费。"],
    ["2. 金额单位为元，最多两位小数；只填数值，不要使用公式。"],
    ["3. 功能分类填到项（7位编码），经济分类填到款（5位编码）；上级科目金额等于下级之和。"],
    ["4. 收支总表的收入合计须等于支出功能分类的类级合计。"],
    ["5. 三公经费四行编码：1 因公出国(境)费、2 公务用车购置费、3 公务用车运行维护费、4 公务接待费。"],
    ["6. 导入全部成功或全部不导入，系统逐行给出检查结果。"],
    ["7. 决算：各表金额栏填决算数；三公经费的金额栏填批准的预算数，实际数栏填实际支出，说明栏说明增减原因。"
     "“预算数（参考）”一栏只供对照，导入时不读取。"],
]
FINAL_COLUMNS = ["编码", "名称", "预算数（参考）", "金额", "实际数", "说明"]


def budget_template(fmt: str, rows: list[tuple] | None = None) -> HttpResponse:
    """The empty template (or `rows` of (table, code, name, amount, actual, explanation) filled
    in, for the demo and the tests) as a workbook with one sheet per table, or as one CSV."""
    data = budget_workbook(rows or [], fmt)
    if fmt == "csv":
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="budget-template.{fmt}"'
    return response


def budget_workbook(rows: list[tuple], fmt: str = "xlsx") -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["表", *imports.COLUMNS])
        for table, code, name, amount, actual, explanation in rows:
            writer.writerow([table, code, name, amount, "" if actual is None else actual,
                             explanation])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in imports.TABLES:
        sheet = book.create_sheet(table)
        sheet.append(imports.COLUMNS)
        for t, code, name, amount, actual, explanation in rows:
            if t == table:
                sheet.append([code, safe_cell(name), float(amount) if amount % 1 else int(amount),
                              None if actual is None else float(actual), safe_cell(explanation)])
    notes = book.create_sheet(imports.NOTES_SHEET)
    for line in TEMPLATE_NOTES:
        notes.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def final_template(budget: Budget, fmt: str) -> HttpResponse:
    """The final-accounts template of one budget: its lines with their codes, names and budget
    figures for reference, the 金额 column left for the final figures; 三公经费 with the approved
    budget figures in place."""
    tables = {}
    for line in budget.lines.order_by("kind", "position", "code"):
        tables.setdefault(imports.TABLE_NAMES[line.kind], []).append(
            [line.code, safe_cell(line.name), line.original, None, None, ""])
    for row in sorted(budget.three_public.all(), key=lambda r: r.order):
        tables.setdefault(imports.TABLE_NAMES[imports.THREE_PUBLIC], []).append(
            [str(row.order + 1), "", row.planned, row.planned, None, ""])
    name = f"{budget.street.code}-{budget.year}-final-template.{fmt}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["表", *FINAL_COLUMNS])
        for table in imports.TABLES:
            for row in tables.get(table, []):
                writer.writerow([table, *("" if v is None else v for v in row)])
        response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"),
                                content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for table in imports.TABLES:
            sheet = book.create_sheet(table)
            sheet.append(FINAL_COLUMNS)
            for row in tables.get(table, []):
                sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
        notes = book.create_sheet(imports.NOTES_SHEET)
        for line in TEMPLATE_NOTES:
            notes.append(line)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def execution_template(fmt: str) -> HttpResponse:
    return table_response(imports.EXECUTION_COLUMNS, [], fmt, "execution-template",
                          sheet_title="月度执行")


# --- the Fiscal Data Package ---------------------------------------------------------------------

PACKAGE_FIELDS = [
    ("code", "string", "科目编码"), ("name", "string", "科目名称"),
    ("level", "integer", "级次（1类 2款 3项）"), ("parent", "string", "上级科目编码"),
    ("original", "number", "年初预算数（元）"), ("adjusted", "number", "调整后预算数（元）"),
    ("executed", "number", "执行数（元）"), ("final", "number", "决算数（元）"),
]
ECONOMIC_FIELDS = [
    ("code", "string", "科目编码"), ("name", "string", "科目名称"),
    ("level", "integer", "级次（1类 2款）"), ("parent", "string", "上级科目编码"),
    ("original", "number", "预算数（元）"), ("final", "number", "决算数（元）"),
]
THREE_PUBLIC_FIELDS = [
    ("row", "string", "项目"), ("planned", "number", "预算数（元）"),
    ("actual", "number", "实际数（元）"), ("explanation", "string", "说明"),
]


def _resource(name: str, fields, key: list[str]) -> dict:
    return {"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": {"fields": [{"name": n, "type": t, "title": title}
                                  for n, t, title in fields], "primaryKey": key}}


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _blank(value):
    return "" if value is None else value


def package_files(budget: Budget) -> dict[str, bytes]:
    """datapackage.json and the CSV files of one published year: the functional table with its
    figures (the final accounts' once imported), mapped to the Fiscal Data Package's model
    (amounts, functional classification, fiscal period, phase); the economic table and 三公经费
    beside it."""
    budget_csv = _csv([n for n, _t, _title in PACKAGE_FIELDS], [
        [f.code, f.line.name, f.level, f.code[:-2] if f.level > 1 else "", f.original,
         f.adjusted, f.executed, _blank(f.final)] for f in _flat(queries.tree(budget))])
    economic_csv = _csv([n for n, _t, _title in ECONOMIC_FIELDS], [
        [f.code, f.line.name, f.level, f.code[:-2] if f.level > 1 else "", f.original,
         _blank(f.final)] for f in _flat(queries.tree(budget, LineKind.ECONOMIC))])
    three_csv = _csv([n for n, _t, _title in THREE_PUBLIC_FIELDS], [
        [r.kind, r.planned, _blank(r.actual), r.explanation]
        for r in sorted(budget.three_public.all(), key=lambda r: r.order)])
    street = budget.street
    descriptor = {
        # A Fiscal Data Package is a tabular data package with a `model`; the named FDP profile
        # would make validators fetch its schema from the internet, which an intranet cannot.
        "profile": "tabular-data-package",
        "name": f"xihu-{street.code}-budget-{budget.year}",
        "title": f"{street.name}{budget.year}年部门预算",
        "description": ("演示数据，非真实财政数据。" if budget.is_demo else "")
        + f"{street.name}{budget.year}年预算，按支出功能分类列示到项。"
        + ("final 列为决算数。" if queries.has_final_accounts(budget) else ""),
        "regionCode": street.code,
        "countryCode": "CN",
        "version": budget.updated_at.isoformat(),
        "resources": [_resource("budget", PACKAGE_FIELDS, ["code"]),
                      _resource("economic", ECONOMIC_FIELDS, ["code"]),
                      _resource("three_public", THREE_PUBLIC_FIELDS, ["row"])],
        "model": {
            "measures": {
                m: {"source": m, "currency": "CNY", "factor": 1, "direction": "expenditure",
                    "phase": phase}
                # The final accounts (决算) are the year's audited outturn: FDP's "executed"
                # phase, as the monthly figures are until they come.
                for m, phase in (("original", "approved"), ("adjusted", "adjusted"),
                                 ("executed", "executed"), ("final", "executed"))
            },
            "dimensions": {
                "functional-classification": {
                    "dimensionType": "classification", "classificationType": "functional",
                    "primaryKey": ["code"],
                    "attributes": {"code": {"source": "code"}, "name": {"source": "name"},
                                   "level": {"source": "level"},
                                   "parent": {"source": "parent", "parent": "code"}},
                },
            },
        },
        "fiscalPeriod": {"start": f"{budget.year}-01-01", "end": f"{budget.year}-12-31"},
    }
    return {"datapackage.json": json.dumps(descriptor, ensure_ascii=False, indent=2)
            .encode("utf-8"), "budget.csv": budget_csv, "economic.csv": economic_csv,
            "three_public.csv": three_csv}


def package_zip(budget: Budget) -> HttpResponse:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in package_files(budget).items():
            archive.writestr(name, data)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{budget.street.code}-{budget.year}-datapackage.zip"')
    return response
