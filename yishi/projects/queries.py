"""Reads shared by pages, exports and the API: the district overview, lists, the map, a
project's timeline."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yishi.core.models import Unit, UnitKind

from .models import STATUS_GROUPS, Cycle, Project, ProjectState

GROUP_LABELS = {
    "proposed": _("Proposed or in review"),
    "candidate": _("On public notice / ballot"),
    "selected": _("Selected, not started"),
    "in_progress": _("Being implemented"),
    "completed": _("Completed"),
    # Not the opinions' "Accepted" (受理, received): a project accepted on completion (验收).
    "accepted": pgettext_lazy("project", "Accepted"),
}
EVENT_LABELS = {
    "propose": _("Proposed"),
    "approve": _("Passed review"),
    "merge": _("Merged with a similar proposal"),
    "reject": pgettext_lazy("project", "Not adopted"),
    "list_candidate": _("On the candidate list (公示)"),
    "withdraw": _("Taken off the candidate list"),
    "select": _("Selected by ballot"),
    "not_select": _("Not selected by ballot"),
    "start": _("Implementation started"),
    "progress": _("Progress reported"),
    "visit": _("Supervision visit (督查)"),
    "bidding_notice": _("Bidding notice published"),
    "award": _("Tender awarded"),
    "complete": _("Completed"),
    "accept_completion": _("Accepted on completion (验收)"),
    "satisfaction": _("Satisfaction result"),
}
RATING_LABELS = {
    "satisfied": _("Satisfied (满意)"),
    "basically": _("Basically satisfied (基本满意)"),
    "unsatisfied": _("Not satisfied (不满意)"),
    "no_votes": _("No votes"),
}
PUBLIC_STATES = [s for s in ProjectState.values]
SELECTED_STATES = {ProjectState.SELECTED, ProjectState.IN_PROGRESS, ProjectState.COMPLETED,
                   ProjectState.ACCEPTED}


def public_projects():
    return Project.objects.select_related("cycle", "cycle__unit", "community",
                                          "community__parent", "category", "department")


def years() -> list[int]:
    return sorted(set(Cycle.objects.values_list("year", flat=True)), reverse=True)


RUNNING_STATES = {ProjectState.SELECTED, ProjectState.IN_PROGRESS, ProjectState.COMPLETED}


def default_year() -> int:
    """The year the overview opens on: the latest with projects being carried out (not a new
    cycle that has only just started taking proposals), else the latest year, else this one."""
    running = (Project.objects.filter(state__in=RUNNING_STATES)
               .order_by("-cycle__year").values_list("cycle__year", flat=True).first())
    if running:
        return running
    latest = years()
    return latest[0] if latest else timezone.localdate().year


def overview(year: int) -> dict:
    """All streets side by side for a year: counts by status group, budget, spending."""
    streets = list(Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN])
                   .order_by("sort_order", "path"))
    rows = (Project.objects.filter(cycle__year=year)
            .values("community__parent_id", "state").annotate(n=Count("id")))
    by_street: dict[int, dict[str, int]] = {}
    for row in rows:
        by_street.setdefault(row["community__parent_id"], {})[row["state"]] = row["n"]
    budgets = dict(Cycle.objects.filter(year=year).values_list("unit_id", "budget"))
    table, totals = [], dict.fromkeys(STATUS_GROUPS, 0)
    for street in streets:
        states = by_street.get(street.pk, {})
        groups = {g: sum(states.get(s, 0) for s in members) for g, members in
                  STATUS_GROUPS.items()}
        for g, n in groups.items():
            totals[g] += n
        table.append({"street": street, "groups": groups, "budget": budgets.get(street.pk),
                      "cells": [(GROUP_LABELS[g], n) for g, n in groups.items()],
                      "projects": sum(groups.values())})
    return {"rows": table, "totals": totals,
            "total": sum(totals.values()),
            "labels": GROUP_LABELS}


def spending_total(project: Project) -> Decimal:
    return project.spendings.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def map_points(projects, width: int = 320, height: int = 320) -> dict:
    """Projects with a map position, placed within the bounding box of all of them (the
    district's extent in practice), for a server-drawn SVG."""
    located = [p for p in projects if p.latitude is not None and p.longitude is not None]
    if not located:
        return {"points": [], "width": width, "height": height}
    lats = [float(p.latitude) for p in located]
    lons = [float(p.longitude) for p in located]
    lat0, lat1 = min(lats) - 0.005, max(lats) + 0.005
    lon0, lon1 = min(lons) - 0.005, max(lons) + 0.005
    points = []
    for n, p in enumerate(located, start=1):
        x = (float(p.longitude) - lon0) / (lon1 - lon0) * (width - 20) + 10
        y = (lat1 - float(p.latitude)) / (lat1 - lat0) * (height - 20) + 10
        points.append({"n": n, "x": round(x, 1), "y": round(y, 1), "project": p})
    return {"points": points, "width": width, "height": height}


def filtered(params) -> tuple:
    rows = public_projects()
    selected = {}
    year = params.get("year")
    if year and year.isdigit() and len(year) <= 4:
        rows = rows.filter(cycle__year=int(year))
        selected["year"] = int(year)
    street = Unit.objects.filter(code=params.get("street"),
                                 kind__in=[UnitKind.STREET, UnitKind.TOWN]).first()
    if street:
        rows = rows.filter(community__parent=street)
        selected["street"] = street
    state = params.get("state")
    if state in STATUS_GROUPS:
        rows = rows.filter(state__in=STATUS_GROUPS[state])
        selected["state"] = state
    elif state in ProjectState.values:
        rows = rows.filter(state=state)
        selected["state"] = state
    query = (params.get("q") or "").strip()[:50]
    if query:
        rows = rows.filter(Q(title__icontains=query) | Q(address__icontains=query))
        selected["q"] = query
    return rows.order_by("community__parent__sort_order", "community__path", "id"), selected


def may_see_attachment(user, attachment) -> bool:
    """Every project is public (public_projects), and so are its photos and its progress
    reports' photos."""
    from .models import ProgressReport

    return (public_projects().filter(photos=attachment).exists()
            or ProgressReport.objects.filter(project__in=public_projects(),
                                             photos=attachment).exists())


def selected_without_votes(rule: str) -> str:
    return str(_("Selected without votes by the rule: %(rule)s")) % {"rule": rule}


def project_selected_without_votes(project: Project) -> str:
    """Why a project counted as selected has no vote: the rule of the published result that
    selected it ("" when it has votes or was not selected by a ballot)."""
    if project.votes or project.votes is None or project.state not in SELECTED_STATES:
        return ""
    from .models import PublishedVersion

    last = (PublishedVersion.objects.filter(cycle_id=project.cycle_id,
                                            kind=PublishedVersion.Kind.RESULT)
            .order_by("-number").first())
    return selected_without_votes(last.items.get("rule", "")) if last else ""


# --- the home page's "open now" (read by core through settings.YISHI_HOME_SECTIONS) ----------

def home_open_cycles(user=None, limit: int = 5) -> list[dict]:
    """Cycles whose current phase invites residents: proposals (推荐征集) or objections (公示)."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from yishi.core.localtime import local_text

    from .models import Phase, PhaseKind

    now = timezone.now()
    phases = (Phase.objects.filter(kind__in=[PhaseKind.NOMINATION, PhaseKind.NOTICE],
                                   starts_at__lte=now, ends_at__gt=now)
              .select_related("cycle__unit").order_by("ends_at")[:limit])
    invite = {PhaseKind.NOMINATION: _("Open for proposals until %(end)s"),
              PhaseKind.NOTICE: _("On public notice, objections until %(end)s")}
    return [{"title": p.cycle.title, "url": reverse("projects:cycle", args=[p.cycle_id]),
             "meta": f"{p.cycle.unit.display_name} · "
                     + invite[p.kind] % {"end": local_text(p.ends_at)}}
            for p in phases]


def home_figures() -> list[dict]:
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    year = timezone.localdate().year
    return [{"label": _("Livelihood projects this year"), "url": reverse("projects:overview"),
             "value": Project.objects.filter(cycle__year=year).count()}]


def street_link(street) -> dict | None:
    """The street page's link to its projects (read by core, YISHI_STREET_LINKS)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    count = Project.objects.filter(cycle__unit=street).count()
    return {"label": _("Livelihood projects"),
            "detail": _("%(count)s projects") % {"count": count},
            "url": f"{reverse('projects:list')}?street={street.code}"}
# --- figures for the district's oversight -----------------------------------------------------

CHOSEN = (ProjectState.SELECTED, ProjectState.IN_PROGRESS, ProjectState.COMPLETED,
          ProjectState.ACCEPTED)
COMPLETED = (ProjectState.COMPLETED, ProjectState.ACCEPTED)


def _of_street(queryset, street):
    return queryset if street is None else queryset.filter(cycle__unit=street)


def chosen_in(street, year: int):
    """The street's livelihood projects of `year` chosen by ballot (selected and beyond); every
    street's when `street` is None."""
    return _of_street(Project.objects.filter(cycle__year=year, state__in=CHOSEN), street)


def completed_in(street, year: int):
    """The street's livelihood projects of `year` completed (awaiting acceptance or accepted)."""
    return _of_street(Project.objects.filter(cycle__year=year, state__in=COMPLETED), street)


def reference(project_id: str) -> dict | None:
    """A project named by its id, as another module links it (the district's joint
    supervision): its title, street and public page; None when there is no such project."""
    from django.urls import reverse

    if not str(project_id or "").strip().isdigit():
        return None
    project = Project.objects.filter(pk=int(project_id)).select_related("cycle__unit").first()
    if project is None:
        return None
    return {"label": project.title, "street": project.cycle.unit,
            "url": reverse("projects:detail", args=[project.pk]), "public_url": None}


def completed_on_time_in(street, year: int):
    """Of completed_in, those whose every milestone was done by its due date."""
    from django.db.models import Exists, F, OuterRef

    from .models import Milestone

    late = Milestone.objects.filter(project=OuterRef("pk")).filter(
        Q(done_on__isnull=True) | Q(done_on__gt=F("due_on")))
    return completed_in(street, year).filter(~Exists(late))
