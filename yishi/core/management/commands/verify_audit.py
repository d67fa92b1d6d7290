from django.core.management.base import BaseCommand, CommandError

from yishi.core.audit import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; exit non-zero naming the first bad record."

    def handle(self, *args, **options):
        checked, problem = verify_chain()
        if problem is not None:
            raise CommandError(f"Audit trail broken after {checked} good records: {problem}")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {checked} records verified."))
