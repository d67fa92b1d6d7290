"""A cycle's selection, one service per change: the cycle and its phases, nomination, review,
the public notice with its objections, and the confirmation of the result. The cycle's stage
moves only along workflows.CYCLE; each project's along workflows.PROJECT. The ballot itself
(opening, counting) is bridged to the voting engine in services.py."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import workflow
from yishi.core.models import Department, Role, Unit, UnitKind
from yishi.core.notifications import notify
from yishi.core.permissions import holds, require
from yishi.moderation.services import street_of
from yishi.moderation.services import submit as hold_for_moderation
from yishi.voting import services as voting
from yishi.voting.models import BallotState, BudgetRule, PassRule

from .models import (
    DEFAULT_PHASE_DAYS,
    PHASE_ORDER,
    BallotMethod,
    Category,
    Cycle,
    CycleStage,
    Event,
    Follow,
    Objection,
    Phase,
    PhaseKind,
    Project,
    ProjectState,
    ProposerKind,
    PublishedVersion,
    Review,
    VoterKind,
)
from .steps import _audit, _error, _money, _notify_people, _phase_required, _project_move, _text


def cycle_move(actor, cycle: Cycle, name: str, **changes) -> str:
    """Move the cycle's stage along workflows.CYCLE (permission, phase guards, conditional
    update, audit)."""
    from .workflows import CYCLE

    return workflow.transition(cycle, name, actor, workflow=CYCLE, **changes)


def stage_on_record(cycle: Cycle) -> str:
    """The stage a cycle's record shows (for cycles loaded in bulk, e.g. the demo; the
    migration that added the stage reads existing cycles the same way)."""
    kinds = set(cycle.versions.values_list("kind", flat=True))
    if PublishedVersion.Kind.SATISFACTION in kinds:
        return CycleStage.CLOSED
    if cycle.satisfaction_ballot_id:
        return CycleStage.RATING
    if cycle.confirmed_at:
        return CycleStage.CONFIRMED
    if PublishedVersion.Kind.RESULT in kinds:
        return CycleStage.COUNTED
    if cycle.ballot_id:
        return (CycleStage.BALLOT_READY if cycle.ballot.state == BallotState.DRAFT
                else CycleStage.VOTING)
    if PublishedVersion.Kind.NOTICE in kinds:
        return CycleStage.ON_NOTICE
    return CycleStage.COLLECTING


# --- cycles and phases ----------------------------------------------------------------------

@dataclass
class CycleInput:
    unit: Unit
    year: int
    title: str
    budget: Decimal
    starts_at: datetime
    method: str = BallotMethod.CHOOSE
    voter_kind: str = VoterKind.COUNCIL
    seats: int | None = None
    min_support: int = 0
    pass_rule: str = PassRule.MORE_THAN_HALF_CAST
    budget_rule: str = BudgetRule.MES_GREEDY
    days: dict = field(default_factory=dict)


@transaction.atomic
def open_cycle(actor, data: CycleInput) -> Cycle:
    """Open a year's cycle with its phases one after another (default lengths unless given)."""
    require(actor, "projects.manage", data.unit)
    if data.unit.kind == UnitKind.COMMUNITY:
        raise _error(_("A cycle belongs to a street, a town or the district."), "unit")
    budget = _money(data.budget, "budget")
    if data.method not in BallotMethod.values:
        raise _error(_("Unknown ballot method."), "method")
    if data.voter_kind not in VoterKind.values:
        raise _error(_("Unknown kind of voters."), "voter_kind")
    if data.method == BallotMethod.CHOOSE and not data.seats:
        raise _error(_("Say how many projects are to be chosen."), "seats")
    if Cycle.objects.filter(unit=data.unit, year=data.year).exists():
        raise _error(_("This unit already has a cycle for %(year)d.") % {"year": data.year},
                     "year")
    cycle = Cycle.objects.create(
        unit=data.unit, year=data.year, title=_text(data.title, "title", _("Title")),
        budget=budget, method=data.method, voter_kind=data.voter_kind, seats=data.seats,
        min_support=data.min_support, pass_rule=data.pass_rule, budget_rule=data.budget_rule,
        created_by=actor)
    start = data.starts_at
    for kind in PHASE_ORDER:
        days = int(data.days.get(kind, DEFAULT_PHASE_DAYS[kind]))
        if days < 1:
            raise _error(_("Every phase lasts at least one day."), "days")
        if kind == PhaseKind.NOMINATION and days < 30 and not data.days.get("allow_short"):
            raise _error(_("Nomination stays open at least 30 days."), "days")
        Phase.objects.create(cycle=cycle, kind=kind, starts_at=start,
                             ends_at=start + timedelta(days=days))
        start += timedelta(days=days)
    _audit(actor, "open_cycle", cycle, cycle.unit, after={
        "year": cycle.year, "budget": str(budget), "method": cycle.method,
        "voters": cycle.voter_kind})
    return cycle


@transaction.atomic
def close_phase_early(actor, phase: Phase, reason: str) -> Phase:
    """Staff end the current phase now, with a recorded reason; the next phase starts now."""
    require(actor, "projects.manage", phase.cycle.unit)
    reason = _text(reason, "reason", _("Reason"))
    phase = Phase.objects.select_for_update().get(pk=phase.pk)
    now = timezone.now()
    if not (phase.starts_at <= now < phase.ends_at):
        raise _error(_("Only the current phase can be closed early."))
    cycle = phase.cycle
    if phase.kind == PhaseKind.NOTICE and _unanswered(cycle).exists():
        raise _error(_("Answer every objection before closing the notice."))
    old_end = phase.ends_at
    Phase.objects.filter(pk=phase.pk).update(ends_at=now, closed_early_reason=reason)
    index = PHASE_ORDER.index(phase.kind)
    if index + 1 < len(PHASE_ORDER):
        Phase.objects.filter(cycle=cycle, kind=PHASE_ORDER[index + 1],
                             starts_at__gt=now).update(starts_at=now)
    if phase.kind == PhaseKind.BALLOT and cycle.ballot and cycle.ballot.state == BallotState.OPEN:
        voting.close_ballot(actor, cycle.ballot)
    phase.refresh_from_db()
    _audit(actor, "close_phase_early", phase, cycle.unit,
           before={"ends_at": old_end}, after={"ends_at": now, "reason": reason})
    return phase


# --- nomination -----------------------------------------------------------------------------

@dataclass
class ProposalInput:
    title: str
    description: str
    category: Category
    community: Unit
    beneficiaries: str
    estimated_cost: object
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    photos: list = field(default_factory=list)


def _proposer_kind(user, unit: Unit) -> str:
    if holds(user, {Role.STREET_STAFF, Role.DISTRICT_STAFF}, unit):
        return ProposerKind.STAFF
    if holds(user, {Role.DEPARTMENT_HANDLER}, unit):
        return ProposerKind.DEPARTMENT
    if holds(user, {Role.DEPUTY}, unit):
        return ProposerKind.DEPUTY
    if holds(user, {Role.COUNCIL_MEMBER}, unit):
        return ProposerKind.COUNCIL_MEMBER
    return ProposerKind.RESIDENT


@transaction.atomic
def propose(actor, cycle: Cycle, data: ProposalInput) -> Project:
    """A proposal (项目推荐) during nomination: cost required, positive, within the budget."""
    community = data.community
    if community is None or community.kind != UnitKind.COMMUNITY or not community.path.startswith(
            cycle.unit.path):
        raise _error(_("Choose a community of %(unit)s.") % {"unit": cycle.unit}, "community")
    require(actor, "projects.propose", community)
    _phase_required(cycle, "propose", _("Proposals are taken only during the nomination phase."))
    if data.category.excluded:
        raise _error(_("Proposals of this kind are excluded: %(reason)s")
                     % {"reason": data.category.exclusion_reason}, "category")
    cost = _money(data.estimated_cost, "estimated_cost", maximum=cycle.budget)
    for name, value, bound in (("latitude", data.latitude, 90), ("longitude", data.longitude, 180)):
        if value is not None and abs(Decimal(value)) > bound:
            raise _error(_("This is not a valid map position."), name)
    project = Project.objects.create(
        cycle=cycle, title=_text(data.title, "title", _("Title"))[:120],
        description=_text(data.description, "description", _("Description")),
        category=data.category, community=community,
        address=_text(data.address, "address", _("Address"), required=False)[:200],
        latitude=data.latitude, longitude=data.longitude,
        beneficiaries=_text(data.beneficiaries, "beneficiaries", _("Who benefits"))[:200],
        estimated_cost=cost, proposer=actor, proposer_kind=_proposer_kind(actor, community))
    if data.photos:
        project.photos.set(data.photos)
    Follow.objects.get_or_create(project=project, user=actor)
    Event.objects.create(project=project, action="propose")
    _audit(actor, "propose", project, community, after={
        "title": project.title, "cost": str(cost), "cycle": cycle.pk})
    return project


# --- review ---------------------------------------------------------------------------------

@transaction.atomic
def submit_review(actor, project: Project, *, feasible: bool, opinion: str,
                  cost_estimate=None, duration_days: int | None = None) -> Review:
    """An assessment: staff and departments directly; an expert fills in their invitation."""
    require(actor, "projects.review", project.community)
    _phase_required(project.cycle, "review", _("Proposals are assessed during the review phase."))
    opinion = _text(opinion, "opinion", _("Assessment"))
    cost = _money(cost_estimate, "cost_estimate", maximum=project.cycle.budget, required=False)
    if duration_days is not None and duration_days <= 0:
        raise _error(_("The duration must be at least one day."), "duration_days")
    review = Review.objects.filter(project=project, reviewer=actor,
                                   submitted_at__isnull=True).first()
    if review is None:
        review = Review(project=project, reviewer=actor)
    review.feasible, review.opinion = feasible, opinion
    review.cost_estimate, review.duration_days = cost, duration_days
    review.submitted_at = timezone.now()
    review.save()
    _audit(actor, "review", review, project.community, after={
        "feasible": feasible, "cost": str(cost) if cost else None})
    return review


@transaction.atomic
def invite_expert(actor, project: Project, expert) -> Review:
    require(actor, "projects.manage", project.cycle.unit)
    if not holds(expert, {Role.EXPERT}, project.community):
        raise _error(_("This person is not an expert of this unit."), "expert")
    review, created = Review.objects.get_or_create(
        project=project, reviewer=expert, submitted_at=None,
        defaults={"invited_at": timezone.now()})
    if created:
        notify([expert], lambda: _("You are invited to review “%(title)s”") % {"title": project.title},
               url=f"/projects/{project.pk}/review/")
        _audit(actor, "invite_expert", review, project.community, after={"expert": expert.pk})
    return review


@transaction.atomic
def approve(actor, project: Project, *, department: Department | None = None,
            assessed_cost=None, duration_days: int | None = None, note: str = "") -> Project:
    require(actor, "projects.manage", project.cycle.unit)
    _phase_required(project.cycle, "review", _("Proposals are decided during the review phase."))
    cost = _money(assessed_cost, "assessed_cost", maximum=project.cycle.budget, required=False)
    if department is not None and not project.community.path.startswith(department.street.path):
        raise _error(_("Choose a department of the project's street."), "department")
    changes = {"public_reason": note.strip()}
    if cost:
        changes["assessed_cost"] = cost
    if department:
        changes["department"] = department
    if duration_days:
        changes["duration_days"] = duration_days
    _project_move(actor, project, "approve", note, **changes)
    return project


@transaction.atomic
def reject(actor, project: Project, reason: str) -> Project:
    require(actor, "projects.manage", project.cycle.unit)
    reason = _text(reason, "reason", _("Public reason"))
    _phase_required(project.cycle, "review", _("Proposals are decided during the review phase."))
    _project_move(actor, project, "reject", reason, public_reason=reason)
    return project


@transaction.atomic
def merge(actor, project: Project, into: Project, reason: str) -> Project:
    """Merge similar proposals: the proposers of the merged one join the other's and are told."""
    require(actor, "projects.manage", project.cycle.unit)
    reason = _text(reason, "reason", _("Public reason"))
    if into.pk == project.pk or into.cycle_id != project.cycle_id:
        raise _error(_("Choose another proposal of the same cycle."), "into")
    if into.state not in (ProjectState.PROPOSED, ProjectState.APPROVED):
        raise _error(_("The proposal to merge into is no longer open."), "into")
    _phase_required(project.cycle, "review", _("Proposals are decided during the review phase."))
    _project_move(actor, project, "merge", reason, merged_into=into, public_reason=reason)
    into.co_proposers.add(*[u for u in [project.proposer, *project.co_proposers.all()] if u])
    _notify_people(into, lambda: _("“%(merged)s” was merged into “%(title)s”") % {
        "merged": project.title, "title": into.title}, reason)
    return project


# --- public notice and objections -------------------------------------------------------------

def _notice_items(cycle: Cycle) -> list[dict]:
    return [{"id": p.pk, "title": p.title, "community": p.community.name,
             "cost": str(p.cost), "department": p.department.name if p.department else "",
             "category": p.category.name}
            for p in cycle.projects.filter(state=ProjectState.CANDIDATE)
            .select_related("community", "department", "category").order_by("id")]


def _publish_version(actor, cycle: Cycle, kind: str, items, note: str = "") -> PublishedVersion:
    last = cycle.versions.filter(kind=kind).order_by("-number").first()
    if last is not None and not note.strip():
        raise _error(_("A correction needs a note saying what changed and why."), "note")
    try:
        with transaction.atomic():
            version = PublishedVersion.objects.create(
                cycle=cycle, kind=kind, number=(last.number + 1) if last else 1, items=items,
                note=note.strip(), published_by=actor)
    except IntegrityError:
        raise _error(_("Someone else published at the same moment; please reload.")) from None
    _audit(actor, f"publish_{kind}", version, cycle.unit, after={
        "version": version.number, "note": version.note})
    return version


@transaction.atomic
def publish_notice(actor, cycle: Cycle, note: str = "") -> PublishedVersion:
    """Put the approved proposals on public notice (公示); a later call publishes a corrected
    list as the next version."""
    require(actor, "projects.manage", cycle.unit)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    first = not cycle.versions.filter(kind=PublishedVersion.Kind.NOTICE).exists()
    cycle_move(actor, cycle, "publish_notice" if first else "correct_notice")
    for project in cycle.projects.filter(state=ProjectState.APPROVED):
        _project_move(actor, project, "list_candidate")
    items = _notice_items(cycle)
    if not items:
        raise _error(_("There are no candidates to publish."))
    return _publish_version(actor, cycle, PublishedVersion.Kind.NOTICE, items, note)


@transaction.atomic
def withdraw_candidate(actor, project: Project, reason: str) -> PublishedVersion:
    """Take a candidate off the list (an upheld objection); the list is republished."""
    require(actor, "projects.manage", project.cycle.unit)
    reason = _text(reason, "reason", _("Public reason"))
    _project_move(actor, project, "withdraw", reason, public_reason=reason)
    return _publish_version(actor, project.cycle, PublishedVersion.Kind.NOTICE,
                            _notice_items(project.cycle), reason)


def _unanswered(cycle: Cycle):
    return Objection.objects.filter(cycle=cycle, tender__isnull=True, answered_at__isnull=True)


@transaction.atomic
def file_objection(actor, cycle: Cycle, text: str, project: Project | None = None) -> Objection:
    """Anyone signed in may object during the notice period, never after it."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to file an objection."))
    text = _text(text, "text", _("Objection"))
    if not cycle.versions.filter(kind=PublishedVersion.Kind.NOTICE).exists() or not Cycle.objects \
            .prefetch_related("phases").get(pk=cycle.pk).allows("object"):
        raise _error(_("Objections are taken only during the public notice period."), "text")
    if project is not None:
        project.refresh_from_db()
    if project is not None and (project.cycle_id != cycle.pk
                                or project.state != ProjectState.CANDIDATE):
        raise _error(_("This project is not on the candidate list."), "project")
    objection = Objection.objects.create(cycle=cycle, project=project, author=actor, text=text)
    hold_for_moderation(objection, ["text"],
                        street=project.street if project else street_of(cycle.unit),
                        author=actor, url=reverse("projects:cycle", args=[cycle.pk]))
    _audit(actor, "object", objection, cycle.unit, after={"project": project.pk if project
                                                                else None})
    return objection


@transaction.atomic
def answer_objection(actor, objection: Objection, answer: str) -> Objection:
    unit = objection.cycle.unit
    require(actor, "projects.manage", unit)
    answer = _text(answer, "answer", _("Answer"))
    updated = Objection.objects.filter(pk=objection.pk, answered_at__isnull=True).update(
        answer=answer, answered_by=actor, answered_at=timezone.now())
    if not updated:
        raise _error(_("This objection has already been answered."), "answer")
    objection.refresh_from_db()
    _audit(actor, "answer_objection", objection, unit, after={"answer": answer})
    if objection.author_id:
        notify([objection.author], lambda: _("Your objection was answered"), answer)
    return objection



@transaction.atomic
def correct_result(actor, cycle: Cycle, note: str) -> PublishedVersion:
    """A correction of the published result (e.g. a wrong figure): a new, visible version."""
    require(actor, "projects.manage", cycle.unit)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    cycle_move(actor, cycle, "correct_confirmed_result" if cycle.stage == CycleStage.CONFIRMED
               else "correct_result")
    last = cycle.versions.filter(kind=PublishedVersion.Kind.RESULT).order_by("-number").first()
    if last is None:
        raise _error(_("There is no published result to correct."))
    return _publish_version(actor, cycle, PublishedVersion.Kind.RESULT, last.items, note)


@transaction.atomic
def confirm_result(actor, cycle: Cycle, note: str) -> Cycle:
    """The street party committee's confirmation (党工委确认), the last step of selection."""
    require(actor, "projects.manage", cycle.unit)
    note = _text(note, "note", _("Confirmation"))
    cycle_move(actor, cycle, "confirm", confirmed_at=timezone.now(), confirmation_note=note)
    return cycle
