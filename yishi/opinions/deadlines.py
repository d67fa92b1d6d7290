"""The time rules of the opinions loop, one set per kind of matter.

A resident's opinion (选民意见) counts working days set by its street (DeadlinePolicy). A
deputy's suggestion (代表建议) goes through the same states and transitions (workflows.OPINION:
accepted, assigned, replied, rated, answered again when unsatisfied) but under the statute's
own rules: answered within 3 months of assignment, extendable to 6 in all, and a second answer
within one month when the deputy is not satisfied. Services ask `rules_for(opinion)` instead of
branching on the channel (docs/decisions.md)."""

import calendar
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core.models import Unit
from yishi.core.workdays import add_workdays, deadline_after

from .models import DeadlinePolicy, Opinion, OpinionChannel


def policy_for(street: Unit) -> DeadlinePolicy:
    policy, _created = DeadlinePolicy.objects.get_or_create(street=street)
    return policy


def add_months(moment: datetime, months: int) -> datetime:
    """The same day so many calendar months later (the last day of a shorter month)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))


class ResidentRules:
    """A resident's opinion: the street's working days."""

    def reply_deadline(self, opinion: Opinion, now: datetime, *,
                       second_round: bool = False) -> datetime:
        return deadline_after(now, policy_for(opinion.street).reply_days)

    def extension_refused(self, opinion: Opinion, assignment, days: int) -> dict | None:
        """The form error for an extension of `days` working days, or None when allowed."""
        if not 1 <= days <= 30:
            return {"days": _("Ask for 1 to 30 working days.")}
        return None


class SuggestionRules(ResidentRules):
    """A deputy's suggestion: calendar months fixed by the statute."""

    REPLY_MONTHS, MAX_MONTHS, SECOND_REPLY_MONTHS = 3, 6, 1

    def reply_deadline(self, opinion, now, *, second_round=False):
        return add_months(now, self.SECOND_REPLY_MONTHS if second_round else self.REPLY_MONTHS)

    def extension_refused(self, opinion, assignment, days):
        local = timezone.localtime(assignment.deadline)
        limit = add_months(timezone.localtime(opinion.accepted_at or opinion.created_at),
                           self.MAX_MONTHS)
        if not 1 <= days <= 70 or add_workdays(local.date(), days) > limit.date():
            return {"days": _("A deputy's suggestion must be answered within 6 months: ask "
                              "for fewer days.")}
        return None


RULES = {OpinionChannel.SUGGESTION: SuggestionRules()}
RESIDENT_RULES = ResidentRules()


def rules_for(opinion: Opinion) -> ResidentRules:
    return RULES.get(opinion.channel, RESIDENT_RULES)
