"""Liaison leaders linked to streets and their guidance visits; streets not visited lately."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yishi.oversight import queries, services
from yishi.oversight.models import GuidanceVisit, LiaisonLink

pytestmark = pytest.mark.django_db


def test_link_once_and_end(people, xihu, leader):
    with pytest.raises(ValidationError):
        services.link_leader(people["district_staff"], leader, xihu["xixi"])  # already linked
    link = services.link_leader(people["district_staff"], leader, xihu["beishan"],
                                starts_on=date(2026, 3, 1))
    with pytest.raises(ValidationError):
        services.end_link(people["district_staff"], link, date(2026, 2, 1))
    services.end_link(people["district_staff"], link, date(2026, 6, 30))
    assert services.current_leaders(xihu["beishan"], on=date(2026, 7, 1)) == []
    assert services.current_leaders(xihu["beishan"], on=date(2026, 5, 1)) == [leader]


@pytest.mark.parametrize("role", ["street_staff", "deputy", "resident"])
def test_only_the_district_links_and_records(people, xihu, leader, role):
    with pytest.raises(PermissionDenied):
        services.link_leader(people[role], leader, xihu["beishan"])
    with pytest.raises(PermissionDenied):
        services.record_visit(people[role], services.VisitInput(
            leader=leader, street=xihu["xixi"], date=timezone.localdate(), topics="调研"))
    assert not GuidanceVisit.objects.exists()
    assert LiaisonLink.objects.count() == 1


def test_visit_rules(people, xihu, leader):
    today = timezone.localdate()
    staff = people["district_staff"]
    with pytest.raises(ValidationError) as refused:
        services.record_visit(staff, services.VisitInput(
            leader=leader, street=xihu["xixi"], date=today + timedelta(days=1), topics="调研"))
    assert "date" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:  # not linked to 北山
        services.record_visit(staff, services.VisitInput(
            leader=leader, street=xihu["beishan"], date=today, topics="调研"))
    assert "leader" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.record_visit(staff, services.VisitInput(
            leader=leader, street=xihu["xixi"], date=today, topics=" "))
    visit = services.record_visit(staff, services.VisitInput(
        leader=leader, street=xihu["xixi"], date=today, topics="议事会运行",
        problems="会议记录不全", follow_ups="规范会议记录"))
    assert visit.recorded_by == staff


def test_streets_without_a_visit_in_90_days(people, xihu, leader):
    today = timezone.localdate()
    all_streets = set(queries.streets().values_list("pk", flat=True))
    assert {s.pk for s in queries.streets_without_recent_visit(today)} == all_streets
    GuidanceVisit.objects.create(leader=leader, street=xihu["xixi"], date=today - timedelta(
        days=100), topics="旧")
    assert xihu["xixi"].pk in {s.pk for s in queries.streets_without_recent_visit(today)}
    GuidanceVisit.objects.create(leader=leader, street=xihu["xixi"], date=today - timedelta(
        days=90), topics="新")
    rows = {s.pk for s in queries.streets_without_recent_visit(today)}
    assert rows == all_streets - {xihu["xixi"].pk}


def test_a_follow_up_becomes_an_assignment(people, xihu, leader, verified_login):
    visit = services.record_visit(people["district_staff"], services.VisitInput(
        leader=leader, street=xihu["xixi"], date=timezone.localdate(), topics="联络站",
        follow_ups="联络站接待登记需规范"))
    client = verified_login(people["district_staff"])
    page = client.get(f"/oversight/tasks/new/?visit={visit.pk}")
    assert "联络站接待登记需规范" in page.content.decode()
    response = client.post(f"/oversight/tasks/new/?visit={visit.pk}", {
        "title": "规范接待登记", "description": "联络站接待登记需规范", "streets": [xihu["xixi"].pk],
        "lead": xihu["xixi"].pk, "workdays": 10, "remind_after_workdays": 2,
        "escalate_after_workdays": 3})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert visit.follow_up_tasks.get().assignments.get().street == xihu["xixi"]


def test_guidance_page_scope(people, xihu, leader, verified_login, beishan_staff):
    visit = GuidanceVisit.objects.create(leader=leader, street=xihu["xixi"],
                                         date=timezone.localdate(), topics="西溪调研")
    assert verified_login(people["district_staff"]).get("/oversight/guidance/").status_code == 200
    assert verified_login(beishan_staff).get(f"/oversight/visits/{visit.pk}/").status_code == 404
    page = verified_login(people["street_staff"]).get("/oversight/guidance/")
    assert page.status_code == 200 and "value=\"visit\"" not in page.content.decode()
    assert verified_login(people["street_staff"]).post("/oversight/guidance/", {
        "form": "visit"}).status_code == 403
