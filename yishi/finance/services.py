"""Every change to a street's finances: one function per change, taking the actor, checking the
rule, changing data in one transaction, writing the audit record. Budget phases move only
through the workflow (workflows.BUDGET)."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.models import Role, Unit, UnitKind
from yishi.core.notifications import Text, notify
from yishi.core.permissions import require
from yishi.core.queries import holders
from yishi.core.workflow import transition
from yishi.moderation.services import submit as hold_for_moderation

from . import imports
from .models import (
    Adjustment,
    Budget,
    BudgetLine,
    BudgetState,
    Classification,
    Edition,
    Execution,
    LineKind,
    Question,
    System,
    ThreePublic,
    level_of,
)

QUESTION_MIN, QUESTION_MAX = 5, 2000


class FinanceError(ValidationError):
    pass


class ImportRejected(FinanceError):
    """An import refused as a whole; `report` has the verdict on every row."""

    def __init__(self, report: imports.Report):
        self.report = report
        super().__init__(report.errors[:20] or [_("The file was not imported.")], code="import")


def _frozen(budget: Budget) -> FinanceError:
    return FinanceError(_("The %(year)d budget of %(street)s is “%(state)s”: its original "
                          "figures can no longer be changed.") % {
        "year": budget.year, "street": budget.street.name,
        "state": budget.get_state_display()}, code="frozen")


def _locked(budget: Budget) -> Budget:
    """The budget row locked for this transaction, so that two imports or adjustments of one
    budget run one after the other and each sees the state the other left."""
    return Budget.objects.select_for_update().select_related("street").get(pk=budget.pk)


# --- classification editions ------------------------------------------------------------------

EDITION_COLUMNS = ["类型", "编码", "名称", "英文名称", "名词解释"]
SYSTEM_WORDS = {"功能": System.FUNCTION, "经济": System.ECONOMIC}


@transaction.atomic
def import_edition(actor, year: int, data: bytes, *, title: str, source: str = "",
                   is_demo: bool = False) -> Edition:
    """Import (or replace) a year's classification codes from a CSV file with the columns
    类型 (功能 / 经济), 编码, 名称, 英文名称, 名词解释. `actor` None: the demo or a command."""
    if actor is not None:
        require(actor, "finance.edit_classification", None)
    text = data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    codes, problems = [], []
    for number, row in enumerate(rows, start=2):
        system = SYSTEM_WORDS.get((row.get("类型") or "").strip())
        code = (row.get("编码") or "").strip()
        deepest = 3 if system == System.FUNCTION else 2
        if system is None or not code.isdigit() or not 1 <= level_of(code) <= deepest:
            problems.append(_("row %(n)d: “%(type)s %(code)s” is not a code of 功能 (3, 5 or 7 "
                              "digits) or 经济 (3 or 5 digits).") % {
                "n": number, "type": row.get("类型"), "code": code})
            continue
        codes.append(Classification(system=system, code=code, name=row["名称"].strip(),
                                    name_en=(row.get("英文名称") or "").strip(),
                                    explanation=(row.get("名词解释") or "").strip()))
    if problems or not codes:
        raise FinanceError(problems[:20] or [_("The file holds no codes.")])
    edition, _created = Edition.objects.update_or_create(
        year=year, defaults={"title": title, "source": source, "is_demo": is_demo,
                             "imported_at": timezone.now()})
    edition.codes.all().delete()
    for code in codes:
        code.edition = edition
    Classification.objects.bulk_create(codes)
    if actor is not None:
        audit.record(actor, "finance.import_edition", edition, after={"codes": len(codes)})
    return edition


def edition_codes(year: int) -> dict:
    edition = Edition.objects.filter(year=year).first()
    if edition is None:
        raise FinanceError(_("There is no classification edition for %(year)d yet.")
                           % {"year": year}, code="edition")
    return {(c.system, c.code): c for c in edition.codes.all()}


# --- the budget ---------------------------------------------------------------------------------

@transaction.atomic
def create_budget(actor, street: Unit, year: int) -> Budget:
    require(actor, "finance.manage", street)
    if street.kind not in (UnitKind.STREET, UnitKind.TOWN):
        raise FinanceError(_("A budget belongs to a street."))
    if not 2000 <= year <= timezone.localdate().year + 2:
        raise FinanceError({"year": _("Choose a year from 2000 to two years ahead.")})
    edition_codes(year)
    budget, created = Budget.objects.get_or_create(street=street, year=year)
    if created:
        audit.record(actor, "finance.create_budget", budget, after={"year": year},
                     unit=street)
    return budget


def import_budget(actor, budget: Budget, filename: str, data: bytes) -> imports.Report:
    """Replace a draft budget's lines with the workbook's; all or nothing."""
    require(actor, "finance.manage", budget.street)
    with transaction.atomic():
        budget = _locked(budget)
        if budget.state != BudgetState.DRAFT:
            raise _frozen(budget)
        report, names = _checked(filename, data, budget.year)
        lines, three = [], []
        for position, row in enumerate(report.rows):
            if row.table == imports.THREE_PUBLIC:
                three.append(ThreePublic(budget=budget, kind=imports.THREE_PUBLIC_CODES[row.code],
                                         planned=row.amount, actual=row.actual,
                                         explanation=row.explanation))
                continue
            found = names.get((row.table, row.code))
            lines.append(BudgetLine(
                budget=budget, kind=row.table, code=row.code, name=row.name[:100],
                name_en=found.name_en if found else "", position=position,
                level=level_of(row.code) if row.table != LineKind.REVENUE else 1,
                original=row.amount))
        budget.lines.all().delete()
        budget.three_public.all().delete()
        BudgetLine.objects.bulk_create(lines, batch_size=1000)
        ThreePublic.objects.bulk_create(three)
        audit.record(actor, "finance.import_budget", budget, unit=budget.street,
                     after={"file": filename[:100], "lines": len(lines),
                            "total": str(sum((ln.original for ln in lines
                                              if ln.kind == LineKind.REVENUE), Decimal(0)))})
        Budget.objects.filter(pk=budget.pk).update(updated_at=timezone.now())
    return report


def _checked(filename, data, year) -> tuple[imports.Report, dict]:
    """The checked report and the edition's codes by (line kind, code), for English names."""
    try:
        raw = imports.read_tables(filename, data, imports.COLUMNS)
    except imports.FileError as exc:
        raise FinanceError({"file": str(exc)}, code="file") from None
    codes = edition_codes(year)
    report = imports.check_budget(raw, codes)
    if not report.ok:
        raise ImportRejected(report)
    names = {(LineKind.FUNCTION if s == System.FUNCTION else LineKind.ECONOMIC, c): v
             for (s, c), v in codes.items()}
    return report, names


def import_final_accounts(actor, budget: Budget, filename: str, data: bytes) -> imports.Report:
    """The year's final accounts (决算) in the budget's template: each figure goes next to the
    line's budget; lines not in the budget are refused. 三公经费 rows carry the budget figure in
    金额 (it must be the approved one), the actual in 实际数 and the explanation in 说明. A new
    import replaces the last one whole: a line it leaves out has no final figure."""
    require(actor, "finance.manage", budget.street)
    with transaction.atomic():
        budget = _locked(budget)
        if budget.state != BudgetState.APPROVED:
            raise FinanceError(_("Final accounts are imported into an approved budget."),
                               code="state")
        if timezone.localdate().year <= budget.year:
            raise FinanceError(_("Final accounts come after the end of the year."),
                               code="state")
        report, _names = _checked(filename, data, budget.year)
        existing = {(ln.kind, ln.code): ln for ln in budget.lines.all()}
        planned = {r.kind: r for r in budget.three_public.all()}
        for row in report.rows:
            if row.table == imports.THREE_PUBLIC:
                kind = imports.THREE_PUBLIC_CODES[row.code]
                if row.actual is None:
                    report.fail(row, _("三公经费 row %(n)s needs its actual figure (实际数).")
                                % {"n": row.code})
                elif kind in planned and planned[kind].planned != row.amount:
                    report.fail(row, _("三公经费 row %(n)s: the budget figure is %(file)s in the "
                                       "file but %(budget)s in the approved budget.")
                                % {"n": row.code, "file": row.amount,
                                   "budget": planned[kind].planned})
            elif (row.table, row.code) not in existing:
                report.fail(row, _("Code %(code)s is not a line of this budget.")
                            % {"code": row.code})
        if not report.ok:
            raise ImportRejected(report)
        for line in existing.values():
            line.final = None
        for row in report.rows:
            if row.table == imports.THREE_PUBLIC:
                kind = imports.THREE_PUBLIC_CODES[row.code]
                if kind in planned:
                    planned[kind].actual = row.actual
                    planned[kind].explanation = row.explanation[:2000]
                else:
                    planned[kind] = ThreePublic(budget=budget, kind=kind, planned=row.amount,
                                                actual=row.actual,
                                                explanation=row.explanation[:2000])
            else:
                existing[(row.table, row.code)].final = row.amount
        BudgetLine.objects.bulk_update(list(existing.values()), ["final"], batch_size=1000)
        for row in planned.values():
            row.save()
        audit.record(actor, "finance.import_final_accounts", budget, unit=budget.street,
                     after={"file": filename[:100], "lines": len(report.rows),
                            "total": str(sum((ln.final or 0 for ln in existing.values()
                                              if ln.kind == LineKind.REVENUE), Decimal(0)))})
    return report


def import_execution(actor, budget: Budget, filename: str, data: bytes) -> imports.Report:
    """Monthly execution figures (编码, 月份, 金额) for the lowest lines of the functional table;
    a figure already recorded for that line and month is replaced."""
    require(actor, "finance.manage", budget.street)
    with transaction.atomic():
        budget = _locked(budget)
        if budget.state != BudgetState.APPROVED:
            raise FinanceError(_("Execution is recorded against an approved budget that is "
                                 "not yet closed."), code="state")
        try:
            raw = imports.read_tables(filename, data, imports.EXECUTION_COLUMNS, tables=False)
        except imports.FileError as exc:
            raise FinanceError({"file": str(exc)}, code="file") from None
        report = imports.check_execution(raw, leaf_lines(budget), year=budget.year,
                                         today=timezone.localdate())
        if not report.ok:
            raise ImportRejected(report)
        leaves = leaf_lines(budget)
        rows = [Execution(line=leaves[r.code], month=r.month, amount=r.amount)
                for r in report.rows]
        Execution.objects.bulk_create(rows, update_conflicts=True,
                                      unique_fields=["line", "month"], update_fields=["amount"])
        audit.record(actor, "finance.import_execution", budget, unit=budget.street,
                     after={"file": filename[:100], "rows": len(rows)})
    return report


def leaf_lines(budget: Budget) -> dict[str, BudgetLine]:
    """The functional lines with nothing under them (项, or a 款 without 项): where money is
    spent, adjusted and executed."""
    lines = list(budget.lines.filter(kind=LineKind.FUNCTION))
    parents = {ln.code[:-2] for ln in lines if ln.level > 1}
    return {ln.code: ln for ln in lines if ln.code not in parents}


# --- the phases ---------------------------------------------------------------------------------

@transaction.atomic
def submit_for_review(actor, budget: Budget, review_item) -> Budget:
    """Put the draft before the council: `review_item` is a 预决算审查 item of a meeting of the
    street's own council that is not yet resolved."""
    from .queries import review_items

    if review_item is None or review_item.pk not in {i.pk for i in review_items(budget.street)}:
        raise FinanceError({"review_item": _("Choose an open budget review item of this "
                                             "street's council.")})
    transition(budget, "submit_review", actor, review_item=review_item,
               submitted_at=timezone.now())
    _tell(holders(Role.COUNCIL_MEMBER, budget.street),
          lambda: _("The %(year)d draft budget of %(street)s is ready for your review")
          % {"year": budget.year, "street": budget.street.name}, budget)
    return budget


@transaction.atomic
def withdraw_budget(actor, budget: Budget) -> Budget:
    transition(budget, "withdraw", actor)
    return budget


@transaction.atomic
def approve_budget(actor, budget: Budget, *, decision: str, approved_on: date) -> Budget:
    """Record the district's approval after the council passed its review: the original budget
    freezes and is published."""
    decision = (decision or "").strip()
    if not decision:
        raise FinanceError({"decision": _("Name the district's approval (文号 or decision).")})
    if approved_on is None or approved_on > timezone.localdate():
        raise FinanceError({"approved_on": _("The approval date cannot be in the future.")})
    transition(budget, "approve", actor, district_decision=decision[:200],
               approved_on=approved_on, published_at=timezone.now())
    return budget


@transaction.atomic
def finalize_budget(actor, budget: Budget) -> Budget:
    transition(budget, "finalize", actor, finalized_at=timezone.now())
    return budget


# --- adjustments and questions --------------------------------------------------------------------

@transaction.atomic
def record_adjustment(actor, line: BudgetLine, *, amount, reason: str, approved_by: str,
                      approved_on: date | None) -> Adjustment:
    """An adjustment of an approved budget's lowest line, with its reason and approval."""
    require(actor, "finance.manage", line.budget.street)
    budget = _locked(line.budget)
    if budget.state != BudgetState.APPROVED:
        raise FinanceError(_("Adjustments are recorded on an approved budget that is not yet "
                             "closed."), code="state")
    errors = {}
    try:
        amount = imports.parse_amount(amount, signed=True)
        if not amount:
            errors["amount"] = _("An adjustment changes the amount.")
    except ValueError as exc:
        errors["amount"] = str(exc)
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the adjustment.")
    if not (approved_by or "").strip():
        errors["approved_by"] = _("Name the meeting or decision that approved the "
                                  "adjustment.")
    if approved_on is None:
        errors["approved_on"] = _("Give the date of the approval.")
    elif approved_on > timezone.localdate():
        errors["approved_on"] = _("The approval date cannot be in the future.")
    if errors:
        raise FinanceError(errors)
    if line.code not in leaf_lines(budget) or line.kind != LineKind.FUNCTION:
        raise FinanceError(_("Adjust a lowest-level line (项); the lines above follow."))
    from .queries import adjusted_of

    if adjusted_of(line) + amount < 0:
        raise FinanceError({"amount": _("The adjusted budget of a line cannot fall below "
                                        "zero.")})
    adjustment = Adjustment.objects.create(
        line=line, amount=amount, reason=reason.strip(), approved_by=approved_by.strip()[:200],
        approved_on=approved_on, recorded_by=actor)
    audit.record(actor, "finance.record_adjustment", adjustment, unit=budget.street,
                 after={"line": line.code, "amount": str(amount),
                        "approved_by": adjustment.approved_by},
                 repr_=f"{budget} {line.code}")
    return adjustment


@transaction.atomic
def ask_question(actor, line: BudgetLine, text: str) -> Question:
    require(actor, "finance.ask", line.budget.street)
    # The phase as stored now, not as the caller's copy of the line last saw it.
    state = Budget.objects.filter(pk=line.budget_id).values_list("state", flat=True).get()
    if state not in (BudgetState.REVIEW, BudgetState.APPROVED):
        raise FinanceError(_("Questions are asked while the budget is under review or being "
                             "carried out."), code="state")
    text = (text or "").strip()
    if not QUESTION_MIN <= len(text) <= QUESTION_MAX:
        raise FinanceError({"text": _("Write between %(min)d and %(max)d characters.")
                            % {"min": QUESTION_MIN, "max": QUESTION_MAX}})
    question = Question.objects.create(line=line, asker=actor, text=text)
    budget = line.budget
    hold_for_moderation(question, ["text"], street=budget.street, author=actor,
                        url=reverse("finance:line", args=[budget.street.code, budget.year,
                                                          line.code]))
    audit.record(actor, "finance.ask_question", question, unit=line.budget.street,
                 after={"line": line.code}, repr_=f"{line.budget} {line.code}")
    _tell(holders(Role.FINANCE_STAFF, line.budget.street),
          lambda: _("A council member asked about line %(code)s") % {"code": line.code}, line.budget)
    return question


@transaction.atomic
def answer_question(actor, question: Question, text: str) -> Question:
    text = (text or "").strip()
    if not QUESTION_MIN <= len(text) <= QUESTION_MAX:
        raise FinanceError({"text": _("Write between %(min)d and %(max)d characters.")
                            % {"min": QUESTION_MIN, "max": QUESTION_MAX}})
    transition(question, "answer", actor, answer=text, answered_by=actor,
               answered_at=timezone.now())
    _tell([question.asker], lambda: _("Your question on line %(code)s was answered")
          % {"code": question.line.code}, question.line.budget)
    return question


def _tell(people, subject: Text, budget) -> None:
    url = reverse("finance:budget", args=[budget.street.code, budget.year])
    notify(list(people), subject, url=url)


def require_view(actor, budget: Budget) -> None:
    """A budget before approval is read by the people of finance.view_draft only."""
    if not budget.is_public and not (actor is not None and actor.is_authenticated
                                     and _may_view_draft(actor, budget)):
        raise PermissionDenied(_("This budget is not published yet."))


def _may_view_draft(actor, budget) -> bool:
    from yishi.core.permissions import has_perm

    return has_perm(actor, "finance.view_draft", budget.street)
