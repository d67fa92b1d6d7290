from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeputiesConfig(AppConfig):
    name = "yishi.deputies"
    label = "deputies"
    verbose_name = _("Deputies and liaison stations")

    def ready(self):
        from yishi.core import menu
        from yishi.core.models import Role
        from yishi.core.signals import duty_performed, duty_withdrawn

        from . import live, permissions  # noqa: F401 - registers the rules and receivers
        from .services import on_duty_performed, on_duty_withdrawn

        duty_performed.connect(on_duty_performed, dispatch_uid="deputies.duty_performed")
        duty_withdrawn.connect(on_duty_withdrawn, dispatch_uid="deputies.duty_withdrawn")

        menu.register(_("My duties"), "deputies:my_duties", {Role.DEPUTY},
                      _("Register your activities; see your points"))
        menu.register(_("My receptions"), "deputies:my_schedule", {Role.DEPUTY},
                      _("Receptions you are on duty at, and the matters raised"))
        menu.register(_("My suggestions"), "deputies:my_suggestions", {Role.DEPUTY},
                      _("Submit a deputy's suggestion and follow it to the reply"))
        menu.register(_("Duties to confirm"), "deputies:confirm_queue",
                      {Role.STREET_STAFF, Role.DISTRICT_STAFF},
                      _("Deputies' registered activities waiting for you"))
        menu.register(_("Reception schedule"), "deputies:schedule",
                      {Role.STREET_STAFF, Role.DISTRICT_STAFF},
                      _("Publish reception sessions and schedules (排班)"))
        menu.register(_("Deputies' evaluation"), "deputies:evaluation",
                      {Role.STREET_STAFF, Role.DISTRICT_STAFF},
                      _("Annual scorecards of deputies and stations (考评)"))
        menu.register(_("Activity weeks"), "deputies:manage_weeks",
                      {Role.STREET_STAFF, Role.DISTRICT_STAFF},
                      _("Declare an activity week; publish the stations' events"))
