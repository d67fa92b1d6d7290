"""Projects API: cycles with their phases, projects with their timeline and milestones, the
notice's objections, tenders with versions, criteria and the published award; proposing and
objecting for signed-in people. Bad input: 422 naming the field."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from yishi.core.api_types import (
    AllowedActionOut,
    Id,
    Latitude,
    Limit,
    Longitude,
    Offset,
    Percent,
    Year,
    allowed_actions,
)
from yishi.core.models import Unit
from yishi.moderation.queries import attach as attach_moderation
from yishi.moderation.queries import published

from . import queries, services
from .models import Category, Cycle, Objection, Project, Tender
from .workflows import CYCLE, PROJECT, TENDER

router = Router(tags=["projects"])



class PhaseOut(Schema):
    kind: str
    label: str
    starts_at: datetime
    ends_at: datetime
    closed_early_reason: str

    @staticmethod
    def resolve_label(obj):
        return str(obj.get_kind_display())


class CycleOut(Schema):
    id: int
    unit: str
    year: int
    title: str
    budget: Decimal
    method: str
    seats: int | None
    voter_kind: str
    current_phase: str | None
    phases: list[PhaseOut]
    stage: str
    stage_label: str
    ballot: str | None
    satisfaction_ballot: str | None
    confirmed: bool

    @staticmethod
    def resolve_stage_label(obj):
        return str(obj.get_stage_display())

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code

    @staticmethod
    def resolve_current_phase(obj):
        phase = obj.current_phase()
        return phase.kind if phase else None

    @staticmethod
    def resolve_phases(obj):
        return list(obj.phases.all())

    @staticmethod
    def resolve_ballot(obj):
        return str(obj.ballot.public_id) if obj.ballot_id else None

    @staticmethod
    def resolve_satisfaction_ballot(obj):
        return str(obj.satisfaction_ballot.public_id) if obj.satisfaction_ballot_id else None

    @staticmethod
    def resolve_confirmed(obj):
        return obj.confirmed_at is not None


class CycleDetailOut(CycleOut):
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_actions(obj, context):
        return allowed_actions(obj, context["request"], CYCLE)


class MilestoneOut(Schema):
    title: str
    due_on: date
    done_on: date | None
    late: bool

    @staticmethod
    def resolve_late(obj):
        return obj.is_late


class EventOut(Schema):
    action: str
    label: str
    note: str
    at: datetime

    @staticmethod
    def resolve_label(obj):
        return str(queries.EVENT_LABELS.get(obj.action, obj.action))


class ProjectOut(Schema):
    id: int
    cycle: int
    year: int
    title: str
    description: str
    street: str
    community: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    category: str
    beneficiaries: str
    estimated_cost: Decimal
    assessed_cost: Decimal | None
    state: str
    state_label: str
    public_reason: str
    votes: int | None
    progress: int
    department: str | None
    satisfaction: dict | None
    tender: int | None

    @staticmethod
    def resolve_cycle(obj):
        return obj.cycle_id

    @staticmethod
    def resolve_year(obj):
        return obj.cycle.year

    @staticmethod
    def resolve_street(obj):
        return obj.community.parent.code

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_category(obj):
        return obj.category.code

    @staticmethod
    def resolve_state_label(obj):
        return str(obj.get_state_display())

    @staticmethod
    def resolve_department(obj):
        return obj.department.name if obj.department_id else None

    @staticmethod
    def resolve_tender(obj):
        # The lists select the tender with the project (one query, not one per row).
        try:
            return obj.tender.pk
        except Tender.DoesNotExist:
            return None


class ProjectDetailOut(ProjectOut):
    timeline: list[EventOut]
    milestones: list[MilestoneOut]
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_actions(obj, context):
        return allowed_actions(obj, context["request"], PROJECT)

    @staticmethod
    def resolve_timeline(obj):
        return list(obj.events.all())

    @staticmethod
    def resolve_milestones(obj):
        return list(obj.milestones.all())


class ProposalIn(Schema):
    title: str
    description: str
    category: str
    community: str
    beneficiaries: str
    estimated_cost: str | None = None
    address: str = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class ObjectionIn(Schema):
    text: str
    project: Id | None = None


class ObjectionOut(Schema):
    id: int
    project: int | None
    text: str
    created_at: datetime
    answer: str
    answered_at: datetime | None

    @staticmethod
    def resolve_project(obj):
        return obj.project_id

    @staticmethod
    def resolve_text(obj, context):
        return published(obj, "text", getattr(context.get("request"), "user", None))


@router.get("/cycles", response=list[CycleOut])
def cycles(request, year: Year | None = None):
    rows = Cycle.objects.select_related("unit", "ballot", "satisfaction_ballot").prefetch_related(
        "phases")
    return rows.filter(year=year) if year else rows


@router.get("/cycles/{pk}", response=CycleDetailOut)
def cycle(request, pk: Id):
    return get_object_or_404(Cycle.objects.select_related("unit").prefetch_related("phases"),
                             pk=pk)


@router.get("/projects", response=list[ProjectOut], summary="Projects, filtered like the list page")
def projects(request, year: str | None = None, street: str | None = None,
             state: str | None = None, limit: Limit(500) = 100, offset: Offset = 0):
    rows, _selected = queries.filtered({"year": year, "street": street, "state": state})
    return rows.select_related("tender")[offset:offset + limit]


@router.get("/projects/{pk}", response=ProjectDetailOut)
def project(request, pk: Id):
    return get_object_or_404(queries.public_projects().select_related("tender"), pk=pk)


@router.get("/projects/{pk}/milestones", response=list[MilestoneOut])
def milestones(request, pk: Id):
    return list(get_object_or_404(Project, pk=pk).milestones.all())


@router.post("/cycles/{pk}/proposals", response={201: ProjectOut}, auth=django_auth,
             summary="Propose a project (nomination phase)")
def propose(request, pk: Id, data: ProposalIn):
    cycle_row = get_object_or_404(Cycle, pk=pk)
    category = Category.objects.filter(code=data.category).first()
    if category is None:
        raise ValidationError({"category": _("Unknown category.")})
    community = Unit.objects.filter(code=data.community).first()
    created = services.propose(request.user, cycle_row, services.ProposalInput(
        title=data.title, description=data.description, category=category,
        community=community, beneficiaries=data.beneficiaries,
        estimated_cost=data.estimated_cost, address=data.address, latitude=data.latitude,
        longitude=data.longitude))
    return Status(201, queries.public_projects().get(pk=created.pk))


@router.get("/cycles/{pk}/objections", response=list[ObjectionOut])
def objections(request, pk: Id):
    return attach_moderation(Objection.objects.filter(cycle_id=pk, tender__isnull=True))


@router.post("/cycles/{pk}/objections", response={201: ObjectionOut}, auth=django_auth,
             summary="Object to the candidate list (public notice phase only)")
def object_to(request, pk: Id, data: ObjectionIn):
    cycle_row = get_object_or_404(Cycle, pk=pk)
    target = Project.objects.filter(pk=data.project).first() if data.project else None
    if data.project and target is None:
        raise ValidationError({"project": _("This project is not on the candidate list.")})
    return Status(201, services.file_objection(request.user, cycle_row, data.text, target))


@router.get("/tenders/{pk}", summary="A tender: document versions, criteria, bids, awards")
def tender_detail(request, pk: Id) -> dict:
    t = get_object_or_404(Tender, pk=pk)
    return {
        "project": t.project_id, "state": t.state, "state_label": t.get_state_display(),
        "notice": t.notice, "actions": allowed_actions(t, request, TENDER),
        "bid_deadline": t.bid_deadline, "objections_until": t.objections_until,
        "versions": [{"number": v.number, "text": v.text, "change_note": v.change_note,
                      "published_at": v.published_at,
                      "comments": [published(c, "text", request.user)
                                   for c in attach_moderation(v.comments.all())]}
                     for v in t.versions.all()],
        "criteria": [{"name": c.name, "weight": c.weight, "max_score": c.max_score}
                     for c in t.criteria.all()],
        "bids": [{"bidder": b.bidder, "price": str(b.price)} for b in t.bids.all()],
        "awards": [{"number": a.number, "winner": a.winner.bidder, "table": a.table,
                    "note": a.note, "published_at": a.published_at} for a in t.awards.all()],
    }


# --- staff and supervisors ------------------------------------------------------------------

class CycleActionIn(Schema):
    text: str = Field("", max_length=2000, description="the reason or note the action needs")


class CycleActionOut(Schema):
    action: str
    cycle: int
    phase: str | None
    stage: str
    ballot: int | None


@router.post("/cycles/{pk}/actions/{action}", response=CycleActionOut, auth=django_auth,
             summary="Staff: move a cycle on: close_phase, or one of the cycle's `actions` "
                     "(publish_notice, correct_notice, prepare_ballot, open_ballot, "
                     "record_result, confirm, correct_result, correct_confirmed_result, "
                     "open_satisfaction, record_satisfaction)")
def cycle_action(request, pk: Id, action: str, data: CycleActionIn):
    cycle_row = get_object_or_404(Cycle, pk=pk)
    if action not in services.CYCLE_STEPS:
        raise Http404
    services.CYCLE_STEPS[action](request.user, cycle_row, data.text)
    cycle_row.refresh_from_db()
    phase = cycle_row.current_phase()
    return {"action": action, "cycle": cycle_row.pk, "phase": phase.kind if phase else None,
            "stage": cycle_row.stage, "ballot": cycle_row.ballot_id}


class DecisionIn(Schema):
    decision: str = Field(..., pattern="^(approve|reject|merge)$")
    reason: str = Field("", max_length=2000)
    into: Id | None = None


@router.post("/projects/{pk}/decision", response=ProjectOut, auth=django_auth,
             summary="Staff: approve, reject (with a public reason) or merge a proposal")
def decide(request, pk: Id, data: DecisionIn):
    target = get_object_or_404(Project, pk=pk)
    if data.decision == "approve":
        services.approve(request.user, target, note=data.reason)
    elif data.decision == "reject":
        services.reject(request.user, target, data.reason)
    else:
        into = Project.objects.filter(pk=data.into or 0).first()
        if into is None:
            raise ValidationError({"into": _("Choose another proposal of the same cycle.")})
        services.merge(request.user, target, into, data.reason)
    return queries.public_projects().get(pk=pk)


class ObjectionAnswerIn(Schema):
    answer: str = Field(..., max_length=5000)


@router.post("/objections/{pk}/answer", response=ObjectionOut, auth=django_auth,
             summary="Staff: answer an objection publicly")
def answer(request, pk: Id, data: ObjectionAnswerIn):
    objection = get_object_or_404(Objection, pk=pk)
    return services.answer_objection(request.user, objection, data.answer)


class ProgressIn(Schema):
    percent: Percent
    note: str = Field(..., max_length=2000)
    reason_for_decrease: str = Field("", max_length=2000)


@router.post("/projects/{pk}/progress", response={201: dict}, auth=django_auth,
             summary="Department or staff: report progress (never backwards without a reason)")
def progress(request, pk: Id, data: ProgressIn):
    target = get_object_or_404(Project, pk=pk)
    report = services.report_progress(request.user, target, data.percent, data.note,
                                      data.reason_for_decrease)
    return Status(201, {"project": target.pk, "percent": report.percent})


class SupervisionVisitIn(Schema):
    visited_on: date
    findings: str = Field(..., max_length=5000)


@router.post("/projects/{pk}/visits", response={201: dict}, auth=django_auth,
             summary="Deputies and council members: log a supervision visit (督查)")
def visit(request, pk: Id, data: SupervisionVisitIn):
    target = get_object_or_404(Project, pk=pk)
    logged = services.log_visit(request.user, target, data.visited_on, data.findings)
    return Status(201, {"id": logged.pk, "project": target.pk,
                        "visited_on": logged.visited_on.isoformat()})


# --- the cycle's tellers (projects/tellers.py) -------------------------------------------------

class CycleTellersIn(Schema):
    tellers: list[str] = Field(..., description="Mobile numbers of the tellers (at least 3: "
                               "council members, deputies or street staff of the unit)")
    threshold: int = Field(2, ge=2, le=50, description="Tellers needed to count (k of n)")


class CycleTellersOut(Schema):
    tellers: list[str] = Field(description="The tellers' names")
    threshold: int


def _tellers_out(cycle_row: Cycle) -> dict:
    return {"tellers": [t.name for t in cycle_row.tellers.order_by("name")],
            "threshold": cycle_row.teller_threshold}


@router.get("/cycles/{pk}/tellers", response=CycleTellersOut,
            summary="The tellers whose key shares count the cycle's secret ballots")
def cycle_tellers(request, pk: Id):
    return _tellers_out(get_object_or_404(Cycle, pk=pk))


@router.put("/cycles/{pk}/tellers", response=CycleTellersOut, auth=django_auth,
            summary="Staff: name the cycle's tellers; its ballots are sealed to them")
def set_cycle_tellers(request, pk: Id, data: CycleTellersIn):
    from yishi.core.models import User, normalize_mobile

    from .tellers import set_cycle_tellers as set_tellers

    cycle_row = get_object_or_404(Cycle, pk=pk)
    mobiles = [normalize_mobile(m) for m in data.tellers]
    found = {u.mobile: u for u in User.objects.filter(mobile__in=mobiles, is_active=True)}
    if any(m not in found for m in mobiles):
        raise ValidationError({"tellers": _("Some tellers' mobile numbers have no account.")})
    cycle_row = set_tellers(request.user, cycle_row, [found[m] for m in mobiles],
                            data.threshold)
    return _tellers_out(cycle_row)
