"""The assignment pages: buttons exactly for the allowed actions, forms that keep what was typed,
another street's page not found."""

import pytest

from yishi.oversight.models import AssignmentState, Task

pytestmark = pytest.mark.django_db
S = AssignmentState


def test_list_for_district_and_street(verified_login, people, task, xixi_assignment):
    page = verified_login(people["district_staff"]).get("/oversight/assignments/")
    assert page.status_code == 200 and task.title in page.content.decode()
    page = verified_login(people["street_staff"]).get("/oversight/assignments/")
    assert f"/oversight/assignments/{xixi_assignment.pk}/" in page.content.decode()
    assert verified_login(people["resident"]).get("/oversight/assignments/").status_code == 403


def test_the_modules_address_leads_each_role_to_its_page(client, verified_login, people):
    assert client.get("/oversight/").url.startswith("/accounts/")  # sign in first
    assert verified_login(people["district_staff"]).get("/oversight/").url == "/oversight/dashboard/"
    assert verified_login(people["street_staff"]).get("/oversight/").url == "/oversight/assignments/"


def test_buttons_follow_may(verified_login, people, xixi_assignment):
    url = f"/oversight/assignments/{xixi_assignment.pk}/"
    street = verified_login(people["street_staff"]).get(url).content.decode()
    assert f"{url}sign/" in street and f"{url}decline/" in street and f"{url}close/" not in street
    deputy = verified_login(people["deputy"]).get(url).content.decode()
    assert f"{url}sign/" not in deputy


def test_other_streets_page_is_not_found(verified_login, beishan_assignment, people):
    client = verified_login(people["street_staff"])
    url = f"/oversight/assignments/{beishan_assignment.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url + "sign/").status_code == 404
    assert client.get(f"/oversight/tasks/{beishan_assignment.task_id}/").status_code == 200


def test_report_form_keeps_text_on_error(verified_login, people, xixi_assignment):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = verified_login(people["street_staff"])
    url = f"/oversight/assignments/{xixi_assignment.pk}/"
    client.post(url + "sign/")
    bad = SimpleUploadedFile("x.pdf", b"not a pdf at all", "application/pdf")
    response = client.post(url + "report/", {"text": "我们做了很多工作", "evidence": [bad]})
    assert response.status_code == 400
    assert "我们做了很多工作" in response.content.decode()
    xixi_assignment.refresh_from_db()
    assert xixi_assignment.state == S.SIGNED


def test_assign_form_refuses_past_date(verified_login, people, xihu):
    response = verified_login(people["district_staff"]).post("/oversight/tasks/new/", {
        "title": "过期任务", "description": "内容", "streets": [xihu["xixi"].pk],
        "lead": xihu["xixi"].pk, "due_on": "2020-01-01", "remind_after_workdays": 2,
        "escalate_after_workdays": 3})
    assert response.status_code == 400 and "过期任务" in response.content.decode()
    assert not Task.objects.exists()
