"""Concurrent requests: a state move happens once, a late milestone is flagged and notified
once, an objection is answered once (on both databases)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.core.test_concurrency import run_together
from tests.projects.conftest import next_phase, proposal
from yishi.core.models import AuditRecord, Notification, User
from yishi.projects import services
from yishi.projects.models import Milestone, Objection, Project, ProjectState

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_proposal_is_approved_once(people, xihu, cycle, categories):
    staff = people["street_staff"]
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    next_phase(staff, cycle)
    outcomes = run_together(lambda i: services.approve(
        User.objects.get(pk=staff.pk), Project.objects.get(pk=project.pk)), count=4)
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1
    assert all(isinstance(v, ValidationError) for kind, v in outcomes if kind == "error")
    assert AuditRecord.objects.filter(action="projects.approve").count() == 1


def test_late_milestone_notified_once(people, xihu, cycle, categories):
    staff = people["street_staff"]
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    Project.objects.filter(pk=project.pk).update(state=ProjectState.IN_PROGRESS)
    Milestone.objects.create(project=project, title="主体完工",
                             due_on=timezone.localdate() - timedelta(days=3))
    outcomes = run_together(lambda i: services.flag_late_milestones(), count=4)
    assert sum(v for kind, v in outcomes if kind == "ok") == 1, outcomes
    assert Notification.objects.filter(recipient=people["deputy"],
                                       subject__contains="主体完工").count() == 1
    assert staff


def test_an_objection_is_answered_once(people, xihu, cycle, categories):
    staff = people["street_staff"]
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    next_phase(staff, cycle)
    services.approve(staff, project)
    next_phase(staff, cycle)
    services.publish_notice(staff, cycle)
    objection = services.file_objection(people["resident"], cycle, "异议")
    outcomes = run_together(lambda i: services.answer_objection(
        User.objects.get(pk=staff.pk), Objection.objects.get(pk=objection.pk), f"答复{i}"),
        count=4)
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1
    assert AuditRecord.objects.filter(action="projects.answer_objection").count() == 1
