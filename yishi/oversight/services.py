"""Every change in the district's oversight, one function each: it takes the actor, checks the
rule, cleans the input, changes state through the assignment's workflow (workflows.py) in one
transaction, writes the audit record and tells the people concerned."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.attachments import check_uploads, store_attachments
from yishi.core.models import Attachment, Role, Unit, UnitKind
from yishi.core.notifications import notify
from yishi.core.permissions import require
from yishi.core.queries import district, holders
from yishi.core.workdays import deadline_after
from yishi.core.workflow import transition

from .models import (
    OPEN_ASSIGNMENT_STATES,
    Assignment,
    AssignmentEvent,
    Feedback,
    GuidanceVisit,
    LiaisonLink,
    ReportState,
    ReportType,
    StreetReport,
    Task,
)

MAX_WORKDAYS = 250
MAX_EVIDENCE_FILES = 10


class OversightError(ValidationError):
    pass


def _error(message, field_name=None, code="invalid"):
    if field_name:
        return OversightError({field_name: [ValidationError(message, code=code)]})
    return OversightError(message, code=code)


def _street_staff(street):
    return holders(Role.STREET_STAFF, street)


def _url(assignment) -> str:
    return f"/oversight/assignments/{assignment.pk}/"


def _event(assignment, action, actor, note=""):
    AssignmentEvent.objects.create(assignment=assignment, action=action, actor=actor, note=note)


def _clean_text(value, field_name, limit=None, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _error(_("This field is required."), field_name, "required")
    if limit and len(value) > limit:
        raise _error(_("Enter at most %(limit)s characters.") % {"limit": limit}, field_name,
                     "max_length")
    return value


# --- assigning ------------------------------------------------------------------------------

@dataclass
class TaskInput:
    title: str
    description: str
    streets: list = field(default_factory=list)
    lead: Unit | None = None
    evidence_expected: str = ""
    workdays: int | None = None
    due_on: date | None = None
    remind_after_workdays: int = 2
    escalate_after_workdays: int = 3
    source_visit: GuidanceVisit | None = None


def _deadline(data: TaskInput, now: datetime) -> datetime:
    if (data.workdays is None) == (data.due_on is None):
        raise _error(_("Give the deadline either as working days or as a date, not both."),
                     "workdays")
    if data.workdays is not None:
        if not 1 <= data.workdays <= MAX_WORKDAYS:
            raise _error(_("Allow between 1 and %(max)s working days.") % {"max": MAX_WORKDAYS},
                         "workdays")
        return deadline_after(now, data.workdays)
    if data.due_on <= timezone.localdate(now):
        raise _error(_("The deadline must be after today."), "due_on", "past")
    if data.due_on > timezone.localdate(now) + timedelta(days=MAX_WORKDAYS * 2):
        raise _error(_("The deadline is too far away: assign work for at most a year."),
                     "due_on")
    return timezone.make_aware(datetime.combine(data.due_on, time(23, 59, 59)))


@transaction.atomic
def assign_task(actor, data: TaskInput, *, now: datetime | None = None) -> Task:
    """交办: assign a task to one or more streets, one of them the lead."""
    home = district()
    require(actor, "oversight.assign", home)
    now = now or timezone.now()
    title = _clean_text(data.title, "title", 200)
    description = _clean_text(data.description, "description", 5000)
    evidence = _clean_text(data.evidence_expected, "evidence_expected", 2000, required=False)
    streets = list({s.pk: s for s in data.streets}.values())
    if not streets:
        raise _error(_("Choose at least one street."), "streets", "required")
    if any(s.kind not in (UnitKind.STREET, UnitKind.TOWN) or (home and s.parent_id != home.pk)
           for s in streets):
        raise _error(_("Only the district's streets can be assigned work."), "streets")
    lead = data.lead if data.lead is not None else (streets[0] if len(streets) == 1 else None)
    if lead is None or lead.pk not in {s.pk for s in streets}:
        raise _error(_("Choose the lead street among the streets assigned."), "lead")
    for name in ("remind_after_workdays", "escalate_after_workdays"):
        if not 0 <= getattr(data, name) <= 60:
            raise _error(_("Enter a number of working days from 0 to 60."), name)
    deadline = _deadline(data, now)
    task = Task.objects.create(
        title=title, description=description, evidence_expected=evidence, issued_at=now,
        deadline=deadline, workdays=data.workdays, created_by=actor,
        remind_after_workdays=data.remind_after_workdays,
        escalate_after_workdays=data.escalate_after_workdays, source_visit=data.source_visit)
    sign_by = deadline_after(now, data.remind_after_workdays)
    escalate_at = deadline_after(deadline, data.escalate_after_workdays)
    Assignment.objects.bulk_create([
        Assignment(task=task, street=s, is_lead=s.pk == lead.pk, sign_by=min(sign_by, deadline),
                   escalate_at=escalate_at) for s in streets])
    assignments = list(task.assignments.select_related("street"))
    AssignmentEvent.objects.bulk_create([
        AssignmentEvent(assignment=a, action="assigned", actor=actor, at=now)
        for a in assignments])
    audit.record(actor, "oversight.assign_task", task, unit=home, after={
        "title": title, "deadline": deadline.isoformat(), "lead": lead.code,
        "streets": [s.code for s in streets]})
    for a in assignments:
        notify(_street_staff(a.street), lambda: _("New assignment from the district: %(title)s")
               % {"title": title}, description[:500], _url(a))
    return task


# --- the street's steps ----------------------------------------------------------------------

@transaction.atomic
def sign_for(actor, assignment: Assignment, *, now=None) -> Assignment:
    """签收: the street committee acknowledges the assignment."""
    now = now or timezone.now()
    transition(assignment, "sign", actor, signed_at=now)
    _event(assignment, "sign", actor)
    return assignment


@transaction.atomic
def decline(actor, assignment: Assignment, reason: str) -> Assignment:
    """退回: the street gives the assignment back to the district, saying why."""
    reason = _clean_text(reason, "reason", 2000)
    transition(assignment, "decline", actor, reason=reason)
    _event(assignment, "decline", actor, reason)
    if assignment.task.created_by:
        notify([assignment.task.created_by], lambda: _("Assignment returned by %(street)s: %(title)s")
               % {"street": assignment.street.name, "title": assignment.task.title}, reason,
               _url(assignment))
    return assignment


@transaction.atomic
def start_handling(actor, assignment: Assignment) -> Assignment:
    transition(assignment, "start", actor)
    _event(assignment, "start", actor)
    return assignment


@transaction.atomic
def report_back(actor, assignment: Assignment, text: str, files=(), *, attachment_ids=(),
                now=None) -> Feedback:
    """已反馈: the street reports what it did, with evidence: files (checked by core's upload
    door: a file of the wrong type refuses the whole report) or attachments the same person
    uploaded before through the API."""
    now = now or timezone.now()
    text = _clean_text(text, "text", 5000)
    files, attachment_ids = list(files), sorted(set(attachment_ids))
    earlier = list(Attachment.objects.filter(pk__in=attachment_ids, uploaded_by=actor))
    if len(earlier) != len(attachment_ids):
        raise _error(_("Attach only files you uploaded yourself."), "evidence")
    if len(files) + len(earlier) > MAX_EVIDENCE_FILES:
        raise _error(_("Attach at most %(n)s files.") % {"n": MAX_EVIDENCE_FILES}, "evidence")
    try:
        check_uploads(files)
    except ValidationError as exc:
        raise OversightError({"evidence": exc.messages}) from exc
    transition(assignment, "report", actor, reported_at=now)
    feedback = Feedback.objects.create(assignment=assignment, text=text, submitted_by=actor,
                                       submitted_at=now)
    stored = store_attachments(actor, files, description=assignment.task.title[:200])
    feedback.evidence.add(*stored, *earlier)
    _event(assignment, "report", actor, text)
    if assignment.task.created_by:
        notify([assignment.task.created_by], lambda: _("%(street)s reported back: %(title)s")
               % {"street": assignment.street.name, "title": assignment.task.title}, text[:500],
               _url(assignment))
    return feedback


# --- the district's steps --------------------------------------------------------------------

@transaction.atomic
def send_back(actor, assignment: Assignment, reason: str) -> Assignment:
    reason = _clean_text(reason, "reason", 2000)
    transition(assignment, "send_back", actor, after={"reason": reason})
    _event(assignment, "send_back", actor, reason)
    notify(_street_staff(assignment.street), lambda: _("Sent back for more work: %(title)s")
           % {"title": assignment.task.title}, reason, _url(assignment))
    return assignment


@transaction.atomic
def close(actor, assignment: Assignment, *, now=None) -> Assignment:
    """办结."""
    now = now or timezone.now()
    transition(assignment, "close", actor, closed_at=now)
    _event(assignment, "close", actor)
    notify(_street_staff(assignment.street), lambda: _("Closed: %(title)s")
           % {"title": assignment.task.title}, "", _url(assignment))
    return assignment


@transaction.atomic
def reassign(actor, assignment: Assignment, *, now=None) -> Assignment:
    now = now or timezone.now()
    if assignment.task.deadline <= now:
        raise _error(_("The task's deadline has passed: assign a new task instead."),
                     code="past")
    transition(assignment, "reassign", actor, reason="", sign_reminded_at=None,
               sign_by=min(deadline_after(now, assignment.task.remind_after_workdays),
                           assignment.task.deadline))
    _event(assignment, "reassign", actor)
    notify(_street_staff(assignment.street), lambda: _("New assignment from the district: %(title)s")
           % {"title": assignment.task.title}, assignment.task.description[:500],
           _url(assignment))
    return assignment


# --- reminders and escalation (periodic) ------------------------------------------------------

def _once(assignment, column: str, now) -> bool:
    """Claim a reminder for this worker: of several workers, exactly one sets the column."""
    return bool(Assignment.objects.filter(pk=assignment.pk, **{f"{column}__isnull": True})
                .update(**{column: now}))


def current_leaders(street, on=None):
    on = on or timezone.localdate()
    from django.db.models import Q

    return [link.leader for link in LiaisonLink.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on), street=street, starts_on__lte=on,
        leader__is_active=True).select_related("leader")]


def run_deadlines(now: datetime | None = None) -> tuple[int, int, int]:
    """Remind a street that has not signed for an assignment in time, remind at the deadline,
    and escalate to the street's liaison leaders when it is still open `escalate_after_workdays`
    past the deadline. Each fires once: a conditional update claims it before anyone is told."""
    now = now or timezone.now()
    counts = [0, 0, 0]
    open_ = Assignment.objects.filter(state__in=OPEN_ASSIGNMENT_STATES).select_related(
        "task", "street")
    steps = (
        (0, "sign_reminded_at", open_.filter(state="assigned", sign_by__lt=now,
                                             sign_reminded_at__isnull=True)),
        (1, "deadline_reminded_at", open_.filter(task__deadline__lt=now,
                                                 deadline_reminded_at__isnull=True)),
        (2, "escalated_at", open_.filter(escalate_at__lt=now, escalated_at__isnull=True)),
    )
    for index, column, rows in steps:
        for assignment in rows:
            with transaction.atomic():
                if not _once(assignment, column, now):
                    continue  # another worker got there first
                _remind(index, assignment, now)
                counts[index] += 1
    return tuple(counts)


def _remind(index: int, assignment: Assignment, now) -> None:
    task, street = assignment.task, assignment.street
    action = ("sign_reminder", "deadline_reminder", "escalate")[index]
    if index == 0:
        people = list(_street_staff(street))
    elif index == 1:
        people = list(_street_staff(street)) + ([task.created_by] if task.created_by else [])
    else:
        people = current_leaders(street) + ([task.created_by] if task.created_by else [])

    def subject() -> str:  # called in each reader's language
        if index == 0:
            return _("Not yet signed for: %(title)s") % {"title": task.title}
        if index == 1:
            return _("Deadline reached: %(title)s") % {"title": task.title}
        return _("Escalated: %(street)s has not finished %(title)s") % {
            "street": street.name, "title": task.title}

    AssignmentEvent.objects.create(assignment=assignment, action=action, at=now)
    audit.record(None, f"oversight.{action}", assignment, unit=street,
                 after={"at": now.isoformat()}, repr_=f"{task.title} · {street.name}")
    notify(people, subject, lambda: _("Deadline: %(deadline)s") % {
        "deadline": timezone.localtime(task.deadline).strftime("%Y-%m-%d")}, _url(assignment))


# --- liaison leaders and guidance visits ------------------------------------------------------

@transaction.atomic
def link_leader(actor, leader, street: Unit, *, title: str = "", starts_on: date | None = None
                ) -> LiaisonLink:
    """联系街道: link a standing-committee leader to a street from a date."""
    require(actor, "oversight.guide", street)
    if street.kind not in (UnitKind.STREET, UnitKind.TOWN):
        raise _error(_("Leaders are linked to streets."), "street")
    if not leader.is_active:
        raise _error(_("This account is not active."), "leader")
    if LiaisonLink.objects.filter(leader=leader, street=street, ends_on__isnull=True).exists():
        raise _error(_("This leader is already linked to this street."), "leader", "duplicate")
    link = LiaisonLink.objects.create(leader=leader, street=street,
                                      title=_clean_text(title, "title", 64, required=False),
                                      starts_on=starts_on or timezone.localdate())
    audit.record(actor, "oversight.link_leader", link, unit=street,
                 after={"leader": leader.pk, "starts_on": link.starts_on})
    return link


@transaction.atomic
def end_link(actor, link: LiaisonLink, ends_on: date | None = None) -> LiaisonLink:
    require(actor, "oversight.guide", link.street)
    ends_on = ends_on or timezone.localdate()
    if link.ends_on is not None:
        raise _error(_("This link has already ended."), code="state")
    if ends_on < link.starts_on:
        raise _error(_("The end cannot be before the start."), "ends_on")
    LiaisonLink.objects.filter(pk=link.pk).update(ends_on=ends_on)
    link.refresh_from_db()
    audit.record(actor, "oversight.end_link", link, unit=link.street,
                 after={"ends_on": ends_on})
    return link


@dataclass
class VisitInput:
    leader: object
    street: Unit
    date: date
    topics: str
    problems: str = ""
    follow_ups: str = ""


@transaction.atomic
def record_visit(actor, data: VisitInput) -> GuidanceVisit:
    """Record a leader's guidance visit; the leader must be linked to the street that day."""
    require(actor, "oversight.guide", data.street)
    if data.date > timezone.localdate():
        raise _error(_("A visit cannot be recorded before it happens."), "date", "future")
    if data.leader not in current_leaders(data.street, on=data.date):
        raise _error(_("This leader was not linked to the street on that day."), "leader")
    visit = GuidanceVisit.objects.create(
        leader=data.leader, street=data.street, date=data.date,
        topics=_clean_text(data.topics, "topics", 2000),
        problems=_clean_text(data.problems, "problems", 5000, required=False),
        follow_ups=_clean_text(data.follow_ups, "follow_ups", 5000, required=False),
        recorded_by=actor)
    audit.record(actor, "oversight.record_visit", visit, unit=data.street,
                 after={"leader": data.leader.pk, "date": data.date})
    return visit


# --- regular reports (定期汇报) ---------------------------------------------------------------

def report_figures(street, period_end: date) -> dict:
    """The figures a report starts from, read from the modules as the dashboard reads them
    (for the calendar year the period ends in)."""
    from .dashboard import FIGURES

    return {f.key: f.rows(street, period_end.year).count() for f in FIGURES}


@transaction.atomic
def define_report_type(actor, *, title: str, kind: str, period_start: date, period_end: date,
                       due_on: date, sections: list[str], today: date | None = None
                       ) -> ReportType:
    """The district asks every street for a report; each street's draft starts with its
    figures for the period."""
    from .models import ReportKind
    from .queries import streets

    home = district()
    require(actor, "oversight.assign", home)
    today = today or timezone.localdate()
    title = _clean_text(title, "title", 200)
    if kind not in ReportKind.values:
        raise _error(_("Choose a kind of report."), "kind")
    if period_end < period_start:
        raise _error(_("The period cannot end before it starts."), "period_end")
    if due_on <= today:
        raise _error(_("The due date must be after today."), "due_on", "past")
    if due_on > today + timedelta(days=800) or period_start.year < 2000:
        raise _error(_("Enter dates within the next two years."), "due_on")
    sections = [s.strip()[:100] for s in sections if s and s.strip()]
    if not sections or len(set(sections)) != len(sections):
        raise _error(_("List the required sections, each once."), "sections")
    report_type = ReportType.objects.create(
        title=title, kind=kind, year=period_end.year, period_start=period_start,
        period_end=period_end, due_on=due_on, sections=sections, created_by=actor)
    StreetReport.objects.bulk_create([
        StreetReport(report_type=report_type, street=s, figures=report_figures(s, period_end),
                     sections={name: "" for name in sections}) for s in streets()])
    audit.record(actor, "oversight.define_report", report_type, unit=home,
                 after={"title": title, "due_on": due_on, "sections": sections})
    for report in report_type.reports.select_related("street"):
        notify(_street_staff(report.street), lambda: _("Report due on %(date)s: %(title)s")
               % {"date": due_on, "title": title}, "", f"/oversight/reports/{report.pk}/")
    return report_type


@transaction.atomic
def save_draft(actor, report: StreetReport, sections: dict) -> StreetReport:
    """The street writes its sections (and its figures are read again)."""
    require(actor, "oversight.handle", report.street)
    report.refresh_from_db()  # the caller's object, under the row lock below
    StreetReport.objects.select_for_update().filter(pk=report.pk).exists()
    report.refresh_from_db()
    if report.state not in (ReportState.DRAFT, ReportState.RETURNED):
        raise _error(_("This report can no longer be changed."), code="state")
    required = report.report_type.sections
    unknown = set(sections) - set(required)
    if unknown:
        raise _error(_("Unknown section: %(name)s") % {"name": sorted(unknown)[0]}, "sections")
    written = {name: _clean_text(sections.get(name, ""), "sections", 10000, required=False)
               for name in required}
    StreetReport.objects.filter(pk=report.pk).update(
        sections=written, figures=report_figures(report.street, report.report_type.period_end))
    report.refresh_from_db()
    audit.record(actor, "oversight.report.save", report, unit=report.street,
                 after={"sections": sorted(k for k, v in written.items() if v)})
    return report


@transaction.atomic
def submit_report(actor, report: StreetReport, *, now=None) -> StreetReport:
    now = now or timezone.now()
    late = timezone.localdate(now) > report.report_type.due_on
    changes = {"submitted_at": now}
    if late and report.late_flagged_at is None:
        changes["late_flagged_at"] = now  # submitted after the due date: late, counted once
    transition(report, "submit", actor, **changes)
    notify([report.report_type.created_by] if report.report_type.created_by else [],
           lambda: _("%(street)s submitted: %(title)s") % {"street": report.street.name,
                                                   "title": report.report_type.title},
           "", f"/oversight/reports/{report.pk}/")
    return report


@transaction.atomic
def accept_report(actor, report: StreetReport, *, now=None) -> StreetReport:
    transition(report, "accept", actor, accepted_at=now or timezone.now())
    notify(_street_staff(report.street), lambda: _("Report accepted: %(title)s")
           % {"title": report.report_type.title}, "", f"/oversight/reports/{report.pk}/")
    return report


@transaction.atomic
def return_report(actor, report: StreetReport, comments: str) -> StreetReport:
    comments = _clean_text(comments, "comments", 5000)
    transition(report, "return_report", actor, comments=comments)
    notify(_street_staff(report.street), lambda: _("Report returned: %(title)s")
           % {"title": report.report_type.title}, comments, f"/oversight/reports/{report.pk}/")
    return report


def flag_late_reports(now: datetime | None = None) -> int:
    """Flag once each report not submitted by its due date (late or missing) and tell the
    street; the conditional update decides which worker does it."""
    now = now or timezone.now()
    flagged = 0
    for report in StreetReport.objects.filter(
            state__in=[ReportState.DRAFT, ReportState.RETURNED], late_flagged_at__isnull=True,
            report_type__due_on__lt=timezone.localdate(now)).select_related("report_type",
                                                                            "street"):
        with transaction.atomic():
            if not StreetReport.objects.filter(pk=report.pk, late_flagged_at__isnull=True
                                               ).update(late_flagged_at=now):
                continue
            audit.record(None, "oversight.report.late", report, unit=report.street,
                         after={"due_on": report.report_type.due_on})
            notify(_street_staff(report.street), lambda report=report: _("Report overdue: %(title)s")
                   % {"title": report.report_type.title}, "", f"/oversight/reports/{report.pk}/")
            flagged += 1
    return flagged
