from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "yishi.finance"
    label = "finance"
    verbose_name = _("Street finance")

    def ready(self):
        from yishi.core import menu
        from yishi.core.models import Role

        from . import permissions, workflows  # noqa: F401 - registers rules and workflows

        menu.register(_("Street budget"), "finance:workspace",
                      {Role.FINANCE_STAFF, Role.DISTRICT_STAFF, Role.COUNCIL_MEMBER},
                      _("Import the budget, execution and final accounts; answer questions"))
