"""The state graphs of the projects app, declared once on the core workflow mechanism: the
cycle's stage (CYCLE), each project from proposal to acceptance (PROJECT) and the tender
(TENDER) — who may take each step, and in which phase (the phases' dates decide; the guards
say so with a reason). cycle.py, implementation.py, services.py and tender.py do the work
around each step."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import Transition, Workflow
from yishi.voting.models import BallotState

from .models import (
    PHASE_FEATURES,
    Cycle,
    CycleStage,
    Objection,
    Phase,
    PhaseKind,
    Project,
    ProjectState,
    Score,
    Tender,
    TenderState,
)
from .steps import ProjectError

S = ProjectState


def _error(message, code):
    return ProjectError(message, code=code)


# --- the cycle ----------------------------------------------------------------------------------

def _current_phase(cycle_id):
    now = timezone.now()
    return Phase.objects.filter(cycle_id=cycle_id, starts_at__lte=now, ends_at__gt=now).first()


def _in_phase(feature: str, message):
    """A guard: the current phase (by its dates) allows `feature` (models.PHASE_FEATURES)."""
    def guard(cycle):
        phase = _current_phase(cycle.pk)
        return None if phase and feature in PHASE_FEATURES[phase.kind] else message
    return guard


def _in_ballot_phase(cycle):
    phase = _current_phase(cycle.pk)
    if phase is None or phase.kind != PhaseKind.BALLOT:
        return _("The ballot can only be opened during the ballot phase.")
    return None


def _objections_answered(cycle):
    if Objection.objects.filter(cycle_id=cycle.pk, tender__isnull=True,
                                answered_at__isnull=True).exists():
        return _("Every objection must be answered publicly before the ballot opens.")
    return None


def _has_approved(cycle):
    if not Project.objects.filter(cycle_id=cycle.pk, state=S.APPROVED).exists():
        return _("There are no candidates to publish: no proposal has passed review.")
    return None


def _ballot_not_opened(cycle):
    state = _ballot_state(cycle.ballot_id)
    if state not in (None, BallotState.DRAFT):
        return _("The ballot has already been opened.")
    return None


def _ballot_state(ballot_id):
    from yishi.voting.models import Ballot

    if ballot_id is None:
        return None
    return Ballot.objects.filter(pk=ballot_id).values_list("state", flat=True).first()


def _countable(cycle):
    state = _ballot_state(cycle.ballot_id)
    if state is None:
        return _("There is no ballot yet.")
    if state == BallotState.DRAFT:
        return _("The ballot has not been opened yet.")
    if state == BallotState.CANCELLED:
        return _("The ballot was cancelled.")
    if state == BallotState.OPEN:
        phase = _current_phase(cycle.pk)
        if phase is not None and phase.kind == PhaseKind.BALLOT:
            return _("The ballot is open until the end of the ballot phase; close the phase "
                     "early to count now.")
    return None


def _has_accepted(cycle):
    if not Project.objects.filter(cycle_id=cycle.pk, state=S.ACCEPTED).exists():
        return _("No project has been accepted yet.")
    return None


def _no_satisfaction_ballot(cycle):
    if Cycle.objects.filter(pk=cycle.pk, satisfaction_ballot__isnull=False).exists():
        return _("The satisfaction ballot already exists.")
    return None


def _has_satisfaction_ballot(cycle):
    if not Cycle.objects.filter(pk=cycle.pk, satisfaction_ballot__isnull=False).exists():
        return _("There is no satisfaction ballot.")
    return None


def _manages_cycle(actor, cycle) -> bool:
    return has_perm(actor, "projects.manage", cycle.unit)


C = CycleStage
_NOTICE_PHASE = _in_phase("object", _("The candidate list is published during the public "
                                      "notice phase."))
CYCLE = Workflow(
    Cycle, "projects.cycle", state_field="stage", unit=lambda c: c.unit, error=_error,
    state_message=_("This cannot be done while the cycle is at “%(state)s”."),
    conflict_message=_("The cycle was changed by someone else; please reload."),
    transitions=[
        Transition("publish_notice", {C.COLLECTING}, C.ON_NOTICE,
                   _("Publish the candidate list"), rule=_manages_cycle,
                   guards=[_NOTICE_PHASE, _has_approved],
                   confirm=_("The proposals that passed review go on public notice; a change "
                             "later is published as a corrected version.")),
        Transition("correct_notice", {C.ON_NOTICE}, C.ON_NOTICE,
                   _("Publish a corrected candidate list"), rule=_manages_cycle,
                   guards=[_NOTICE_PHASE]),
        Transition("prepare_ballot", {C.ON_NOTICE}, C.BALLOT_READY,
                   _("Make the ballot ready for a council meeting"), rule=_manages_cycle,
                   guards=[_in_ballot_phase, _objections_answered]),
        Transition("open_ballot", {C.ON_NOTICE, C.BALLOT_READY}, C.VOTING,
                   _("Open the ballot"), rule=_manages_cycle,
                   guards=[_in_ballot_phase, _objections_answered, _ballot_not_opened],
                   confirm=_("Voting starts now and the candidate list can no longer "
                             "change.")),
        Transition("record_result", {C.VOTING, C.BALLOT_READY}, C.COUNTED,
                   _("Count and publish the result"), rule=_manages_cycle,
                   guards=[_countable],
                   confirm=_("The ballot is closed, counted and its result published; the "
                             "projects are marked selected or not.")),
        Transition("correct_result", {C.COUNTED}, C.COUNTED,
                   _("Publish a corrected result"), rule=_manages_cycle),
        Transition("correct_confirmed_result", {C.CONFIRMED}, C.CONFIRMED,
                   _("Publish a corrected result"), rule=_manages_cycle,
                   action="correct_result"),
        Transition("confirm", {C.COUNTED}, C.CONFIRMED,
                   _("Record the party committee's confirmation"), rule=_manages_cycle,
                   confirm=_("The selection is confirmed and implementation may start.")),
        Transition("open_satisfaction", {C.CONFIRMED}, C.RATING,
                   _("Open the satisfaction ballot"), rule=_manages_cycle,
                   guards=[_in_phase("satisfaction", _("The satisfaction ballot runs during "
                                                       "the evaluation phase.")),
                           _has_accepted, _no_satisfaction_ballot]),
        Transition("record_satisfaction", {C.CONFIRMED, C.RATING}, C.CLOSED,
                   _("Count and publish satisfaction"), rule=_manages_cycle,
                   guards=[_has_satisfaction_ballot],
                   confirm=_("The satisfaction ballot is closed and every rating published.")),
    ],
)


# --- the project --------------------------------------------------------------------------------

def _before_ballot(project):
    if Cycle.objects.filter(pk=project.cycle_id, ballot__isnull=False).exists():
        return _("The ballot has been created; the list can no longer change.")
    return None


def _confirmed(project):
    if not Cycle.objects.filter(pk=project.cycle_id, confirmed_at__isnull=False).exists():
        return _("The party committee has not confirmed the selection yet.")
    return None


def _fully_progressed(project):
    if Project.objects.filter(pk=project.pk, progress__lt=100).exists():
        return _("Report full progress (100 percent) before the project is completed.")
    return None


def _manages(actor, project) -> bool:
    return has_perm(actor, "projects.manage", project.cycle.unit)


def _reports(actor, project) -> bool:
    return has_perm(actor, "projects.report", project)


def _in_review(project):
    cycle = Cycle.objects.prefetch_related("phases").get(pk=project.cycle_id)
    if not cycle.allows("review"):
        return _("Proposals are decided during the review phase.")
    return None


PROJECT = Workflow(
    Project, "projects", unit=lambda p: p.community, error=_error,
    state_message=_("This cannot be done while the project is “%(state)s”."),
    conflict_message=_("The project was changed by someone else; please reload."),
    transitions=[
        Transition("approve", {S.PROPOSED}, S.APPROVED, _("Approve"), rule=_manages,
                   guards=[_in_review]),
        Transition("merge", {S.PROPOSED, S.APPROVED}, S.MERGED, _("Merge"), rule=_manages,
                   guards=[_in_review],
                   confirm=_("The proposal is merged into another one and leaves the list.")),
        Transition("reject", {S.PROPOSED, S.APPROVED}, S.REJECTED, _("Do not adopt"),
                   rule=_manages, guards=[_in_review],
                   confirm=_("The proposal is not adopted; the proposer sees the reason.")),
        Transition("list_candidate", {S.APPROVED}, S.CANDIDATE, _("List as candidate"),
                   rule=_manages),
        Transition("withdraw", {S.CANDIDATE}, S.REJECTED, _("Withdraw from the list"),
                   rule=_manages, guards=[_before_ballot],
                   confirm=_("The candidate leaves the list and a new version is published.")),
        Transition("select", {S.CANDIDATE}, S.SELECTED, _("Selected"), rule=_manages),
        Transition("not_select", {S.CANDIDATE}, S.NOT_SELECTED, _("Not selected"),
                   rule=_manages),
        Transition("start", {S.SELECTED}, S.IN_PROGRESS, _("Start implementation"),
                   rule=_manages, guards=[_confirmed]),
        Transition("complete", {S.IN_PROGRESS}, S.COMPLETED, _("Report completed"),
                   rule=_reports, guards=[_fully_progressed]),
        Transition("accept_completion", {S.COMPLETED}, S.ACCEPTED, _("Accept (验收)"),
                   rule=_manages,
                   confirm=_("The project is recorded as accepted; this cannot be undone.")),
    ],
)


# What may be recorded on a project in each state besides its transitions (the per-state
# capabilities of the graph): the services refuse outside these states, and the pages and the
# API offer them only here.
PROJECT_FEATURES: dict[str, frozenset[str]] = {
    S.PROPOSED: frozenset({"assess", "invite"}),
    S.APPROVED: frozenset({"invite"}),
    S.SELECTED: frozenset({"tender", "supervise", "supervisor"}),
    S.IN_PROGRESS: frozenset({"tender", "supervise", "supervisor", "milestone", "done",
                              "progress", "spending"}),
    S.COMPLETED: frozenset({"supervise"}),
}
# States in which a project's progress is public.
PROGRESS_SHOWN = frozenset({S.IN_PROGRESS, S.COMPLETED, S.ACCEPTED})


def project_features(project) -> frozenset[str]:
    return PROJECT_FEATURES.get(project.state, frozenset())


# --- the tender ---------------------------------------------------------------------------------

def _manages_tender(actor, tender) -> bool:
    return has_perm(actor, "projects.manage", tender.project.cycle.unit)


def _has_bids(tender):
    return None if tender.bids.exists() else _("No bid has been registered.")


def _has_panel(tender):
    return None if tender.panel.exists() else _("Name the evaluation panel first.")


def _scored(tender):
    needed = tender.panel.count() * tender.bids.count() * tender.criteria.count()
    if Score.objects.filter(bid__tender=tender).count() != needed:
        return _("Every panel member must score every bid on every criterion.")
    return None


T = TenderState
TENDER = Workflow(
    Tender, "projects.tender", audit_prefix="projects", unit=lambda t: t.project.community,
    error=_error,
    state_message=_("This cannot be done while the tender is “%(state)s”."),
    conflict_message=_("The tender was changed by someone else; please reload."),
    transitions=[
        Transition("publish_bidding_notice", {T.DRAFTING}, T.BIDDING,
                   _("Publish the bidding notice"), rule=_manages_tender,
                   confirm=_("The criteria and weights are fixed from now on.")),
        Transition("close_bidding", {T.BIDDING}, T.EVALUATING, _("Close bidding"),
                   rule=_manages_tender, guards=[_has_bids, _has_panel],
                   confirm=_("No more bids are taken; the panel starts scoring.")),
        Transition("award", {T.EVALUATING}, T.AWARDED, _("Publish the award"),
                   rule=_manages_tender, guards=[_scored], action="tender_awarded",
                   confirm=_("The award and every score are published.")),
        Transition("correct_award", {T.AWARDED}, T.AWARDED, _("Publish a corrected award"),
                   rule=_manages_tender, guards=[_scored], action="tender_awarded"),
    ],
)

# What may be done on a tender in each state besides its transitions.
TENDER_FEATURES: dict[str, frozenset[str]] = {
    T.DRAFTING: frozenset({"edit", "new_version", "publish", "comment", "panelist", "notice"}),
    T.BIDDING: frozenset({"bid", "panelist"}),
    T.EVALUATING: frozenset({"score", "award"}),
    T.AWARDED: frozenset({"award", "object"}),
}


def tender_features(tender) -> frozenset[str]:
    return TENDER_FEATURES.get(tender.state, frozenset())
