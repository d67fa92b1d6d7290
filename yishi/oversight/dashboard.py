"""The district dashboard (全区工作看板): every street side by side, each figure read from the
owning module's queries.py as a queryset, so that the list a figure opens is the very rows it
counts (its length equals the figure)."""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.paginator import Page, Paginator
from django.db.models import Count, DateTimeField, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.councils import queries as councils
from yishi.deputies import queries as deputies
from yishi.opinions import queries as opinions
from yishi.projects import queries as projects

from .models import OPEN_ASSIGNMENT_STATES, Assignment, GuidanceVisit


@dataclass(frozen=True)
class Figure:
    key: str
    label: object
    module: object
    # The rows of one street (street None: of every street, grouped by `street_field`).
    rows: Callable[[object, int], QuerySet]
    # One row of the drill-down list: (date, text, link or "").
    describe: Callable[[object], tuple]
    street_field: str = "street"
    # The date the monthly trend counts by (empty: the figure has no trend, e.g. a state now).
    month_field: str = ""
    # {street id: count} when the owning module counts it faster than grouping `rows` does;
    # the same figures (test_board_queries_are_constant_in_the_number_of_streets checks).
    by_street: Callable[[int], dict] | None = None
    # The columns `describe` reads, when the rows are wide (an opinion's text, its nine dates):
    # a year's drill-down of one street is thousands of rows.
    only: tuple = ()
    # The drill-down's order, newest first by the date it shows, then the id: a total order,
    # so that no row is on two pages or on none.
    order: tuple = ("-pk",)


def _of(queryset, street):
    return queryset if street is None else queryset.filter(street=street)


def _local(moment):
    return timezone.localtime(moment).date() if moment else None


OPINION_COLUMNS = ("number", "title", "created_at")
NEWEST_OPINIONS = ("-created_at", "-pk")
FIGURES = [
    Figure("opinions_received", _("Opinions received"), _("Opinions"),
           opinions.received_in,
           lambda o: (_local(o.created_at), f"{o.number} {o.title}",
                      f"/opinions/manage/{o.number}/"), month_field="created_at",
           only=OPINION_COLUMNS, order=NEWEST_OPINIONS),
    Figure("opinions_overdue", _("Opinions overdue now"), _("Opinions"),
           lambda street, year: opinions.overdue_now(street),
           lambda o: (_local(o.created_at), f"{o.number} {o.title}",
                      f"/opinions/manage/{o.number}/"),
           by_street=lambda year: opinions.overdue_now_by_street(), only=OPINION_COLUMNS,
           order=NEWEST_OPINIONS),
    Figure("meetings_held", _("Council meetings held"), _("Councils"),
           councils.meetings_held_in,
           lambda m: (_local(m.starts_at), m.title, f"/councils/meetings/{m.pk}/"),
           "council__street", "starts_at", order=("-starts_at", "-pk")),
    Figure("projects_chosen", _("Projects chosen"), _("Livelihood projects"),
           projects.chosen_in,
           lambda p: (None, p.title, f"/projects/{p.pk}/"), "cycle__unit",
           order=("-created_at", "-pk")),
    Figure("projects_completed", _("Projects completed"), _("Livelihood projects"),
           projects.completed_in,
           lambda p: (None, p.title, f"/projects/{p.pk}/"), "cycle__unit",
           order=("-created_at", "-pk")),
    Figure("receptions_held", _("Receptions held"), _("Deputies"),
           lambda street, year: deputies.receptions_held_in(street, year)
           .select_related("station"),
           lambda s: (_local(s.starts_at), str(s.station), f"/deputies/sessions/{s.pk}/"),
           "station__unit", "starts_at", order=("-starts_at", "-pk")),
    Figure("assignments_open", _("Assignments open"), _("Oversight"),
           lambda street, year: _of(Assignment.objects.filter(
               state__in=OPEN_ASSIGNMENT_STATES).select_related("task"), street),
           lambda a: (_local(a.task.deadline), a.task.title,
                      f"/oversight/assignments/{a.pk}/"), order=("-task__deadline", "-pk")),
    Figure("assignments_overdue", _("Assignments overdue"), _("Oversight"),
           lambda street, year: _of(Assignment.objects.filter(
               state__in=OPEN_ASSIGNMENT_STATES,
               task__deadline__lt=timezone.now()).select_related("task"), street),
           lambda a: (_local(a.task.deadline), a.task.title,
                      f"/oversight/assignments/{a.pk}/"), order=("-task__deadline", "-pk")),
    Figure("guidance_visits", _("Guidance visits"), _("Oversight"),
           lambda street, year: _of(GuidanceVisit.objects.filter(date__year=year)
                                    .select_related("leader"), street),
           lambda v: (v.date, f"{v.leader.name}: {v.topics}", f"/oversight/visits/{v.pk}/"),
           month_field="date", order=("-date", "-pk")),
]
BY_KEY = {f.key: f for f in FIGURES}


def counts(figure: Figure, year: int) -> dict[int, int]:
    """{street id: count} of one figure for every street, in one grouped query; the rows counted
    are those the street's drill-down lists (the same queryset, not filtered by street)."""
    if figure.by_street is not None:
        return figure.by_street(year)
    rows = (figure.rows(None, year).order_by().values(figure.street_field)
            .annotate(n=Count("*")).values_list(figure.street_field, "n"))
    return dict(rows)


def _by_month(figure: Figure, model, year: int) -> dict:
    """One conditional count per local month of `year` over the figure's date: a range on the
    column the index holds, not a time-zone conversion of every row."""
    starts = [date(year, m, 1) for m in range(1, 13)] + [date(year + 1, 1, 1)]
    if isinstance(model._meta.get_field(figure.month_field), DateTimeField):
        starts = [timezone.make_aware(datetime.combine(d, time.min)) for d in starts]
    column = figure.month_field
    return {f"m{m}": Count(column, filter=Q(**{f"{column}__gte": starts[m - 1],
                                               f"{column}__lt": starts[m]}))
            for m in range(1, 13)}


def monthly(figure: Figure, year: int) -> dict[int, list[int]]:
    """{street id: [count in each month of `year`, local time]} of a figure with a trend, in
    one grouped query; a street's months add up to its count on the board."""
    rows = figure.rows(None, year)
    found = (rows.order_by().values(figure.street_field)
             .annotate(**_by_month(figure, rows.model, year)))
    return {row[figure.street_field]: [row[f"m{m}"] for m in range(1, 13)] for row in found}


def board(streets, year: int) -> list[dict]:
    """One row per street: {"street", "figures": [(figure, count), …], "months": {figure key:
    [count by month]}} (months for the figures with a trend). One query per figure (two for the
    overdue opinions), however many streets; the figures with a trend are counted by street and
    month at once, so the page's trend needs no second pass over a year of opinions."""
    by_figure, months = [], {}
    for f in FIGURES:
        if f.month_field:
            months[f.key] = monthly(f, year)
            by_figure.append((f, {street: sum(m) for street, m in months[f.key].items()}))
        else:
            by_figure.append((f, counts(f, year)))
    return [{"street": street,
             "figures": [(f, found.get(street.pk, 0)) for f, found in by_figure],
             "months": {key: found.get(street.pk, [0] * 12) for key, found in months.items()}}
            for street in streets]


DRILL_PER_PAGE = 50


def drill_rows(key: str, street, year: int) -> QuerySet:
    """The rows one figure of one street counts, in the drill-down's order (newest first, then
    the id) and reading only the columns the list shows."""
    figure = BY_KEY[key]
    rows = figure.rows(street, year).order_by(*figure.order)
    return rows.only(*figure.only) if figure.only else rows


def page_number(raw) -> int:
    """The page asked for, as the nearest number >= 1: zero and below are the first page, and
    so is anything that is not a whole number (letters, control characters); a number past the
    last page, however many digits, is the last page (Paginator.get_page)."""
    text = str(raw if raw is not None else "1").strip()
    try:
        number = int(text)
    except ValueError:  # not a number, or more digits than int() reads (4,300)
        return sys.maxsize if text.isdecimal() else 1
    return max(number, 1)


def drill(key: str, street, year: int, page=None, per_page: int | None = None) -> Page:
    """One page of the drill-down: `page.object_list` the page's rows described as (date,
    text, link), `page.paginator.count` the figure (the street's count on the board). Two
    queries whatever the number of rows: the count and the page (LIMIT/OFFSET)."""
    figure = BY_KEY[key]
    found = Paginator(drill_rows(key, street, year), per_page or DRILL_PER_PAGE).get_page(
        page_number(page))
    found.object_list = [figure.describe(row) for row in found.object_list]
    return found


def table(streets, year: int) -> tuple[list, list]:
    """The whole board for the XLSX export: streets down, figures across."""
    header = [str(_("Street"))] + [str(f.label) for f in FIGURES]
    return header, [[row["street"].display_name] + [count for _f, count in row["figures"]]
                    for row in board(streets, year)]


TRENDS = [f for f in FIGURES if f.month_field]
# The street grid (map) shows these figures on each street's tile.
GRID = ["opinions_overdue", "assignments_overdue", "meetings_held"]


def trend(figure: Figure, year: int, board_rows: list[dict] | None = None) -> list[int]:
    """The figure's count for every street by month of `year` (local time), January first: the
    board's monthly counts added up when given the board of every street, else one query."""
    if board_rows is not None:
        return [sum(row["months"][figure.key][m] for row in board_rows) for m in range(12)]
    rows = figure.rows(None, year)
    found = rows.order_by().aggregate(**_by_month(figure, rows.model, year))
    return [found[f"m{m}"] for m in range(1, 13)]


def grid(rows: list[dict]) -> list[dict]:
    """The street grid: each street of the board with the GRID figures."""
    return [{"street": row["street"],
             "figures": [(f, count) for f, count in row["figures"] if f.key in GRID]}
            for row in rows]
