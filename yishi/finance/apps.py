from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "yishi.finance"
    label = "finance"
    verbose_name = _("Street finance")

    def ready(self):
        from yishi.core import menu, periodic
        from yishi.core.models import Role

        from . import (  # noqa: F401 - registers rules and workflows
            asset_workflows,
            permissions,
            workflows,
        )
        from .monitoring import run_warnings

        periodic.register("finance.execution_warnings")(run_warnings)

        menu.register(_("Street budget"), "finance:workspace",
                      {Role.FINANCE_STAFF, Role.DISTRICT_STAFF, Role.COUNCIL_MEMBER},
                      _("Import the budget, execution and final accounts; answer questions"))
        menu.register(_("Execution warnings"), "finance:warnings",
                      {Role.FINANCE_STAFF, Role.DISTRICT_STAFF, Role.COUNCIL_MEMBER},
                      _("Warnings on the budgets' execution and the streets' answers"))
