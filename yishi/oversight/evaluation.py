"""The district's evaluation of its streets (考评激励), one function per change: configure the
year's indicator tree, compute the scores from the records, the street's self-assessment with
evidence, the district's review, and the steps of the year's workflow (evaluation_workflow.py).
Also the reads the pages and the API share: the tree with each indicator's points, a street's
card, and the ranking.

Scoring (all Decimal, rounded half up to 0.01, so a recomputation gives the same figures):
an indicator's points (分值) are 100 × the product of the weights from the top down to it; a
computed leaf earns points × min(1, value / target) (按完成比例) or all its points when the value
reaches the target (达标); a rate with nothing due earns all its points (nothing was missed); an
assessed leaf earns the reviewed score, else the self-score, else 0.

Ranking: by total, highest first; equal totals share a rank (1, 2, 2, 4), and within a tie the
streets are listed in the district's street order (sort order, then code)."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.attachments import store_attachments
from yishi.core.models import Attachment, Role
from yishi.core.notifications import notify
from yishi.core.permissions import require
from yishi.core.queries import district as home_district
from yishi.core.queries import holders
from yishi.core.workflow import transition

from . import queries
from .evaluation_measures import BY_KEY as MEASURES
from .evaluation_measures import Period
from .evaluation_models import (
    FULL_MARKS,
    MAX_LEVELS,
    EvaluationScheme,
    Indicator,
    SchemeState,
    ScoringMethod,
    StreetScore,
)
from .services import MAX_EVIDENCE_FILES, OversightError, _clean_text, _error

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
COMPUTED = (ScoringMethod.RATIO, ScoringMethod.THRESHOLD)


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(value, field_name, *, low=None, high=None) -> Decimal:
    """A number typed by a person, to the cent, within [low, high]; a clear error otherwise."""
    try:
        number = Decimal(str(value).strip()) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise _error(_("Enter a number."), field_name, "invalid")
    if number != _q(number):
        raise _error(_("Enter at most two decimal places."), field_name, "invalid")
    if (low is not None and number < low) or (high is not None and number > high):
        raise _error(_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
                     field_name, "range")
    return number


# --- the tree ---------------------------------------------------------------------------------

@dataclass
class Node:
    indicator: Indicator
    level: int
    points: Decimal
    children: list

    @property
    def is_leaf(self) -> bool:
        return not self.children


def tree(scheme: EvaluationScheme) -> list[Node]:
    """The indicator tree in order (one query), each node with its level and points."""
    rows = list(scheme.indicators.order_by("position", "id"))
    children: dict = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)

    def build(parent_id, level, share) -> list[Node]:
        nodes = []
        for row in children.get(parent_id, []):
            points = share * row.weight / HUNDRED
            nodes.append(Node(row, level, _q(points), build(row.pk, level + 1, points)))
        return nodes

    return build(None, 1, FULL_MARKS)


def flat(nodes: list[Node]) -> list[Node]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(flat(node.children))
    return out


def leaves(scheme) -> list[Node]:
    return [n for n in flat(tree(scheme)) if n.is_leaf]


def tree_problems(scheme) -> list[str]:
    """What keeps the tree from being used: weights that do not add up to 100 at some level, a
    group without indicators, a leaf without a scoring method."""
    nodes = tree(scheme)
    if not nodes:
        return [_("Add indicators first.")]
    problems = []

    def check(siblings, parent_name):
        total = sum((n.indicator.weight for n in siblings), Decimal(0))
        if total != HUNDRED:
            problems.append(_("The weights under “%(parent)s” add up to %(total)s%%, not 100%%.")
                            % {"parent": parent_name, "total": total})
        for n in siblings:
            if n.children:
                if n.indicator.method:
                    problems.append(_("“%(name)s” has sub-indicators and cannot be scored "
                                      "itself.") % {"name": n.indicator.name})
                check(n.children, n.indicator.name)
            elif not n.indicator.method:
                problems.append(_("“%(name)s” needs a scoring method or sub-indicators.")
                                % {"name": n.indicator.name})

    check(nodes, _("the scheme"))
    return problems


# --- configuring ------------------------------------------------------------------------------

def _audit(actor, action, obj, after, unit=None):
    audit.record(actor, f"oversight.evaluation.{action}", obj, after=after,
                 unit=unit or home_district())


@transaction.atomic
def create_scheme(actor, year, *, copy_from: EvaluationScheme | None = None
                  ) -> EvaluationScheme:
    """A year's evaluation, its period the calendar year; optionally with a copy of an earlier
    year's tree (configured again from there)."""
    home = home_district()
    require(actor, "oversight.evaluate", home)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise _error(_("Enter a year."), "year") from None
    if not 2000 <= year <= 2100:
        raise _error(_("Enter a year from 2000 to 2100."), "year", "range")
    if EvaluationScheme.objects.filter(district=home, year=year).exists():
        raise _error(_("The evaluation of %(year)s exists already.") % {"year": year}, "year",
                     "unique")
    scheme = EvaluationScheme.objects.create(
        district=home, year=year, title=_("Evaluation of the streets' work, %(year)s")
        % {"year": year}, period_start=date(year, 1, 1), period_end=date(year, 12, 31),
        created_by=actor)
    if copy_from is not None:
        _copy_tree(copy_from, scheme)
    _audit(actor, "create", scheme, {"year": year,
                                      "copied_from": copy_from.year if copy_from else None})
    return scheme


def _copy_tree(source, scheme) -> None:
    def copy(nodes, parent):
        for n in nodes:
            row = n.indicator
            new = Indicator.objects.create(
                scheme=scheme, parent=parent, position=row.position, name=row.name,
                weight=row.weight, method=row.method, measure=row.measure, target=row.target,
                note=row.note)
            copy(n.children, new)

    copy(tree(source), None)


@dataclass
class IndicatorInput:
    name: str
    weight: object
    parent: Indicator | None = None
    method: str = ""  # blank: a group, scored through its sub-indicators
    measure: str = ""
    target: object = None
    note: str = ""
    position: int | None = None


def _configuring(scheme):
    if scheme.state != SchemeState.CONFIGURING:
        raise _error(_("The indicator tree can only be changed while the evaluation is being "
                       "configured."), code="state")


@transaction.atomic
def add_indicator(actor, scheme: EvaluationScheme, data: IndicatorInput) -> Indicator:
    require(actor, "oversight.evaluate", scheme.district)
    scheme = EvaluationScheme.objects.select_for_update().get(pk=scheme.pk)
    _configuring(scheme)
    name = _clean_text(data.name, "name", 120)
    weight = _decimal(data.weight, "weight", low=CENT, high=HUNDRED)
    parent = data.parent
    level = 1
    if parent is not None:
        if parent.scheme_id != scheme.pk:
            raise _error(_("Choose a parent indicator of this year's tree."), "parent")
        if parent.method:
            raise _error(_("“%(name)s” is scored itself; only a group (no scoring method) can "
                           "have sub-indicators.") % {"name": parent.name}, "parent")
        level = {n.indicator.pk: n.level for n in flat(tree(scheme))}[parent.pk] + 1
        if level > MAX_LEVELS:
            raise _error(_("The tree has at most three levels."), "parent")
    siblings = scheme.indicators.filter(parent=parent)
    total = (siblings.aggregate(total=Sum("weight"))["total"] or Decimal(0)) + weight
    if total > HUNDRED:
        raise _error(_("The weights at this level would add up to %(total)s%%; they must add "
                       "up to 100%%.") % {"total": total}, "weight")
    method, measure, target = data.method or "", data.measure or "", None
    if method and method not in ScoringMethod.values:
        raise _error(_("Choose a scoring method."), "method")
    if method in COMPUTED:
        if measure not in MEASURES:
            raise _error(_("Choose what the indicator is computed from."), "measure")
        target = _decimal(data.target, "target", low=CENT, high=Decimal("99999999"))
        if MEASURES[measure].kind == "rate" and target > HUNDRED:
            raise _error(_("A rate's target is at most 100%."), "target", "range")
    elif measure:
        raise _error(_("Only a computed indicator reads the records; leave this empty."),
                     "measure")
    note = _clean_text(data.note, "note", 300, required=False)
    position = data.position if data.position is not None else siblings.count() + 1
    indicator = Indicator.objects.create(scheme=scheme, parent=parent, position=position,
                                         name=name, weight=weight, method=method,
                                         measure=measure, target=target, note=note)
    _audit(actor, "add_indicator", indicator, {
        "name": name, "weight": weight, "parent": parent.pk if parent else None,
        "method": method, "measure": measure, "target": target})
    return indicator


@transaction.atomic
def remove_indicator(actor, indicator: Indicator) -> None:
    require(actor, "oversight.evaluate", indicator.scheme.district)
    _configuring(EvaluationScheme.objects.select_for_update().get(pk=indicator.scheme_id))
    _audit(actor, "remove_indicator", indicator, {"name": indicator.name})
    indicator.delete()


# --- computing --------------------------------------------------------------------------------

def count_by_street(queryset, street_field: str) -> dict[int, int]:
    """{street id: rows of `queryset`} in one grouped query. A queryset that filters on its own
    aggregates (meetings with a quorum) is counted through its keys: grouping it by street
    directly would fold its aggregates into the street's group."""
    if any(getattr(a, "contains_aggregate", False) for a in queryset.query.annotations.values()):
        queryset = queryset.model.objects.filter(pk__in=queryset.values("pk"))
    return dict(queryset.order_by().values(street_field).annotate(n=Count("*"))
                .values_list(street_field, "n"))


def measures(spec, streets, period) -> dict[int, tuple[int, int | None, Decimal | None]]:
    """{street id: (counted, out of, value)} of one computed indicator for every street: one
    grouped query for the rows counted and one for those due, however many streets."""
    counted = count_by_street(spec.counted(None, period), spec.street_field)
    due = (count_by_street(spec.due(None, period), spec.street_field)
           if spec.kind != "count" else {})
    out = {}
    for street in streets:
        n = counted.get(street.pk, 0)
        if spec.kind == "count":
            out[street.pk] = (n, None, Decimal(n))
            continue
        d = due.get(street.pk, 0)
        if spec.kind == "yes_no":
            out[street.pk] = (n, d, Decimal(1 if n else 0))
        else:
            out[street.pk] = (n, d, _q(Decimal(n) * HUNDRED / d) if d else None)
    return out


def earned(indicator: Indicator, points: Decimal, value: Decimal | None) -> Decimal:
    if value is None:  # a rate with nothing due: nothing was missed
        return points
    if indicator.method == ScoringMethod.THRESHOLD:
        return points if value >= indicator.target else Decimal("0.00")
    return _q(points * min(Decimal(1), value / indicator.target))


def assessed_score(row: StreetScore) -> Decimal:
    if row.reviewed_score is not None:
        return row.reviewed_score
    return row.self_score if row.self_score is not None else Decimal("0.00")


@transaction.atomic
def compute(actor, scheme: EvaluationScheme, *, now=None) -> int:
    """Compute every street's score on every leaf from the records as of the period's end (and
    carry the assessed scores into the totals). Idempotent: computing again gives the same
    rows. Refused once the scores are published."""
    require(actor, "oversight.evaluate", scheme.district)
    scheme = EvaluationScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.state == SchemeState.PUBLISHED:
        raise _error(_("Published scores are final; they are not computed again."),
                     code="state")
    if scheme.state == SchemeState.CONFIGURING and tree_problems(scheme):
        raise _error(" ".join(tree_problems(scheme)), code="tree")
    streets = list(queries.streets())
    period = Period.of(scheme)
    existing = {(r.indicator_id, r.street_id): r for r in
                StreetScore.objects.filter(indicator__scheme=scheme)}
    new, changed = [], []
    measured: dict[str, dict] = {}  # by measure: leaves often share one
    for node in leaves(scheme):
        indicator = node.indicator
        if indicator.method in COMPUTED and indicator.measure not in measured:
            measured[indicator.measure] = measures(MEASURES[indicator.measure], streets, period)
        for street in streets:
            row = existing.get((indicator.pk, street.pk)) or StreetScore(
                indicator=indicator, street=street)
            if indicator.method in COMPUTED:
                row.numerator, row.denominator, row.value = measured[indicator.measure][
                    street.pk]
                row.score = earned(indicator, node.points, row.value)
            else:
                row.score = min(assessed_score(row), node.points)
            (changed if row.pk else new).append(row)
    StreetScore.objects.bulk_create(new)
    StreetScore.objects.bulk_update(changed, ["numerator", "denominator", "value", "score"],
                                    batch_size=500)
    EvaluationScheme.objects.filter(pk=scheme.pk).update(computed_at=now or timezone.now())
    totals = {str(r["street__code"]): str(r["total"]) for r in _totals(scheme)}
    _audit(actor, "compute", scheme, {"scores": len(new) + len(changed), "totals": totals})
    return len(new) + len(changed)


# --- self-assessment and review ---------------------------------------------------------------

def _assessed_row(scheme_state, indicator, street) -> tuple[StreetScore, Decimal]:
    if indicator.method != ScoringMethod.ASSESSED:
        raise _error(_("This indicator is computed from the records; it is not assessed."),
                     code="method")
    node = next((n for n in leaves(indicator.scheme) if n.indicator.pk == indicator.pk), None)
    if node is None:
        raise _error(_("Only an indicator without sub-indicators is scored."), code="method")
    row, _created = StreetScore.objects.select_for_update().get_or_create(
        indicator=indicator, street=street)
    return row, node.points


@transaction.atomic
def self_assess(actor, indicator: Indicator, street, score, note: str, files=(), *,
                attachment_ids=(), now=None) -> StreetScore:
    """自评: the street scores itself on an assessed indicator, within its points, saying why,
    with evidence (files checked by core's upload door, or its own earlier uploads). Allowed
    while the evaluation is open for self-assessment; a later self-score replaces the earlier
    one (the audit trail keeps both)."""
    require(actor, "oversight.self_assess", street)
    scheme = EvaluationScheme.objects.select_for_update().get(pk=indicator.scheme_id)
    if scheme.state != SchemeState.ASSESSING:
        raise _error(_("Self-assessment is not open."), code="state")
    row, points = _assessed_row(scheme.state, indicator, street)
    value = _decimal(score, "score", low=Decimal(0), high=points)
    note = _clean_text(note, "note", 2000)
    files, attachment_ids = list(files), sorted(set(attachment_ids))
    earlier = list(Attachment.objects.filter(pk__in=attachment_ids, uploaded_by=actor))
    if len(earlier) != len(attachment_ids):
        raise _error(_("Attach only files you uploaded yourself."), "evidence")
    if len(files) + len(earlier) > MAX_EVIDENCE_FILES:
        raise _error(_("Attach at most %(n)s files.") % {"n": MAX_EVIDENCE_FILES}, "evidence")
    if not files and not earlier and not row.evidence.exists():
        raise _error(_("Attach the evidence for your score."), "evidence", "required")
    if (not files and value == row.self_score and note == row.self_note
            and {a.pk for a in earlier} <= set(row.evidence.values_list("pk", flat=True))):
        return row  # the same self-assessment again (a repeated request): nothing changes
    try:
        stored = store_attachments(actor, files, description=indicator.name[:200])
    except Exception as exc:
        if hasattr(exc, "messages"):
            raise OversightError({"evidence": exc.messages}) from exc
        raise
    before = {"self_score": row.self_score, "note": row.self_note}
    row.self_score, row.self_note = value, note
    row.self_assessed_by, row.self_assessed_at = actor, now or timezone.now()
    row.score = min(assessed_score(row), points)
    row.save()
    row.evidence.add(*stored, *earlier)
    audit.record(actor, "oversight.evaluation.self_assess", row, before=before,
                 after={"self_score": value, "note": note,
                        "evidence": sorted(a.pk for a in [*stored, *earlier])},
                 unit=street, repr_=f"{indicator.name} · {street.name}")
    return row


@transaction.atomic
def review(actor, row: StreetScore, score, reason: str = "", *, now=None) -> StreetScore:
    """审核: the district confirms or changes a street's self-score; a change needs a reason, and
    the self-score stays as the street gave it."""
    indicator = row.indicator
    require(actor, "oversight.evaluate", row.street)
    scheme = EvaluationScheme.objects.select_for_update().get(pk=indicator.scheme_id)
    if scheme.state != SchemeState.REVIEWING:
        raise _error(_("Scores are reviewed only while the evaluation is under review."),
                     code="state")
    row, points = _assessed_row(scheme.state, indicator, row.street)
    value = _decimal(score, "score", low=Decimal(0), high=points)
    reason = _clean_text(reason, "reason", 2000, required=False)
    if value != row.self_score and not reason:
        raise _error(_("Give the reason for changing the street's self-score."), "reason",
                     "required")
    before = {"reviewed_score": row.reviewed_score, "reason": row.review_reason}
    row.reviewed_score, row.review_reason = value, reason
    row.reviewed_by, row.reviewed_at = actor, now or timezone.now()
    row.score = value
    row.save()
    audit.record(actor, "oversight.evaluation.review_score", row, before=before,
                 after={"reviewed_score": value, "reason": reason,
                        "self_score": row.self_score},
                 unit=row.street, repr_=f"{indicator.name} · {row.street.name}")
    return row


# --- the year's steps -------------------------------------------------------------------------

def _tell_streets(scheme, subject):
    people = set()
    for street in queries.streets():
        people.update(holders(Role.STREET_STAFF, street))
    if people:
        notify(list(people), subject, scheme.title, f"/oversight/evaluation/{scheme.year}/")


@transaction.atomic
def open_self_assessment(actor, scheme):
    transition(scheme, "open", actor)
    compute(actor, scheme)
    _tell_streets(scheme, _("Self-assessment is open: %(title)s") % {"title": scheme.title})
    return scheme


@transaction.atomic
def start_review(actor, scheme):
    compute(actor, scheme)
    scheme.refresh_from_db()
    transition(scheme, "review", actor)
    return scheme


@transaction.atomic
def reopen_self_assessment(actor, scheme):
    transition(scheme, "reopen", actor)
    return scheme


@transaction.atomic
def publish(actor, scheme, *, now=None):
    compute(actor, scheme)
    scheme.refresh_from_db()
    transition(scheme, "publish", actor, published_at=now or timezone.now())
    _tell_streets(scheme, _("The scorecards are published: %(title)s") % {"title": scheme.title})
    return scheme


STEPS = {"open": open_self_assessment, "review": start_review,
         "reopen": reopen_self_assessment, "publish": publish}


# --- reads ------------------------------------------------------------------------------------

def _totals(scheme) -> list[dict]:
    """{"street", "street__code", "total"} per street, the total rounded to the cent (SQLite
    sums decimals as floats)."""
    rows = list(StreetScore.objects.filter(indicator__scheme=scheme)
                .values("street", "street__code").annotate(total=Sum("score"))
                .order_by("street__code"))
    for row in rows:
        row["total"] = _q(Decimal(str(row["total"])))
    return rows


def ranking(scheme) -> list[dict]:
    """Every street with its total, ranked (see the module's docstring for ties), with last
    year's total and rank when last year's evaluation was computed."""
    streets = list(queries.streets())
    totals = {r["street"]: r["total"] for r in _totals(scheme)}
    last = EvaluationScheme.objects.filter(district=scheme.district, year=scheme.year - 1,
                                           computed_at__isnull=False).first()
    previous = {}
    if last is not None:
        previous = {row["street"].pk: row for row in ranking(last)}
    rows = [{"street": s, "total": totals.get(s.pk, Decimal("0.00"))} for s in streets]
    # Python's sort is stable: equal totals keep the district's street order.
    rows.sort(key=lambda r: -r["total"])
    for n, row in enumerate(rows):
        tied = n and row["total"] == rows[n - 1]["total"]
        row["rank"] = rows[n - 1]["rank"] if tied else n + 1
        before = previous.get(row["street"].pk)
        row["last_total"] = before["total"] if before else None
        row["last_rank"] = before["rank"] if before else None
        row["change"] = _q(row["total"] - before["total"]) if before else None
    return rows


def card(scheme, street) -> list[dict]:
    """A street's scorecard: every row of the tree in order, leaves with their score row."""
    scores = {r.indicator_id: r for r in StreetScore.objects.filter(
        indicator__scheme=scheme, street=street).prefetch_related("evidence")}
    return [{"node": n, "indicator": n.indicator, "score": scores.get(n.indicator.pk)}
            for n in flat(tree(scheme))]


def records(scheme, indicator, street) -> dict:
    """The records behind a computed score: the rows counted and, for a rate, those it is out
    of, described as (date, text, link)."""
    spec = MEASURES[indicator.measure]
    period = Period.of(scheme)
    out = {"spec": spec, "counted": [spec.describe(r) for r in spec.counted(street, period)]}
    out["due"] = ([spec.describe(r) for r in spec.due(street, period)]
                  if spec.due is not None else None)
    return out
