from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "yishi.opinions"
    label = "opinions"
    verbose_name = _("Residents' opinions")

    def ready(self):
        from yishi.core import menu, periodic
        from yishi.core.models import Role

        from . import permissions  # noqa: F401 - registers the rules
        from .services import run_deadlines

        periodic.register("opinions.deadlines")(run_deadlines)
        menu.register(_("Opinions queue"), "opinions:queue",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPARTMENT_HANDLER},
                      _("Accept, assign, reply: residents' opinions in a closed loop"))
        menu.register(_("Record an opinion"), "opinions:record",
                      {Role.DEPUTY, Role.STREET_STAFF, Role.DISTRICT_STAFF},
                      _("An opinion heard at a reception, by phone or by letter"))
