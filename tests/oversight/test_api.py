"""The oversight API: who sees and does what, for every role, including another street's
object by id, concurrent sign-fors and hostile input."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from yishi.core.models import AuditRecord
from yishi.oversight.models import Assignment, AssignmentEvent, AssignmentState, Task

S = AssignmentState


@pytest.fixture
def api(verified_login):
    def as_(user):
        return verified_login(user)
    return as_


def _task_body(**changes):
    body = {"title": "垃圾分类督查", "description": "督查各小区垃圾分类。",
            "streets": ["330106001", "330106002"], "workdays": 5}
    body.update(changes)
    return body


@pytest.mark.django_db
def test_district_assigns_through_the_api(api, people, xihu):
    body = _task_body(streets=[xihu["xixi"].code, xihu["beishan"].code], lead=xihu["xixi"].code)
    response = api(people["district_staff"]).post("/api/oversight/tasks", body,
                                                  content_type="application/json")
    assert response.status_code == 201, response.content
    assert len(response.json()["assignments"]) == 2
    assert "oversight" in Client().get("/api/openapi.json").json()["paths"].__repr__()


@pytest.mark.django_db
@pytest.mark.parametrize("changes, field", [
    ({"due_on": "2020-01-01", "workdays": None}, "due_on"),
    ({"streets": []}, "streets"),
    ({"streets": ["nope"]}, "streets"),
    ({"workdays": 0}, "workdays"),
    ({"title": "x" * 201}, "title"),
    ({"due_on": "9999-12-31", "workdays": None}, "due_on"),
])
def test_bad_input_is_a_422_naming_the_field(api, people, xihu, changes, field):
    body = _task_body(**{"streets": [xihu["xixi"].code], **changes})
    response = api(people["district_staff"]).post("/api/oversight/tasks", body,
                                                  content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_street_staff_cannot_assign(api, people, xihu):
    response = api(people["street_staff"]).post(
        "/api/oversight/tasks", _task_body(streets=[xihu["xixi"].code]),
        content_type="application/json")
    assert response.status_code == 403
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_each_role_sees_its_scope(api, people, xixi_assignment, beishan_assignment,
                                  beishan_staff):
    def ids(user):
        response = api(user).get("/api/oversight/assignments")
        assert response.status_code == 200
        return {row["id"] for row in response.json()}

    assert ids(people["district_staff"]) == {xixi_assignment.pk, beishan_assignment.pk}
    assert ids(people["street_staff"]) == {xixi_assignment.pk}
    assert ids(beishan_staff) == {beishan_assignment.pk}
    assert ids(people["deputy"]) == {xixi_assignment.pk}
    assert ids(people["resident"]) == set()


@pytest.mark.django_db
def test_a_street_sees_only_its_own_share_of_a_task(api, people, xixi_assignment):
    rows = api(people["street_staff"]).get("/api/oversight/tasks").json()
    assert [row["assignments"] for row in rows] == [[xixi_assignment.pk]]


@pytest.mark.django_db
def test_another_streets_assignment_by_id_is_not_found(api, people, beishan_assignment):
    client = api(people["street_staff"])  # 西溪
    url = f"/api/oversight/assignments/{beishan_assignment.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url + "/sign").status_code == 404
    assert client.post(url + "/report", {"text": "冒名"},
                       content_type="application/json").status_code == 404
    beishan_assignment.refresh_from_db()
    assert beishan_assignment.state == S.ASSIGNED


@pytest.mark.django_db
def test_actions_listed_are_those_allowed(api, people, xixi_assignment):
    url = f"/api/oversight/assignments/{xixi_assignment.pk}"
    names = {a["name"] for a in api(people["street_staff"]).get(url).json()["actions"]}
    assert names == {"sign", "decline"}
    assert api(people["deputy"]).get(url).json()["actions"] == []
    assert api(people["district_staff"]).get(url).json()["actions"] == []
    # A deputy reads but may not act.
    assert api(people["deputy"]).post(url + "/sign").status_code == 403


@pytest.mark.django_db
def test_the_street_walks_its_assignment_through_the_api(api, people, xixi_assignment):
    staff, district = api(people["street_staff"]), None
    url = f"/api/oversight/assignments/{xixi_assignment.pk}"
    assert staff.post(url + "/sign").json()["state"] == S.SIGNED
    assert staff.post(url + "/sign").status_code == 422  # already signed
    body = staff.post(url + "/report", {"text": "已完成", "evidence": []},
                      content_type="application/json").json()
    assert body["state"] == S.REPORTED
    district = api(people["district_staff"])
    assert district.post(url + "/send-back", {"reason": ""},
                         content_type="application/json").status_code == 422
    assert district.post(url + "/close").json()["state"] == S.CLOSED
    assert staff.post(url + "/report", {"text": "再反馈"},
                      content_type="application/json").status_code == 422
    assert AuditRecord.objects.filter(action="oversight.close").count() == 1


@pytest.mark.django_db
def test_unknown_action_and_hostile_text(api, people, xixi_assignment):
    client = api(people["street_staff"])
    url = f"/api/oversight/assignments/{xixi_assignment.pk}"
    assert client.post(url + "/explode").status_code == 404
    client.post(url + "/sign")
    response = client.post(url + "/report", {"text": "<script>alert(1)</script>\x00"},
                           content_type="application/json")
    assert response.status_code == 422
    response = client.post(url + "/report", {"text": "<script>alert(1)</script>"},
                           content_type="application/json")
    assert response.status_code == 200
    page = client.get(f"/oversight/assignments/{xixi_assignment.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page


@pytest.mark.django_db
def test_anonymous_is_refused(xixi_assignment):
    assert Client().get("/api/oversight/assignments").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_sign_fors_exactly_one_succeeds(people, xihu):
    from yishi.oversight import services

    task = services.assign_task(people["district_staff"], services.TaskInput(
        title="并发签收", description="测试", streets=[xihu["xixi"]], workdays=5))
    assignment = task.assignments.get()
    barrier = threading.Barrier(20)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            a = Assignment.objects.get(pk=assignment.pk)
            services.sign_for(type(people["street_staff"]).objects.get(
                pk=people["street_staff"].pk), a)
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("ok") == 1, outcomes
    assignment.refresh_from_db()
    assert assignment.state == S.SIGNED
    assert AssignmentEvent.objects.filter(assignment=assignment, action="sign").count() == 1
    assert AuditRecord.objects.filter(action="oversight.sign").count() == 1


@pytest.mark.django_db
def test_past_deadline_cannot_be_reassigned(people, xixi_assignment):
    services_mod = __import__("yishi.oversight.services", fromlist=["x"])
    services_mod.decline(people["street_staff"], xixi_assignment, "不属于本街道")
    Task.objects.filter(pk=xixi_assignment.task_id).update(
        deadline=timezone.now() - timedelta(days=1))
    xixi_assignment.refresh_from_db()
    with pytest.raises(Exception) as refused:
        services_mod.reassign(people["district_staff"], xixi_assignment)
    assert "deadline" in str(refused.value).lower() or "期限" in str(refused.value)
