"""Reads shared by pages and the API: the public board, the staff queue, an opinion's story."""

from datetime import timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from yishi.core.models import Role
from yishi.core.permissions import active_roles

from .models import AssignmentState, Opinion, OpinionState, Rating, overdue_parts, overdue_q

PUBLIC_STATES = [s for s in OpinionState.values if s not in (OpinionState.SUBMITTED,)]


def public_board(street=None, category=None, state=None, community=None):
    rows = (Opinion.objects.filter(is_public=True, state__in=PUBLIC_STATES)
            .select_related("street", "category", "community"))
    if street:
        rows = rows.filter(street=street)
    if community:
        rows = rows.filter(community=community)
    if category:
        rows = rows.filter(category=category)
    if state:
        rows = rows.filter(state=state)
    return rows


def can_see(user, opinion: Opinion) -> bool:
    if opinion.is_public and opinion.state in PUBLIC_STATES:
        return True
    if user.is_authenticated and opinion.author_id == user.pk:
        return True
    return bool(user.is_authenticated and staff_queue(user).filter(pk=opinion.pk).exists())


def staff_queue(user, view: str = "all"):
    """Opinions the person handles: the streets of street staff, everything for district staff,
    and the assignments of a handler's department."""
    scope = Q(pk__in=[])
    departments = []
    for role, path, department in active_roles(user):
        if role in (Role.DISTRICT_STAFF, Role.STREET_STAFF):
            scope |= Q(street__path__startswith=path)
        elif role == Role.DEPARTMENT_HANDLER and department:
            departments.append(department)
    if departments:
        scope |= Q(assignments__department_id__in=departments,
                   assignments__state__in=[AssignmentState.ASSIGNED, AssignmentState.HANDLING,
                                           AssignmentState.REPLIED])
    rows = Opinion.objects.filter(scope).distinct().select_related("street", "category")
    now = timezone.now()
    open_work = [OpinionState.SUBMITTED, OpinionState.ACCEPTED, OpinionState.ASSIGNED,
                 OpinionState.HANDLING, OpinionState.ESCALATED]
    if view == "mine":
        rows = rows.filter(state__in=open_work)
    elif view == "overdue":
        rows = rows.filter(overdue_q(now))
    elif view == "due_soon":
        rows = rows.filter(state__in=[OpinionState.ASSIGNED, OpinionState.HANDLING],
                           reply_deadline__gte=now, reply_deadline__lt=now + timedelta(days=3))
    return rows





def may_see_attachment(user, attachment) -> bool:
    """A photo is seen by whoever may see an opinion it belongs to (the board's rule)."""
    opinions = Opinion.objects.filter(photos=attachment)
    return any(can_see(user, opinion) for opinion in opinions)


# --- the home page's "open now" (read by core through settings.YISHI_HOME_SECTIONS) ----------

def home_awaiting_rating(user=None, limit: int = 5) -> list[dict]:
    """The person's own opinions that have a reply waiting for their rating."""
    from django.urls import reverse

    from yishi.core.localtime import local_text

    if user is None or not user.is_authenticated:
        return []
    opinions = (Opinion.objects.filter(author=user, state=OpinionState.REPLIED)
                .order_by("rating_deadline")[:limit])
    return [{"title": o.title, "url": reverse("opinions:detail", args=[o.number]),
             "meta": f"{o.number} · {local_text(o.rating_deadline)}"} for o in opinions]


def home_figures() -> list[dict]:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    year = timezone.localdate().year
    this_year = Opinion.objects.filter(created_at__year=year)
    return [
        {"label": _("Opinions raised this year"), "url": reverse("opinions:board"),
         "value": this_year.count()},
        {"label": _("Opinions answered this year"), "url": reverse("opinions:board"),
         "value": this_year.filter(state__in=[OpinionState.REPLIED, OpinionState.CLOSED]).count()},
    ]


def street_link(street) -> dict | None:
    """The street page's link to its public opinions (read by core, YISHI_STREET_LINKS)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    count = public_board(street=street).count()
    return {"label": _("Opinions"), "detail": _("%(count)s public opinions") % {"count": count},
            "url": f"{reverse('opinions:board')}?street={street.code}"}


# --- figures for the district's oversight (one queryset per street and year) ----------------

def _of_street(queryset, street):
    """Filter to one street; None keeps every street (the board groups by street itself)."""
    return queryset if street is None else queryset.filter(street=street)


def received_in(street, year: int):
    """Opinions the street received in `year` (by submission date, local time); every street's
    when `street` is None."""
    return _of_street(Opinion.objects.filter(created_at__year=year), street)


def overdue_now(street, now=None):
    """The street's opinions past their accept or reply deadline now (every street's: None)."""
    from django.utils import timezone

    return _of_street(Opinion.objects.filter(overdue_q(now or timezone.now())), street)


def overdue_now_by_street(now=None) -> dict[int, int]:
    """{street id: len(overdue_now(street))}: each way of being overdue counted per street on
    its own index and added up (one query over the OR of both would read every overdue row)."""
    counts: dict[int, int] = {}
    for part in overdue_parts(now or timezone.now()):
        for street, n in (Opinion.objects.filter(part).order_by().values("street")
                          .annotate(n=Count("*")).values_list("street", "n")):
            counts[street] = counts.get(street, 0) + n
    return counts


def reference(number: str) -> dict | None:
    """An opinion named by its number, as another module links it (the district's joint
    supervision): its title, street and page; None when there is no such opinion."""
    from django.urls import reverse

    opinion = Opinion.objects.filter(number=(number or "").strip()).select_related(
        "street").first()
    if opinion is None:
        return None
    return {"label": f"{opinion.number} {opinion.title}", "street": opinion.street,
            "url": reverse("opinions:manage", args=[opinion.number]),
            "public_url": reverse("opinions:detail", args=[opinion.number])
            if opinion.is_public and opinion.state in PUBLIC_STATES else None}


# --- figures for the district's evaluation (考评); since/until: aware datetimes, half-open ---

def replies_due_in(street, since, until):
    """Opinions of the street whose reply deadline fell in [since, until)."""
    return _of_street(Opinion.objects.filter(reply_deadline__gte=since, reply_deadline__lt=until),
                      street)


def replied_on_time_in(street, since, until):
    """Of replies_due_in, those answered by their deadline (and by `until`: as of the period's
    end, a later reply does not count)."""
    return replies_due_in(street, since, until).filter(
        replied_at__isnull=False, replied_at__lte=F("reply_deadline"), replied_at__lt=until)


RATED = (Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED)


def rated_in(street, since, until):
    """Opinions of the street whose reply the resident rated in [since, until)."""
    return _of_street(Opinion.objects.filter(rated_at__gte=since, rated_at__lt=until,
                                             rating__in=RATED), street)


def satisfied_in(street, since, until):
    """Of rated_in, those rated satisfied or basically satisfied."""
    return rated_in(street, since, until).filter(
        rating__in=(Rating.SATISFIED, Rating.BASICALLY))
