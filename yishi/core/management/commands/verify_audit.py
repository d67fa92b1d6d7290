from django.core.management.base import BaseCommand, CommandError

from yishi.core import checkpoints
from yishi.core.audit import verify_chain


class Command(BaseCommand):
    help = ("Check the audit trail's hash chain; exit non-zero naming the first bad record. With "
            "--checkpoints, also check it against published signed checkpoints (a file of JSON "
            "lines, or the public page's JSON URL).")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoints", metavar="FILE-or-URL")
        parser.add_argument("--public-key", help="base64 Ed25519 public key of the publisher "
                            "(default: this installation's own)")

    def handle(self, *args, **options):
        checked, problem = verify_chain()
        if problem is not None:
            raise CommandError(f"Audit trail broken after {checked} good records: {problem}")
        if options["checkpoints"]:
            try:
                published = checkpoints.load_published(options["checkpoints"])
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"Cannot read checkpoints from {options['checkpoints']}: "
                                   f"{exc}") from exc
            problems = checkpoints.check_against(
                published, options["public_key"] or checkpoints.public_key_text())
            if problems:
                raise CommandError("Audit trail does not match its published checkpoints:\n"
                                   + "\n".join(problems))
            self.stdout.write(f"{len(published)} published checkpoints match.")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {checked} records verified."))
