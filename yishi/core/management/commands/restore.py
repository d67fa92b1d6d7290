from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from yishi.core.backup import BackupError, Target, restore


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into the database of DATABASE_URL and "
            "the folder YISHI_MEDIA_ROOT, both of which must be empty; every part's hash is "
            "checked first and the audit chain is verified afterwards.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder, **options):
        connection = connections["default"]
        connection.close()
        target = Target(database=connection.settings_dict, media_root=Path(settings.MEDIA_ROOT),
                        checkpoint_file=Path(settings.YISHI_AUDIT_CHECKPOINT_FILE))
        try:
            manifest = restore(folder, target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        connection.close()
        self.stdout.write(f"Restored the {manifest['engine']} database and "
                          f"{manifest['media_files']} uploaded files from {folder} "
                          f"(backed up at {manifest['created_at']}).")
        call_command("verify_audit", stdout=self.stdout)
        executor = MigrationExecutor(connections["default"])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            self.stdout.write(self.style.WARNING(
                f"This version of Yishi has {len(pending)} migrations the backup has not: run "
                "`manage.py migrate` before serving the restored site."))
