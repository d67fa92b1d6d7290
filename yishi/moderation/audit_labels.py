"""Labels of the audit actions the moderation app records directly (its workflow's transitions
are labelled from the workflow registry); found by yishi.core.audit_labels.discover()."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "moderation.submit": _("Text held for moderation"),
    "moderation.add_word": _("Word added to the moderation list"),
    "moderation.change_word": _("Word on the moderation list changed"),
    "moderation.remove_word": _("Word removed from the moderation list"),
}
