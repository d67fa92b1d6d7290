"""Labels of the audit actions the councils app records directly (its workflows' transitions are
labelled from the workflow registry); found by yishi.core.audit_labels.discover()."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "councils.create_council": _("Council set up"),
    "councils.update_rules": _("Council rules changed"),
    "councils.add_member": _("Member added to the council"),
    "councils.invite_member": _("Person invited to join the council"),
    "councils.end_membership": _("Council membership ended"),
    "councils.publish_roster": _("Council roster published"),
    "councils.create_meeting": _("Council meeting created"),
    "councils.convene_in_every_street": _("Meeting convened in every street"),
    "councils.add_item": _("Agenda item added"),
    "councils.attach_ballot": _("Ballot attached to an agenda item"),
    "councils.answer_notice": _("Meeting notice answered"),
    "councils.sign_in": _("Signed in at a meeting"),
    "councils.undo_sign_in": _("Meeting sign-in taken back"),
    "councils.set_meeting_tellers": _("Meeting tellers named"),
    "councils.item_opinion": _("Opinion on an agenda item given"),
    "councils.draft_minutes": _("Minutes drafted"),
    "councils.edit_minutes": _("Minutes edited"),
    "councils.add_follow_up": _("Follow-up action added to the minutes"),
    "councils.report_progress": _("Progress on a follow-up action reported"),
    "councils.raise_call": _("One-click call raised"),
    "councils.support_call": _("One-click call supported"),
    "councils.call_overdue": _("One-click call overdue: round table not held in time"),
    "councils.convene_round_table": _("Round table convened"),
    "councils.record_round_table": _("Round table outcome recorded"),
}
