"""Pages render for the public and staff; bad input re-shows the form and changes nothing."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from tests.projects.conftest import next_phase, proposal
from yishi.projects import services
from yishi.projects.models import Project, ProjectState

pytestmark = pytest.mark.django_db


def _propose_post(community, category, **over):
    data = {"title": "口袋公园", "description": "闲置地改造为口袋公园", "category": category.pk,
            "community": community.pk, "beneficiaries": "周边居民", "estimated_cost": "250000"}
    data.update(over)
    return data


def test_resident_proposes_and_bad_costs_are_refused(client, people, xihu, cycle, categories):
    client.force_login(people["resident"])
    url = f"/projects/cycles/{cycle.pk}/propose/"
    assert client.get(url).status_code == 200
    community, good = xihu["xixi_community"], categories["good"]
    for cost, message in (("", "Enter an amount"), ("-5", "more than zero"),
                          ("99999999", "whole budget"), ("abc", "Enter an amount")):
        response = client.post(url, _propose_post(community, good, estimated_cost=cost))
        assert response.status_code == 400
        assert message in response.content.decode()
        assert "闲置地改造为口袋公园" in response.content.decode()  # what was typed is kept
    response = client.post(url, _propose_post(community, categories["excluded"]))
    assert "政府债务" in response.content.decode()
    assert not Project.objects.exists()
    response = client.post(url, _propose_post(community, good))
    project = Project.objects.get()
    assert response.status_code == 302 and project.estimated_cost == 250000
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "口袋公园" in page and people["resident"].mobile not in page


def test_public_pages_and_exports(client, people, xihu, cycle, categories):
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"], latitude="30.27",
        longitude="120.13", address="莫干山路79号"))
    for url in ("/projects/", "/projects/list/", "/projects/map/", f"/projects/cycles/{cycle.pk}/",
                f"/projects/{project.pk}/", "/projects/list/?state=proposed&year=2027"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "<circle" in client.get("/projects/map/").content.decode()
    csv = client.get("/projects/list.csv").content.decode("utf-8-sig")
    assert "加装电梯" in csv and people["resident"].mobile not in csv
    book = load_workbook(io.BytesIO(client.get("/projects/list.xlsx").content))
    assert book.active.cell(2, 5).value == "加装电梯"


def test_staff_manage_pages_and_refusals(client, people, xihu, cycle, categories,
                                         verified_login):
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    staff = verified_login(people["street_staff"])
    assert staff.get("/projects/manage/").status_code == 200
    assert staff.get(f"/projects/manage/cycles/{cycle.pk}/").status_code == 200
    assert staff.get(f"/projects/manage/projects/{project.pk}/").status_code == 200
    # Reject outside the review phase: refused, form kept, nothing changed.
    response = staff.post(f"/projects/manage/projects/{project.pk}/reject/",
                          {"reject-reason": "不属于街道事权"})
    assert response.status_code == 400 and "review phase" in response.content.decode()
    project.refresh_from_db()
    assert project.state == ProjectState.PROPOSED
    response = staff.post(f"/projects/manage/cycles/{cycle.pk}/close_phase/",
                          {"close_phase-reason": "征集数量已足够"})
    assert response.status_code == 302
    response = staff.post(f"/projects/manage/projects/{project.pk}/approve/",
                          {"approve-assessed_cost": "-1"})
    assert response.status_code == 400
    staff.post(f"/projects/manage/projects/{project.pk}/approve/", {"approve-note": "可行"})
    project.refresh_from_db()
    assert project.state == ProjectState.APPROVED


def test_other_street_staff_and_residents_cannot_manage(client, people, cycle, verified_login):
    client.force_login(people["resident"])
    assert client.get(f"/projects/manage/cycles/{cycle.pk}/").status_code == 403


def test_objection_after_the_notice_period_is_refused(client, people, xihu, cycle, categories):
    staff = people["street_staff"]
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    next_phase(staff, cycle)
    services.approve(staff, project)
    next_phase(staff, cycle)
    services.publish_notice(staff, cycle)
    next_phase(staff, cycle)
    client.force_login(people["resident"])
    response = client.post(f"/projects/cycles/{cycle.pk}/object/", {"text": "太晚了"})
    assert response.status_code == 302
    assert not cycle.objections.exists()


def test_excel_import_is_all_or_nothing(people, xihu, cycle, categories, verified_login):
    staff = verified_login(people["street_staff"])
    community = xihu["xixi_community"].name

    def workbook(rows):
        book = Workbook()
        book.active.append(["项目名称", "项目内容", "社区", "类别", "受益对象", "估算金额（元）"])
        for row in rows:
            book.active.append(row)
        out = io.BytesIO()
        book.save(out)
        out.seek(0)
        out.name = "c.xlsx"
        return out

    bad = workbook([["老年食堂", "助餐", community, "养老服务", "老人", 300000],
                    ["修路", "修路", community, "养老服务", "居民", -3],
                    ["凉亭", "凉亭", "不存在社区", "养老服务", "居民", 1000]])
    response = staff.post("/projects/manage/import/", {"cycle": cycle.pk, "file": bad})
    page = response.content.decode()
    assert response.status_code == 400 and "3" in page and "不存在社区" in page
    assert not Project.objects.exists()
    good = workbook([["老年食堂", "助餐", community, "养老服务", "老人", 300000]])
    response = staff.post("/projects/manage/import/", {"cycle": cycle.pk, "file": good})
    assert response.status_code == 302 and Project.objects.count() == 1



def test_progress_backwards_needs_a_reason_on_the_page(people, xihu, cycle, categories,
                                                       verified_login):
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    Project.objects.filter(pk=project.pk).update(state=ProjectState.IN_PROGRESS, progress=50)
    staff = verified_login(people["street_staff"])
    url = f"/projects/manage/projects/{project.pk}/"
    response = staff.post(url + "progress/", {"progress-percent": "40", "progress-note": "返工"})
    assert response.status_code == 400 and "say why" in response.content.decode()
    project.refresh_from_db()
    assert project.progress == 50 and not project.reports.exists()
    response = staff.post(url + "progress/", {"progress-percent": "140", "progress-note": "x"})
    assert response.status_code == 400
    staff.post(url + "supervisor/", {"supervisor-mobile": people["deputy"].mobile})
    assert people["deputy"] in project.supervisors.all()
    response = staff.post(url + "supervisor/", {"supervisor-mobile": people["resident"].mobile})
    assert response.status_code == 400


def test_refusals_are_in_the_users_language(client, settings, people, xihu, cycle, categories):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]  # the default: Chinese
    client.force_login(people["resident"])
    response = client.post(f"/projects/cycles/{cycle.pk}/propose/", _propose_post(
        xihu["xixi_community"], categories["good"], estimated_cost="-5"))
    assert "金额必须大于零" in response.content.decode()


def test_objections_csv_has_no_names(client, people, xihu, cycle, categories):
    staff = people["street_staff"]
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    next_phase(staff, cycle)
    services.approve(staff, project)
    next_phase(staff, cycle)
    services.publish_notice(staff, cycle)
    services.file_objection(people["resident"], cycle, "预算偏高", project)
    text = client.get(f"/projects/cycles/{cycle.pk}/objections.csv").content.decode("utf-8-sig")
    assert "预算偏高" in text and people["resident"].name not in text


def test_menu_entries_and_periodic_job(people, client, cycle):
    from yishi.core.menu import workspace_menu
    from yishi.core.periodic import JOBS

    assert "projects.late_milestones" in JOBS
    staff_menu = [e["url"] for e in workspace_menu(people["street_staff"])]
    assert "/projects/manage/" in staff_menu
    assert "/projects/propose/" in [e["url"] for e in workspace_menu(people["resident"])]
    client.force_login(people["resident"])
    response = client.get("/projects/propose/")  # one cycle open: straight to its form
    assert response.status_code == 302 and response.url == f"/projects/cycles/{cycle.pk}/propose/"
