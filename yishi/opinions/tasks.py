"""The opinions' periodic worker (run by `manage.py run_periodic`): replies nobody rated in time
are closed as "not rated" through the workflow's `expire_rating`, overdue opinions are escalated
to the street committee once, and departments are reminded before their deadlines. Several
copies may run at once: each step is a conditional update."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from yishi.core import audit
from yishi.core.notifications import notify

from .deadlines import policy_for
from .models import AssignmentState, Opinion, OpinionState, Rating, TimelineEntry, overdue_q
from .services import OpinionError, _handlers, _step, _street_staff

S = OpinionState


@transaction.atomic
def _escalate_overdue(opinion: Opinion, now: datetime) -> bool:
    """Tell the street committee once that an opinion is overdue. The conditional update is the
    guard: of several workers that all saw it not yet notified, exactly one gets the row."""
    if not Opinion.objects.filter(pk=opinion.pk, overdue_notified_at__isnull=True).update(
            overdue_notified_at=now):
        return False
    TimelineEntry.objects.create(opinion=opinion, action="overdue", actor_label=str(_("System")))
    audit.record(None, "opinions.overdue", opinion, unit=opinion.street, repr_=opinion.number)
    notify(_street_staff(opinion.street), lambda: _("Overdue: %(number)s") % {"number": opinion.number},
           opinion.title, f"/opinions/manage/{opinion.number}/")
    return True


def run_deadlines(now: datetime | None = None) -> tuple[int, int, int]:
    """Close replies nobody rated in time ("not rated", never counted as satisfied), escalate
    overdue opinions once, and remind departments before deadlines. Each step is a conditional
    update, so several workers never fire the same transition twice."""
    now = now or timezone.now()
    expired = escalated = reminded = 0
    for opinion in Opinion.objects.filter(state=S.REPLIED, rating_deadline__lt=now):
        try:
            with transaction.atomic():
                _step(opinion, None, "expire_rating", rating=Rating.NOT_RATED, closed_at=now)
        except OpinionError:
            continue  # rated meanwhile, or another worker closed it first
        expired += 1
    overdue = Opinion.objects.filter(overdue_q(now), overdue_notified_at__isnull=True)
    for opinion in overdue:
        escalated += _escalate_overdue(opinion, now)
    from yishi.core.workdays import add_workdays

    for opinion in Opinion.objects.filter(state__in=[S.ASSIGNED, S.HANDLING],
                                          reminder_sent_at__isnull=True,
                                          reply_deadline__gt=now).select_related("street"):
        days = policy_for(opinion.street).reminder_days
        if timezone.localtime(opinion.reply_deadline).date() > add_workdays(
                timezone.localdate(now), days):
            continue
        if Opinion.objects.filter(pk=opinion.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now):
            for assignment in opinion.assignments.exclude(state__in=[AssignmentState.REPLIED,
                                                                     AssignmentState.TRANSFERRED]):
                notify(_handlers(assignment.department), lambda opinion=opinion: _("Due soon: %(number)s")
                       % {"number": opinion.number}, opinion.title,
                       f"/opinions/manage/{opinion.number}/")
            reminded += 1
    return expired, escalated, reminded


@task()
def deliver_to_case_system(delivery_id: int) -> None:
    """Send one opinion to an outside case system (handoff.py); safe to run twice: the
    delivery is claimed before it is sent."""
    from .handoff import deliver

    deliver(delivery_id)
