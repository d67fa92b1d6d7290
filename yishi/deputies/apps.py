from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeputiesConfig(AppConfig):
    name = "yishi.deputies"
    label = "deputies"
    verbose_name = _("Deputies and liaison stations")

    def ready(self):
        from . import permissions  # noqa: F401 - registers the rules
