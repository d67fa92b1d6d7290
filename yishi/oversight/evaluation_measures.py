"""What each computed indicator (计算类指标) reads: for a street and the scheme's period, the
records counted and, for a rate, the records it is counted out of. Every read goes through the
owning module's queries.py; the score page lists exactly these rows, so a count equals the
length of its list."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.councils import queries as councils
from yishi.deputies import queries as deputies
from yishi.finance import queries as finance
from yishi.opinions import queries as opinions
from yishi.projects import queries as projects

from .evaluation_models import Measure
from .models import Assignment, AssignmentState, StreetReport


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Period:
    """The scheme's period as aware datetimes, half-open: [since, until)."""

    year: int
    since: datetime
    until: datetime

    @classmethod
    def of(cls, scheme) -> "Period":
        return cls(scheme.year, _aware(scheme.period_start),
                   _aware(scheme.period_end + timedelta(days=1)))


@dataclass(frozen=True)
class MeasureSpec:
    key: str
    kind: str  # "rate" (per cent of `due`), "count", or "yes_no" (1 or 0)
    counted: Callable[[object, Period], QuerySet]
    due: Callable[[object, Period], QuerySet] | None
    # One row of the list behind a score: (date, text, link or "").
    describe: Callable[[object], tuple]
    counted_label: object = _("Counted")
    due_label: object = _("Out of")
    # The path from a counted (and due) row to its street: with street None, `counted` and
    # `due` return every street's rows, and compute() groups them by this in one query.
    street_field: str = "street"


def _local(moment):
    return timezone.localtime(moment).date() if moment else None


def _opinion(o):
    return (_local(o.created_at), f"{o.number} {o.title}", f"/opinions/manage/{o.number}/")


def _of_street(queryset, street):
    return queryset if street is None else queryset.filter(street=street)


def _reports_due(street, p: Period):
    return _of_street(StreetReport.objects.filter(
        report_type__due_on__gte=p.since.date(), report_type__due_on__lt=p.until.date()
    ).select_related("report_type"), street)


def _reports_on_time(street, p: Period):
    return _reports_due(street, p).filter(submitted_at__isnull=False,
                                          submitted_at__date__lte=F("report_type__due_on"),
                                          submitted_at__lt=p.until)


def _assignments_due(street, p: Period):
    return _of_street(Assignment.objects.filter(task__deadline__gte=p.since,
                                                task__deadline__lt=p.until)
                      .exclude(state=AssignmentState.RETURNED).select_related("task"), street)


def _assignments_on_time(street, p: Period):
    return _assignments_due(street, p).filter(reported_at__isnull=False,
                                              reported_at__lte=F("task__deadline"),
                                              reported_at__lt=p.until)


def _budget_until(p: Period) -> datetime:
    """A year's budget counts as on time when published before 1 April of that year (and, as
    the card is read as of the period's end, before then)."""
    return min(_aware(date(p.year, 4, 1)), p.until)


SPECS = [
    MeasureSpec(Measure.OPINIONS_ON_TIME, "rate",
                lambda s, p: opinions.replied_on_time_in(s, p.since, p.until),
                lambda s, p: opinions.replies_due_in(s, p.since, p.until), _opinion,
                _("Answered by the deadline"), _("Reply due in the period")),
    MeasureSpec(Measure.OPINIONS_SATISFIED, "rate",
                lambda s, p: opinions.satisfied_in(s, p.since, p.until),
                lambda s, p: opinions.rated_in(s, p.since, p.until), _opinion,
                _("Rated satisfied or basically satisfied"), _("Rated in the period")),
    MeasureSpec(Measure.MEETINGS_QUORATE, "count",
                lambda s, p: councils.meetings_quorate_in(s, p.since, p.until), None,
                lambda m: (_local(m.starts_at), m.title, f"/councils/meetings/{m.pk}/"),
                _("Meetings held with quorum"), street_field="council__street"),
    MeasureSpec(Measure.PROJECTS_ON_TIME, "rate",
                lambda s, p: projects.completed_on_time_in(s, p.year),
                lambda s, p: projects.chosen_in(s, p.year),
                lambda x: (None, x.title, f"/projects/{x.pk}/"),
                _("Completed with every milestone on time"), _("Projects chosen this year"),
                street_field="cycle__unit"),
    MeasureSpec(Measure.RECEPTIONS_HELD, "count",
                lambda s, p: deputies.receptions_held_between(s, p.since, p.until)
                .select_related("station"), None,
                lambda r: (_local(r.starts_at), str(r.station), f"/deputies/sessions/{r.pk}/"),
                _("Receptions held"), street_field="station__unit"),
    MeasureSpec(Measure.REPORTS_ON_TIME, "rate", _reports_on_time, _reports_due,
                lambda r: (r.report_type.due_on, r.report_type.title,
                           f"/oversight/reports/{r.pk}/"),
                _("Submitted by the due date"), _("Reports due in the period")),
    MeasureSpec(Measure.ASSIGNMENTS_ON_TIME, "rate", _assignments_on_time, _assignments_due,
                lambda a: (_local(a.task.deadline), a.task.title,
                           f"/oversight/assignments/{a.pk}/"),
                _("Reported back by the deadline"), _("Deadline in the period")),
    MeasureSpec(Measure.BUDGET_ON_TIME, "yes_no",
                lambda s, p: finance.budgets_published_by(s, p.year, _budget_until(p)),
                lambda s, p: finance.budgets_due(s, p.year),
                lambda b: (_local(b.published_at), str(b),
                           f"/finance/{b.street.code}/{b.year}/"),
                _("Published by 31 March"), _("The year's budget")),
]
BY_KEY = {spec.key: spec for spec in SPECS}
