"""Statistics of the loop per street, per department and per month: received, replied on time,
overdue, satisfaction, average working days to reply — aggregated in the database, for any
period, so that the district's page costs the same few queries at a thousand opinions as at a
million.

Replies are counted from what each opinion (and each assignment) kept of its first reply —
`first_replied_at`, `first_reply_due` and `reply_workdays`, written once by
`record_first_reply` when the reply is given (docs/decisions.md: working days are computed
then, in Python with the holiday calendar, not per query). An opinion counts in the period in
which it was received; merged opinions are counted in the one they were merged into."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from yishi.core.models import Department, Unit, UnitKind

from .models import Assignment, AssignmentState, Opinion, OpinionState, Rating, overdue_q

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


def district_figures(start: date | None = None, end: date | None = None, *,
                     street: Unit | None = None) -> Figures:
    """One grouped query (street × month) gives the streets, the months and the total."""
    rows = Opinion.objects.filter(period_bounds(start, end)).exclude(state=OpinionState.MERGED)
    if street is not None:
        rows = rows.filter(street=street)
    groups = (rows.annotate(month=TruncMonth("created_at"))
              .values("street", "month").annotate(**_aggregates()).order_by())
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
