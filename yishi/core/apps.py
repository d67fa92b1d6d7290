from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "yishi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import checkpoints, cleanup, notifications, periodic  # noqa: F401 (registers jobs)

        periodic.register("core.purge_finished_tasks")(cleanup.purge_finished_tasks)
        periodic.register("core.purge_sign_in_leftovers")(cleanup.purge_sign_in_leftovers)
        periodic.register("core.reclaim_abandoned_tasks")(cleanup.reclaim_abandoned_tasks)
        periodic.register("core.audit_checkpoint")(checkpoints.publish_checkpoint)

        from django.core import checks

        from . import audit_labels

        audit_labels.discover()  # every app's audit_labels.LABELS: what its actions are called
        checks.register(audit_labels.check_declarations)


class YishiAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "yishi.core.admin_site.YishiAdminSite"
