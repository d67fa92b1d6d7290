from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "yishi.voting"
    label = "voting"
    verbose_name = _("Voting")

    def ready(self):
        from yishi.core import menu, periodic
        from yishi.core.models import Role

        from . import permissions  # noqa: F401 - registers the voting rules
        from .services import clear_expired_sessions, run_due_transitions

        periodic.register("voting.ballot_windows")(run_due_transitions)
        # Here rather than in core: sessions once held cast ballots' receipts, and the secrecy
        # of a ballot is this app's promise.
        periodic.register("sessions.clear_expired")(clear_expired_sessions)

        menu.register(_("Ballots"), "voting:manage_list",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF},
                      _("Create ballots, voter rolls, paper ballots, results"))
