"""Every state change of a cycle and its projects, one function each: permission check, one
transaction, a conditional update where a state moves, the audit record, notifications.

The project state graph is workflows.PROJECT; the phases' features are models.PHASE_FEATURES.
Ballots are the voting engine's: created, opened, closed and published through its services,
their results read back here."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit, workflow
from yishi.core.models import Department, Role, RoleAssignment, Unit, UnitKind
from yishi.core.notifications import notify
from yishi.core.permissions import has_perm, holds, require
from yishi.core.signals import duty_performed
from yishi.voting import services as voting
from yishi.voting.models import BallotState, BudgetRule, Method, PassRule, RollSource

from .models import (
    DEFAULT_PHASE_DAYS,
    PHASE_FEATURES,
    PHASE_ORDER,
    BallotMethod,
    Category,
    Comment,
    Cycle,
    Event,
    Follow,
    Milestone,
    Objection,
    Phase,
    PhaseKind,
    ProgressReport,
    Project,
    ProjectState,
    ProposerKind,
    PublishedVersion,
    Review,
    Spending,
    SupervisionVisit,
    VoterKind,
)
from .workflows import PROJECT

MAX_TEXT = 5000


class ProjectError(ValidationError):
    pass


def _error(message: str, field_name: str | None = None) -> ProjectError:
    return ProjectError({field_name: [message]} if field_name else message)


def _text(value: str, field_name: str, label: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _error(_("%(field)s is required.") % {"field": label}, field_name)
    if len(value) > MAX_TEXT:
        raise _error(_("%(field)s is too long (at most %(n)d characters).")
                     % {"field": label, "n": MAX_TEXT}, field_name)
    return value


def _money(value, field_name: str, *, maximum: Decimal | None = None,
           required: bool = True) -> Decimal | None:
    """A positive amount of yuan; `maximum` refuses absurd amounts."""
    if value in (None, ""):
        if required:
            raise _error(_("Enter an amount in yuan."), field_name)
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _error(_("Enter an amount in yuan, e.g. 350000."), field_name) from None
    if not amount.is_finite() or amount <= 0:
        raise _error(_("The amount must be more than zero."), field_name)
    if amount != amount.quantize(Decimal("0.01")):
        raise _error(_("Amounts are in yuan with at most two decimals."), field_name)
    if maximum is not None and amount > maximum:
        raise _error(_("%(amount)s yuan is more than the cycle's whole budget of %(budget)s yuan.")
                     % {"amount": amount, "budget": maximum}, field_name)
    if amount >= Decimal("1e12"):
        raise _error(_("This amount is not plausible."), field_name)
    return amount


def _phase_required(cycle: Cycle, feature: str, message: str) -> None:
    cycle = Cycle.objects.prefetch_related("phases").get(pk=cycle.pk)
    if not cycle.allows(feature):
        raise _error(message)


def _audit(actor, action: str, obj, unit, before=None, after=None, repr_=None):
    audit.record(actor, f"projects.{action}", obj, before=before, after=after, unit=unit,
                 repr_=repr_)


def _project_move(actor, project: Project, transition: str, note: str = "", **changes):
    """Take a transition of the project's workflow (permission, conditional update, audit),
    then record the event and tell the people who follow it."""
    workflow.transition(project, transition, actor, workflow=PROJECT,
                        after={"note": note} if note else None, **changes)
    Event.objects.create(project=project, action=transition, note=note)
    _notify_people(project, _("Project “%(title)s”: %(state)s") % {
        "title": project.title, "state": ProjectState(project.state).label}, note)


def _notify_people(project: Project, subject: str, body: str = "") -> None:
    people = [project.proposer] if project.proposer_id else []
    people += list(project.co_proposers.all())
    people += [f.user for f in Follow.objects.filter(project=project).select_related("user")]
    if people:
        notify(people, subject, body, url=f"/projects/{project.pk}/")


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
        notify([expert], _("You are invited to review “%(title)s”") % {"title": project.title},
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
    _notify_people(into, _("“%(merged)s” was merged into “%(title)s”") % {
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
    if not cycle.allows("object"):
        raise _error(_("The candidate list is published during the public notice phase."))
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
    if project.cycle.ballot_id:
        raise _error(_("The ballot has been created; the list can no longer change."))
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
        notify([objection.author], _("Your objection was answered"), answer)
    return objection


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
        # Secret, so sealed to the cycle's tellers.
        from .tellers import sealed_ballot_fields

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
    _audit(actor, "prepare_ballot", cycle, cycle.unit,
           after={"ballot": str(cycle.ballot.public_id)})
    return cycle.ballot


@transaction.atomic
def open_ballot(actor, cycle: Cycle):
    """Open the cycle's ballot until the end of the ballot phase (a stand-alone ballot)."""
    cycle = _ballot_for(actor, cycle)
    ballot = voting.open_ballot(actor, cycle.ballot)
    _audit(actor, "open_ballot", cycle, cycle.unit, after={"ballot": str(ballot.public_id)})
    return ballot


def run_cycle_action(actor, cycle: Cycle, action: str, text: str = ""):
    """Staff's moves on a cycle by name (the cycle page's buttons and the API share this); `text`
    is the reason or note the move needs."""
    moves = {
        "publish_notice": lambda: publish_notice(actor, cycle, text),
        "prepare_ballot": lambda: prepare_ballot(actor, cycle),
        "open_ballot": lambda: open_ballot(actor, cycle),
        "record_result": lambda: record_result(actor, cycle),
        "confirm": lambda: confirm_result(actor, cycle, text),
        "correct_result": lambda: correct_result(actor, cycle, text),
        "open_satisfaction": lambda: open_satisfaction(actor, cycle),
        "record_satisfaction": lambda: record_satisfaction(actor, cycle),
    }
    if action == "close_phase":
        phase = cycle.current_phase()
        if phase is None:
            raise _error(_("No phase is running now."))
        return close_phase_early(actor, phase, text)
    if action not in moves:
        raise _error(_("Unknown action."), "action")
    return moves[action]()


CYCLE_ACTIONS = ("close_phase", "publish_notice", "prepare_ballot", "open_ballot",
                 "record_result", "confirm", "correct_result", "open_satisfaction",
                 "record_satisfaction")


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
    if cycle.ballot_id is None:
        raise _error(_("There is no ballot yet."))
    ballot = cycle.ballot
    if cycle.versions.filter(kind=PublishedVersion.Kind.RESULT).exists():
        raise _error(_("The result has already been published."))
    if ballot.state == BallotState.OPEN:
        if cycle.current_phase() and cycle.current_phase().kind == PhaseKind.BALLOT:
            raise _error(_("The ballot is open until the end of the ballot phase; close the "
                           "phase early to count now."))
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
        items.append({"id": project.pk, "title": project.title, "cost": str(project.cost),
                      "votes": counts.get(project.option_key, 0), "selected": chosen})
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


@transaction.atomic
def correct_result(actor, cycle: Cycle, note: str) -> PublishedVersion:
    """A correction of the published result (e.g. a wrong figure): a new, visible version."""
    require(actor, "projects.manage", cycle.unit)
    last = cycle.versions.filter(kind=PublishedVersion.Kind.RESULT).order_by("-number").first()
    if last is None:
        raise _error(_("There is no published result to correct."))
    return _publish_version(actor, cycle, PublishedVersion.Kind.RESULT, last.items, note)


@transaction.atomic
def confirm_result(actor, cycle: Cycle, note: str) -> Cycle:
    """The street party committee's confirmation (党工委确认), the last step of selection."""
    require(actor, "projects.manage", cycle.unit)
    note = _text(note, "note", _("Confirmation"))
    if not cycle.versions.filter(kind=PublishedVersion.Kind.RESULT).exists():
        raise _error(_("Publish the result before it is confirmed."))
    updated = Cycle.objects.filter(pk=cycle.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now(), confirmation_note=note)
    if not updated:
        raise _error(_("The result has already been confirmed."))
    cycle.refresh_from_db()
    _audit(actor, "confirm_result", cycle, cycle.unit, after={"note": note})
    return cycle


# --- implementation -------------------------------------------------------------------------

def _implementing(project: Project) -> None:
    project.refresh_from_db()
    if project.state != ProjectState.IN_PROGRESS:
        raise _error(_("This is recorded while the project is being implemented."))


@transaction.atomic
def start_implementation(actor, project: Project, department: Department,
                         planned_budget) -> Project:
    require(actor, "projects.manage", project.cycle.unit)
    if not Cycle.objects.filter(pk=project.cycle_id, confirmed_at__isnull=False).exists():
        raise _error(_("The party committee has not confirmed the selection yet."))
    if not project.community.path.startswith(department.street.path):
        raise _error(_("Choose a department of the project's street."), "department")
    budget = _money(planned_budget, "planned_budget", maximum=project.cycle.budget)
    _project_move(actor, project, "start", department=department, planned_budget=budget)
    return project


@transaction.atomic
def add_milestone(actor, project: Project, title: str, due_on: date) -> Milestone:
    require(actor, "projects.report", project)
    _implementing(project)
    milestone = Milestone.objects.create(project=project, title=_text(title, "title",
                                                                        _("Milestone"))[:120],
                                         due_on=due_on)
    _audit(actor, "add_milestone", milestone, project.community,
           after={"title": milestone.title, "due_on": due_on})
    return milestone


@transaction.atomic
def complete_milestone(actor, milestone: Milestone, done_on: date | None = None) -> Milestone:
    project = milestone.project
    require(actor, "projects.report", project)
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise _error(_("A milestone cannot be done in the future."), "done_on")
    if not Milestone.objects.filter(pk=milestone.pk, done_on__isnull=True).update(
            done_on=done_on):
        raise _error(_("This milestone is already done."))
    milestone.refresh_from_db()
    _audit(actor, "complete_milestone", milestone, project.community, after={"done_on": done_on})
    return milestone


@transaction.atomic
def report_progress(actor, project: Project, percent: int, note: str,
                    reason_for_decrease: str = "", photos=()) -> ProgressReport:
    """Progress never goes backwards without a reason; the row lock orders concurrent reports."""
    require(actor, "projects.report", project)
    project = Project.objects.select_for_update().get(pk=project.pk)
    _implementing(project)
    if not isinstance(percent, int) or not 0 <= percent <= 100:
        raise _error(_("Progress is a whole number from 0 to 100."), "percent")
    note = _text(note, "note", _("Update"))
    reason = (reason_for_decrease or "").strip()
    if percent < project.progress and not reason:
        raise _error(_("Progress goes down from %(old)d%% to %(new)d%%: say why.")
                     % {"old": project.progress, "new": percent}, "reason_for_decrease")
    report = ProgressReport.objects.create(project=project, percent=percent, note=note,
                                           reason_for_decrease=reason, author=actor)
    if photos:
        report.photos.set(photos)
    before = project.progress
    Project.objects.filter(pk=project.pk).update(progress=percent)
    project.progress = percent
    Event.objects.create(project=project, action="progress", note=f"{percent}% · {note}")
    _audit(actor, "report_progress", project, project.community,
           before={"progress": before}, after={"progress": percent, "reason": reason})
    _notify_people(project, _("Progress on “%(title)s”: %(percent)d%%") % {
        "title": project.title, "percent": percent}, note)
    return report


@transaction.atomic
def record_spending(actor, project: Project, amount, description: str,
                    spent_on: date) -> Spending:
    require(actor, "projects.report", project)
    _implementing(project)
    amount = _money(amount, "amount", maximum=project.cycle.budget)
    if spent_on > timezone.localdate():
        raise _error(_("The date is in the future."), "spent_on")
    spending = Spending.objects.create(project=project, amount=amount, spent_on=spent_on,
                                       description=_text(description, "description",
                                                         _("What for"))[:200],
                                       recorded_by=actor)
    _audit(actor, "record_spending", spending, project.community,
           after={"amount": str(amount), "description": spending.description})
    return spending


@transaction.atomic
def log_visit(actor, project: Project, visited_on: date, findings: str) -> SupervisionVisit:
    """A deputy's or council member's supervision visit (督查); for deputies it counts as a
    duty performed."""
    require(actor, "projects.supervise", project.community)
    project.refresh_from_db()
    if project.state not in (ProjectState.SELECTED, ProjectState.IN_PROGRESS,
                             ProjectState.COMPLETED):
        raise _error(_("Supervision visits are logged while the project is being implemented."))
    if visited_on > timezone.localdate():
        raise _error(_("The visit date is in the future."), "visited_on")
    visit = SupervisionVisit.objects.create(project=project, visitor=actor, visited_on=visited_on,
                                            findings=_text(findings, "findings", _("Findings")))
    Event.objects.create(project=project, action="visit", note=visit.findings)
    _audit(actor, "log_visit", visit, project.community, after={"visited_on": visited_on})
    if holds(actor, {Role.DEPUTY}, project.community):
        transaction.on_commit(lambda: duty_performed.send(
            sender=SupervisionVisit, user=actor, kind="supervision", date=visited_on,
            description=_("Supervision of the livelihood project “%(title)s”")
            % {"title": project.title}, source_key=f"projects.visit:{visit.pk}"))
    return visit


@transaction.atomic
def comment(actor, project: Project, text: str, is_question: bool = False,
            tender_version=None) -> Comment:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to comment."))
    text = _text(text, "text", _("Comment"))
    if tender_version is not None and tender_version.published_at is None:
        raise _error(_("Comments are taken on published versions of the tender document."))
    entry = Comment.objects.create(project=project, author=actor, text=text,
                                   is_question=is_question, tender_version=tender_version)
    _audit(actor, "comment", entry, project.community, after={"question": is_question})
    return entry


@transaction.atomic
def answer_question(actor, entry: Comment, answer: str) -> Comment:
    require(actor, "projects.report", entry.project)
    answer = _text(answer, "answer", _("Answer"))
    if not Comment.objects.filter(pk=entry.pk, answered_at__isnull=True).update(
            answer=answer, answered_by=actor, answered_at=timezone.now()):
        raise _error(_("This has already been answered."), "answer")
    entry.refresh_from_db()
    _audit(actor, "answer_question", entry, entry.project.community, after={"answer": answer})
    if entry.author_id:
        notify([entry.author], _("Your question on “%(title)s” was answered")
               % {"title": entry.project.title}, answer, url=f"/projects/{entry.project_id}/")
    return entry


@transaction.atomic
def follow(actor, project: Project, on: bool = True) -> bool:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to follow a project."))
    if on:
        Follow.objects.get_or_create(project=project, user=actor)
    else:
        Follow.objects.filter(project=project, user=actor).delete()
    return on


@transaction.atomic
def complete(actor, project: Project, note: str = "") -> Project:
    require(actor, "projects.report", project)
    project.refresh_from_db()
    if project.progress < 100:
        raise _error(_("Report full progress (100 percent) before the project is completed."))
    _project_move(actor, project, "complete", note)
    return project


@transaction.atomic
def accept_completion(actor, project: Project, record: str, accepted_on: date) -> Project:
    """Acceptance on completion (竣工验收), with its record."""
    require(actor, "projects.manage", project.cycle.unit)
    record = _text(record, "record", _("Acceptance record"))
    if accepted_on > timezone.localdate():
        raise _error(_("The acceptance date is in the future."), "accepted_on")
    _project_move(actor, project, "accept_completion", record, acceptance_record=record,
                  accepted_on=accepted_on)
    return project


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
    from .tellers import sealed_ballot_fields

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
    ballot = cycle.satisfaction_ballot
    if ballot is None:
        raise _error(_("There is no satisfaction ballot."))
    if cycle.versions.filter(kind=PublishedVersion.Kind.SATISFACTION).exists():
        raise _error(_("The satisfaction result has already been published."))
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
def attach_supervisor(actor, project: Project, deputy) -> None:
    """Name a deputy to supervise this project; they hear of its late milestones."""
    require(actor, "projects.manage", project.cycle.unit)
    if not holds(deputy, {Role.DEPUTY}, project.community):
        raise _error(_("This person is not a deputy here."), "mobile")
    project.supervisors.add(deputy)
    _audit(actor, "attach_supervisor", project, project.community, after={"deputy": deputy.pk})


# --- late milestones (periodic) -------------------------------------------------------------

def supervising_deputies(project: Project) -> list:
    street = project.community.parent
    people = {ra.user_id: ra.user for ra in RoleAssignment.objects.active()
              .filter(role=Role.DEPUTY, unit=street).select_related("user")}
    for user in project.supervisors.all():
        people[user.pk] = user
    return list(people.values())


def flag_late_milestones(now=None) -> int:
    """Flag each late milestone once and notify the supervising deputies. The conditional
    update is the guard: with two workers, only the one whose UPDATE hits notifies."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    flagged = 0
    late = Milestone.objects.filter(done_on__isnull=True, due_on__lt=today,
                                    late_flagged_at__isnull=True,
                                    project__state=ProjectState.IN_PROGRESS)
    for milestone in late.select_related("project", "project__community__parent"):
        with transaction.atomic():
            if not Milestone.objects.filter(pk=milestone.pk,
                                            late_flagged_at__isnull=True).update(
                                                late_flagged_at=now):
                continue
            project = milestone.project
            notify(supervising_deputies(project),
                   _("Late milestone: %(milestone)s (%(project)s)") % {
                       "milestone": milestone.title, "project": project.title},
                   _("Due on %(date)s and not done.") % {"date": milestone.due_on},
                   url=f"/projects/{project.pk}/")
            _audit(None, "milestone_late", milestone, project.community,
                   after={"due_on": milestone.due_on})
            flagged += 1
    return flagged


def may(user, rule_name: str, unit) -> bool:
    return has_perm(user, rule_name, unit)
