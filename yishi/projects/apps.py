from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "yishi.projects"
    label = "projects"
    verbose_name = _("Livelihood projects (民生实事项目)")

    def ready(self):
        from yishi.core import menu, periodic
        from yishi.core.models import Role

        from . import permissions, workflows  # noqa: F401 - registers the rules and graphs
        from .services import flag_late_milestones

        periodic.register("projects.late_milestones")(flag_late_milestones)
        menu.register(_("Livelihood projects"), "projects:manage_list",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPARTMENT_HANDLER,
                       Role.EXPERT},
                      _("Cycles and phases, review queue, notice, ballot, implementation, tender"))
        menu.register(_("Propose a project"), "projects:propose_start",
                      {Role.RESIDENT, Role.COUNCIL_MEMBER, Role.DEPUTY},
                      _("Suggest a livelihood project for next year (民生实事项目推荐)"))
