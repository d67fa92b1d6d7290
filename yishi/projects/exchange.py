"""Excel in and out: a candidate list imported all-or-nothing with a report of every bad row,
and any project list exported (no personal data)."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yishi.core.models import Unit, UnitKind
from yishi.core.spreadsheets import read_rows

from . import services
from .models import Category, Cycle

COLUMNS = ["title", "description", "community", "category", "beneficiaries", "estimated_cost",
           "address"]
HEADERS = {"title": "项目名称", "description": "项目内容", "community": "社区", "category": "类别",
           "beneficiaries": "受益对象", "estimated_cost": "估算金额（元）", "address": "地址"}


MAX_ROWS = 500  # a candidate list, not a database dump


@dataclass
class ImportReport:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, message)


def import_proposals(actor, cycle: Cycle, data: bytes) -> ImportReport:
    """Each row is a proposal, made by the person importing (staff, during nomination). Any bad
    row and nothing is saved; the report names every bad row and why."""
    try:
        rows = read_rows(data, max_rows=MAX_ROWS)
    except ValidationError as exc:
        return ImportReport(0, [(0, " ".join(exc.messages))])
    if not rows:
        return ImportReport(0, [(0, _("The workbook is empty."))])
    header = [str(c or "").strip() for c in rows[0]]
    names = {v: k for k, v in HEADERS.items()} | {k: k for k in COLUMNS}
    index = {names[h]: i for i, h in enumerate(header) if h in names}
    missing = [HEADERS[c] for c in COLUMNS if c not in index and c != "address"]
    if missing:
        return ImportReport(0, [(1, _("Missing columns: %(cols)s.") % {"cols": "、".join(missing)})])
    communities = {u.name: u for u in Unit.objects.filter(kind=UnitKind.COMMUNITY,
                                                          path__startswith=cycle.unit.path)}
    categories = {c.name: c for c in Category.objects.all()} | {
        c.code: c for c in Category.objects.all()}
    report = ImportReport()
    with transaction.atomic():
        for number, row in enumerate(rows[1:], start=2):
            if not any(row):
                continue
            value = {c: ("" if row[i] is None else str(row[i]).strip()) for c, i in index.items()
                     if i < len(row)}
            community = communities.get(value.get("community", ""))
            category = categories.get(value.get("category", ""))
            if community is None:
                report.errors.append((number, _("Unknown community “%(v)s”.")
                                      % {"v": value.get("community", "")}))
                continue
            if category is None:
                report.errors.append((number, _("Unknown category “%(v)s”.")
                                      % {"v": value.get("category", "")}))
                continue
            try:
                with transaction.atomic():
                    services.propose(actor, cycle, services.ProposalInput(
                        title=value.get("title", ""), description=value.get("description", ""),
                        category=category, community=community,
                        beneficiaries=value.get("beneficiaries", ""),
                        estimated_cost=value.get("estimated_cost", ""),
                        address=value.get("address", "")))
                report.created += 1
            except ValidationError as exc:
                report.errors.append((number, " ".join(exc.messages)))
            except PermissionDenied as exc:
                report.errors.append((number, str(exc)))
        if report.errors:
            transaction.set_rollback(True)
            report.created = 0
    return report
