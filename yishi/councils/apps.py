from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilsConfig(AppConfig):
    name = "yishi.councils"
    label = "councils"
    verbose_name = _("Deliberation councils (居民议事会)")

    def ready(self):
        from yishi.core import menu, periodic
        from yishi.core.models import Role

        from . import permissions  # noqa: F401 - registers the rules
        from .meetings import send_due_notices
        from .roundtables import flag_overdue_calls

        periodic.register("councils.meeting_notices")(send_due_notices)
        periodic.register("councils.overdue_calls")(flag_overdue_calls)
        menu.register(_("My council meetings"), "councils:my_meetings", {Role.COUNCIL_MEMBER},
                      _("Notices, attendance, documents and votes"))
        menu.register(_("Councils"), "councils:manage",
                      {Role.STREET_STAFF, Role.DISTRICT_STAFF},
                      _("Members, meetings, sign-in desk, votes, minutes, round tables"))
