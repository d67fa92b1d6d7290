"""Statistics of the loop per street, per department and per month: received, replied on time,
overdue, satisfaction, average working days to reply — aggregated in the database, for any
period, so that the district's page costs the same few queries at a thousand opinions as at a
million.

The street × month figures are sums over `OpinionStatsDelta` (what each opinion adds, appended
by triggers on the opinions table, folded per street and day by `compact`): a year of a
million opinions is a few thousand rows. "Overdue, open" depends on the time, so it is counted
live among the open opinions. `live_groups` computes the same figures from the opinions
themselves: `rebuild` refills the summary from it, and the tests compare the two.

Replies are counted from what each opinion (and each assignment) kept of its first reply —
`first_replied_at`, `first_reply_due` and `reply_workdays`, written once by
`record_first_reply` when the reply is given (docs/decisions.md: working days are computed
then, in Python with the holiday calendar, not per query). An opinion counts in the period in
which it was received; merged opinions are counted in the one they were merged into."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDay, TruncMonth
from django.utils import timezone

from yishi.core.models import Department, Unit, UnitKind

from .models import (
    Assignment,
    AssignmentState,
    Opinion,
    OpinionState,
    OpinionStatsDelta,
    Rating,
    overdue_q,
)

RATED = (Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED)
SATISFIED = (Rating.SATISFIED, Rating.BASICALLY)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@dataclass
class Row:
    key: str
    label: str
    received: int = 0
    replied: int = 0
    on_time: int = 0
    overdue_open: int = 0
    rated: int = 0
    satisfied: int = 0       # 满意 + 基本满意
    reply_days_total: int = 0  # working days to the first reply, summed over `replied`

    def add(self, other: "Row") -> None:
        for name in ("received", "replied", "on_time", "overdue_open", "rated", "satisfied",
                     "reply_days_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.replied if self.replied else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def on_time_percent(self) -> str:
        return _percent(self.on_time_rate)

    @property
    def satisfaction_percent(self) -> str:
        return _percent(self.satisfaction_rate)

    @property
    def average_days(self) -> float | None:
        return self.reply_days_total / self.replied if self.replied else None


@dataclass
class Figures:
    """The district's page: the total, one row per street and one per month."""

    total: Row
    streets: list[Row]
    months: list[Row]


def period_bounds(start: date | None, end: date | None, prefix: str = "") -> Q:
    """Received from `start` to `end` (whole days in the district's time zone)."""
    q = Q()
    if start:
        q &= Q(**{f"{prefix}created_at__gte":
                  timezone.make_aware(datetime.combine(start, time.min))})
    if end:
        q &= Q(**{f"{prefix}created_at__lte":
                  timezone.make_aware(datetime.combine(end, time.max))})
    return q


def _aggregates(prefix: str = "", *, ratings: Q | None = None) -> dict:
    """The figures of a Row as database aggregates; `prefix` reaches the opinion's fields
    from another model (``"opinion__"``). Replies are counted from the rows' own first-reply
    fields (the caller's model)."""
    now = timezone.now()
    rated = Q(**{f"{prefix}rating__in": RATED})
    satisfied = Q(**{f"{prefix}rating__in": SATISFIED})
    if ratings is not None:
        rated, satisfied = rated & ratings, satisfied & ratings
    return {
        "received": Count("id"),
        "replied": Count("id", filter=Q(first_replied_at__isnull=False)),
        "on_time": Count("id", filter=Q(first_replied_at__lte=F("first_reply_due"))),
        "rated": Count("id", filter=rated),
        "satisfied": Count("id", filter=satisfied),
        "reply_days_total": Sum("reply_workdays"),
        "overdue_open": Count("id", filter=overdue_q(now)) if not prefix else Count(
            "id", filter=Q(state__in=[AssignmentState.ASSIGNED, AssignmentState.HANDLING],
                           deadline__lt=now)),
    }


def _fill(row: Row, values: dict) -> Row:
    for name in ("received", "replied", "on_time", "overdue_open", "rated", "satisfied"):
        setattr(row, name, values[name])
    row.reply_days_total = values["reply_days_total"] or 0
    return row


def streets():
    return Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]).order_by("path")


SUMMED = ("received", "replied", "on_time", "rated", "satisfied", "reply_days")


def summary_groups(start: date | None = None, end: date | None = None, *,
                   street: Unit | None = None) -> list[dict]:
    """The figures per street and month from the summary, with "overdue, open" counted live."""
    deltas = OpinionStatsDelta.objects.filter(period_bounds(start, end))
    overdue = Opinion.objects.filter(period_bounds(start, end)).filter(overdue_q(timezone.now()))
    if street is not None:
        deltas, overdue = deltas.filter(street=street), overdue.filter(street=street)
    groups = {}
    for values in (deltas.annotate(month=TruncMonth("created_at")).values("street", "month")
                   .annotate(**{name: Sum(name) for name in SUMMED}).order_by()):
        if values["received"]:  # every opinion of the group merged away: no row, as before
            values["reply_days_total"] = values.pop("reply_days")
            groups[values["street"], values["month"]] = {**values, "overdue_open": 0}
    for values in (overdue.annotate(month=TruncMonth("created_at")).values("street", "month")
                   .annotate(n=Count("id")).order_by()):
        # An overdue opinion is received and not merged, so its group is there — unless it
        # was committed between the two reads: then it gets a group of its own, not an error.
        group = groups.setdefault((values["street"], values["month"]), {
            "street": values["street"], "month": values["month"], "reply_days_total": 0,
            **{name: 0 for name in SUMMED if name != "reply_days"}})
        group["overdue_open"] = values["n"]
    return list(groups.values())


def live_groups(start: date | None = None, end: date | None = None, *,
                street: Unit | None = None) -> list[dict]:
    """The same figures computed from the opinions (one grouped query over all of them)."""
    rows = Opinion.objects.filter(period_bounds(start, end)).exclude(state=OpinionState.MERGED)
    if street is not None:
        rows = rows.filter(street=street)
    return list(rows.annotate(month=TruncMonth("created_at"))
                .values("street", "month").annotate(**_aggregates()).order_by())


def district_figures(start: date | None = None, end: date | None = None, *,
                     street: Unit | None = None, live: bool = False) -> Figures:
    """The streets, the months and the total from one set of street × month groups."""
    groups = (live_groups if live else summary_groups)(start, end, street=street)
    by_street = {s.pk: Row(s.code, s.display_name) for s in streets()
                 if street is None or s.pk == street.pk}
    by_month: dict[date, Row] = {}
    total = Row("total", "")
    for values in groups:
        group = _fill(Row("", ""), values)
        month = timezone.localtime(values["month"]).date() if isinstance(
            values["month"], datetime) else values["month"]
        if values["street"] in by_street:
            by_street[values["street"]].add(group)
        by_month.setdefault(month, Row(f"{month:%Y-%m}", f"{month:%Y-%m}")).add(group)
        total.add(group)
    return Figures(total, list(by_street.values()), [by_month[m] for m in sorted(by_month)])


def compact() -> int:
    """Fold the summary's rows into one per street and day (the district's time zone). The
    rows are taken by one DELETE … RETURNING, so a change committed meanwhile is either folded
    or left as it is, never lost or counted twice. Returns how many rows were folded."""
    columns = ", ".join(["street_id", "created_at", *SUMMED])
    table = OpinionStatsDelta._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} RETURNING {columns}")  # noqa: S608 - no input
        taken = cursor.fetchall()
        sums: dict = defaultdict(lambda: [0] * len(SUMMED))
        for street_id, at, *figures in taken:
            if isinstance(at, str):  # SQLite hands back text from RETURNING
                at = datetime.fromisoformat(at)
            if timezone.is_naive(at):
                at = at.replace(tzinfo=UTC)
            key = (street_id, timezone.localtime(at).date())
            sums[key] = [a + b for a, b in zip(sums[key], figures, strict=True)]
        OpinionStatsDelta.objects.bulk_create(
            [OpinionStatsDelta(street_id=street_id,
                               created_at=timezone.make_aware(datetime.combine(day, time.min)),
                               **dict(zip(SUMMED, figures, strict=True)))
             for (street_id, day), figures in sorted(sums.items()) if any(figures)],
            batch_size=2000)
    return len(taken)


FOLD_AFTER = 2000


def compact_when_grown() -> int:
    """The periodic job: fold once this many rows were appended since the last fold (the
    page sums a few thousand more rows at most; the fold rewrites the whole table)."""
    from django.core.cache import cache

    count = OpinionStatsDelta.objects.count()
    folded = cache.get("opinions:stats-folded")
    if folded is not None and count < folded + FOLD_AFTER:
        return 0
    taken = compact()
    cache.set("opinions:stats-folded", OpinionStatsDelta.objects.count(), None)
    return taken


def rebuild() -> int:
    """Recompute the summary from the opinions, per street and day. The opinions table is
    locked against writes meanwhile (PostgreSQL; SQLite's writer lock does the same), so no
    change is both in the opinions read and in a trigger's row. Returns the rows written."""
    table = OpinionStatsDelta._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE opinions_opinion IN SHARE MODE")
            # A new file: after a bulk load the folded rows would sit behind a million dead
            # ones, which every page's scan reads until a VACUUM FULL.
            cursor.execute(f"TRUNCATE {table}")
        else:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - no input
        groups = (Opinion.objects.exclude(state=OpinionState.MERGED)
                  .annotate(day=TruncDay("created_at")).values("street", "day")
                  .annotate(**_aggregates()).order_by("day", "street"))
        rows = [OpinionStatsDelta(
            street_id=g["street"], created_at=g["day"], received=g["received"],
            replied=g["replied"], on_time=g["on_time"], rated=g["rated"],
            satisfied=g["satisfied"], reply_days=g["reply_days_total"] or 0) for g in groups]
        OpinionStatsDelta.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def summary_differences() -> list[str]:
    """Street-months whose summary figures differ from the opinions' ("" when they agree)."""
    def keyed(groups):
        return {(g["street"], g["month"]): tuple(g[k] or 0 for k in (
            "received", "replied", "on_time", "rated", "satisfied", "reply_days_total",
            "overdue_open")) for g in groups}

    summary, live = keyed(summary_groups()), keyed(live_groups())
    return [f"street {key[0]}, {key[1]:%Y-%m}: summary {summary.get(key)}, opinions {live.get(key)}"
            for key in sorted(set(summary) | set(live)) if summary.get(key) != live.get(key)]


def by_street(start: date | None = None, end: date | None = None) -> list[Row]:
    return district_figures(start, end).streets


def by_department(street: Unit, start: date | None = None, end: date | None = None) -> list[Row]:
    """Per department of the street: its assignments (a transferred one counts where it went);
    ratings count for the lead department (主办), whose reply the resident rated."""
    rows = {d.pk: Row(str(d.pk), str(d)) for d in Department.objects.filter(street=street)}
    assignments = (Assignment.objects.filter(period_bounds(start, end, "opinion__"),
                                             opinion__street=street)
                   .exclude(state=AssignmentState.TRANSFERRED)
                   .exclude(opinion__state=OpinionState.MERGED))
    for values in (assignments.values("department")
                   .annotate(**_aggregates("opinion__", ratings=Q(is_lead=True))).order_by()):
        row = rows.get(values["department"])
        if row:
            _fill(row, values)
    return list(rows.values())


# --- what each figure is computed from ---------------------------------------------------------

def record_first_reply(sender, *, workflow, obj, name, actor, **kwargs) -> None:
    """Keep an assignment's and an opinion's first reply as it was (connected to the workflow's
    `transitioned` signal, so it runs in the reply's transaction)."""
    from yishi.core.workdays import workdays_between

    if name == "reply_assignment" and obj.first_replied_at is None:
        opinion = obj.opinion
        now = timezone.now()
        obj.first_replied_at, obj.first_reply_due = now, obj.deadline
        obj.reply_workdays = workdays_between(timezone.localtime(opinion.created_at).date(),
                                              timezone.localtime(now).date())
        Assignment.objects.filter(pk=obj.pk, first_replied_at__isnull=True).update(
            first_replied_at=obj.first_replied_at, first_reply_due=obj.first_reply_due,
            reply_workdays=obj.reply_workdays)
    elif name == "reply" and obj.first_replied_at is None:
        replied = obj.replied_at or timezone.now()
        obj.first_replied_at, obj.first_reply_due = replied, obj.reply_deadline
        obj.reply_workdays = workdays_between(timezone.localtime(obj.created_at).date(),
                                              timezone.localtime(replied).date())
        Opinion.objects.filter(pk=obj.pk, first_replied_at__isnull=True).update(
            first_replied_at=obj.first_replied_at, first_reply_due=obj.first_reply_due,
            reply_workdays=obj.reply_workdays)
