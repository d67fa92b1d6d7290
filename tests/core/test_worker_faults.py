"""The task worker and the periodic worker outlive a database restart, and a task whose worker
was killed goes back to the queue (bench/faults.py does the same with real processes)."""

from datetime import timedelta

import pytest
from django.core.management import call_command, get_commands
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.models import DBTaskResult

from yishi.core import cleanup
from yishi.core.management.commands import db_worker

pytestmark = pytest.mark.django_db


def test_our_db_worker_replaces_the_librarys():
    assert get_commands()["db_worker"] == "yishi.core"


def test_the_worker_waits_for_the_database_and_goes_on(monkeypatch):
    calls, sleeps = [], []

    def run(self):
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("connection refused")

    monkeypatch.setattr(library.Worker, "run", run)
    monkeypatch.setattr(db_worker.time, "sleep", sleeps.append)
    worker = db_worker.Worker(queue_names=["default"], interval=0, batch=True,
                              backend_name="default", startup_delay=False, max_tasks=None,
                              worker_id="w", excluded_queue_names=[])
    worker.run()
    assert len(calls) == 3 and sleeps == [0.5, 1]


def _claimed(seconds_ago: int) -> DBTaskResult:
    return DBTaskResult.objects.create(
        task_path="yishi.core.tasks.send_text_message", status="RUNNING", queue_name="default",
        backend_name="default", priority=0, worker_ids=["killed"],
        args_kwargs={"args": ["13900000000", "演练"], "kwargs": {}},
        started_at=timezone.now() - timedelta(seconds=seconds_ago))


def test_a_task_abandoned_by_a_killed_worker_goes_back_to_the_queue(settings):
    settings.YISHI_TASK_LEASE_SECONDS = 60
    abandoned, running = _claimed(61), _claimed(30)
    assert cleanup.reclaim_abandoned_tasks() == 1
    assert DBTaskResult.objects.get(pk=abandoned.pk).status == "READY"
    assert DBTaskResult.objects.get(pk=running.pk).status == "RUNNING"
    # A second periodic worker finds nothing more to put back.
    assert cleanup.reclaim_abandoned_tasks() == 0
    call_command("run_periodic", once=True, verbosity=0)
