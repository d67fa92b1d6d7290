from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilsConfig(AppConfig):
    name = "yishi.councils"
    label = "councils"
    verbose_name = _("Deliberation councils (居民议事会)")
