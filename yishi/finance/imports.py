"""Reading and checking a street's budget workbook (Excel or CSV) before anything is stored.

The workbook holds the standard tables of a department budget, one sheet each: 收支总表 (revenue),
支出功能分类 (spending by function, 类/款/项), 基本支出经济分类 (basic spending by economic type,
类/款) and 三公经费 (four rows). A CSV holds the same rows with the table's name in a first column.
Monthly execution has its own small table (编码, 月份, 金额).

Every row gets a verdict in the report; the import is all or nothing, so one bad row stores
nothing. The checks, in order: the file, then each row (amount, code, duplicates), then the sums
(项 → 款 → 类, revenue = spending), naming the first line that does not add up."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import MAX_AMOUNT, LineKind, System, ThreePublicKind, level_of, parent_code

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

THREE_PUBLIC = "three_public"
# Sheet (and CSV table) names, as the district's templates name them.
TABLES = {
    "收支总表": LineKind.REVENUE,
    "支出功能分类": LineKind.FUNCTION,
    "基本支出经济分类": LineKind.ECONOMIC,
    "三公经费": THREE_PUBLIC,
}
TABLE_NAMES = {kind: name for name, kind in TABLES.items()}
NOTES_SHEET = "填写说明"  # the template's instructions, not data
COLUMNS = ["编码", "名称", "金额", "实际数", "说明"]
EXECUTION_COLUMNS = ["编码", "月份", "金额"]
THREE_PUBLIC_CODES = {str(n): kind for n, kind in enumerate(ThreePublicKind.values, start=1)}

LEVEL_WORDS = {1: gettext_lazy("类"), 2: gettext_lazy("款"), 3: gettext_lazy("项")}


class FileError(Exception):
    """The file as a whole cannot be read (wrong type, formulas, too big)."""


@dataclass
class Row:
    table: str          # a LineKind value or THREE_PUBLIC
    where: str          # "支出功能分类 第5行", for the report
    cells: dict
    code: str = ""
    name: str = ""
    amount: Decimal | None = None
    actual: Decimal | None = None
    explanation: str = ""
    month: int | None = None
    error: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not any(r.error for r in self.rows)

    def fail(self, row: Row | None, message: str) -> None:
        if row is not None and not row.error:
            row.error = message
        self.errors.append(f"{row.where}: {message}" if row is not None else message)

    @property
    def first_error(self) -> str:
        return self.errors[0] if self.errors else ""


# --- reading the file -----------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_tables(filename: str, data: bytes, columns: list[str], *,
                tables: bool = True) -> list[tuple[str, str, dict]]:
    """(table name, where, cells by column) for each non-empty row. `tables`: the file holds
    several tables (sheets, or a first column 表 in a CSV)."""
    if len(data) > MAX_BYTES:
        raise FileError(_("The file is larger than 5 MB."))
    name = (filename or "").lower()
    if name.endswith(".xlsx") and data[:2] == b"PK":
        return _read_xlsx(data, columns, tables)
    if name.endswith(".csv"):
        return _read_csv(data, columns, tables)
    raise FileError(_("Upload the template as an Excel workbook (.xlsx) or a CSV file (.csv)."))


def _read_xlsx(data: bytes, columns, tables):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise FileError(_("This is not an Excel (.xlsx) file.")) from None
    out, count = [], 0
    for sheet in book.worksheets if tables else book.worksheets[:1]:
        if sheet.title.strip() == NOTES_SHEET:
            continue
        header = None
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = []
            for cell in cells:
                # A formula's value is whatever the spreadsheet last computed (or nothing):
                # a budget is imported as the figures themselves.
                if cell.data_type == "f":
                    raise FileError(_("Cell %(cell)s of sheet “%(sheet)s” holds a formula; "
                                      "paste the values instead.")
                                    % {"cell": cell.coordinate, "sheet": sheet.title})
                values.append(cell.value)
            if header is None:
                header = [_text(v) for v in values]
                continue
            if not any(_text(v) for v in values):
                continue
            count += 1
            if count > MAX_ROWS:
                raise FileError(_("At most %(n)d rows at a time.") % {"n": MAX_ROWS})
            cells = {h: values[i] if i < len(values) else None for i, h in enumerate(header)}
            out.append((sheet.title.strip(), _("%(table)s row %(n)d") % {
                "table": sheet.title.strip(), "n": number}, cells))
    book.close()
    return out


def _read_csv(data: bytes, columns, tables):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError(_("The CSV file must be saved as UTF-8 or GB18030 text."))
    if "\x00" in text:
        raise FileError(_("This is not a CSV file."))
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if tables and (not header or header[0] != "表"):
        raise FileError(_("The first column of the CSV must be “表” (the table's name)."))
    out = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(out) >= MAX_ROWS:
            raise FileError(_("At most %(n)d rows at a time.") % {"n": MAX_ROWS})
        cells = {h: values[i] if i < len(values) else "" for i, h in enumerate(header)}
        table = cells.pop("表", "").strip() if tables else ""
        out.append((table, _("row %(n)d") % {"n": number}, cells))
    return out


# --- checking values ------------------------------------------------------------------------

def parse_amount(value, *, signed: bool = False) -> Decimal:
    """An amount in 元 to the fen: a number with at most two decimals, in the stated range.
    Raises ValueError with the message for the user."""
    if value is None or _text(value) == "":
        raise ValueError(_("The amount is missing."))
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
    text = str(value).strip().replace(",", "").replace("，", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value}) from None
    if not amount.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("%(value)s has more than two decimals: amounts are in 元 to the "
                           "fen.") % {"value": value})
    amount = amount.quantize(Decimal("0.01"))
    if not signed and amount < 0:
        raise ValueError(_("An amount cannot be negative."))
    if abs(amount) > MAX_AMOUNT:
        raise ValueError(_("%(value)s is above the largest amount allowed (%(max)s 元).")
                         % {"value": value, "max": MAX_AMOUNT})
    return amount


def check_budget(raw: list[tuple[str, str, dict]], codes: dict[tuple[str, str], object], *,
                 with_actual: bool = False) -> Report:
    """Check a budget (or final accounts) workbook's rows against the year's edition `codes`
    ({(system, code): Classification})."""
    report = Report()
    seen = {}
    for table_name, where, cells in raw:
        row = Row(table=TABLES.get(table_name, ""), where=where, cells=cells)
        report.rows.append(row)
        if not row.table:
            report.fail(row, _("Unknown table “%(name)s”; the tables are %(tables)s.")
                        % {"name": table_name, "tables": "、".join(TABLES)})
            continue
        row.code = _text(cells.get("编码"))
        row.name = _text(cells.get("名称"))
        row.explanation = _text(cells.get("说明"))
        try:
            row.amount = parse_amount(cells.get("金额"))
            if row.table == THREE_PUBLIC and _text(cells.get("实际数")):
                row.actual = parse_amount(cells.get("实际数"))
        except ValueError as exc:
            report.fail(row, str(exc))
            continue
        if not row.code:
            report.fail(row, _("The code is missing."))
            continue
        if row.table in (LineKind.FUNCTION, LineKind.ECONOMIC):
            system = System.FUNCTION if row.table == LineKind.FUNCTION else System.ECONOMIC
            found = codes.get((system, row.code))
            deepest = 3 if system == System.FUNCTION else 2
            if found is None or not 1 <= level_of(row.code) <= deepest:
                report.fail(row, _("Code %(code)s is not in this year's edition of the "
                                   "classification.") % {"code": row.code})
                continue
            row.name = row.name or found.name
        elif row.table == THREE_PUBLIC and row.code not in THREE_PUBLIC_CODES:
            report.fail(row, _("三公经费 rows are numbered 1 to 4, not “%(code)s”.")
                        % {"code": row.code})
            continue
        elif row.table == LineKind.REVENUE and (len(row.code) > 7 or not row.name):
            report.fail(row, _("A revenue line needs a code of at most 7 characters and a "
                               "name."))
            continue
        key = (row.table, row.code)
        if key in seen:
            report.fail(row, _("Code %(code)s appears twice in %(table)s (first at %(where)s).")
                        % {"code": row.code, "table": TABLE_NAMES[row.table],
                           "where": seen[key].where})
            continue
        seen[key] = row
    if not report.ok:
        return report
    _check_sums(report, seen)
    return report


def _check_sums(report: Report, lines: dict) -> None:
    for table in (LineKind.FUNCTION, LineKind.ECONOMIC):
        rows = [r for (t, _c), r in lines.items() if t == table]
        children: dict[str, Decimal] = {}
        for row in rows:
            parent = parent_code(row.code)
            if parent and (table, parent) not in lines:
                report.fail(row, _("The line above %(code)s (%(parent)s) is missing.")
                            % {"code": row.code, "parent": parent})
                return
            if parent:
                children[parent] = children.get(parent, Decimal(0)) + row.amount
        for row in rows:
            if row.code in children and children[row.code] != row.amount:
                report.fail(row, _("%(level)s %(code)s %(name)s is %(amount)s but the lines under "
                                   "it add up to %(sum)s.") % {
                    "level": LEVEL_WORDS[level_of(row.code)], "code": row.code, "name": row.name,
                    "amount": row.amount, "sum": children[row.code]})
                return
    revenue = sum((r.amount for (t, _c), r in lines.items() if t == LineKind.REVENUE),
                  Decimal(0))
    spending = sum((r.amount for (t, _c), r in lines.items()
                    if t == LineKind.FUNCTION and level_of(r.code) == 1), Decimal(0))
    if not spending:
        report.fail(None, _("The table 支出功能分类 is empty."))
    elif revenue != spending:
        report.fail(None, _("Revenue (%(revenue)s) does not equal spending (%(spending)s).")
                    % {"revenue": revenue, "spending": spending})
    if not report.ok:
        return
    present = {c for (t, c) in lines if t == THREE_PUBLIC}
    missing = [c for c in THREE_PUBLIC_CODES if c not in present]
    if missing:
        report.fail(None, _("三公经费 needs its four rows; row %(n)s is missing.")
                    % {"n": missing[0]})


def check_execution(raw: list[tuple[str, str, dict]], leaves: dict[str, object], *, year: int,
                    today) -> Report:
    """Monthly execution rows against the budget's lowest functional lines `leaves` (by code);
    no month in the future."""
    report = Report()
    seen = {}
    for _table, where, cells in raw:
        row = Row(table=LineKind.FUNCTION, where=where, cells=cells)
        report.rows.append(row)
        row.code = _text(cells.get("编码"))
        try:
            row.amount = parse_amount(cells.get("金额"), signed=True)
        except ValueError as exc:
            report.fail(row, str(exc))
            continue
        month = _text(cells.get("月份"))
        if not month.isdigit() or not 1 <= int(month) <= 12:
            report.fail(row, _("The month must be a number from 1 to 12, not “%(m)s”.")
                        % {"m": month})
            continue
        row.month = int(month)
        if (year, row.month) > (today.year, today.month):
            report.fail(row, _("%(year)d-%(month)02d is in the future.")
                        % {"year": year, "month": row.month})
            continue
        line = leaves.get(row.code)
        if line is None:
            report.fail(row, _("Code %(code)s is not a lowest-level line of this budget.")
                        % {"code": row.code})
            continue
        row.name = line.name
        if (row.code, row.month) in seen:
            report.fail(row, _("Code %(code)s has two figures for month %(m)d.")
                        % {"code": row.code, "m": row.month})
            continue
        seen[(row.code, row.month)] = row
    return report
