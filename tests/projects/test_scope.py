"""A department handler reports only on the projects of their own department (issue 17.5): the
street's other departments' projects are refused in the service, the API and the pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from yishi.core.models import Role, RoleAssignment, User
from yishi.projects import services
from yishi.projects.models import Comment, Milestone, Project, ProjectState, Spending

from .conftest import proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments(xihu):
    mine, other = list(xihu["xixi"].departments.order_by("pk")[:2])
    return {"mine": mine, "other": other}


@pytest.fixture
def handler(people, departments):
    """people["department_handler"] sits in the street's first department."""
    user = people["department_handler"]
    assert RoleAssignment.objects.get(user=user).department == departments["mine"]
    return user


def _implementing(cycle, xihu, categories, people, department, title):
    """A project being implemented by `department` (the selection itself is tested in
    test_cycle; here only who may report on it matters)."""
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"], title=title))
    Project.objects.filter(pk=project.pk).update(
        state=ProjectState.IN_PROGRESS, department=department, planned_budget=Decimal("500000"))
    project.refresh_from_db()
    return project


@pytest.fixture
def projects(cycle, xihu, categories, people, departments):
    return {name: _implementing(cycle, xihu, categories, people, departments[name], title)
            for name, title in (("mine", "加装电梯"), ("other", "老年食堂"))}


def test_every_report_service_refuses_another_departments_project(handler, projects, people):
    other = projects["other"]
    today = timezone.localdate()
    milestone = Milestone.objects.create(project=other, title="设计", due_on=today)
    question = services.comment(people["resident"], other, "何时完工？", is_question=True)
    attacks = [
        lambda: services.add_milestone(handler, other, "完成设计", today + timedelta(days=9)),
        lambda: services.complete_milestone(handler, milestone),
        lambda: services.report_progress(handler, other, 100, "完工"),
        lambda: services.record_spending(handler, other, "1000", "材料", today),
        lambda: services.complete(handler, other),
        lambda: services.answer_question(handler, question, "年底"),
    ]
    for attack in attacks:
        with pytest.raises(PermissionDenied):
            attack()
    other.refresh_from_db()
    milestone.refresh_from_db()
    question.refresh_from_db()
    assert (other.progress, other.state) == (0, ProjectState.IN_PROGRESS)
    assert milestone.done_on is None and question.answered_at is None
    assert not Spending.objects.filter(project=other).exists()
    assert other.milestones.count() == 1
    # Their own department's project: all of it works.
    mine = projects["mine"]
    services.add_milestone(handler, mine, "完成设计", today + timedelta(days=9))
    services.report_progress(handler, mine, 100, "完工")
    services.record_spending(handler, mine, "1000", "材料", today)
    services.complete(handler, mine)
    mine.refresh_from_db()
    assert mine.state == ProjectState.COMPLETED


def test_the_street_staff_still_report_on_every_departments_project(people, projects):
    services.report_progress(people["street_staff"], projects["other"], 10, "开工")
    projects["other"].refresh_from_db()
    assert projects["other"].progress == 10


def test_a_handler_of_another_street_or_none_reports_nothing(xihu, projects, departments):
    beishan_department = xihu["beishan"].departments.first()
    outsider = User.objects.create_user("18611110000", name="北山科室")
    RoleAssignment.objects.create(user=outsider, role=Role.DEPARTMENT_HANDLER,
                                  unit=xihu["beishan"], department=beishan_department)
    assert not services.may(outsider, "projects.report", projects["mine"])
    unassigned = Project(community=xihu["xixi_community"], department=None)
    insider = RoleAssignment.objects.filter(department=departments["mine"]).first().user
    assert not services.may(insider, "projects.report", unassigned)


def test_the_api_refuses_progress_on_another_departments_project(client, handler, projects,
                                                                 verified_login):
    verified_login(handler)
    other = projects["other"]
    response = client.post(f"/api/projects/projects/{other.pk}/progress",
                           {"percent": 100, "note": "完工"}, content_type="application/json")
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.progress == 0
    mine = client.post(f"/api/projects/projects/{projects['mine'].pk}/progress",
                       {"percent": 40, "note": "井道施工"}, content_type="application/json")
    assert mine.status_code == 201


def test_the_pages_refuse_another_departments_project(client, handler, projects, people,
                                                      verified_login):
    verified_login(handler)
    other = projects["other"]
    question = services.comment(people["resident"], other, "何时完工？", is_question=True)
    assert client.get(f"/projects/manage/projects/{other.pk}/").status_code == 403
    for action, data in (
        ("progress", {"progress-percent": "100", "progress-note": "完工"}),
        ("spending", {"spending-amount": "1000", "spending-description": "材料",
                      "spending-spent_on": timezone.localdate().isoformat()}),
        ("milestone", {"milestone-title": "设计", "milestone-due_on": "2030-01-01"}),
        ("complete", {}),
        ("answer", {"answer-answer": "年底", "comment": question.pk}),
    ):
        response = client.post(f"/projects/manage/projects/{other.pk}/{action}/", data)
        assert response.status_code == 403, action
    other.refresh_from_db()
    assert other.progress == 0 and not other.milestones.exists()
    assert Comment.objects.get(pk=question.pk).answered_at is None
    # The project page does not offer the report forms either; their own project's does.
    assert client.get(f"/projects/manage/projects/{projects['mine'].pk}/").status_code == 200
    response = client.post(f"/projects/manage/projects/{projects['mine'].pk}/progress/",
                           {"progress-percent": "40", "progress-note": "井道施工"})
    assert response.status_code == 302
