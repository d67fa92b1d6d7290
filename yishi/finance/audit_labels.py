"""Labels of the audit actions the finance app records directly (its workflows' transitions are
labelled from the workflow registry); found by yishi.core.audit_labels.discover()."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "finance.import_edition": _("Classification codes imported"),
    "finance.import_crosswalk": _("Code crosswalk between years imported"),
    "finance.create_budget": _("Budget created"),
    "finance.import_budget": _("Budget lines imported"),
    "finance.import_final_accounts": _("Final accounts imported"),
    "finance.import_execution": _("Monthly budget execution imported"),
    "finance.record_adjustment": _("Budget adjustment recorded"),
    "finance.ask_question": _("Written question on the budget asked"),
    "finance.update_warning_rule": _("Budget warning rule changed"),
    "finance.register_asset": _("Asset entered in the register"),
    "finance.change_asset": _("Asset record changed"),
    "finance.record_lease": _("Asset lease or loan recorded"),
    "finance.request_disposal": _("Asset disposal requested"),
    "finance.open_inventory": _("Asset inventory opened"),
    "finance.add_supervisor": _("Member added to the inventory's supervision group"),
    "finance.add_firm_account": _("Account given to the inventory firm"),
    "finance.record_finding": _("Inventory finding recorded"),
    "finance.inventory_agenda": _("Inventory report put on the council's agenda"),
}
