from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "yishi.projects"
    label = "projects"
    verbose_name = _("Livelihood projects (民生实事项目)")
