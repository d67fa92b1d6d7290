"""What a project's pages show: only the steps its state allows (no `state ==` in the
templates), progress photos, milestones that follow the acceptance, a selection without votes
explained, money in one format, the overview's year; and the API's `actions`."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone, translation

import yishi.projects
from tests.core.test_media import jpeg
from tests.projects.conftest import next_phase, proposal
from yishi.core.attachments import store_attachment
from yishi.projects import services
from yishi.projects.models import Cycle, Project, ProjectState
from yishi.projects.templatetags.project_tags import yuan

pytestmark = pytest.mark.django_db

TEMPLATES = Path(yishi.projects.__file__).parent / "templates"


def test_templates_do_not_test_states():
    """Pages show what core.workflow.may() and the per-state features offer, never their own
    reading of a state."""
    found = [f"{path.name}: {m.group(0)}" for path in TEMPLATES.rglob("*.html")
             for m in re.finditer(r"\.state\s*==|state\s*==\s*['\"]", path.read_text())]
    assert found == []


def _implemented(people, xihu, cycle, categories, staff, project=None):
    """A project selected, confirmed and under way (states set directly: the services that lead
    here are tested in test_cycle.py)."""
    project = project or services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    Project.objects.filter(pk=project.pk).update(state=ProjectState.SELECTED, votes=0)
    Cycle.objects.filter(pk=cycle.pk).update(confirmed_at=timezone.now(), stage="confirmed")
    services.start_implementation(staff, project, xihu["xixi"].departments.first(), "500000")
    project.refresh_from_db()
    return project


def test_staff_page_offers_the_state_steps_only(people, xihu, cycle, categories, verified_login):
    staff = people["street_staff"]
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    client = verified_login(staff)
    url = f"/projects/manage/projects/{project.pk}/"
    page = client.get(url).content.decode()
    # Nomination phase: no decision yet (review phase), an expert may be invited.
    assert "/approve/" not in page and "/reject/" not in page and "/invite/" in page
    next_phase(staff, cycle)
    page = client.get(url).content.decode()
    assert "/approve/" in page and "/reject/" in page and "/start/" not in page
    assert "action-confirm" in page  # rejecting is irreversible: it asks first
    project = _implemented(people, xihu, cycle, categories, staff, project)
    page = client.get(url).content.decode()
    assert "/progress/" in page and "/milestone/" in page and "/approve/" not in page
    assert "/complete/" not in page  # progress is not 100 % yet
    services.report_progress(staff, project, 100, "完工")
    assert "/complete/" in client.get(url).content.decode()
    # A resident may not even see the staff page.
    assert verified_login(people["resident"]).get(url).status_code == 403


def test_progress_photos_milestones_and_acceptance(client, people, xihu, cycle, categories):
    staff = people["street_staff"]
    project = _implemented(people, xihu, cycle, categories, staff)
    photo = store_attachment(staff, jpeg())
    services.report_progress(staff, project, 100, "主体完工", photos=[photo])
    milestone = services.add_milestone(staff, project, "竣工验收",
                                       timezone.localdate() + timedelta(days=30))
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert photo.get_absolute_url() in page  # the staff's progress photo is public
    services.complete(staff, project)
    services.accept_completion(staff, project, "验收合格", timezone.localdate())
    milestone.refresh_from_db()
    assert milestone.done_on == timezone.localdate()  # follows the project's acceptance
    page = client.get(f"/projects/{project.pk}/").content.decode()
    row = re.search(r"<tr><td>竣工验收</td>.*?</tr>", page).group(0)
    assert "Done" in row and "Planned<" not in row


def test_a_selection_without_votes_is_explained(client, people, xihu, cycle, categories):
    from yishi.projects.models import PublishedVersion

    project = _implemented(people, xihu, cycle, categories, people["street_staff"])
    PublishedVersion.objects.create(cycle=cycle, kind="result", number=1, items={
        "rule": "预算内按得票排序", "ballot": "x", "ballots_cast": 0, "projects": [
            {"id": project.pk, "title": project.title, "cost": "500000", "votes": 0,
             "selected": True}]})
    assert "预算内按得票排序" in client.get(f"/projects/{project.pk}/").content.decode()
    page = client.get(f"/projects/cycles/{cycle.pk}/").content.decode()
    assert "Selected without votes by the rule: 预算内按得票排序" in page


def test_money_in_one_format():
    assert yuan(Decimal("1250000.00")) == "1,250,000 yuan"
    assert yuan("3500.5") == "3,500.50 yuan"
    assert yuan(None) == ""
    with translation.override("zh-hans"):
        assert yuan(Decimal("350000")) == "350,000 元"


def test_overview_opens_on_the_year_with_running_projects(client, people, xihu, cycle,
                                                          categories):
    running = _implemented(people, xihu, cycle, categories, people["street_staff"])
    later = services.open_cycle(people["street_staff"], services.CycleInput(
        unit=xihu["xixi"], year=2028, title="2028年民生实事项目", budget=Decimal("1000000"),
        starts_at=timezone.now(), seats=1))
    assert later.year > running.cycle.year
    page = client.get("/projects/").content.decode()
    assert "Livelihood projects 2027" in page and 'value="2028"' in page
    assert "Livelihood projects 2028" in client.get("/projects/?year=2028").content.decode()


def test_api_project_and_tender_detail_list_actions(people, xihu, cycle, categories,
                                                    verified_login):
    from yishi.projects import tender

    staff = people["street_staff"]
    project = _implemented(people, xihu, cycle, categories, staff)
    staff_client = verified_login(staff)
    data = staff_client.get(f"/api/projects/projects/{project.pk}").json()
    assert data["actions"] == []  # "complete" waits for 100 %
    services.report_progress(staff, project, 100, "完工")
    data = staff_client.get(f"/api/projects/projects/{project.pk}").json()
    assert [a["name"] for a in data["actions"]] == ["complete"]
    assert Client().get(f"/api/projects/projects/{project.pk}").json()["actions"] == []
    created = tender.start_tender(staff, Project.objects.get(pk=project.pk), "招标文件", "初稿")
    data = staff_client.get(f"/api/projects/tenders/{created.pk}").json()
    assert [a["name"] for a in data["actions"]] == ["publish_bidding_notice"]
    assert Client().get(f"/api/projects/tenders/{created.pk}").json()["actions"] == []
