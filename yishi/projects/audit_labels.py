"""Labels of the audit actions the projects app records directly (its workflows' transitions are
labelled from the workflow registry); found by yishi.core.audit_labels.discover()."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "projects.open_cycle": _("Year's project cycle opened"),
    "projects.close_phase_early": _("Cycle phase ended early"),
    "projects.propose": _("Project proposed"),
    "projects.review": _("Project assessed"),
    "projects.invite_expert": _("Expert invited to assess a project"),
    "projects.publish_notice": _("Candidate list published"),
    "projects.publish_result": _("Ballot result published"),
    "projects.publish_satisfaction": _("Satisfaction result published"),
    "projects.object": _("Objection to the public notice filed"),
    "projects.answer_objection": _("Objection answered"),
    "projects.prepare_ballot": _("Project ballot prepared for the council meeting"),
    "projects.open_ballot": _("Project ballot opened"),
    "projects.open_satisfaction": _("Satisfaction ballot opened"),
    "projects.set_tellers": _("Cycle tellers named"),
    "projects.add_milestone": _("Milestone added"),
    "projects.complete_milestone": _("Milestone completed"),
    "projects.milestone_late": _("Milestone flagged late"),
    "projects.report_progress": _("Project progress reported"),
    "projects.record_spending": _("Project spending recorded"),
    "projects.log_visit": _("Supervision visit recorded"),
    "projects.comment": _("Comment or question on a project posted"),
    "projects.answer_question": _("Question on a project answered"),
    "projects.attach_supervisor": _("Supervising deputy named"),
    "projects.start_tender": _("Tender started"),
    "projects.edit_tender_draft": _("Tender draft edited"),
    "projects.new_tender_version": _("New tender version drafted"),
    "projects.publish_tender_version": _("Tender version published for comments"),
    "projects.register_bid": _("Bid registered"),
    "projects.add_panelist": _("Evaluation panel member added"),
    "projects.score": _("Bid scored"),
    "projects.award": _("Tender award published"),
    "projects.object_to_award": _("Objection to the award filed"),
}
