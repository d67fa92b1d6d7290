"""The district dashboard (全区工作看板): every street side by side, each figure read from the
owning module's queries.py as a queryset, so that the list a figure opens is the very rows it
counts (its length equals the figure)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractMonth
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


def _of(queryset, street):
    return queryset if street is None else queryset.filter(street=street)


def _local(moment):
    return timezone.localtime(moment).date() if moment else None


FIGURES = [
    Figure("opinions_received", _("Opinions received"), _("Opinions"),
           opinions.received_in,
           lambda o: (_local(o.created_at), f"{o.number} {o.title}",
                      f"/opinions/manage/{o.number}/"), month_field="created_at"),
    Figure("opinions_overdue", _("Opinions overdue now"), _("Opinions"),
           lambda street, year: opinions.overdue_now(street),
           lambda o: (_local(o.created_at), f"{o.number} {o.title}",
                      f"/opinions/manage/{o.number}/")),
    Figure("meetings_held", _("Council meetings held"), _("Councils"),
           councils.meetings_held_in,
           lambda m: (_local(m.starts_at), m.title, f"/councils/meetings/{m.pk}/"),
           "council__street", "starts_at"),
    Figure("projects_chosen", _("Projects chosen"), _("Livelihood projects"),
           projects.chosen_in,
           lambda p: (None, p.title, f"/projects/{p.pk}/"), "cycle__unit"),
    Figure("projects_completed", _("Projects completed"), _("Livelihood projects"),
           projects.completed_in,
           lambda p: (None, p.title, f"/projects/{p.pk}/"), "cycle__unit"),
    Figure("receptions_held", _("Receptions held"), _("Deputies"),
           deputies.receptions_held_in,
           lambda s: (_local(s.starts_at), str(s.station), f"/deputies/sessions/{s.pk}/"),
           "station__unit", "starts_at"),
    Figure("assignments_open", _("Assignments open"), _("Oversight"),
           lambda street, year: _of(Assignment.objects.filter(
               state__in=OPEN_ASSIGNMENT_STATES).select_related("task"), street),
           lambda a: (_local(a.task.deadline), a.task.title,
                      f"/oversight/assignments/{a.pk}/")),
    Figure("assignments_overdue", _("Assignments overdue"), _("Oversight"),
           lambda street, year: _of(Assignment.objects.filter(
               state__in=OPEN_ASSIGNMENT_STATES,
               task__deadline__lt=timezone.now()).select_related("task"), street),
           lambda a: (_local(a.task.deadline), a.task.title,
                      f"/oversight/assignments/{a.pk}/")),
    Figure("guidance_visits", _("Guidance visits"), _("Oversight"),
           lambda street, year: _of(GuidanceVisit.objects.filter(date__year=year)
                                    .select_related("leader"), street),
           lambda v: (v.date, f"{v.leader.name}: {v.topics}", f"/oversight/visits/{v.pk}/"),
           month_field="date"),
]
BY_KEY = {f.key: f for f in FIGURES}


def counts(figure: Figure, year: int) -> dict[int, int]:
    """{street id: count} of one figure for every street, in one grouped query; the rows counted
    are those the street's drill-down lists (the same queryset, not filtered by street)."""
    rows = (figure.rows(None, year).order_by().values(figure.street_field)
            .annotate(n=Count("pk")).values_list(figure.street_field, "n"))
    return dict(rows)


def board(streets, year: int) -> list[dict]:
    """One row per street: {"street", "figures": [(figure, count), …]}. One query per figure,
    however many streets."""
    by_figure = [(f, counts(f, year)) for f in FIGURES]
    return [{"street": street,
             "figures": [(f, found.get(street.pk, 0)) for f, found in by_figure]}
            for street in streets]


def drill(key: str, street, year: int) -> list[tuple]:
    figure = BY_KEY[key]
    return [figure.describe(row) for row in figure.rows(street, year)]


def table(streets, year: int) -> tuple[list, list]:
    """The whole board for the XLSX export: streets down, figures across."""
    header = [str(_("Street"))] + [str(f.label) for f in FIGURES]
    return header, [[row["street"].display_name] + [count for _f, count in row["figures"]]
                    for row in board(streets, year)]


TRENDS = [f for f in FIGURES if f.month_field]
# The street grid (map) shows these figures on each street's tile.
GRID = ["opinions_overdue", "assignments_overdue", "meetings_held"]


def trend(figure: Figure, year: int) -> list[int]:
    """The figure's count for every street by month of `year` (local time), January first: one
    grouped query."""
    month = ExtractMonth(figure.month_field)
    rows = (figure.rows(None, year).order_by().annotate(month=month).values("month")
            .annotate(n=Count("pk")).values_list("month", "n"))
    found = dict(rows)
    return [found.get(m, 0) for m in range(1, 13)]


def grid(rows: list[dict]) -> list[dict]:
    """The street grid: each street of the board with the GRID figures."""
    return [{"street": row["street"],
             "figures": [(f, count) for f, count in row["figures"] if f.key in GRID]}
            for row in rows]
