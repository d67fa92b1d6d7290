"""The district dashboard (全区工作看板): every street side by side, each figure read from the
owning module's queries.py as a queryset, so that the list a figure opens is the very rows it
counts (its length equals the figure)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
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
    rows: Callable[[object, int], QuerySet]
    # One row of the drill-down list: (date, text, link or "").
    describe: Callable[[object], tuple]


def _local(moment):
    return timezone.localtime(moment).date() if moment else None


FIGURES = [
    Figure("opinions_received", _("Opinions received"), _("Opinions"),
           opinions.received_in,
           lambda o: (_local(o.created_at), f"{o.number} {o.title}",
                      f"/opinions/manage/{o.number}/")),
    Figure("opinions_overdue", _("Opinions overdue now"), _("Opinions"),
           lambda street, year: opinions.overdue_now(street),
           lambda o: (_local(o.created_at), f"{o.number} {o.title}",
                      f"/opinions/manage/{o.number}/")),
    Figure("meetings_held", _("Council meetings held"), _("Councils"),
           councils.meetings_held_in,
           lambda m: (_local(m.starts_at), m.title, f"/councils/meetings/{m.pk}/")),
    Figure("projects_chosen", _("Projects chosen"), _("Livelihood projects"),
           projects.chosen_in,
           lambda p: (None, p.title, f"/projects/{p.pk}/")),
    Figure("projects_completed", _("Projects completed"), _("Livelihood projects"),
           projects.completed_in,
           lambda p: (None, p.title, f"/projects/{p.pk}/")),
    Figure("receptions_held", _("Receptions held"), _("Deputies"),
           deputies.receptions_held_in,
           lambda s: (_local(s.starts_at), str(s.station), f"/deputies/sessions/{s.pk}/")),
    Figure("assignments_open", _("Assignments open"), _("Oversight"),
           lambda street, year: Assignment.objects.filter(
               street=street, state__in=OPEN_ASSIGNMENT_STATES).select_related("task"),
           lambda a: (_local(a.task.deadline), a.task.title,
                      f"/oversight/assignments/{a.pk}/")),
    Figure("assignments_overdue", _("Assignments overdue"), _("Oversight"),
           lambda street, year: Assignment.objects.filter(
               street=street, state__in=OPEN_ASSIGNMENT_STATES,
               task__deadline__lt=timezone.now()).select_related("task"),
           lambda a: (_local(a.task.deadline), a.task.title,
                      f"/oversight/assignments/{a.pk}/")),
    Figure("guidance_visits", _("Guidance visits"), _("Oversight"),
           lambda street, year: GuidanceVisit.objects.filter(street=street, date__year=year)
           .select_related("leader"),
           lambda v: (v.date, f"{v.leader.name}: {v.topics}", f"/oversight/visits/{v.pk}/")),
]
BY_KEY = {f.key: f for f in FIGURES}


def board(streets, year: int) -> list[dict]:
    """One row per street: {"street", "figures": [(figure, count), …]}."""
    return [{"street": street,
             "figures": [(f, f.rows(street, year).count()) for f in FIGURES]}
            for street in streets]


def drill(key: str, street, year: int) -> list[tuple]:
    figure = BY_KEY[key]
    return [figure.describe(row) for row in figure.rows(street, year)]


def table(streets, year: int) -> tuple[list, list]:
    """The whole board for the XLSX export: streets down, figures across."""
    header = [str(_("Street"))] + [str(f.label) for f in FIGURES]
    return header, [[row["street"].display_name] + [count for _f, count in row["figures"]]
                    for row in board(streets, year)]
