"""One street's cycle through the services: proposal → review → notice with objections → ballot
in the voting engine → result and confirmation → implementation → acceptance → satisfaction."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.projects.conftest import next_phase, proposal
from tests.voting import helpers
from yishi.core.models import AuditRecord, Notification
from yishi.projects import services
from yishi.projects.models import (
    Event,
    Objection,
    PhaseKind,
    Project,
    ProjectState,
    PublishedVersion,
)
from yishi.projects.tellers import set_cycle_tellers
from yishi.voting import services as voting

pytestmark = pytest.mark.django_db


def test_whole_cycle(people, xihu, cycle, categories, council):
    staff, resident = people["street_staff"], people["resident"]
    community = xihu["xixi_community"]
    a = services.propose(resident, cycle, proposal(cycle, community, categories["good"]))
    b = services.propose(people["council_member"], cycle, proposal(
        cycle, community, categories["good"], title="老年食堂", estimated_cost="300000"))
    c = services.propose(people["deputy"], cycle, proposal(
        cycle, community, categories["good"], title="口袋公园", estimated_cost="250000"))
    d = services.propose(resident, cycle, proposal(
        cycle, community, categories["good"], title="加装电梯（重复）"))
    e = services.propose(resident, cycle, proposal(
        cycle, community, categories["good"], title="修建高架", estimated_cost="2000000"))
    assert a.proposer_kind == "resident" and b.proposer_kind == "council_member"

    # Proposals only during nomination; review only in review.
    with pytest.raises(ValidationError):
        services.approve(staff, a)
    assert next_phase(staff, cycle).kind == PhaseKind.REVIEW
    with pytest.raises(ValidationError):
        services.propose(resident, cycle, proposal(cycle, community, categories["good"]))

    services.invite_expert(staff, a, people["expert"])
    services.submit_review(people["expert"], a, feasible=True, opinion="结构可行",
                           cost_estimate="580000", duration_days=120)
    services.approve(staff, a, assessed_cost="580000", duration_days=120,
                     department=xihu["xixi"].departments.first())
    services.approve(staff, b)
    services.approve(staff, c)
    services.merge(staff, d, a, "与电梯项目相同")
    services.reject(staff, e, "属于上级事权")
    d.refresh_from_db()
    assert d.state == ProjectState.MERGED and resident in a.co_proposers.all()
    with pytest.raises(ValidationError):
        services.reject(staff, b, "  ")

    assert next_phase(staff, cycle).kind == PhaseKind.NOTICE
    notice = services.publish_notice(staff, cycle)
    assert [i["title"] for i in notice.items] == ["加装电梯", "老年食堂", "口袋公园"]
    objection = services.file_objection(resident, cycle, "口袋公园选址离学校太近", c)
    # The ballot cannot open before its phase, nor the notice close with an objection open.
    with pytest.raises(ValidationError):
        services.open_ballot(staff, cycle)
    with pytest.raises(ValidationError, match="objection"):
        next_phase(staff, cycle)
    services.answer_objection(staff, objection, "已复核，选址距学校 300 米，符合规定")
    with pytest.raises(ValidationError):
        services.answer_objection(staff, objection, "again")
    assert next_phase(staff, cycle).kind == PhaseKind.BALLOT
    with pytest.raises(ValidationError, match="notice period"):
        services.file_objection(resident, cycle, "晚了")

    ballot = services.open_ballot(staff, cycle)
    helpers.take_shares(ballot)
    assert ballot.method == "choose" and ballot.max_choices == 2
    assert ballot.entitled_count == 4  # the three council members and people["council_member"]
    keys = {p.title: p.option_key for p in cycle.projects.all()}
    for member, choice in zip(council, (["加装电梯", "老年食堂"], ["加装电梯"], ["老年食堂"]),
                              strict=True):
        voting.cast_vote(member, ballot, {"choices": [keys[t] for t in choice]})
    with pytest.raises(ValidationError):
        services.record_result(staff, cycle)  # still in the ballot phase
    assert next_phase(staff, cycle).kind == PhaseKind.IMPLEMENTATION
    with pytest.raises(ValidationError):
        voting.cast_vote(people["council_member"], ballot, {"choices": [keys["口袋公园"]]})
    helpers.count(staff, ballot)  # closed, then decrypted by two tellers' shares
    result = services.record_result(staff, cycle)
    assert [p["title"] for p in result.items["projects"] if p["selected"]] == ["加装电梯", "老年食堂"]
    assert "2" in result.items["rule"]
    a.refresh_from_db()
    assert a.state == ProjectState.SELECTED and a.votes == 2
    with pytest.raises(ValidationError):
        services.start_implementation(staff, a, xihu["xixi"].departments.first(), "580000")
    services.confirm_result(staff, cycle, "街道党工委 2027 年第 3 次会议确认")
    correction = services.correct_result(staff, cycle, "更正：票数笔误")
    assert correction.number == 2 and cycle.versions.filter(kind="result").count() == 2

    department = xihu["xixi"].departments.first()
    services.start_implementation(staff, a, department, "580000")
    handler = people["department_handler"]
    m = services.add_milestone(handler, a, "完成设计", timezone.localdate() - timedelta(days=1))
    assert services.flag_late_milestones() == 1
    assert services.flag_late_milestones() == 0
    assert Notification.objects.filter(recipient=people["deputy"], subject__contains="完成设计")
    services.complete_milestone(handler, m)
    services.report_progress(handler, a, 40, "井道施工")
    with pytest.raises(ValidationError, match="say why"):
        services.report_progress(handler, a, 30, "回退")
    services.report_progress(handler, a, 30, "回退", reason_for_decrease="返工")
    with pytest.raises(ValidationError):
        services.record_spending(handler, a, "-5", "材料", timezone.localdate())
    services.record_spending(handler, a, "120000", "电梯设备首付", timezone.localdate())
    services.log_visit(people["deputy"], a, timezone.localdate(), "施工围挡规范")
    q = services.comment(resident, a, "什么时候完工？", is_question=True)
    services.answer_question(handler, q, "预计年底")
    with pytest.raises(ValidationError):
        services.complete(handler, a)
    services.report_progress(handler, a, 100, "完工")
    services.complete(handler, a)
    services.accept_completion(staff, a, "竣工验收合格", timezone.localdate())

    assert next_phase(staff, cycle).kind == PhaseKind.EVALUATION
    sat = services.open_satisfaction(staff, cycle)
    helpers.take_shares(sat)
    for member, answer in zip(council, ("satisfied", "satisfied", "basically"), strict=True):
        voting.cast_vote(member, sat, {"votes": {a.option_key: answer}})
    helpers.count(staff, sat)
    version = services.record_satisfaction(staff, cycle)
    a.refresh_from_db()
    assert a.satisfaction["rating"] == "satisfied"
    assert version.items["projects"][0]["satisfied"] == 2
    steps = list(Event.objects.filter(project=a).values_list("action", flat=True))
    for step in ("propose", "approve", "list_candidate", "select", "start", "progress", "visit",
                 "complete", "accept_completion", "satisfaction"):
        assert step in steps
    assert AuditRecord.objects.filter(action="projects.close_phase_early").count() == 5
    assert Objection.objects.get().answer
    assert PublishedVersion.objects.filter(cycle=cycle, kind="notice").count() == 1
    assert Project.objects.get(pk=b.pk).state == ProjectState.SELECTED


def test_a_deputys_visit_counts_as_a_duty_once(people, xihu, cycle, categories,
                                               django_capture_on_commit_callbacks):
    from yishi.deputies.models import DeputyProfile, DutyActivity

    DeputyProfile.objects.create(user=people["deputy"], level="district")
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    Project.objects.filter(pk=project.pk).update(state=ProjectState.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        visit = services.log_visit(people["deputy"], project, timezone.localdate(), "围挡规范")
    activity = DutyActivity.objects.get()
    assert activity.kind == "supervision" and activity.source_key == f"projects.visit:{visit.pk}"
    with pytest.raises(ValidationError):
        services.log_visit(people["deputy"], project, timezone.localdate() + timedelta(days=2),
                           "future")
    with pytest.raises(PermissionDenied):
        services.log_visit(people["resident"], project, timezone.localdate(), "not a deputy")


@pytest.mark.parametrize("method, extra, content, expected", [
    ("yes_no", {"pass_rule": "more_than_half_cast"},
     lambda keys: {"votes": {keys[0]: "yes", keys[1]: "no", keys[2]: "yes"}}, {0, 2}),
    ("budget", {"budget_rule": "greedy"},
     lambda keys: {"choices": [keys[0], keys[1]]}, {0, 1}),
])
def test_other_ballot_methods(people, xihu, categories, council, method, extra, content,
                              expected):
    staff = people["street_staff"]
    cycle = services.open_cycle(staff, services.CycleInput(
        unit=xihu["xixi"], year=2028, title="票决", budget=Decimal("1000000"), method=method,
        starts_at=timezone.now() - timedelta(minutes=1), **extra))
    set_cycle_tellers(staff, cycle, [staff, people["deputy"], people["council_member"]], 2)
    projects = [services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"], title=f"项目{i}",
        estimated_cost=cost)) for i, cost in enumerate(("400000", "500000", "300000"))]
    next_phase(staff, cycle)
    for project in projects:
        services.approve(staff, project)
    next_phase(staff, cycle)
    services.publish_notice(staff, cycle)
    next_phase(staff, cycle)
    ballot = services.open_ballot(staff, cycle)
    helpers.take_shares(ballot)
    assert ballot.method == method
    keys = [p.option_key for p in projects]
    for member in council:
        voting.cast_vote(member, ballot, content(keys))
    next_phase(staff, cycle)
    helpers.count(staff, ballot)
    result = services.record_result(staff, cycle)
    chosen = {i for i, p in enumerate(projects)
              if Project.objects.get(pk=p.pk).state == ProjectState.SELECTED}
    assert chosen == expected
    assert result.items["ballots_cast"] == 3


def test_bad_cycles_are_refused(people, xihu):
    staff = people["street_staff"]
    base = dict(unit=xihu["xixi"], year=2029, title="x", budget=Decimal("100"),
                starts_at=timezone.now(), seats=3)
    for change in ({"budget": Decimal("-1")}, {"seats": None}, {"days": {"nomination": 10}},
                   {"unit": xihu["xixi_community"]}, {"method": "lottery"}):
        with pytest.raises(ValidationError):
            services.open_cycle(staff, services.CycleInput(**{**base, **change}))
    with pytest.raises(PermissionDenied):
        services.open_cycle(staff, services.CycleInput(**{**base, "unit": xihu["beishan"]}))
