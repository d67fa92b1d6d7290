"""Tables downloaded as CSV (UTF-8 with a byte-order mark, so that Excel opens Chinese
correctly) or as an Excel workbook."""

import csv
from io import BytesIO

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_response(header: list, rows, fmt: str, filename: str,
                   sheet_title: str = "") -> HttpResponse:
    """`rows` is any iterable of lists (a generator over a queryset's iterator() is fine)."""
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(header)
        writer.writerows(rows)
        return response
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = (sheet_title or filename)[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
