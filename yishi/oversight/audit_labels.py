"""Labels of the audit actions the oversight app records directly (its workflows' transitions
are labelled from the workflow registry); found by yishi.core.audit_labels.discover()."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "oversight.assign_task": _("Task assigned to streets"),
    "oversight.sign_reminder": _("Reminder: assignment not yet signed for"),
    "oversight.deadline_reminder": _("Reminder: assignment deadline reached"),
    "oversight.escalate": _("Assignment escalated to the street's linked leader"),
    "oversight.link_leader": _("Leader linked to a street"),
    "oversight.end_link": _("Leader's link to a street ended"),
    "oversight.record_visit": _("Leader's guidance visit recorded"),
    "oversight.define_report": _("Periodic report asked of every street"),
    "oversight.report.save": _("Street report draft saved"),
    "oversight.report.late": _("Street report flagged late"),
    "oversight.rule.create": _("Rule entered in the library"),
    "oversight.rule.amend": _("Rule amended"),
    "oversight.support.submit": _("Support requested from the district"),
    "oversight.support.overdue": _("Support request overdue: district told"),
    "oversight.joint.start": _("Joint supervision started"),
    "oversight.joint.add_deputy": _("Deputy joined a joint supervision"),
    "oversight.joint.entry": _("Joint supervision entry recorded"),
    "oversight.joint.link": _("Record linked to a joint supervision"),
    "oversight.meeting.schedule": _("Bimonthly meeting scheduled"),
    "oversight.meeting.add_item": _("Item added to the bimonthly meeting"),
    "oversight.meeting.materials": _("Street's materials added to the bimonthly meeting"),
    "oversight.meeting.attendance": _("Bimonthly meeting attendance recorded"),
    "oversight.meeting.resolve": _("Bimonthly meeting item settled"),
    "oversight.meeting.decide": _("Bimonthly meeting decision recorded"),
    "oversight.meeting.minutes": _("Bimonthly meeting minutes written"),
    "oversight.meeting.carry_over": _("Open item carried over to the next bimonthly meeting"),
    "oversight.evaluation.create": _("Evaluation scheme created"),
    "oversight.evaluation.add_indicator": _("Indicator added to the evaluation scheme"),
    "oversight.evaluation.remove_indicator": _("Indicator removed from the evaluation scheme"),
    "oversight.evaluation.compute": _("Evaluation scores computed"),
    "oversight.evaluation.self_assess": _("Street's self-assessment scored"),
    "oversight.evaluation.review_score": _("Self-assessment score reviewed"),
}
