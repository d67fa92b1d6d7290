"""django-tasks-db's `db_worker`, made to outlive its database: when PostgreSQL restarts or the
network drops, the library's worker exits on the first failed query, and the queue then stops
until someone restarts it. This one waits and goes on (a task it was running when the database
went away is put back in the queue by core.reclaim_abandoned_tasks)."""

import logging
import time

from django.db import close_old_connections, connections
from django.db.utils import InterfaceError, OperationalError
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("django_tasks_db")

# Seconds between attempts while the database cannot be reached, growing to the last.
BACKOFF = (0.5, 1, 2, 5)


class Worker(db_worker.Worker):
    def run(self) -> None:
        failures = 0
        while self.running:
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as exc:
                failures += 1
                wait = BACKOFF[min(failures, len(BACKOFF)) - 1]
                logger.warning("database unavailable (%s); trying again in %s s", exc, wait)
                for connection in connections.all(initialized_only=True):
                    connection.close_if_unusable_or_obsolete()
                close_old_connections()
                time.sleep(wait)
                self.startup_delay = False


class Command(db_worker.Command):
    help = db_worker.Command.help

    def handle(self, *args, **options):
        # The library's command builds its Worker by name from its own module.
        original, db_worker.Worker = db_worker.Worker, Worker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = original
