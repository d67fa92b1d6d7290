import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from yishi.core.periodic import JOBS

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic jobs (ballot windows, deadlines, reminders) every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0)
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, interval=30.0, once=False, **options):
        while True:
            # A long-lived process, not a request: drop connections that broke (the database
            # restarted) so that the jobs reconnect instead of failing on a dead socket forever.
            close_old_connections()
            for name, job in JOBS.items():
                try:
                    outcome = job()
                except Exception:  # noqa: BLE001 - one failing job must not stop the others
                    logger.exception("periodic job %s failed", name)
                    continue
                # Jobs answer a count or a tuple of counts; quiet when nothing happened.
                busy = any(outcome) if isinstance(outcome, tuple | list) else bool(outcome)
                if options["verbosity"] > 1 or busy:
                    self.stdout.write(f"{name}: {outcome}")
            if once:
                return
            time.sleep(interval)
