"""Tables downloaded as CSV (UTF-8 with a byte-order mark, so that Excel opens Chinese
correctly) or as an Excel workbook. Every export goes through `table_response`, which escapes
text that a spreadsheet would run as a formula."""

import csv
from io import BytesIO

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell starting with one of these is a formula to Excel, LibreOffice or WPS (a title
# "=HYPERLINK(...)" typed by a resident would run on the staff member's machine). OWASP's
# advice: prefix such text with an apostrophe, which shows it as the text it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as it may go into a spreadsheet cell: numbers, dates and None unchanged, text
    that would start a formula prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_rows(rows):
    for row in rows:
        yield [safe_cell(value) for value in row]


def table_response(header: list, rows, fmt: str, filename: str,
                   sheet_title: str = "") -> HttpResponse:
    """`rows` is any iterable of lists (a generator over a queryset's iterator() is fine)."""
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow([safe_cell(value) for value in header])
        writer.writerows(_safe_rows(rows))
        return response
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = (sheet_title or filename)[:31]
    sheet.append([safe_cell(value) for value in header])
    for row in _safe_rows(rows):
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
