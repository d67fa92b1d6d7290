from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "yishi.oversight"
    label = "oversight"
    verbose_name = _("District oversight (指导与督办)")

    def ready(self):
        from yishi.core import menu, periodic
        from yishi.core.models import Role

        from . import permissions, workflows  # noqa: F401 - registers the rules and the graph
        from .services import flag_late_reports, run_deadlines

        periodic.register("oversight.deadlines")(run_deadlines)
        periodic.register("oversight.late_reports")(flag_late_reports)
        menu.register(_("Assignments (交办督办)"), "oversight:assignments",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPUTY},
                      _("Work the district assigns to the streets: sign for, handle, report "
                        "back, close"))
        menu.register(_("District dashboard"), "oversight:dashboard", {Role.DISTRICT_STAFF},
                      _("Every street side by side; each figure opens the list it counts"))
        menu.register(_("Regular reports"), "oversight:reports",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF},
                      _("Half-year and annual reports of the streets (定期汇报)"))
        menu.register(_("Liaison leaders and visits"), "oversight:guidance",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF},
                      _("Standing-committee leaders linked to each street and their guidance "
                        "visits (联系指导)"))
        # The "886" library, bimonthly meetings, joint supervision and service guarantee.
        from .meetings import carry_over

        periodic.register("oversight.carry_over")(carry_over)
        from .support import remind_overdue

        periodic.register("oversight.support_overdue")(remind_overdue)
        menu.register(_("Rules library (886)"), "oversight:rules",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPUTY},
                      _("The district's rules, documents and mechanisms, with their versions"))
        menu.register(_("Bimonthly meetings"), "oversight:meetings",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPUTY},
                      _("Agenda, attendance, decisions and minutes (双月例会)"))
        menu.register(_("Joint supervision"), "oversight:joint",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPUTY},
                      _("Matters supervised together by the district and several streets"))
        menu.register(_("Support requests"), "oversight:support",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF},
                      _("Streets ask the district for funding, staff, premises or training"))
        from . import evaluation_workflow  # noqa: F401 - registers the scheme's graph

        menu.register(_("Evaluation (考评)"), "oversight:evaluation",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPUTY},
                      _("The year's indicator tree and every street's scorecard (考评激励)"))
