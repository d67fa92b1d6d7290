"""The state graphs of the "886" mechanisms beyond assignments and reports, declared once on
the core workflow mechanism: the bimonthly meeting (双月例会), the joint supervision matter
(监督联动) and the street's support request (服务保障). Their services are in meetings.py,
joint.py and support.py."""

from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.queries import district
from yishi.core.workflow import Transition, Workflow

from .joint_models import JointMatter, JointState
from .meetings_models import BimonthlyMeeting, MeetingState
from .support_models import SupportRequest, SupportState


def _error(message, code):
    from .services import OversightError

    return OversightError(message, code=code)


def _district(actor, obj) -> bool:
    return has_perm(actor, "oversight.assign", district())


# --- the bimonthly meeting ---------------------------------------------------------------------

M = MeetingState


def _minutes_written(meeting):
    if not (meeting.minutes or "").strip():
        return _("Write the minutes first.")
    return None


MEETING = Workflow(
    BimonthlyMeeting, "oversight.meeting", audit_prefix="oversight.meeting",
    unit=lambda m: district(), repr=lambda m: m.title, error=_error,
    state_message=_("This cannot be done while the meeting is “%(state)s”."),
    conflict_message=_("The meeting was changed by someone else; please reload."),
    transitions=[
        Transition("hold", {M.PLANNED}, M.HELD, _("Record as held"), rule=_district),
        Transition("publish", {M.HELD}, M.PUBLISHED, _("Publish the minutes to the streets"),
                   rule=_district, guards=[_minutes_written],
                   confirm=_("The minutes go to every street and can no longer be changed; "
                             "items still open move to the next meeting's agenda.")),
    ],
)


# --- joint supervision -------------------------------------------------------------------------

J = JointState


def _has_entries(matter):
    if not matter.entries.exists():
        return _("Record at least one visit or finding first.")
    return None


JOINT = Workflow(
    JointMatter, "oversight.joint", audit_prefix="oversight.joint",
    unit=lambda m: district(), repr=lambda m: m.title, error=_error,
    state_message=_("This cannot be done while the matter is “%(state)s”."),
    conflict_message=_("The matter was changed by someone else; please reload."),
    transitions=[
        Transition("conclude", {J.OPEN}, J.CONCLUDED, _("Conclude the supervision"),
                   rule=_district, guards=[_has_entries],
                   confirm=_("The matter is concluded with your conclusion; the timeline is "
                             "closed.")),
        Transition("reopen", {J.CONCLUDED}, J.OPEN, _("Reopen the supervision"),
                   rule=_district),
    ],
)


# --- service guarantee -------------------------------------------------------------------------

S = SupportState


def _district_for(actor, request) -> bool:
    return has_perm(actor, "oversight.assign", request.street)


def _asking_street(actor, request) -> bool:
    return has_perm(actor, "oversight.handle", request.street)


SUPPORT = Workflow(
    SupportRequest, "oversight.support", audit_prefix="oversight.support",
    unit=lambda r: r.street, repr=lambda r: f"{r.title} · {r.street.name}", error=_error,
    state_message=_("This cannot be done while the request is “%(state)s”."),
    conflict_message=_("The request was changed by someone else; please reload."),
    transitions=[
        Transition("accept", {S.SUBMITTED}, S.ACCEPTED, _("Accept (受理)"), rule=_district_for),
        Transition("decline", {S.SUBMITTED, S.ACCEPTED}, S.DECLINED, _("Do not support"),
                   rule=_district_for,
                   confirm=_("The street is told, with your reason, that the district will not "
                             "provide this support.")),
        Transition("answer", {S.ACCEPTED}, S.ANSWERED, _("Answer"), rule=_district_for),
        Transition("reopen", {S.ANSWERED}, S.ACCEPTED, _("Not resolved: ask again"),
                   rule=_asking_street),
        Transition("close", {S.ANSWERED}, S.CLOSED, _("Resolved: close"), rule=_asking_street,
                   confirm=_("The request is closed as resolved.")),
    ],
)
