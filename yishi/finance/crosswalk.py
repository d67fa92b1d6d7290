"""The crosswalk between classification editions (科目对照): 《政府收支分类科目》 renumbers codes from
one year to the next, so comparing a budget with last year's needs the old code of each line. The
district imports the crosswalk from a CSV file (类型, 旧编码, 新编码); the year-over-year comparison
reads it and lists every line it still cannot map."""

import csv
import io
from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.permissions import require

from .models import CodeMapping, Edition, System
from .services import SYSTEM_WORDS, FinanceError

COLUMNS = ["类型", "旧编码", "新编码"]
MAX_ROWS = 5000
MAX_PROBLEMS = 20


@transaction.atomic
def import_crosswalk(actor, year: int, data: bytes, filename: str = "") -> int:
    """Replace the crosswalk from `year - 1`'s edition to `year`'s; all or nothing. Each old code
    must be in last year's edition and each new code in this year's, at the same level. The
    refusal lists the rows at fault (the first twenty)."""
    require(actor, "finance.edit_classification", None)
    if filename and not filename.lower().endswith(".csv"):
        raise FinanceError({"file": _("The crosswalk is a CSV file (.csv) with the columns "
                                      "%(columns)s.") % {"columns": "、".join(COLUMNS)}})
    if b"\x00" in data[:4096]:
        raise FinanceError({"file": _("This is not a CSV file.")})
    editions = {e.year: e for e in Edition.objects.filter(year__in=[year - 1, year])}
    if len(editions) < 2:
        raise FinanceError(_("The crosswalk needs the editions of %(last)d and %(year)d.")
                           % {"last": year - 1, "year": year}, code="edition")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FinanceError({"file": _("The file is not UTF-8 text.")}) from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or any(c not in reader.fieldnames for c in COLUMNS):
        raise FinanceError({"file": _("The file needs the columns %(columns)s.")
                            % {"columns": "、".join(COLUMNS)}})
    known = {y: set(e.codes.values_list("system", "code")) for y, e in editions.items()}
    lines, problems, seen = [], [], set()
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise FinanceError({"file": _("At most %(n)d rows at a time.") % {"n": MAX_ROWS}})
        system = SYSTEM_WORDS.get((row.get("类型") or "").strip())
        old, new = (row.get("旧编码") or "").strip(), (row.get("新编码") or "").strip()
        if system is None:
            problems.append(_("row %(n)d: the type must be %(function)s or %(economic)s.")
                            % {"n": number, "function": "功能", "economic": "经济"})
        elif (system, old) not in known[year - 1]:
            problems.append(_("row %(n)d: %(code)s is not a code of the %(year)d edition.")
                            % {"n": number, "code": old, "year": year - 1})
        elif (system, new) not in known[year]:
            problems.append(_("row %(n)d: %(code)s is not a code of the %(year)d edition.")
                            % {"n": number, "code": new, "year": year})
        elif len(old) != len(new):
            problems.append(_("row %(n)d: %(old)s and %(new)s are not at the same level.")
                            % {"n": number, "old": old, "new": new})
        elif (system, old) in seen:
            problems.append(_("row %(n)d: %(code)s is mapped twice.") % {"n": number, "code": old})
        else:
            seen.add((system, old))
            lines.append(CodeMapping(edition=editions[year], system=system, old_code=old,
                                     new_code=new))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise FinanceError(problems)
    editions[year].crosswalk.all().delete()
    CodeMapping.objects.bulk_create(lines)
    audit.record(actor, "finance.import_crosswalk", editions[year], after={"lines": len(lines)})
    return len(lines)


def editions_with_crosswalk():
    """The editions a crosswalk can lead to (those with last year's edition present), each with
    its number of crosswalk lines, latest first."""
    from django.db.models import Count

    years = set(Edition.objects.values_list("year", flat=True))
    return [e for e in Edition.objects.annotate(lines=Count("crosswalk")).order_by("-year")
            if e.year - 1 in years]


def crosswalk_lines(edition: Edition):
    return edition.crosswalk.order_by("system", "new_code", "old_code")


def old_codes(year: int, system: str = System.FUNCTION) -> dict[str, list[str]]:
    """This year's code → last year's codes, for the codes the crosswalk renumbers."""
    mapping = defaultdict(list)
    for old, new in (CodeMapping.objects.filter(edition__year=year, system=system)
                     .values_list("old_code", "new_code")):
        mapping[new].append(old)
    return dict(mapping)
