"""Labels of the audit actions the deputies app records directly (its workflows' transitions are
labelled from the workflow registry); found by yishi.core.audit_labels.discover()."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "deputies.schedule_session": _("Reception session scheduled"),
    "deputies.schedule_series": _("Reception schedule published"),
    "deputies.book": _("Reception place booked"),
    "deputies.record_reception": _("Matters raised at a reception recorded"),
    "deputies.register_activity": _("Deputy's activity registered"),
    "deputies.register_automatic_activity": _("Deputy's activity registered by the platform"),
    "deputies.withdraw_automatic_activity": _("Activity registered by the platform withdrawn"),
    "deputies.edit_activity": _("Deputy's activity corrected"),
    "deputies.decide_activity": _("Deputy's activity confirmed or returned"),
    "deputies.update_profile": _("Deputy's profile updated"),
    "deputies.declare_week": _("Deputy's weekly availability declared"),
    "deputies.publish_event": _("Liaison station event published"),
}
