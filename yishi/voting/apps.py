from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "yishi.voting"
    label = "voting"
    verbose_name = _("Voting")

    def ready(self):
        from yishi.core import menu
        from yishi.core.models import Role

        from . import permissions  # noqa: F401 - registers the voting rules

        menu.register(_("Ballots"), "voting:manage_list",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF},
                      _("Create ballots, voter rolls, paper ballots, results"))
