"""The project's state graph (民生实事项目), declared once on the core workflow mechanism: from
proposal to acceptance, who may take each step and in which phase. services.py does the work
around each step."""

from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import Transition, Workflow

from .models import Cycle, Project, ProjectState, Score, Tender, TenderState

S = ProjectState


def _error(message, code):
    from .services import ProjectError

    return ProjectError(message, code=code)


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
                   rule=_manages,
                   confirm=_("The candidate leaves the list and a new version is published.")),
        Transition("select", {S.CANDIDATE}, S.SELECTED, _("Selected"), rule=_manages),
        Transition("not_select", {S.CANDIDATE}, S.NOT_SELECTED, _("Not selected"),
                   rule=_manages),
        Transition("start", {S.SELECTED}, S.IN_PROGRESS, _("Start implementation"),
                   rule=_manages),
        Transition("complete", {S.IN_PROGRESS}, S.COMPLETED, _("Report completed"),
                   rule=_reports),
        Transition("accept_completion", {S.COMPLETED}, S.ACCEPTED, _("Accept (验收)"),
                   rule=_manages,
                   confirm=_("The project is recorded as accepted; this cannot be undone.")),
    ],
)


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
