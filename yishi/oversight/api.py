"""The district's oversight in the API: tasks and assignments (交办督办) with the actions each
person may take, liaison leaders and guidance visits. District staff act on all streets, a
street's staff on their own street's assignments only, deputies read."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from yishi.core.api_types import AllowedActionOut, Id, allowed_actions
from yishi.core.models import Unit, User

from . import queries, services
from .models import Assignment, AssignmentState, GuidanceVisit, Task

router = Router(tags=["oversight"])


class AssignmentOut(Schema):
    id: int
    task: int
    title: str
    street: str
    is_lead: bool
    state: str
    state_label: str
    deadline: datetime
    sign_by: datetime
    signed_at: datetime | None
    reported_at: datetime | None
    closed_at: datetime | None
    escalated: bool
    overdue: bool
    reason: str

    @staticmethod
    def resolve_task(obj):
        return obj.task_id

    @staticmethod
    def resolve_title(obj):
        return obj.task.title

    @staticmethod
    def resolve_street(obj):
        return obj.street.code

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()

    @staticmethod
    def resolve_escalated(obj):
        return obj.escalated_at is not None

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue


class FeedbackOut(Schema):
    text: str
    submitted_at: datetime
    evidence: list[str]

    @staticmethod
    def resolve_evidence(obj):
        return [a.get_absolute_url() for a in obj.evidence.all()]


class AssignmentDetailOut(AssignmentOut):
    description: str
    evidence_expected: str
    feedback: list[FeedbackOut]
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_description(obj):
        return obj.task.description

    @staticmethod
    def resolve_evidence_expected(obj):
        return obj.task.evidence_expected

    @staticmethod
    def resolve_feedback(obj):
        return list(obj.feedback.prefetch_related("evidence"))

    @staticmethod
    def resolve_actions(obj, context):
        return allowed_actions(obj, context["request"])


class TaskOut(Schema):
    id: int
    title: str
    issued_at: datetime
    deadline: datetime
    progress: int
    assignments: list[int]

    @staticmethod
    def resolve_progress(obj):
        return queries.progress(obj)

    @staticmethod
    def resolve_assignments(obj, context):
        # Only the shares this person may read: another street's ids are not listed.
        user = context["request"].auth
        return [a.pk for a in obj.assignments.all() if queries.can_read(user, a)]


class TaskIn(Schema):
    title: str = Field(max_length=200)
    description: str = Field(max_length=5000)
    evidence_expected: str = Field("", max_length=2000)
    streets: list[str] = Field(min_length=1, max_length=50, description="street codes")
    lead: str | None = Field(None, description="the lead street's code")
    workdays: int | None = Field(None, ge=1, le=services.MAX_WORKDAYS)
    due_on: date | None = None
    remind_after_workdays: int = Field(2, ge=0, le=60)
    escalate_after_workdays: int = Field(3, ge=0, le=60)


class ReasonIn(Schema):
    reason: str = Field(max_length=2000)


class FeedbackIn(Schema):
    text: str = Field(max_length=5000)
    evidence: list[Id] = Field([], max_length=services.MAX_EVIDENCE_FILES,
                               description="ids of attachments you uploaded (/api/attachments)")


def _readable(request, assignment_id) -> Assignment:
    assignment = get_object_or_404(Assignment.objects.select_related("task", "street"),
                                   pk=assignment_id)
    if not queries.can_read(request.auth, assignment):
        raise Http404  # another street's assignment: as if it did not exist
    return assignment


def _street(code: str) -> Unit:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    unit = queries.streets().filter(code=code).first()
    if unit is None:
        raise ValidationError({"streets": [_("Unknown street: %(code)s") % {"code": code}]})
    return unit


@router.get("/tasks", response=list[TaskOut], auth=django_auth, summary="Assigned tasks")
def tasks(request):
    return queries.tasks_for(request.auth).prefetch_related("assignments__street")[:500]


@router.post("/tasks", response={201: TaskOut}, auth=django_auth,
             summary="Assign a task to streets (district)")
def assign(request, data: TaskIn):
    task = services.assign_task(request.auth, services.TaskInput(
        title=data.title, description=data.description,
        evidence_expected=data.evidence_expected,
        streets=[_street(code) for code in data.streets],
        lead=_street(data.lead) if data.lead else None, workdays=data.workdays,
        due_on=data.due_on, remind_after_workdays=data.remind_after_workdays,
        escalate_after_workdays=data.escalate_after_workdays))
    return Status(201, Task.objects.prefetch_related("assignments").get(pk=task.pk))


@router.get("/assignments", response=list[AssignmentOut], auth=django_auth,
            summary="Assignments you may read")
def assignments(request, state: AssignmentState | None = None, street: str | None = None):
    rows = queries.assignments_for(request.auth)
    if state:
        rows = rows.filter(state=state)
    if street:
        rows = rows.filter(street__code=street)
    return rows.order_by("task__deadline", "pk")[:500]


@router.get("/assignments/{assignment_id}", response=AssignmentDetailOut, auth=django_auth,
            summary="An assignment, with the actions you may take now")
def assignment(request, assignment_id: Id):
    return _readable(request, assignment_id)


def _detail(assignment):
    assignment.refresh_from_db()
    return assignment


@router.post("/assignments/{assignment_id}/decline", response=AssignmentDetailOut,
             auth=django_auth, summary="Return an assignment to the district (street)")
def decline(request, assignment_id: Id, data: ReasonIn):
    assignment = _readable(request, assignment_id)
    services.decline(request.auth, assignment, data.reason)
    return _detail(assignment)


@router.post("/assignments/{assignment_id}/send-back", response=AssignmentDetailOut,
             auth=django_auth, summary="Send reported work back (district)")
def send_back(request, assignment_id: Id, data: ReasonIn):
    assignment = _readable(request, assignment_id)
    services.send_back(request.auth, assignment, data.reason)
    return _detail(assignment)


@router.post("/assignments/{assignment_id}/report", response=AssignmentDetailOut,
             auth=django_auth, summary="Report back with evidence (street)")
def report(request, assignment_id: Id, data: FeedbackIn):
    assignment = _readable(request, assignment_id)
    services.report_back(request.auth, assignment, data.text, attachment_ids=data.evidence)
    return _detail(assignment)


# --- liaison leaders and guidance visits ------------------------------------------------------

class VisitOut(Schema):
    id: int
    street: str
    leader: str
    date: date
    topics: str
    problems: str
    follow_ups: str

    @staticmethod
    def resolve_street(obj):
        return obj.street.code

    @staticmethod
    def resolve_leader(obj):
        return obj.leader.name


class VisitIn(Schema):
    street: str
    leader: Id
    date: date
    topics: str = Field(max_length=2000)
    problems: str = Field("", max_length=5000)
    follow_ups: str = Field("", max_length=5000)


class UnvisitedOut(Schema):
    street: str
    name: str
    last_visit: date | None

    @staticmethod
    def resolve_street(obj):
        return obj.code


@router.get("/visits", response=list[VisitOut], auth=django_auth, summary="Guidance visits")
def visits(request):
    if queries.reader_paths(request.auth) == []:
        raise PermissionDenied
    return queries.visits_for(request.auth)[:500]


@router.post("/visits", response={201: VisitOut}, auth=django_auth,
             summary="Record a guidance visit (district)")
def record_visit(request, data: VisitIn):
    visit = services.record_visit(request.auth, services.VisitInput(
        leader=get_object_or_404(User, pk=data.leader), street=_street(data.street),
        date=data.date, topics=data.topics, problems=data.problems,
        follow_ups=data.follow_ups))
    return Status(201, GuidanceVisit.objects.select_related("leader", "street").get(pk=visit.pk))


@router.get("/unvisited-streets", response=list[UnvisitedOut], auth=django_auth,
            summary="Streets no leader visited in the last 90 days")
def unvisited(request):
    if queries.reader_paths(request.auth) == []:
        raise PermissionDenied
    from yishi.core.permissions import has_perm

    return [s for s in queries.streets_without_recent_visit()
            if has_perm(request.auth, "oversight.view", s)]


# --- regular reports --------------------------------------------------------------------------

class ReportOut(Schema):
    id: int
    title: str
    street: str
    state: str
    state_label: str
    due_on: date
    late: bool
    figures: dict
    sections: dict
    comments: str
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_title(obj):
        return obj.report_type.title

    @staticmethod
    def resolve_street(obj):
        return obj.street.code

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()

    @staticmethod
    def resolve_due_on(obj):
        return obj.report_type.due_on

    @staticmethod
    def resolve_late(obj):
        return obj.is_late

    @staticmethod
    def resolve_actions(obj, context):
        return allowed_actions(obj, context["request"])


class SectionsIn(Schema):
    sections: dict[str, str] = Field(description="section title → text")


class CommentsIn(Schema):
    comments: str = Field(max_length=5000)


def _report(request, report_id):
    return get_object_or_404(queries.reports_for(request.auth), pk=report_id)


@router.get("/reports", response=list[ReportOut], auth=django_auth,
            summary="Regular reports you may read")
def reports(request):
    return queries.reports_for(request.auth).order_by("-report_type__due_on", "pk")[:500]


@router.get("/reports/{report_id}", response=ReportOut, auth=django_auth,
            summary="A street's report, with the actions you may take now")
def report_detail(request, report_id: Id):
    return _report(request, report_id)


@router.put("/reports/{report_id}/sections", response=ReportOut, auth=django_auth,
            summary="Write the report's sections (street)")
def write_sections(request, report_id: Id, data: SectionsIn):
    return services.save_draft(request.auth, _report(request, report_id), data.sections)


@router.post("/reports/{report_id}/submit", response=ReportOut, auth=django_auth,
             summary="Submit the report (street)")
def submit_report(request, report_id: Id):
    report = _report(request, report_id)
    services.submit_report(request.auth, report)
    return _detail(report)


@router.post("/reports/{report_id}/accept", response=ReportOut, auth=django_auth,
             summary="Accept the report (district)")
def accept_report(request, report_id: Id):
    report = _report(request, report_id)
    services.accept_report(request.auth, report)
    return _detail(report)


@router.post("/reports/{report_id}/return", response=ReportOut, auth=django_auth,
             summary="Return the report with comments (district)")
def return_report(request, report_id: Id, data: CommentsIn):
    report = _report(request, report_id)
    services.return_report(request.auth, report, data.comments)
    return _detail(report)


# Last: the fixed paths above (decline, send-back, report) must match before this one.
SIMPLE = {"sign": services.sign_for, "start": services.start_handling,
          "close": services.close, "reassign": services.reassign}


@router.post("/assignments/{assignment_id}/{action}", response=AssignmentDetailOut,
             auth=django_auth, summary="Sign for, start, close or reassign an assignment")
def act(request, assignment_id: Id, action: str):
    if action not in SIMPLE:
        raise Http404
    assignment = _readable(request, assignment_id)
    SIMPLE[action](request.auth, assignment)
    return _detail(assignment)


# The "886" rules library, bimonthly meetings, joint supervision and service guarantee.
from .rules_api import router as rules_router  # noqa: E402

router.add_router("/rules", rules_router)
from .mechanisms_api import router as mechanisms_router  # noqa: E402

router.add_router("", mechanisms_router)
# The evaluation's endpoints (考评激励) live in their own module, on this router.
from . import evaluation_api  # noqa: E402,F401
