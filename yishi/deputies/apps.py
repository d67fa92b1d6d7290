from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeputiesConfig(AppConfig):
    name = "yishi.deputies"
    label = "deputies"
    verbose_name = _("Deputies and liaison stations")

    def ready(self):
        from yishi.core import menu
        from yishi.core.models import Role
        from yishi.core.signals import duty_performed

        from . import permissions  # noqa: F401 - registers the rules
        from .services import on_duty_performed

        duty_performed.connect(on_duty_performed, dispatch_uid="deputies.duty_performed")

        menu.register(_("My duties"), "deputies:my_duties", {Role.DEPUTY},
                      _("Register your activities; see your points"))
        menu.register(_("Duties to confirm"), "deputies:confirm_queue",
                      {Role.STREET_STAFF, Role.DISTRICT_STAFF},
                      _("Deputies' registered activities waiting for you"))
