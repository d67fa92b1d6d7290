"""The cycle as a declared workflow (workflows.CYCLE): its stage moves only through the
mechanism, each step is offered in its phase only (with the reason elsewhere), the staff page
and the API show exactly what is offered, and another street's staff or a resident get nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from tests.core.test_concurrency import run_together
from tests.projects.conftest import next_phase, proposal
from tests.voting import helpers
from yishi.core.models import AuditRecord, Role, RoleAssignment, User
from yishi.core.workflow import allowed, may
from yishi.projects import services
from yishi.projects.models import Cycle, CycleStage, PhaseKind, PublishedVersion
from yishi.projects.workflows import CYCLE
from yishi.voting import services as voting

pytestmark = pytest.mark.django_db


def _offered(cycle, person):
    cycle.refresh_from_db()
    return set(may(cycle, person, workflow=CYCLE))


def _to_notice(staff, people, xihu, cycle, categories):
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    next_phase(staff, cycle)
    services.approve(staff, project)
    next_phase(staff, cycle)
    return project


def test_each_step_is_offered_in_its_phase_only(people, xihu, cycle, categories, council):
    staff = people["street_staff"]
    # Nomination: nothing to do on the cycle; the notice waits for its phase, with the reason.
    assert _offered(cycle, staff) == set()
    refused = {c.name: c.reason for c in allowed(cycle, staff, workflow=CYCLE)}
    assert "public notice phase" in refused["publish_notice"]
    with pytest.raises(ValidationError, match="public notice phase"):
        services.publish_notice(staff, cycle)
    assert Cycle.objects.get(pk=cycle.pk).stage == CycleStage.COLLECTING

    project = _to_notice(staff, people, xihu, cycle, categories)
    assert _offered(cycle, staff) == {"publish_notice"}
    services.publish_notice(staff, cycle)
    cycle.refresh_from_db()
    assert cycle.stage == CycleStage.ON_NOTICE
    # On notice: a corrected list, but not the ballot before its phase.
    assert _offered(cycle, staff) == {"correct_notice"}
    with pytest.raises(ValidationError, match="ballot phase"):
        services.open_ballot(staff, cycle)

    next_phase(staff, cycle)
    assert _offered(cycle, staff) == {"open_ballot", "prepare_ballot"}
    ballot = services.open_ballot(staff, cycle)
    helpers.take_shares(ballot)  # each teller takes their share while the ballot is open
    assert _offered(cycle, staff) == set()  # counting waits for the end of the ballot phase
    voting.cast_vote(council[0], ballot, {"choices": [project.option_key]})
    next_phase(staff, cycle)
    assert _offered(cycle, staff) == {"record_result"}
    helpers.count(staff, ballot)  # closed, and decrypted by its tellers
    services.record_result(staff, cycle)
    assert _offered(cycle, staff) == {"confirm", "correct_result"}
    services.confirm_result(staff, cycle, "党工委确认")
    cycle.refresh_from_db()
    assert cycle.stage == CycleStage.CONFIRMED and cycle.confirmed_at is not None
    assert _offered(cycle, staff) == {"correct_confirmed_result"}
    with pytest.raises(ValidationError):
        services.confirm_result(staff, cycle, "再次确认")
    # Every move was audited as the cycle's own step.
    actions = set(AuditRecord.objects.filter(action__startswith="projects.cycle.")
                  .values_list("action", flat=True))
    assert actions == {"projects.cycle.publish_notice", "projects.cycle.open_ballot",
                       "projects.cycle.record_result", "projects.cycle.confirm"}


def test_an_unanswered_objection_holds_the_ballot(people, xihu, cycle, categories):
    staff = people["street_staff"]
    _to_notice(staff, people, xihu, cycle, categories)
    services.publish_notice(staff, cycle)
    objection = services.file_objection(people["resident"], cycle, "选址太近")
    # The notice cannot close with an open objection; move the dates as a worker would not.
    phase = cycle.phases.get(kind=PhaseKind.BALLOT)
    now = timezone.now()
    cycle.phases.filter(kind=PhaseKind.NOTICE).update(starts_at=now - timedelta(days=2),
                                                      ends_at=now - timedelta(seconds=1))
    cycle.phases.filter(pk=phase.pk).update(starts_at=now - timedelta(seconds=1))
    cycle.refresh_from_db()
    refused = {c.name: c.reason for c in allowed(cycle, staff, workflow=CYCLE)}
    assert "objection" in refused["open_ballot"] and "objection" in refused["prepare_ballot"]
    services.answer_objection(staff, objection, "已复核")
    assert _offered(cycle, staff) == {"open_ballot", "prepare_ballot"}


def test_other_people_are_refused(people, xihu, cycle, categories):
    staff = people["street_staff"]
    _to_notice(staff, people, xihu, cycle, categories)
    elsewhere = User.objects.create_user("18600000077", name="北山街道工作人员")
    RoleAssignment.objects.create(user=elsewhere, role=Role.STREET_STAFF, unit=xihu["beishan"])
    for person in (people["resident"], people["council_member"], people["deputy"], elsewhere):
        assert _offered(cycle, person) == set()
        with pytest.raises(PermissionDenied):
            services.publish_notice(person, cycle)
    assert Cycle.objects.get(pk=cycle.pk).stage == CycleStage.COLLECTING


def test_stage_on_record_reads_what_was_done(people, xihu, cycle, categories):
    staff = people["street_staff"]
    assert services.stage_on_record(cycle) == CycleStage.COLLECTING
    _to_notice(staff, people, xihu, cycle, categories)
    services.publish_notice(staff, cycle)
    assert services.stage_on_record(cycle) == CycleStage.ON_NOTICE
    next_phase(staff, cycle)
    services.prepare_ballot(staff, cycle)
    cycle.refresh_from_db()
    assert services.stage_on_record(cycle) == cycle.stage == CycleStage.BALLOT_READY


@pytest.mark.django_db(transaction=True)
def test_the_notice_is_published_once_under_concurrent_requests(people, xihu, cycle,
                                                                categories):
    staff = people["street_staff"]
    _to_notice(staff, people, xihu, cycle, categories)
    outcomes = run_together(lambda i: services.publish_notice(
        User.objects.get(pk=staff.pk), Cycle.objects.get(pk=cycle.pk)), count=20)
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1, outcomes
    assert all(isinstance(v, ValidationError) for kind, v in outcomes if kind == "error")
    assert PublishedVersion.objects.filter(cycle=cycle, kind="notice").count() == 1
    assert AuditRecord.objects.filter(action="projects.cycle.publish_notice").count() == 1


def test_cycle_page_offers_only_the_phase_steps(client, people, xihu, cycle, categories,
                                                verified_login):
    staff = people["street_staff"]
    services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    next_phase(staff, cycle)  # review
    page = verified_login(staff).get(f"/projects/manage/cycles/{cycle.pk}/").content.decode()
    for action in ("publish_notice", "open_ballot", "prepare_ballot", "record_result",
                   "confirm", "open_satisfaction", "record_satisfaction"):
        assert f"/{action}/" not in page, action
    assert "public notice phase" in page  # why the notice is not offered yet
    # Posting it anyway is refused with the reason, and nothing changes.
    response = verified_login(staff).post(f"/projects/manage/cycles/{cycle.pk}/publish_notice/",
                                          {"publish_notice-note": ""})
    assert response.status_code == 400 and "public notice phase" in response.content.decode()
    assert not cycle.versions.exists()


def test_api_cycle_detail_lists_the_actions(client, people, xihu, cycle, categories,
                                            verified_login):
    staff = people["street_staff"]
    _to_notice(staff, people, xihu, cycle, categories)
    data = verified_login(staff).get(f"/api/projects/cycles/{cycle.pk}").json()
    assert [a["name"] for a in data["actions"]] == ["publish_notice"]
    assert data["stage"] == "collecting" and data["actions"][0]["confirm"]
    assert Client().get(f"/api/projects/cycles/{cycle.pk}").json()["actions"] == []
    response = verified_login(people["resident"]).post(
        f"/api/projects/cycles/{cycle.pk}/actions/publish_notice", {"text": ""},
        content_type="application/json")
    assert response.status_code == 403
    response = verified_login(staff).post(
        f"/api/projects/cycles/{cycle.pk}/actions/publish_notice", {"text": ""},
        content_type="application/json")
    assert response.status_code == 200 and response.json()["stage"] == "notice"


def test_pages_refuse_other_streets_and_hostile_input(people, xihu, cycle, categories,
                                                      verified_login):
    staff = people["street_staff"]
    project = _to_notice(staff, people, xihu, cycle, categories)
    elsewhere = User.objects.create_user("18600000078", name="北山街道工作人员")
    RoleAssignment.objects.create(user=elsewhere, role=Role.STREET_STAFF, unit=xihu["beishan"])
    other = verified_login(elsewhere)
    for url in (f"/projects/manage/cycles/{cycle.pk}/",
                f"/projects/manage/projects/{project.pk}/"):
        assert other.get(url).status_code == 403
    assert other.post(f"/projects/manage/cycles/{cycle.pk}/publish_notice/",
                      {"publish_notice-note": ""}).status_code == 403
    assert other.post(f"/projects/manage/projects/{project.pk}/withdraw/",
                      {"withdraw-reason": "x"}).status_code == 403
    own = verified_login(staff)
    assert own.post(f"/projects/manage/cycles/{cycle.pk}/drop_table/").status_code == 404
    assert own.post(f"/projects/manage/projects/{project.pk}/no_such_step/").status_code == 404
    assert own.post(f"/projects/manage/cycles/{cycle.pk}/answer/",
                    {"objection": "1 OR 1=1", "answer-answer": "x"}).status_code == 404
    assert own.post(f"/projects/manage/projects/{project.pk}/invite/",
                    {"invite-mobile": "<script>"}).status_code == 400
    assert Cycle.objects.get(pk=cycle.pk).stage == CycleStage.COLLECTING
    assert not cycle.versions.exists()
