"""Labels of the audit actions the opinions app records directly (its workflows' transitions are
labelled from the workflow registry); found by yishi.core.audit_labels.discover()."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "opinions.submit": _("Opinion submitted"),
    "opinions.transfer": _("Opinion transferred to another department"),
    "opinions.overdue": _("Opinion overdue: street committee told"),
    "opinions.request_extension": _("Deadline extension requested"),
    "opinions.decide_extension": _("Deadline extension decided"),
    "opinions.connect_case_system": _("Department connected to an outside case system"),
    "opinions.rotate_case_system_secret": _("Case system connection's secret renewed"),
    "opinions.switch_case_system": _("Case system connection switched on or off"),
    "opinions.case_report": _("Status reported by an outside case system"),
}
