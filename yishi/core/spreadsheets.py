"""Reading an uploaded Excel workbook's first sheet, the same way for every import: a file that is
not a workbook and a sheet longer than the import takes get a clear message, and no more rows than
that are ever read into memory (a small .xlsx can unpack into millions of rows)."""

import io
from itertools import islice

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def read_rows(data, *, max_rows: int) -> list[tuple]:
    """The first sheet's rows as value tuples, header included. `data` is bytes or a file.
    Raises ValidationError (code "not_xlsx" or "too_many_rows")."""
    from openpyxl import load_workbook

    source = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
        rows = list(islice(workbook.active.iter_rows(values_only=True), max_rows + 2))
        workbook.close()
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(_("This is not an Excel (.xlsx) file."), code="not_xlsx") from None
    if len(rows) > max_rows + 1:
        raise ValidationError(_("At most %(n)d rows at a time.") % {"n": max_rows},
                              code="too_many_rows")
    return rows
