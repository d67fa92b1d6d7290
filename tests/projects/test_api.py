"""The API: reads for everyone, proposing and objecting for signed-in people, 422 naming the
field on bad input and nothing saved."""

import pytest

from tests.projects.conftest import next_phase, proposal
from tests.voting import helpers
from yishi.projects import services
from yishi.projects.models import Objection, Project

pytestmark = pytest.mark.django_db


def test_propose_and_read_through_the_api(client, people, xihu, cycle, categories):
    body = {"title": "老年食堂", "description": "助餐", "category": "elderly",
            "community": xihu["xixi_community"].code, "beneficiaries": "老人"}
    assert client.post(f"/api/projects/cycles/{cycle.pk}/proposals", body,
                       content_type="application/json").status_code == 401
    client.force_login(people["resident"])
    for cost in (None, "-1", "1e20", "9000000"):
        bad = client.post(f"/api/projects/cycles/{cycle.pk}/proposals",
                          {**body, "estimated_cost": cost}, content_type="application/json")
        assert bad.status_code == 422, cost
        assert "estimated_cost" in bad.json()["detail"]
    assert not Project.objects.exists()
    created = client.post(f"/api/projects/cycles/{cycle.pk}/proposals",
                          {**body, "estimated_cost": "300000"}, content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    detail = client.get(f"/api/projects/projects/{pk}").json()
    assert detail["timeline"][0]["action"] == "propose" and detail["state"] == "proposed"
    assert people["resident"].mobile not in str(detail)
    assert client.get("/api/projects/projects?year=2027").json()[0]["id"] == pk
    cycles = client.get("/api/projects/cycles").json()
    assert cycles[0]["current_phase"] == "nomination" and len(cycles[0]["phases"]) == 6


def test_objection_through_the_api_only_during_notice(client, people, xihu, cycle, categories):
    staff = people["street_staff"]
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    client.force_login(people["resident"])
    early = client.post(f"/api/projects/cycles/{cycle.pk}/objections", {"text": "早了"},
                        content_type="application/json")
    assert early.status_code == 422 and "text" in early.json()["detail"]
    next_phase(staff, cycle)
    services.approve(staff, project)
    next_phase(staff, cycle)
    services.publish_notice(staff, cycle)
    ok = client.post(f"/api/projects/cycles/{cycle.pk}/objections",
                     {"text": "预算偏高", "project": project.pk}, content_type="application/json")
    assert ok.status_code == 201
    assert client.get(f"/api/projects/cycles/{cycle.pk}/objections").json()[0]["text"] == "预算偏高"
    assert Objection.objects.count() == 1


def test_staff_move_a_cycle_through_the_api(client, people, xihu, cycle, categories, council,
                                            verified_login):
    from yishi.projects.models import ProjectState
    from yishi.voting import services as voting

    staff = people["street_staff"]
    projects = [services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"], title=t)) for t in ("电梯", "食堂")]
    verified_login(people["resident"])
    refused = client.post(f"/api/projects/cycles/{cycle.pk}/actions/close_phase",
                          {"text": "提前结束"}, content_type="application/json")
    assert refused.status_code == 403
    verified_login(staff)
    no_reason = client.post(f"/api/projects/cycles/{cycle.pk}/actions/close_phase", {"text": ""},
                            content_type="application/json")
    assert no_reason.status_code == 422
    moved = client.post(f"/api/projects/cycles/{cycle.pk}/actions/close_phase",
                        {"text": "征集完毕"}, content_type="application/json")
    assert moved.json()["phase"] == "review"
    assert client.post(f"/api/projects/projects/{projects[0].pk}/decision",
                       {"decision": "reject", "reason": ""},
                       content_type="application/json").status_code == 422
    for p in projects:
        assert client.post(f"/api/projects/projects/{p.pk}/decision", {"decision": "approve"},
                           content_type="application/json").status_code == 200
    for action, text in (("close_phase", "审核完毕"), ("publish_notice", ""),
                         ("close_phase", "公示期满")):
        assert client.post(f"/api/projects/cycles/{cycle.pk}/actions/{action}", {"text": text},
                           content_type="application/json").status_code == 200, action
    opened = client.post(f"/api/projects/cycles/{cycle.pk}/actions/open_ballot", {},
                         content_type="application/json").json()
    ballot = cycle.__class__.objects.get(pk=cycle.pk).ballot
    assert opened["ballot"] == ballot.pk
    helpers.take_shares(ballot)
    for member in council:
        voting.cast_vote(member, ballot, {"choices": [projects[0].option_key]})
    assert client.post(f"/api/projects/cycles/{cycle.pk}/actions/close_phase",
                       {"text": "投票结束"}, content_type="application/json").status_code == 200
    helpers.count(staff, ballot)  # the cycle's tellers decrypt its sealed ballot
    assert client.post(f"/api/projects/cycles/{cycle.pk}/actions/record_result", {},
                       content_type="application/json").status_code == 200
    assert Project.objects.get(pk=projects[0].pk).state == ProjectState.SELECTED
    assert client.post(f"/api/projects/cycles/{cycle.pk}/actions/fly", {},
                       content_type="application/json").status_code == 404
