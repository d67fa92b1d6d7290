from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "yishi.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from yishi.core import menu
        from yishi.core.models import Role

        from . import permissions, workflows  # noqa: F401 - registers the rules and the graph

        menu.register(_("Moderation queue"), "moderation:queue",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF},
                      _("Approve, edit or hide what residents publish"))
        menu.register(_("Sensitive words"), "moderation:words", {Role.DISTRICT_STAFF},
                      _("The district's list of words that send a text to a moderator"))
