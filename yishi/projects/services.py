"""The bridge between a cycle and the voting engine: the cycle's ballot and its satisfaction
ballot are created, opened, closed and published through the engine's services, their results
read back here, and the cycle's stage moved along workflows.CYCLE as they go.

The rest of the app's services live by concern and are re-exported here, so that
`services.<name>` keeps working for pages, the API, the demo and other apps:
cycle.py (cycle and phases, nomination, review, notice and objections, confirmation),
implementation.py (implementation, progress, acceptance, comments, late milestones),
tender.py (the tender with residents); steps.py holds what they share."""

from django.db import transaction
from django.utils.translation import gettext as _

from yishi.core.permissions import has_perm, require
from yishi.voting import services as voting
from yishi.voting.models import BallotState, Method, RollSource

from .cycle import (  # noqa: F401  (re-exported)
    CycleInput,
    ProposalInput,
    _notice_items,
    _publish_version,
    _unanswered,
    answer_objection,
    approve,
    close_phase_early,
    confirm_result,
    correct_result,
    cycle_move,
    file_objection,
    invite_expert,
    merge,
    open_cycle,
    propose,
    publish_notice,
    reject,
    stage_on_record,
    submit_review,
    withdraw_candidate,
)
from .implementation import (  # noqa: F401  (re-exported)
    accept_completion,
    add_milestone,
    answer_question,
    attach_supervisor,
    comment,
    complete,
    complete_milestone,
    flag_late_milestones,
    follow,
    log_visit,
    record_spending,
    report_progress,
    start_implementation,
    supervising_deputies,
)
from .models import (
    PHASE_FEATURES,
    BallotMethod,
    Cycle,
    Event,
    PhaseKind,
    Project,
    ProjectState,
    PublishedVersion,
    VoterKind,
)
from .steps import MAX_TEXT, ProjectError, _audit, _error, _money, _project_move, _text  # noqa: F401
from .tellers import sealed_ballot_fields

# --- the ballot -----------------------------------------------------------------------------

def _ballot_for(actor, cycle: Cycle):
    """The cycle's ballot in the voting engine (one option per candidate), created once, in the
    ballot phase and with every objection answered; secret, sealed to the cycle's tellers."""
    require(actor, "projects.manage", cycle.unit)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    phase = cycle.current_phase()
    if phase is None or phase.kind != PhaseKind.BALLOT:
        raise _error(_("The ballot can only be opened during the ballot phase."))
    if _unanswered(cycle).exists():
        raise _error(_("Every objection must be answered publicly before the ballot opens."))
    candidates = list(cycle.projects.filter(state=ProjectState.CANDIDATE).order_by("id"))
    if not candidates:
        raise _error(_("There are no candidates on the notice list."))
    if cycle.ballot_id is None:
        fields = {"closes_at": phase.ends_at, "description": cycle.title}
        if cycle.voter_kind == VoterKind.RESIDENTS:
            fields["roll_source"] = RollSource.RESIDENTS
        else:
            fields.update(roll_source=RollSource.ROLES, roll_roles=cycle.voter_kind)
        if cycle.method == BallotMethod.CHOOSE:
            fields.update(max_choices=min(cycle.seats or len(candidates), len(candidates)),
                          min_support=cycle.min_support)
        elif cycle.method == BallotMethod.YES_NO:
            fields["pass_rule"] = cycle.pass_rule
        else:
            fields.update(budget=cycle.budget, budget_rule=cycle.budget_rule)
        options = [voting.OptionInput(p.option_key, p.title, p.cost, p.description[:500])
                   for p in candidates]
        fields.update(sealed_ballot_fields(cycle))
        ballot = voting.create_ballot(actor, cycle.unit, title=_("%(title)s: ballot") % {
            "title": cycle.title}, method=cycle.method, options=options, **fields)
        Cycle.objects.filter(pk=cycle.pk).update(ballot=ballot)
        cycle.ballot = ballot
    return cycle


@transaction.atomic
def prepare_ballot(actor, cycle: Cycle):
    """When the council votes at a meeting: the ballot is made ready but not opened; street staff
    put it on the meeting's agenda (a livelihood project selection item, by its number) and the
    meeting opens it once a quorum has signed in. The result is then recorded here as usual."""
    cycle = _ballot_for(actor, cycle)
    cycle_move(actor, cycle, "prepare_ballot")
    _audit(actor, "prepare_ballot", cycle, cycle.unit,
           after={"ballot": str(cycle.ballot.public_id)})
    return cycle.ballot


@transaction.atomic
def open_ballot(actor, cycle: Cycle):
    """Open the cycle's ballot until the end of the ballot phase (a stand-alone ballot)."""
    cycle = _ballot_for(actor, cycle)
    cycle_move(actor, cycle, "open_ballot")
    ballot = voting.open_ballot(actor, cycle.ballot)
    _audit(actor, "open_ballot", cycle, cycle.unit, after={"ballot": str(ballot.public_id)})
    return ballot


def winners_from(result: dict, method: str) -> set[str]:
    if method == Method.YES_NO:
        return {key for key, item in result["items"].items() if item["passed"]}
    return set(result["winners"])


@transaction.atomic
def record_result(actor, cycle: Cycle) -> PublishedVersion:
    """Close the ballot (if still open), publish its count, and mark the projects selected or
    not; the result with the rule applied is published as version 1."""
    require(actor, "projects.manage", cycle.unit)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    # The guards refuse a ballot still open in its phase, or never opened.
    cycle_move(actor, cycle, "record_result")
    ballot = cycle.ballot
    if ballot.state == BallotState.OPEN:
        ballot = voting.close_ballot(actor, ballot)
    if ballot.state == BallotState.CLOSED:
        ballot = voting.publish_results(actor, ballot)
    if ballot.state != BallotState.PUBLISHED:
        raise _error(_("The ballot has not been counted."))
    result = ballot.result
    winners = winners_from(result, ballot.method)
    counts = result.get("counts") or {k: v["yes"] for k, v in result.get("items", {}).items()}
    items = []
    for project in cycle.projects.filter(state=ProjectState.CANDIDATE).order_by("id"):
        chosen = project.option_key in winners
        _project_move(actor, project, "select" if chosen else "not_select",
                      votes=counts.get(project.option_key, 0))
        item = {"id": project.pk, "title": project.title, "cost": str(project.cost),
                "votes": counts.get(project.option_key, 0), "selected": chosen}
        if chosen and not item["votes"]:
            # A project selected without a vote is explained by the rule that selected it.
            item["why"] = _("Selected without votes by the rule: %(rule)s") % {
                "rule": rule_text(cycle, ballot)}
        items.append(item)
    items.sort(key=lambda i: (not i["selected"], -i["votes"], i["id"]))
    return _publish_version(actor, cycle, PublishedVersion.Kind.RESULT, {
        "rule": rule_text(cycle, ballot), "ballot": str(ballot.public_id),
        "ballots_cast": result.get("ballots", 0), "projects": items})


def rule_text(cycle: Cycle, ballot) -> str:
    if cycle.method == BallotMethod.CHOOSE:
        return _("Each voter chose up to %(n)d; the %(n)d with the most votes are selected, each "
                 "needing at least %(min)d votes.") % {"n": ballot.max_choices or 0,
                                                       "min": ballot.min_support}
    if cycle.method == BallotMethod.YES_NO:
        return _("Yes or no on each candidate; selected by the rule: %(rule)s.") % {
            "rule": ballot.get_pass_rule_display()}
    return _("Budget-limited approval within %(budget)s yuan; rule: %(rule)s.") % {
        "budget": ballot.budget, "rule": ballot.get_budget_rule_display()}


# --- satisfaction (满意度测评) -----------------------------------------------------------------

@transaction.atomic
def open_satisfaction(actor, cycle: Cycle, voter_kind: str | None = None):
    """A satisfaction ballot (满意/基本满意/不满意) on every accepted project, until the end of
    the evaluation phase; secret, sealed to the cycle's tellers."""
    require(actor, "projects.manage", cycle.unit)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    phase = cycle.current_phase()
    if phase is None or "satisfaction" not in PHASE_FEATURES[phase.kind]:
        raise _error(_("The satisfaction ballot runs during the evaluation phase."))
    if cycle.satisfaction_ballot_id:
        raise _error(_("The satisfaction ballot already exists."))
    projects = list(cycle.projects.filter(state=ProjectState.ACCEPTED).order_by("id"))
    if not projects:
        raise _error(_("No project has been accepted yet."))
    voter_kind = voter_kind or cycle.voter_kind
    fields = {"closes_at": phase.ends_at}
    if voter_kind == VoterKind.RESIDENTS:
        fields["roll_source"] = RollSource.RESIDENTS
    else:
        fields.update(roll_source=RollSource.ROLES, roll_roles=voter_kind)
    fields.update(sealed_ballot_fields(cycle))
    ballot = voting.create_ballot(
        actor, cycle.unit, title=_("%(title)s: satisfaction") % {"title": cycle.title},
        method=Method.SATISFACTION,
        options=[voting.OptionInput(p.option_key, p.title, p.cost) for p in projects], **fields)
    Cycle.objects.filter(pk=cycle.pk).update(satisfaction_ballot=ballot)
    ballot = voting.open_ballot(actor, ballot)
    _audit(actor, "open_satisfaction", cycle, cycle.unit, after={"ballot": str(ballot.public_id)})
    return ballot


@transaction.atomic
def record_satisfaction(actor, cycle: Cycle) -> PublishedVersion:
    """Close and count the satisfaction ballot; each project's rating follows the published rule
    (voting.count.satisfaction_rating) and the result is public."""
    require(actor, "projects.manage", cycle.unit)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    cycle_move(actor, cycle, "record_satisfaction")
    ballot = cycle.satisfaction_ballot
    if ballot.state == BallotState.OPEN:
        ballot = voting.close_ballot(actor, ballot)
    if ballot.state == BallotState.CLOSED:
        ballot = voting.publish_results(actor, ballot)
    items = []
    for project in cycle.projects.filter(state=ProjectState.ACCEPTED).order_by("id"):
        item = ballot.result["items"].get(project.option_key)
        if item is None:
            continue
        Project.objects.filter(pk=project.pk).update(satisfaction=item)
        Event.objects.create(project=project, action="satisfaction", note=item["rating"])
        items.append({"id": project.pk, "title": project.title, **item})
    return _publish_version(actor, cycle, PublishedVersion.Kind.SATISFACTION, {
        "ballot": str(ballot.public_id), "ballots_cast": ballot.result.get("ballots", 0),
        "rule": _("Satisfied if at least half say satisfied; basically satisfied if satisfied and "
                  "basically satisfied together reach half; otherwise not satisfied."),
        "projects": items})


@transaction.atomic
def start_satisfaction(actor, cycle: Cycle):
    """The cycle's step into the satisfaction ballot (workflows.CYCLE "open_satisfaction"),
    then the ballot itself (open_satisfaction)."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    cycle_move(actor, cycle, "open_satisfaction")
    return open_satisfaction(actor, cycle)


# Staff's moves on a cycle by name, for the cycle page and the API alike: the name of the
# workflow transition (workflows.CYCLE), or "close_phase", to the service taking it with the
# reason or note typed. The page shows each one exactly when may() offers it.
CYCLE_STEPS = {
    "close_phase": lambda actor, cycle, text: close_phase_early(
        actor, _current_phase(cycle), text),
    "publish_notice": lambda actor, cycle, text: publish_notice(actor, cycle, text),
    "correct_notice": lambda actor, cycle, text: publish_notice(actor, cycle, text),
    "prepare_ballot": lambda actor, cycle, text: prepare_ballot(actor, cycle),
    "open_ballot": lambda actor, cycle, text: open_ballot(actor, cycle),
    "record_result": lambda actor, cycle, text: record_result(actor, cycle),
    "confirm": lambda actor, cycle, text: confirm_result(actor, cycle, text),
    "correct_result": lambda actor, cycle, text: correct_result(actor, cycle, text),
    "correct_confirmed_result": lambda actor, cycle, text: correct_result(actor, cycle, text),
    "open_satisfaction": lambda actor, cycle, text: start_satisfaction(actor, cycle),
    "record_satisfaction": lambda actor, cycle, text: record_satisfaction(actor, cycle),
}


def _current_phase(cycle: Cycle):
    phase = cycle.current_phase()
    if phase is None:
        raise _error(_("No phase is running now."))
    return phase


def may(user, rule_name: str, unit) -> bool:
    return has_perm(user, rule_name, unit)
