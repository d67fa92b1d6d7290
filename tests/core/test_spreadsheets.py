"""The one Excel reader every import uses: a non-workbook and an over-long sheet are refused with
a clear message, and no more rows than the limit are read."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from yishi.core.spreadsheets import read_rows


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_rows_come_back_with_the_header():
    assert read_rows(_xlsx([["姓名", "手机号码"], ["王芳", "13800000001"]]), max_rows=5) == [
        ("姓名", "手机号码"), ("王芳", "13800000001")]


def test_too_many_rows_are_refused():
    data = _xlsx([["手机号码"]] + [[f"138{i:08d}"] for i in range(11)])
    assert len(read_rows(data, max_rows=11)) == 12
    with pytest.raises(ValidationError) as caught:
        read_rows(data, max_rows=10)
    assert caught.value.code == "too_many_rows"


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 not really a zip", b"%PDF-1.4"])
def test_a_file_that_is_not_a_workbook_is_named_so(data):
    with pytest.raises(ValidationError) as caught:
        read_rows(data, max_rows=10)
    assert caught.value.code == "not_xlsx"
