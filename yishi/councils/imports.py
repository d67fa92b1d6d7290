"""Members from an Excel roster (openpyxl): all or nothing, with a row-by-row report of what was
rejected and why."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yishi.core.models import User, normalize_mobile
from yishi.core.permissions import require

from .models import MemberCategory, Term
from .roster import (
    NOT_FOUND,
    MemberInput,
    _add_member,
    _resident_of,
    check_member,
    invite_member,
)
from .workflows import CouncilError

# The columns, in order: header in Chinese (as the template has it) or the English code.
COLUMNS = [
    ("name", "姓名", gettext_lazy("name")),
    ("mobile", "手机号码", gettext_lazy("mobile number")),
    ("category", "类别", gettext_lazy("category")),
    ("community", "社区", gettext_lazy("community")),
    ("birth_date", "出生日期", gettext_lazy("date of birth")),
    ("in_street_since", "居住或工作起始日期", gettext_lazy("in the street since")),
]
MAX_ROWS = 2000


@dataclass
class ImportReport:
    added: int = 0
    invited: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)


def template_headers() -> list[str]:
    return [zh for _code, zh, _label in COLUMNS]


def _category(value) -> str | None:
    text = str(value or "").strip()
    for code, label in MemberCategory.choices:
        chinese = re.search(r"\((.+)\)", str(label))
        if text in (code, str(label)) or (chinese and text == chinese.group(1)):
            return code
    return None


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _read(upload) -> list[tuple]:
    from django.core.exceptions import ValidationError

    from yishi.core.spreadsheets import read_rows

    try:
        return read_rows(upload, max_rows=MAX_ROWS)
    except ValidationError as exc:
        raise CouncilError({"file": exc.messages}) from None


def import_members(actor, term: Term, upload) -> ImportReport:
    """Check every row against the council's rules; save all of them or none."""
    council = term.council
    require(actor, "councils.manage", council.street)
    rows = _read(upload)
    if not rows:
        raise CouncilError({"file": _("The file is empty.")})
    header = [str(c or "").strip() for c in rows[0]]
    while header and not header[-1]:
        header.pop()
    expected_zh = template_headers()
    expected_en = [code for code, _zh, _label in COLUMNS]
    if header not in (expected_zh, expected_en):
        raise CouncilError({"file": _(
            "Wrong columns. The first row must be exactly: %(columns)s (found: %(found)s).") % {
            "columns": "、".join(expected_zh), "found": "、".join(header) or "—"}})
    body = [r for r in rows[1:] if any(c not in (None, "") for c in r)]
    if not body:
        raise CouncilError({"file": _("The file has no members below the header row.")})
    if len(body) > MAX_ROWS:
        raise CouncilError({"file": _("At most %(n)d rows at a time.") % {"n": MAX_ROWS}})
    communities = {c.name: c for c in council.street.children.all()}
    on = timezone.localdate()
    report, inputs, seen = ImportReport(), [], set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(c not in (None, "") for c in row):
            continue
        cells = list(row) + [None] * (len(COLUMNS) - len(row))
        name, mobile, category, community, birth, since = cells[:len(COLUMNS)]
        problems = []
        category_code = _category(category)
        if category_code is None:
            problems.append(_("unknown category “%(value)s”") % {"value": category or ""})
        community_unit = None
        if community not in (None, ""):
            community_unit = communities.get(str(community).strip())
            if community_unit is None:
                problems.append(_("community “%(value)s” is not in this street") % {
                    "value": community})
        data = MemberInput(mobile=str(mobile or "").strip(), name=str(name or "").strip(),
                           category=category_code or "", community=community_unit,
                           birth_date=_date(birth), in_street_since=_date(since))
        if birth not in (None, "") and data.birth_date is None:
            problems.append(_("the date of birth is not a date"))
        if since not in (None, "") and data.in_street_since is None:
            problems.append(_("the date in the street is not a date"))
        errors = check_member(council, term, data, on)
        errors.pop("category", None)
        problems += [str(message) for message in errors.values()]
        key = normalize_mobile(data.mobile)
        # An existing account is never linked by the sheet: one living in the street is
        # invited (it answers in the app), one living elsewhere is refused like on the form.
        if User.objects.filter(mobile=key).exists() and _resident_of(council.street,
                                                                     key) is None:
            problems.append(str(NOT_FOUND))
        if key in seen:
            problems.append(_("the same mobile number is on an earlier row"))
        seen.add(key)
        if problems:
            report.rejected.append((number, "; ".join(problems)))
        else:
            inputs.append(data)
    if report.rejected:
        return report
    with transaction.atomic():
        for data in inputs:
            if User.objects.filter(mobile=normalize_mobile(data.mobile)).exists():
                invite_member(actor, term, data, on)
                report.invited += 1
            else:
                # A new person: the street holds their signed paper consent with the row.
                _add_member(actor, term, data, on)
    report.added = len(inputs) - report.invited
    return report


def template_workbook() -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "议事会成员"
    sheet.append(template_headers())
    sheet.append(["王秀英", "13800001234", "居民代表", "", "1965-03-12", "1998-06-01"])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
