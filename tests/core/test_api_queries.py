"""Every API list and the projects' list pages cost the same number of queries whatever the
number of rows: each is measured on the demo at two sizes (a filter or a parent that selects
fewer rows, or after deleting part of the rows), and the counts must be equal.

The demo comes from the session's snapshot (the `demo` fixture), like every other test's."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _measure(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    if response["Content-Type"].startswith("application/json"):
        return len(ctx.captured_queries), len(response.json())
    return len(ctx.captured_queries), len(response.content)




def _by_children(model, relation, count=None, **filters):
    """The parent with the most children of `relation` and one with fewer (but some: an empty
    list skips its prefetch queries)."""
    rows = list(model.objects.filter(**filters).annotate(n=count or Count(relation)).filter(n__gte=1)
                .order_by("-n", "pk"))
    most, fewest = rows[0], rows[-1]
    return most, fewest


def _more_councils(n):
    """Councils of new streets, each with a term (the rows the council list reads)."""
    from yishi.core.models import Unit, UnitKind
    from yishi.councils.models import Council, Term

    district = Unit.objects.get(kind=UnitKind.DISTRICT)
    for i in range(n):
        street = Unit.objects.create(kind=UnitKind.STREET, code=f"9990{i}", name=f"测试街道{i}",
                                     parent=district)
        council = Council.objects.create(street=street, name=f"测试议事会{i}")
        Term.objects.create(council=council, number=1, starts_on="2026-01-01")


def _more_weeks(n):
    """Activity weeks, each with two events at stations."""
    from yishi.core.models import Unit, UnitKind
    from yishi.deputies.models import ActivityWeek, LiaisonStation, WeekEvent

    district = Unit.objects.get(kind=UnitKind.DISTRICT)
    stations = list(LiaisonStation.objects.order_by("pk")[:2])
    for i in range(n):
        week = ActivityWeek.objects.create(unit=district, theme=f"测试周{i}",
                                           starts_on="2031-05-01", ends_on="2031-05-07")
        for station in stations:
            WeekEvent.objects.create(week=week, station=station, title="接待", date="2031-05-02",
                                     place="站")


def _more_cycles(actor, year, n):
    """Cycles of `year` in streets that have none that year yet (each with its phases)."""
    from datetime import datetime
    from decimal import Decimal

    from django.utils import timezone

    from yishi.core.models import Unit, UnitKind
    from yishi.projects import services

    streets = (Unit.objects.filter(kind=UnitKind.STREET).exclude(project_cycles__year=year)
               .order_by("code")[:n])
    for street in streets:
        services.open_cycle(actor, services.CycleInput(
            unit=street, year=year, title=f"{street.name}{year}", budget=Decimal(1000000), seats=2,
            starts_at=timezone.make_aware(datetime(year - 1, 1, 1))))


def _staff(verified_login):
    from yishi.core.models import Role, User

    user = (User.objects.filter(role_assignments__role=Role.DISTRICT_STAFF)
            .order_by("pk").first())
    verified_login(user)
    return user


def test_lists_cost_the_same_at_two_sizes(demo, client, verified_login):
    failures = measure_lists(client, verified_login)
    assert not failures, "\n".join(failures)


def measure_lists(client, verified_login) -> list[str]:
    from yishi.councils.models import Call, Council, MemberStatus, Term
    from yishi.deputies.models import DeputyProfile, LiaisonStation
    from yishi.projects.models import Cycle, Project
    from yishi.voting.models import Ballot

    failures = []

    def check(small_url, big_url):
        small, small_rows = _measure(client, small_url)
        big, big_rows = _measure(client, big_url)
        if small_rows == big_rows:
            failures.append(f"{small_url} and {big_url} do not differ in size")
        elif small != big:
            failures.append(f"{big_url}: {small} queries for fewer rows, {big} for more")

    street = Council.objects.order_by("pk").first().street.code

    # filters and limits that select fewer rows of the same list
    check("/api/units?kind=street", "/api/units")
    check("/api/opinions?limit=1", "/api/opinions?limit=200")
    check("/api/projects/projects?limit=3", "/api/projects/projects?limit=500")
    check(f"/api/councils/meetings?street={street}", "/api/councils/meetings")
    check(f"/api/councils/round-tables?street={street}", "/api/councils/round-tables")
    check(f"/api/deputies/stations?street={street}", "/api/deputies/stations")
    check("/api/finance/budgets?year=2025", "/api/finance/budgets")
    # a street's asset register: an early date holds fewer items (one object, items inside)
    from yishi.core.models import Unit

    register = f"/api/finance/assets/{Unit.objects.get(name='转塘街道').code}"
    early, late = _measure(client, f"{register}?on=2012-01-01"), _measure(client, register)
    if early[0] != late[0]:
        failures.append(f"{register}: {early[0]} queries for fewer items, {late[0]} for more")
    if len(client.get(f"{register}?on=2012-01-01").json()["items"]) >= len(
            client.get(register).json()["items"]):
        failures.append(f"{register}: the two dates do not differ in size")
    unit = Ballot.objects.values("unit__code").annotate(n=Count("id")).order_by("n")[0]
    check(f"/api/voting/ballots?unit={unit['unit__code']}", "/api/voting/ballots")

    # lists under a parent: the parent with most rows and one with fewer
    most, fewest = _by_children(Cycle, "objections")
    check(f"/api/projects/cycles/{fewest.pk}/objections", f"/api/projects/cycles/{most.pk}/objections")

    # a deputy's own lists: the deputy with most rows and one with fewer
    most, fewest = _by_children(DeputyProfile, "activities")
    verified_login(fewest.user)
    fewest_cost = _measure(client, "/api/deputies/me/activities")
    verified_login(most.user)
    most_cost = _measure(client, "/api/deputies/me/activities")
    if fewest_cost[1] == most_cost[1]:
        failures.append("/api/deputies/me/activities: the deputies do not differ in size")
    elif fewest_cost[0] != most_cost[0]:
        failures.append(f"/api/deputies/me/activities: {fewest_cost[0]} and {most_cost[0]}")

    # staff lists and pages
    _staff(verified_login)
    district = Council.objects.order_by("pk").first().street.parent.code
    check(f"/api/deputies/evaluation?unit={street}", f"/api/deputies/evaluation?unit={district}")
    check("/api/oversight/rules?group=mechanism", "/api/oversight/rules")
    check("/api/oversight/meetings?state=planned", "/api/oversight/meetings")
    check("/api/oversight/support?state=submitted", "/api/oversight/support")
    check("/api/moderation/items?state=approved&limit=1", "/api/moderation/items?state=approved")
    years = list(Cycle.objects.values("year").annotate(n=Count("id")).order_by("n", "year"))
    if len(years) > 1 and years[0]["n"] != years[-1]["n"]:
        check(f"/api/projects/cycles?year={years[0]['year']}",
              f"/api/projects/cycles?year={years[-1]['year']}")

    # district lists without a filter: measured, then again after deleting part of their rows
    failures += _measure_after_deleting(client, verified_login)

    # lists without a filter: measured before and after adding rows
    staff = _staff(verified_login)
    _more_cycles(staff, 2031, 1)
    roster = Term.objects.filter(roster_published_at__isnull=False).order_by("pk").first()
    roster_url = f"/api/councils/councils/{roster.council.street.code}/members"
    project = Project.objects.order_by("pk").first()
    milestones_url = f"/api/projects/projects/{project.pk}/milestones"
    station = LiaisonStation.objects.filter(sessions__isnull=False).order_by("pk").first()
    sessions_url = f"/api/deputies/stations/{station.code}/sessions"
    whole = {url: _measure(client, url) for url in (
        "/api/councils/councils", "/api/deputies/weeks", "/api/projects/cycles",
        # (calls: measured before and after adding some, as the demo's are all in one street,
        # and an empty list skips the read of its moderation states)
        "/api/councils/calls",
        "/projects/?year=2031", "/projects/manage/", roster_url, milestones_url,
        sessions_url, f"/api/oversight/evaluation/{timezone.localdate().year}/ranking")}
    _more_weeks(2)
    _more_councils(3)
    _more_cycles(staff, 2031, 3)
    first_call = Call.objects.order_by("pk").first()
    for i in range(2):
        Call.objects.create(street=first_call.street, community=first_call.community,
                            description=f"测试呼叫{i}")
    deputy = DeputyProfile.objects.order_by("pk").first()
    for i in range(2):
        starts = timezone.now() + timezone.timedelta(days=30 + i)
        session = station.sessions.create(starts_at=starts,
                                          ends_at=starts + timezone.timedelta(hours=2))
        session.deputies.add(deputy)
        project.milestones.create(title=f"测试节点{i}", due_on="2031-06-01")
    serving = roster.members.filter(status=MemberStatus.SERVING).order_by("pk")
    roster.members.filter(pk__in=list(serving.values_list("pk", flat=True)[:2])).update(
        status=MemberStatus.RESIGNED)
    for url, (queries, size) in whole.items():
        now, now_size = _measure(client, url)
        if now_size == size:
            failures.append(f"{url}: changing the rows did not change the list")
        elif now != queries:
            failures.append(f"{url}: {queries} queries, then {now} after changing the rows")
    return failures


def _measure_after_deleting(client, verified_login) -> list[str]:
    from yishi.finance.models import ExecutionWarning
    from yishi.oversight.models import GuidanceVisit, StreetReport, Task

    _staff(verified_login)
    lists = {
        "/api/oversight/tasks": Task, "/api/oversight/assignments": None,
        "/api/oversight/visits": GuidanceVisit, "/api/oversight/reports": StreetReport,
        "/api/finance/warnings": ExecutionWarning,
    }
    before = {url: _measure(client, url) for url in lists}
    for model in {m for m in lists.values() if m}:
        rows = list(model.objects.order_by("pk").values_list("pk", flat=True))
        assert len(rows) >= 2, f"the demo has too few {model.__name__} rows to measure"
        model.objects.filter(pk__in=rows[: len(rows) // 2]).delete()
    failures = []
    for url, (queries, size) in before.items():
        now, now_size = _measure(client, url)
        if now_size == size:
            failures.append(f"{url}: deleting rows did not change the list")
        elif now != queries:
            failures.append(f"{url}: {queries} queries, then {now} after deleting rows")
    return failures
