"""The workflow mechanism (yishi/core/workflow.py) and the walk over every declared workflow.

The walk reads each workflow from its declaration: for every state a transition leaves from, an
object is put in that state, and for every person of every role (and the platform's own worker)
each transition that allowed() offers succeeds through transition() for that person, and each
one it withholds is refused with the reason it gave, changing nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yishi.core.models import AuditRecord
from yishi.core.workflow import (
    REGISTRY,
    SYSTEM,
    Transition,
    Workflow,
    allowed,
    transition,
    transitioned,
)
from yishi.opinions import services as opinions
from yishi.opinions.models import Assignment, Opinion, OpinionCategory, OpinionState
from yishi.opinions.workflows import OPINION

pytestmark = pytest.mark.django_db


# --- factories: one object of each workflow, in its first state ---------------------------------

def make_opinion(people, xihu):
    category = OpinionCategory.objects.get_or_create(code="walk", defaults={"name": "走查"})[0]
    opinion = opinions.submit_opinion(people["resident"], opinions.Intake(
        title="电动车乱停放", text="楼道口停满电动车。", category=category,
        community=xihu["xixi_community"], is_public=True))
    # Assigned to the department of people["department_handler"], so that handling is possible.
    Assignment.objects.create(opinion=opinion, department=xihu["xixi"].departments.first(),
                              deadline=timezone.now() + timedelta(days=5),
                              assigned_by=people["street_staff"])
    return opinion


def make_ballot(people, xihu):
    from yishi.voting import services as voting

    # A secret ballot names its tellers (at least three).
    return voting.create_ballot(people["street_staff"], xihu["xixi"], title="票选",
                                method="choose",
                                options=[voting.OptionInput("A", "加装电梯"),
                                         voting.OptionInput("B", "社区食堂")],
                                tellers=[people["street_staff"], people["deputy"],
                                         people["council_member"]], threshold=2)


def make_paper_tally(people, xihu):
    from yishi.voting.models import BallotState, PaperTally

    ballot = make_ballot(people, xihu)
    type(ballot).objects.filter(pk=ballot.pk).update(state=BallotState.OPEN)
    return PaperTally.objects.create(ballot=ballot, lines=[], entered_by=people["street_staff"])


def _council(people, xihu):
    from yishi.councils import services as councils

    return councils.create_council(people["street_staff"], xihu["xixi"],
                                   term_starts_on=date(2026, 1, 1))


def make_meeting(people, xihu):
    from yishi.councils import services as councils

    return councils.create_meeting(people["street_staff"], _council(people, xihu),
                                   title="议事会议", place="会议室",
                                   starts_at=timezone.now() + timedelta(days=2))


def make_minutes(people, xihu):
    from yishi.councils.models import Minutes

    return Minutes.objects.create(meeting=make_meeting(people, xihu), text="纪要")


def make_call(people, xihu):
    from yishi.councils.models import Call

    _council(people, xihu)
    return Call.objects.create(street=xihu["xixi"], community=xihu["xixi_community"],
                               raised_by=people["resident"], description="路灯坏了")


def make_moderation_item(people, xihu):
    from yishi.moderation import services as moderation

    opinion = make_opinion(people, xihu)  # submitting it holds it for moderation (pending)
    return moderation.submit(opinion, ["title", "text"], street=opinion.street,
                             author=people["resident"])


def make_round_table(people, xihu):
    from yishi.councils.models import RoundTable

    return RoundTable.objects.create(street=xihu["xixi"], title="圆桌会", place="会议室",
                                     held_at=timezone.now())


def make_project(people, xihu):
    from yishi.projects.models import Category, Cycle, Phase, PhaseKind, Project

    cycle = Cycle.objects.create(unit=xihu["xixi"], year=2026, title="2026 民生实事",
                                 budget=Decimal(1000000))
    now = timezone.now()
    Phase.objects.create(cycle=cycle, kind=PhaseKind.REVIEW, starts_at=now - timedelta(days=1),
                         ends_at=now + timedelta(days=10))
    category = Category.objects.get_or_create(code="walk", defaults={"name": "走查"})[0]
    return Project.objects.create(cycle=cycle, title="加装电梯", description="老小区",
                                  category=category, community=xihu["xixi_community"],
                                  beneficiaries="居民", estimated_cost=Decimal(100000),
                                  proposer_kind="resident", proposer=people["resident"])


def make_cycle(people, xihu):
    """A cycle in its review phase, with a proposal that passed review (so that the notice's
    guard has a candidate to publish once the notice phase comes)."""
    project = make_project(people, xihu)
    type(project).objects.filter(pk=project.pk).update(state="approved")
    return project.cycle


def make_tender(people, xihu):
    from yishi.projects.models import Tender

    return Tender.objects.create(project=make_project(people, xihu))


def make_reception_session(people, xihu):
    from yishi.deputies.models import LiaisonStation, ReceptionSession

    station = LiaisonStation.objects.create(unit=xihu["xixi"], code="walk", kind="street",
                                            name="联络站")
    start = timezone.now() + timedelta(days=3)
    session = ReceptionSession.objects.create(station=station, starts_at=start,
                                              ends_at=start + timedelta(hours=2))
    session.deputies.add(_deputy_at(people, station))
    return session


def make_booking(people, xihu):
    """A booking at a reception starting in a few minutes: the desk is open and the resident
    may still cancel, so that every transition is offered to someone."""
    from yishi.deputies.models import Booking

    session = make_reception_session(people, xihu)
    start = timezone.now() + timedelta(minutes=10)
    type(session).objects.filter(pk=session.pk).update(starts_at=start,
                                                        ends_at=start + timedelta(hours=2))
    session.refresh_from_db()
    return Booking.objects.create(session=session, slot=1, resident=people["resident"])


def make_assignment(people, xihu):
    return make_opinion(people, xihu).assignments.get()


def make_case_delivery(people, xihu):
    from yishi.core.models import Role, RoleAssignment
    from yishi.opinions import handoff
    from yishi.opinions.models import CaseDelivery

    handler = RoleAssignment.objects.get(user=people["department_handler"],
                                         role=Role.DEPARTMENT_HANDLER)
    connection, _secret = handoff.connect_case_system(
        people["street_staff"], xihu["xixi"], handler=handler, name="四个平台",
        kind="four_platforms", endpoint_url="http://127.0.0.1:9/unused")
    assignment = make_assignment(people, xihu)  # to the connected department: one delivery
    return CaseDelivery.objects.get(connection=connection, assignment=assignment)


def make_extension(people, xihu):
    from yishi.opinions.models import ExtensionRequest

    return ExtensionRequest.objects.create(assignment=make_assignment(people, xihu), days=5,
                                           reason="需要协调", requested_by=people["resident"])


def make_follow_up(people, xihu):
    from yishi.councils.models import AgendaItem, FollowUpAction

    item = AgendaItem.objects.create(meeting=make_meeting(people, xihu), kind="major_matter",
                                     title="停车改造")
    return FollowUpAction.objects.create(item=item, title="划线", owner="城管科",
                                         deadline=date(2026, 12, 31))


def make_agenda_item(people, xihu):
    from yishi.councils.models import AgendaItem

    return AgendaItem.objects.create(meeting=make_meeting(people, xihu), kind="major_matter",
                                     title="停车改造")


def _deputy_at(people, station):
    from yishi.deputies.models import DeputyProfile

    profile = DeputyProfile.objects.get_or_create(user=people["deputy"])[0]
    profile.stations.add(station)
    return profile


def make_duty_activity(people, xihu):
    from yishi.deputies.models import DutyActivity, LiaisonStation

    station = LiaisonStation.objects.create(unit=xihu["xixi"], code="walk-a", kind="street",
                                            name="联络站")
    return DutyActivity.objects.create(deputy=_deputy_at(people, station), kind="reception",
                                       date=date(2026, 3, 1), description="接待选民")


def make_invitation(people, xihu):
    from yishi.councils.models import Invitation

    meeting = make_meeting(people, xihu)
    return Invitation.objects.create(term=meeting.term, user=people["resident"],
                                     category="resident", invited_by=people["street_staff"])


def _finance_budget(people, xihu):
    """Last year's budget of 西溪, imported, on a council review item that passed, with final
    figures in: every phase's guard can be met. The street's committee staff also keep its
    finances here (finance staff role), so that one person of the walk holds it."""
    from yishi.core.models import Role, RoleAssignment
    from yishi.finance import sample, services
    from yishi.finance.demo import DATA
    from yishi.finance.exports import budget_workbook
    from yishi.finance.models import BudgetLine

    year = timezone.localdate().year - 1
    edition = services.import_edition(None, year, DATA.read_bytes(), title="walk")
    RoleAssignment.objects.create(user=people["street_staff"], role=Role.FINANCE_STAFF,
                                  unit=xihu["xixi"])
    people["street_staff"].__dict__.pop("_yishi_roles", None)
    budget = services.create_budget(people["street_staff"], xihu["xixi"], year)
    rows = sample.budget_rows(sample.edition_triples(edition), Decimal("1000000"), 1)
    services.import_budget(people["street_staff"], budget, "b.csv", budget_workbook(rows, "csv"))
    item = make_meeting(people, xihu).items.create(kind="budget_review", title="预算审查",
                                                   passed=True, resolved_at=timezone.now())
    BudgetLine.objects.filter(budget=budget).update(final=0)
    type(budget).objects.filter(pk=budget.pk).update(review_item=item)
    budget.refresh_from_db()
    return budget


def make_finance_budget(people, xihu):
    return _finance_budget(people, xihu)


def make_finance_question(people, xihu):
    from yishi.finance.models import Question

    budget = _finance_budget(people, xihu)
    return Question.objects.create(line=budget.lines.get(code="201"), asker=people["council_member"],
                                   text="这笔钱用在哪里？")


def make_finance_warning(people, xihu):
    from yishi.finance.models import ExecutionWarning

    budget = _finance_budget(people, xihu)
    return ExecutionWarning.objects.create(budget=budget, kind="behind", key="2010101",
                                           detail="1.0% / 90.0%", raised_on=date(2026, 1, 1),
                                           due_on=date(2026, 1, 8))


def make_oversight_assignment(people, xihu):
    from yishi.oversight import services as oversight

    task = oversight.assign_task(people["district_staff"], oversight.TaskInput(
        title="走访督办", description="走访老旧小区", streets=[xihu["xixi"]], workdays=10))
    return task.assignments.get()


def make_oversight_report(people, xihu):
    from yishi.oversight import services as oversight

    today = timezone.localdate()
    report_type = oversight.define_report_type(
        people["district_staff"], title="半年汇报", kind="half_year",
        period_start=date(today.year, 1, 1), period_end=today,
        due_on=today + timedelta(days=10), sections=["工作情况"])
    report = report_type.reports.get(street=xihu["xixi"])
    # Written, so that submitting waits only for the person and the state.
    type(report).objects.filter(pk=report.pk).update(sections={"工作情况": "已完成"})
    report.refresh_from_db()
    return report


def _inventory(people, xihu):
    """An inventory of 西溪 in preparation with its firm's account and supervision group, and a
    summary written, so that every phase's guard can be met. The street's committee staff keep
    its assets here (finance staff role), so that one person of the walk holds the rule."""
    from yishi.core.models import Role, RoleAssignment
    from yishi.finance import assets

    RoleAssignment.objects.create(user=people["street_staff"], role=Role.FINANCE_STAFF,
                                  unit=xihu["xixi"])
    staff = people["street_staff"]
    staff.__dict__.pop("_yishi_roles", None)
    assets.register_asset(staff, xihu["xixi"], {
        "code": "W1", "name": "办公桌", "asset_class": "6", "location": "办公楼",
        "department": "党政办", "acquired_on": date(2020, 1, 1), "original_value": "800",
        "net_value": "100"})
    campaign = assets.open_campaign(staff, xihu["xixi"], title="清查", firm="事务所",
                                    reference_date=timezone.localdate())
    assets.add_supervisor(staff, campaign, people["deputy"])
    assets.add_firm_account(staff, campaign, mobile="18600008899", name="事务所张")
    type(campaign).objects.filter(pk=campaign.pk).update(report_summary="清查完毕。")
    campaign.refresh_from_db()
    return campaign


def make_inventory(people, xihu):
    return _inventory(people, xihu)


def make_inventory_finding(people, xihu):
    from yishi.core.models import User
    from yishi.finance import assets

    campaign = assets.start_inventory(people["street_staff"], _inventory(people, xihu))
    firm = User.objects.get(mobile="18600008899")
    return assets.record_finding(firm, campaign, kind="match",
                                 item_id=campaign.snapshot.get().pk)


def make_disposal(people, xihu):
    """A disposal of an asset of 西溪 awaiting the district's decision; the street's committee
    staff keep its assets (finance staff role), as for the inventory."""
    from yishi.core.models import Role, RoleAssignment
    from yishi.finance import assets, disposals

    RoleAssignment.objects.create(user=people["street_staff"], role=Role.FINANCE_STAFF,
                                  unit=xihu["xixi"])
    staff = people["street_staff"]
    staff.__dict__.pop("_yishi_roles", None)
    asset = assets.register_asset(staff, xihu["xixi"], {
        "code": "D1", "name": "旧电脑", "asset_class": "3", "location": "办公楼",
        "department": "党政办", "acquired_on": date(2015, 1, 1), "original_value": "6000",
        "net_value": "0"})
    return disposals.request_disposal(staff, asset, method="scrap", reason="超过使用年限，已损坏。")


def make_oversight_meeting(people, xihu):
    from yishi.oversight import meetings

    meeting = meetings.schedule_meeting(people["district_staff"], title="双月例会",
                                        held_on=timezone.localdate() + timedelta(days=3))
    # Minutes written, so that publishing waits only for the person and the state.
    type(meeting).objects.filter(pk=meeting.pk).update(minutes="会议纪要")
    meeting.refresh_from_db()
    return meeting


def make_oversight_joint(people, xihu):
    from yishi.oversight import joint

    matter = joint.start_matter(people["district_staff"], joint.MatterInput(
        title="跨街道河道整治", description="联合监督", streets=[xihu["xixi"], xihu["beishan"]]))
    joint.add_entry(people["district_staff"], matter, kind="visit",
                    date=timezone.localdate(), text="现场走访")
    return matter


def make_oversight_support(people, xihu):
    from yishi.oversight import support

    return support.request_support(people["street_staff"], xihu["xixi"], kind="training",
                                   title="代表培训", description="需要履职培训")


def make_oversight_evaluation(people, xihu):
    from yishi.oversight import evaluation

    staff = people["district_staff"]
    scheme = evaluation.create_scheme(staff, 2026)
    evaluation.add_indicator(staff, scheme, evaluation.IndicatorInput(
        "特色工作", "100", method="assessed"))
    # Computed, so that review and publish wait only for the person and the state.
    type(scheme).objects.filter(pk=scheme.pk).update(computed_at=timezone.now())
    scheme.refresh_from_db()
    return scheme


FACTORIES = {
    "finance.inventory": make_inventory,
    "finance.finding": make_inventory_finding,
    "finance.disposal": make_disposal,
    "oversight.meeting": make_oversight_meeting,
    "oversight.joint": make_oversight_joint,
    "oversight.support": make_oversight_support,
    "oversight.evaluation": make_oversight_evaluation,
    "finance.budget": make_finance_budget,
    "finance.warning": make_finance_warning,
    "finance.question": make_finance_question,
    "oversight.assignment": make_oversight_assignment,
    "oversight.report": make_oversight_report,
    "councils.invitation": make_invitation,
    "opinions.assignment": make_assignment,
    "opinions.extension": make_extension,
    "opinions.case_delivery": make_case_delivery,
    "councils.follow_up": make_follow_up,
    "councils.agenda_item": make_agenda_item,
    "deputies.activity": make_duty_activity,
    "opinions": make_opinion,
    "projects": make_project,
    "projects.cycle": make_cycle,
    "projects.tender": make_tender,
    "voting.ballot": make_ballot,
    "voting.paper_tally": make_paper_tally,
    "councils.meeting": make_meeting,
    "councils.minutes": make_minutes,
    "councils.call": make_call,
    "moderation": make_moderation_item,
    "councils.round_table": make_round_table,
    "deputies.session": make_reception_session,
    "deputies.booking": make_booking,
}


def test_every_declared_workflow_is_walked():
    assert set(REGISTRY) - {"walk.test"} == set(FACTORIES)


class _Undo(Exception):
    pass


def _attempt(obj, name, person):
    """Take the transition inside a savepoint that is rolled back: the next attempt starts from
    the same state. Returns the state reached, or raises the refusal."""
    wf = REGISTRY_BY_MODEL[type(obj)]
    reached = None
    try:
        with transaction.atomic():
            transition(obj, name, person, workflow=wf)
            reached = wf.current_state(obj)
            raise _Undo
    except _Undo:
        pass
    finally:
        obj.refresh_from_db()  # the object in memory followed the move that was rolled back
    return reached


REGISTRY_BY_MODEL = {}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_walk(name, people, xihu):
    wf = REGISTRY[name]
    REGISTRY_BY_MODEL[wf.model] = wf
    obj = FACTORIES[name](people, xihu)
    persons = {**people, "system": None}
    offered_somewhere = set()
    for state in wf.states:
        wf.model.objects.filter(pk=obj.pk).update(**{wf.state_field: state})
        for label, person in persons.items():
            obj.refresh_from_db()
            choices = {c.name: c for c in allowed(obj, person, workflow=wf)}
            for t in wf.transitions:
                c = choices.get(t.name)
                if c is not None and c.allowed:
                    assert _attempt(obj, t.name, person) == t.target, (state, label, t.name)
                    offered_somewhere.add(t.name)
                    continue
                with pytest.raises((ValidationError, PermissionDenied)) as refused:
                    _attempt(obj, t.name, person)
                if c is not None:  # offered as refused: with exactly the reason it gave
                    given = (refused.value.messages[0] if isinstance(refused.value,
                                                                     ValidationError)
                             else str(refused.value))
                    assert given == c.reason, (state, label, t.name)
                elif state not in t.sources:  # not out of this state: the state is named
                    assert isinstance(refused.value, ValidationError)
                    assert refused.value.code == "state", (state, label, t.name)
                else:  # the platform's own step, never offered to a person
                    assert t.rule == SYSTEM and person is not None
                    assert isinstance(refused.value, PermissionDenied)
                assert getattr(obj, wf.state_field) == state  # nothing changed
    # Every transition can be taken by someone in some state (a guarded one may wait for what
    # its guard asks), or the declaration is dead code.
    assert {t.name for t in wf.transitions} <= offered_somewhere | {
        t.name for t in wf.transitions if t.guards}


# --- the mechanism on the opinion's graph --------------------------------------------------------

@pytest.fixture
def opinion(people, xihu):
    category = OpinionCategory.objects.create(code="parking", name="停车管理")
    return opinions.submit_opinion(people["resident"], opinions.Intake(
        title="电动车乱停放", text="楼道口停满电动车。", category=category,
        community=xihu["xixi_community"], is_public=True))


def test_transition_moves_audits_and_signals(opinion, people):
    heard = []

    def receiver(sender, **kwargs):
        heard.append((kwargs["name"], kwargs["source"], kwargs["target"]))

    transitioned.connect(receiver)
    try:
        before = transition(opinion, "accept", people["street_staff"], workflow=OPINION,
                            accepted_at=timezone.now())
    finally:
        transitioned.disconnect(receiver)
    assert before == OpinionState.SUBMITTED and opinion.state == OpinionState.ACCEPTED
    assert opinion.accepted_at is not None
    record = AuditRecord.objects.filter(action="opinions.accept").get()
    assert record.before == {"state": "submitted"} and record.after["state"] == "accepted"
    assert heard == [("accept", OpinionState.SUBMITTED, OpinionState.ACCEPTED)]


def test_wrong_state_is_refused_with_the_state_named(opinion, people):
    with pytest.raises(ValidationError) as exc:
        transition(opinion, "assign", people["street_staff"], workflow=OPINION)
    assert exc.value.code == "state"
    assert str(OpinionState.SUBMITTED.label) in exc.value.messages[0]
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.SUBMITTED
    assert not AuditRecord.objects.filter(action="opinions.assign").exists()


def test_another_role_or_street_is_refused(opinion, people, xihu):
    from yishi.core.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=people["nobody"], role=Role.STREET_STAFF,
                                  unit=xihu["beishan"])
    for person in (people["resident"], people["deputy"], people["nobody"]):
        with pytest.raises(PermissionDenied):
            transition(opinion, "accept", person, workflow=OPINION)
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.SUBMITTED


def test_a_stale_object_is_a_conflict_not_a_second_move(opinion, people):
    stale = Opinion.objects.get(pk=opinion.pk)
    transition(opinion, "accept", people["street_staff"], workflow=OPINION)
    with pytest.raises(ValidationError) as exc:
        transition(stale, "refuse", people["street_staff"], workflow=OPINION)
    assert exc.value.code == "conflict"
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.ACCEPTED


def test_allowed_gives_reasons_and_hides_system_steps(opinion, people):
    staff = {c.name: c for c in allowed(opinion, people["street_staff"])}
    assert staff["accept"].allowed and staff["merge"].allowed
    resident = {c.name: c for c in allowed(opinion, people["resident"])}
    assert not resident["accept"].allowed and resident["accept"].reason
    Opinion.objects.filter(pk=opinion.pk).update(state=OpinionState.REPLIED)
    opinion.refresh_from_db()
    names = {c.name for c in allowed(opinion, people["resident"])}
    assert "expire_rating" not in names and {"rate_closed", "reopen", "escalate"} <= names
    by_name = {c.name: c for c in allowed(opinion, people["resident"])}
    assert by_name["reopen"].allowed and not by_name["escalate"].allowed
    assert by_name["escalate"].reason  # the guard's reason: the first time it is handled again
    assert [c.name for c in allowed(opinion, None) if c.allowed] == ["expire_rating"]


def test_guard_refusal_changes_nothing(opinion, people):
    Opinion.objects.filter(pk=opinion.pk).update(state=OpinionState.REPLIED)
    opinion.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        transition(opinion, "escalate", people["resident"], workflow=OPINION)
    assert exc.value.code == "guard"
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.REPLIED


def test_declarations_are_checked():
    with pytest.raises(ValueError, match="unknown states"):
        Workflow(Opinion, "walk.bad", transitions=[
            Transition("x", {"nowhere"}, OpinionState.CLOSED, "x", rule=SYSTEM)])
    with pytest.raises(ValueError, match="declared twice"):
        Workflow(Opinion, "walk.bad2", transitions=[
            Transition("x", {OpinionState.SUBMITTED}, OpinionState.CLOSED, "x"),
            Transition("x", {OpinionState.SUBMITTED}, OpinionState.CLOSED, "x")])
    with pytest.raises(ValueError, match="declared twice"):
        Workflow(Opinion, "opinions", transitions=[])
