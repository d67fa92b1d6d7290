from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "yishi.opinions"
    label = "opinions"
    verbose_name = _("Residents' opinions")

    def ready(self):
        from yishi.core import menu, periodic
        from yishi.core.models import Role
        from yishi.core.workflow import transitioned
        from yishi.moderation.models import ModerationItem

        from . import handoff, permissions  # noqa: F401 - registers the rules and receivers
        from .models import Assignment, Opinion
        from .search import reindex_after_moderation
        from .stats import compact_when_grown, record_first_reply
        from .tasks import run_deadlines

        periodic.register("opinions.deadlines")(run_deadlines)
        periodic.register("opinions.compact_stats")(compact_when_grown)
        # The statistics keep each first reply as it was given (stats.py).
        transitioned.connect(record_first_reply, sender=Opinion, dispatch_uid="opinions-stats-o")
        transitioned.connect(record_first_reply, sender=Assignment,
                             dispatch_uid="opinions-stats-a")
        # The board's search matches only what the public reads (search.py).
        transitioned.connect(reindex_after_moderation, sender=ModerationItem,
                             dispatch_uid="opinions-search-moderation")

        def retrain_daily():
            from datetime import timedelta

            from django.utils import timezone

            from .models import RoutingModel
            from .routing_model import train_and_store

            latest = RoutingModel.objects.order_by("-trained_at").first()
            if latest is None or latest.trained_at < timezone.now() - timedelta(days=1):
                return (train_and_store().records,)
            return ()

        periodic.register("opinions.retrain_routing")(retrain_daily)
        menu.register(_("My opinions"), "opinions:mine", set(Role.values),
                      _("What you raised, and how it is being handled"))
        menu.register(_("Raise an opinion"), "opinions:submit", set(Role.values),
                      _("Tell the street committee about a matter"))
        menu.register(_("Opinions queue"), "opinions:queue",
                      {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPARTMENT_HANDLER},
                      _("Accept, assign, reply: residents' opinions in a closed loop"))
        menu.register(_("Case systems"), "opinions:case_systems", {Role.STREET_STAFF},
                      _("Connect departments to 四个平台, 12345 or 民呼我为"))
        menu.register(_("Record an opinion"), "opinions:record",
                      {Role.DEPUTY, Role.STREET_STAFF, Role.DISTRICT_STAFF},
                      _("An opinion heard at a reception, by phone or by letter"))
