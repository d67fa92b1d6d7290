"""A selected project's implementation under supervision, one service per change: the start,
milestones, progress (with photos), spending, supervision visits, residents' comments and
questions, completion and acceptance (验收); and the periodic job that flags late milestones."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core.models import Department, Role, RoleAssignment
from yishi.core.notifications import notify
from yishi.core.permissions import holds, require
from yishi.core.signals import duty_performed
from yishi.moderation.services import submit as hold_for_moderation

from .models import (
    Comment,
    Event,
    Follow,
    Milestone,
    ProgressReport,
    Project,
    ProjectState,
    Spending,
    SupervisionVisit,
)
from .steps import _audit, _error, _money, _notify_people, _project_move, _text

# --- implementation -------------------------------------------------------------------------

def _implementing(project: Project, feature: str) -> None:
    """Refuse unless the project's state allows `feature` (workflows.PROJECT_FEATURES)."""
    from .workflows import project_features

    project.refresh_from_db()
    if feature not in project_features(project):
        raise _error(_("This is recorded while the project is being implemented."))


@transaction.atomic
def start_implementation(actor, project: Project, department: Department,
                         planned_budget) -> Project:
    require(actor, "projects.manage", project.cycle.unit)
    if not project.community.path.startswith(department.street.path):
        raise _error(_("Choose a department of the project's street."), "department")
    budget = _money(planned_budget, "planned_budget", maximum=project.cycle.budget)
    _project_move(actor, project, "start", department=department, planned_budget=budget)
    return project


@transaction.atomic
def add_milestone(actor, project: Project, title: str, due_on: date) -> Milestone:
    require(actor, "projects.report", project)
    _implementing(project, "milestone")
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
    _implementing(project, "progress")
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
    _notify_people(project, lambda: _("Progress on “%(title)s”: %(percent)d%%") % {
        "title": project.title, "percent": percent}, note)
    return report


@transaction.atomic
def record_spending(actor, project: Project, amount, description: str,
                    spent_on: date) -> Spending:
    require(actor, "projects.report", project)
    _implementing(project, "spending")
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
    from .workflows import project_features

    project.refresh_from_db()
    if "supervise" not in project_features(project):
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
    hold_for_moderation(entry, ["text"], street=project.street, author=actor,
                        url=reverse("projects:detail", args=[project.pk]))
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
        notify([entry.author], lambda: _("Your question on “%(title)s” was answered")
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
    _project_move(actor, project, "complete", note)
    return project


@transaction.atomic
def accept_completion(actor, project: Project, record: str, accepted_on: date) -> Project:
    """Acceptance on completion (竣工验收), with its record. Milestones still open are done with
    it: the project page must not show an accepted project with a milestone still to come."""
    require(actor, "projects.manage", project.cycle.unit)
    record = _text(record, "record", _("Acceptance record"))
    if accepted_on > timezone.localdate():
        raise _error(_("The acceptance date is in the future."), "accepted_on")
    _project_move(actor, project, "accept_completion", record, acceptance_record=record,
                  accepted_on=accepted_on)
    project.milestones.filter(done_on__isnull=True).update(done_on=accepted_on)
    return project


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
                   lambda milestone=milestone, project=project: _("Late milestone: %(milestone)s (%(project)s)") % {
                       "milestone": milestone.title, "project": project.title},
                   lambda milestone=milestone: _("Due on %(date)s and not done.") % {"date": milestone.due_on},
                   url=f"/projects/{project.pk}/")
            _audit(None, "milestone_late", milestone, project.community,
                   after={"due_on": milestone.due_on})
            flagged += 1
    return flagged

