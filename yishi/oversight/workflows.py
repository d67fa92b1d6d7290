"""The assignment's state graph (交办单: 交办 → 签收 → 办理中 → 已反馈 → 办结, or 退回), declared once
on the core workflow mechanism. services.py does the work around each step."""

from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import Transition, Workflow

from .models import Assignment, AssignmentState, ReportState, StreetReport

S = AssignmentState


def _error(message, code):
    from .services import OversightError

    return OversightError(message, code=code)


def _street_handles(actor, assignment) -> bool:
    return has_perm(actor, "oversight.handle", assignment.street)


def _district(actor, assignment) -> bool:
    return has_perm(actor, "oversight.assign", assignment.street)


ASSIGNMENT = Workflow(
    Assignment, "oversight.assignment", audit_prefix="oversight", unit=lambda a: a.street,
    repr=lambda a: f"{a.task.title} · {a.street.name}", error=_error, audit_changes=True,
    state_message=_("This cannot be done while the assignment is “%(state)s”."),
    conflict_message=_("The assignment was changed by someone else; please reload."),
    transitions=[
        Transition("sign", {S.ASSIGNED}, S.SIGNED, _("Sign for it"), rule=_street_handles),
        Transition("decline", {S.ASSIGNED}, S.RETURNED, _("Return to the district"),
                   rule=_street_handles,
                   confirm=_("The assignment goes back to the district with your reason; "
                             "the street no longer handles it unless it is assigned again.")),
        Transition("start", {S.SIGNED}, S.HANDLING, _("Start handling"),
                   rule=_street_handles),
        Transition("report", {S.SIGNED, S.HANDLING}, S.REPORTED, _("Report back"),
                   rule=_street_handles),
        Transition("send_back", {S.REPORTED}, S.HANDLING, _("Send back for more work"),
                   rule=_district),
        Transition("close", {S.REPORTED}, S.CLOSED, _("Close (办结)"), rule=_district,
                   confirm=_("The assignment is closed as done; the street can no longer "
                             "report on it.")),
        Transition("reassign", {S.RETURNED}, S.ASSIGNED, _("Assign again"), rule=_district),
    ],
)


# A street's regular report (定期汇报): drafted and submitted by the street, accepted or
# returned with comments by the district.
R = ReportState


def _sections_written(report):
    missing = [s for s in report.report_type.sections
               if not (report.sections or {}).get(s, "").strip()]
    if missing:
        return _("Write every required section first: %(sections)s") % {
            "sections": "、".join(missing)}
    return None


STREET_REPORT = Workflow(
    StreetReport, "oversight.report", audit_prefix="oversight.report",
    unit=lambda r: r.street, repr=lambda r: f"{r.report_type.title} · {r.street.name}",
    error=_error,
    state_message=_("This cannot be done while the report is “%(state)s”."),
    conflict_message=_("The report was changed by someone else; please reload."),
    transitions=[
        Transition("submit", {R.DRAFT, R.RETURNED}, R.SUBMITTED, _("Submit to the district"),
                   rule=_street_handles, guards=[_sections_written]),
        Transition("accept", {R.SUBMITTED}, R.ACCEPTED, _("Accept the report"), rule=_district,
                   confirm=_("The report is accepted; the street can no longer change it.")),
        Transition("return_report", {R.SUBMITTED}, R.RETURNED, _("Return with comments"),
                   rule=_district),
    ],
)


# The bimonthly meeting, joint supervision and support request graphs (declared there).
from . import workflows_886  # noqa: E402, F401
