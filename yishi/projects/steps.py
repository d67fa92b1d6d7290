"""What every service of the projects app does around a change: clean the input (text, money),
refuse with a ProjectError naming the field, write the audit record, and move a project along
its workflow (workflows.PROJECT) with its public timeline entry and the followers told."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yishi.core import audit, workflow
from yishi.core.notifications import Text, notify

from .models import Cycle, Event, Follow, Project, ProjectState

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
    from .workflows import PROJECT

    workflow.transition(project, transition, actor, workflow=PROJECT,
                        after={"note": note} if note else None, **changes)
    Event.objects.create(project=project, action=transition, note=note)
    _notify_people(project, lambda: _("Project “%(title)s”: %(state)s") % {
        "title": project.title, "state": ProjectState(project.state).label}, note)


def _notify_people(project: Project, subject: Text, body: Text = "") -> None:
    people = [project.proposer] if project.proposer_id else []
    people += list(project.co_proposers.all())
    people += [f.user for f in Follow.objects.filter(project=project).select_related("user")]
    if people:
        notify(people, subject, body, url=f"/projects/{project.pk}/")
