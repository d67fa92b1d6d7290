from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yishi.core.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Back up the whole installation into a new folder: the database (pg_dump or SQLite's "
            "online backup), the uploaded files, the audit checkpoints and a manifest of "
            "SHA-256 hashes. Safe while the site is running.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="a new or empty folder")

    def handle(self, *args, folder, **options):
        try:
            manifest = backup(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        head = manifest["audit_head"] or {"seq": 0}
        self.stdout.write(self.style.SUCCESS(
            f"Backed up into {folder}: {manifest['engine']} database, "
            f"{manifest['media_files']} uploaded files, audit chain at record {head['seq']}."))
