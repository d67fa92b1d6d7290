"""Statistics of the loop per street (and per department): received, replied on time, overdue,
satisfaction, average working days to reply — computed from the records, for any period."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Count, Q
from django.utils import timezone

from yishi.core.models import Department, Unit, UnitKind

from .models import (
    Assignment,
    AssignmentState,
    Opinion,
    OpinionState,
    Rating,
    Reply,
    overdue_q,
)

RATED = (Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED)


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
    reply_days: list[float] = field(default_factory=list)

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
        return sum(self.reply_days) / len(self.reply_days) if self.reply_days else None


def _period(start: date | None, end: date | None) -> Q:
    q = Q()
    if start:
        q &= Q(created_at__gte=timezone.make_aware(datetime.combine(start, time.min)))
    if end:
        q &= Q(created_at__lte=timezone.make_aware(datetime.combine(end, time.max)))
    return q


def by_street(start: date | None = None, end: date | None = None) -> list[Row]:
    now = timezone.now()
    period = _period(start, end)
    rows = {}
    for street in Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]).order_by("path"):
        rows[street.pk] = Row(street.code, street.display_name)
    counts = (Opinion.objects.filter(period).exclude(state=OpinionState.MERGED)
              .values("street").annotate(
                  received=Count("id"),
                  rated=Count("id", filter=Q(rating__in=RATED)),
                  satisfied=Count("id", filter=Q(rating__in=[Rating.SATISFIED,
                                                             Rating.BASICALLY])),
                  overdue_open=Count("id", filter=overdue_q(now))))
    for c in counts:
        row = rows.get(c["street"])
        if row:
            row.received = c["received"]
            row.rated, row.satisfied, row.overdue_open = c["rated"], c["satisfied"], c["overdue_open"]
    _reply_timing(rows, period, key="street")
    return list(rows.values())


def by_department(street: Unit, start: date | None = None, end: date | None = None) -> list[Row]:
    period = _period(start, end)
    rows = {d.pk: Row(str(d.pk), str(d)) for d in Department.objects.filter(street=street)}
    now = timezone.now()
    assignments = Assignment.objects.filter(
        opinion__in=Opinion.objects.filter(period, street=street)).exclude(
        state=AssignmentState.TRANSFERRED)
    for a in assignments.values("department").annotate(
            received=Count("id"),
            overdue_open=Count("id", filter=Q(state__in=[AssignmentState.ASSIGNED,
                                                         AssignmentState.HANDLING],
                                              deadline__lt=now))):
        row = rows.get(a["department"])
        if row:
            row.received, row.overdue_open = a["received"], a["overdue_open"]
    _reply_timing(rows, period, key="department")
    return list(rows.values())



def _reply_timing(rows: dict, period: Q, *, key: str) -> None:
    """First replies: on time when given before the assignment's deadline; working days from
    submission to reply. Per street the first reply of each opinion counts, per department the
    first reply of each assignment."""
    from yishi.core.workdays import workdays_between

    replies = (Reply.objects.filter(round=1, opinion__in=Opinion.objects.filter(period))
               .select_related("opinion", "assignment").order_by("created_at"))
    firsts = {}
    for reply in replies:
        group_key = reply.opinion_id if key == "street" else (reply.opinion_id,
                                                             reply.assignment_id)
        firsts.setdefault(group_key, reply)
    for reply in firsts.values():
        row = rows.get(reply.opinion.street_id if key == "street"
                       else reply.assignment.department_id)
        if row is None:
            continue
        row.replied += 1
        row.on_time += reply.created_at <= reply.assignment.deadline
        row.reply_days.append(workdays_between(
            timezone.localtime(reply.opinion.created_at).date(),
            timezone.localtime(reply.created_at).date()))
