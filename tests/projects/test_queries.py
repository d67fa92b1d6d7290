"""The projects' lists cost the same number of queries whatever the number of rows: the API list,
the overview (/projects/) and the staff's list of cycles (/projects/manage/), measured on the
demo and again after more streets' cycles, projects and tenders were added."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yishi.core.models import Unit, UnitKind
from yishi.projects.models import (
    PHASE_ORDER,
    Category,
    Cycle,
    Phase,
    Project,
    ProjectState,
    Tender,
)

pytestmark = pytest.mark.django_db


def _count(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    size = len(response.json()) if response["Content-Type"].startswith(
        "application/json") else len(response.content)
    return len(ctx.captured_queries), size


def _more_cycles(n: int, year: int) -> None:
    """n new streets, each with this year's cycle in its implementation phase, two projects
    being carried out and one of them with a tender."""
    district = Unit.objects.get(kind=UnitKind.DISTRICT)
    category = Category.objects.first()
    now = timezone.now()
    for i in range(n):
        street = Unit.objects.create(kind=UnitKind.STREET, code=f"9980{i}", name=f"测试街道{i}",
                                     parent=district)
        community = Unit.objects.create(kind=UnitKind.COMMUNITY, code=f"9980{i}01",
                                        name=f"测试社区{i}", parent=street)
        cycle = Cycle.objects.create(unit=street, year=year, title=f"测试{i}",
                                     budget=Decimal(1000000), stage="confirmed")
        start = now - timedelta(days=100)
        for kind in PHASE_ORDER:
            Phase.objects.create(cycle=cycle, kind=kind, starts_at=start,
                                 ends_at=start + timedelta(days=30))
            start += timedelta(days=30)
        for k in range(2):
            project = Project.objects.create(
                cycle=cycle, title=f"项目{i}-{k}", description="测试", category=category,
                community=community, beneficiaries="居民", estimated_cost=Decimal(100000),
                proposer_kind="resident", state=ProjectState.IN_PROGRESS, votes=3)
            if k == 0:
                Tender.objects.create(project=project)


def test_lists_are_constant_in_queries(demo, verified_login, people):
    from django.test import Client

    from yishi.core.models import Role, RoleAssignment, User

    client = Client()  # anonymous; verified_login signs in a client of its own

    year = Cycle.objects.order_by("-year").values_list("year", flat=True).first()
    staff = User.objects.filter(role_assignments__role=Role.DISTRICT_STAFF).first()
    if staff is None:
        staff = people["district_staff"]
        RoleAssignment.objects.get_or_create(user=staff, role=Role.DISTRICT_STAFF,
                                             unit=Unit.objects.get(kind=UnitKind.DISTRICT))
    urls = [f"/api/projects/projects?year={year}&limit=500", f"/api/projects/cycles?year={year}",
            f"/projects/?year={year}", f"/projects/list/?year={year}"]
    before = {url: _count(client, url) for url in urls}
    staff_client = verified_login(staff)
    before["manage"] = _count(staff_client, "/projects/manage/")
    _more_cycles(4, year)
    after = {url: _count(client, url) for url in urls}
    after["manage"] = _count(staff_client, "/projects/manage/")
    for url in before:
        assert after[url][1] != before[url][1], url  # other (more) rows were listed
        assert after[url][0] == before[url][0], (url, before[url][0], after[url][0])
