"""Labels of the audit actions the voting app records directly (its workflows' transitions are
labelled from the workflow registry); found by yishi.core.audit_labels.discover()."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "voting.create_ballot": _("Ballot created"),
    "voting.set_roll": _("Voter roll set"),
    "voting.mark_present": _("Voters present recorded"),
    "voting.cancel_reason": _("Reason for cancelling a ballot recorded"),
    "voting.enter_paper_tally": _("Paper ballot count entered"),
    "voting.record_paper_voters": _("Paper voters recorded"),
    "voting.undo_paper_voters": _("Batch of paper voters taken back"),
    "voting.take_share": _("Teller's key share handed out"),
    "voting.bring_share": _("Teller's key share entered"),
    "voting.count_refused": _("Count refused: shares did not fit"),
    "voting.decrypt_ballots": _("Secret ballots decrypted and counted"),
    "voting.import_pb": _("Past election imported"),
}
