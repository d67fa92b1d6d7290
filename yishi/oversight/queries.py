"""Reads that the oversight pages, the API and the dashboard share, scoped to who asks."""

from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from yishi.core.models import Unit, UnitKind
from yishi.core.permissions import has_perm

from .models import (
    OPEN_ASSIGNMENT_STATES,
    Assignment,
    AssignmentState,
    Feedback,
    GuidanceVisit,
    LiaisonLink,
    Task,
)
from .permissions import reader_paths  # noqa: F401 - the API reads it here

VISIT_GAP_DAYS = 90


def _scoped(queryset, user, street_field="street"):
    paths = reader_paths(user)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    q = Q()
    for path in paths:
        q |= Q(**{f"{street_field}__path__startswith": path})
    return queryset.filter(q)


def assignments_for(user):
    """The assignments `user` may read: all for the district, their street's for the street's
    staff and deputies."""
    return _scoped(Assignment.objects.select_related("task", "street"), user)


def tasks_for(user):
    visible = assignments_for(user).values("task_id")
    return (Task.objects.filter(pk__in=visible)
            .annotate(total=Count("assignments", filter=~Q(
                assignments__state=AssignmentState.RETURNED)),
                      done=Count("assignments", filter=Q(
                          assignments__state=AssignmentState.CLOSED)))
            .order_by("-issued_at", "-id"))


def progress(task) -> int:
    """The task's progress rolled up from its streets' assignments: the share closed (returned
    ones do not count), in per cent."""
    total = getattr(task, "total", None)
    if total is None:
        rows = task.assignments.exclude(state=AssignmentState.RETURNED)
        total, done = rows.count(), rows.filter(state=AssignmentState.CLOSED).count()
    else:
        done = task.done
    return round(100 * done / total) if total else 0


def can_read(user, assignment) -> bool:
    return has_perm(user, "oversight.view", assignment.street)


def overdue_assignments(now=None):
    now = now or timezone.now()
    return Assignment.objects.filter(state__in=OPEN_ASSIGNMENT_STATES, task__deadline__lt=now)


def may_see_attachment(user, attachment) -> bool:
    """Evidence of a street's feedback: whoever may read that street's assignments."""
    if not getattr(user, "is_authenticated", False):
        return False
    for feedback in Feedback.objects.filter(evidence=attachment).select_related(
            "assignment__street"):
        if can_read(user, feedback.assignment):
            return True
    return False


# --- liaison leaders and visits ---------------------------------------------------------------

def streets():
    return Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]).order_by(
        "sort_order", "code")


def leaders_by_street(on=None) -> dict[int, list[LiaisonLink]]:
    on = on or timezone.localdate()
    result: dict[int, list] = {}
    for link in LiaisonLink.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on).select_related(
            "leader"):
        result.setdefault(link.street_id, []).append(link)
    return result


def visits_for(user):
    return _scoped(GuidanceVisit.objects.select_related("leader", "street"), user)


def streets_without_recent_visit(today=None, days: int = VISIT_GAP_DAYS):
    """Streets no leader has visited in the last `days` days, with the date of the last visit
    (None if never), oldest first."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days)
    return (streets().annotate(last_visit=Max("guidance_visits__date"))
            .filter(Q(last_visit__isnull=True) | Q(last_visit__lt=since))
            .order_by("last_visit", "sort_order"))


# --- regular reports --------------------------------------------------------------------------

def reports_for(user):
    from .models import StreetReport

    return _scoped(StreetReport.objects.select_related("report_type", "street"), user)


def figure_rows(report) -> list[tuple[str, int]]:
    """(label, count) of the report's prefilled figures, in the dashboard's order."""
    from .dashboard import FIGURES

    return [(f.label, report.figures.get(f.key, 0)) for f in FIGURES]


# --- the rules library (制度库) ----------------------------------------------------------------

def governing_rule(module_key: str):
    """The rule that governs a module's page (`finance.budget_review`, `councils`,
    `oversight.assignments`…), or None: other apps' pages link it by this stable key."""
    from .rules_models import Rule

    return (Rule.objects.filter(governs__contains=f" {module_key} ")
            .order_by("group", "sort_order", "id").first())


def rules_library(group: str | None = None, query: str = ""):
    """The library's entries, in their groups, optionally one group and a search."""
    from . import rules
    from .rules_models import Rule

    rows = Rule.objects.all()
    if group:
        rows = rows.filter(group=group)
    if query.strip():
        rows = rules.search(query, rows)
    return rows.annotate(version_count=Count("versions"),
                         effective_on=Max("versions__effective_on")).order_by(
        "group", "sort_order", "id")


def assignment_reference(assignment_id: str) -> dict | None:
    """An assignment named by its id, as joint supervision links it."""
    if not str(assignment_id or "").strip().isdigit():
        return None
    a = Assignment.objects.filter(pk=int(assignment_id)).select_related("task", "street").first()
    if a is None:
        return None
    return {"label": f"{a.task.title} · {a.street.name}", "street": a.street,
            "url": f"/oversight/assignments/{a.pk}/", "public_url": None}
