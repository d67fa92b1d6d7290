"""A task queued for rows a transaction writes is kept or dropped with them when the queue is in
the database (django_tasks_db, production's): a server killed between the commit and an
`on_commit` queueing lost the task, and its notification stayed unsent (bench/faults.py)."""

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yishi.core import notifications
from yishi.core.models import Notification

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                              "QUEUES": ["default"]}}
DAYTIME = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: no quiet hours


class Killed(Exception):
    """The process dies right after the commit, before any on_commit callback."""


@pytest.fixture(autouse=True)
def _daytime(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: DAYTIME)


@override_settings(TASKS=DATABASE_QUEUE)
@pytest.mark.django_db(transaction=True)
def test_the_notice_and_its_task_commit_together(people, monkeypatch):
    # Callbacks registered with on_commit never run, as when the server is killed after COMMIT.
    monkeypatch.setattr(transaction, "on_commit", lambda *a, **k: None)
    with transaction.atomic():
        created = notifications.notify([people["resident"], people["deputy"]], "投票开始了",
                                       url="/voting/1/")
    queued = DBTaskResult.objects.filter(task_path="yishi.core.tasks.deliver_notification")
    assert sorted(r.args_kwargs["args"][0] for r in queued) == sorted(n.pk for n in created)


@override_settings(TASKS=DATABASE_QUEUE)
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_notice_leaves_no_task(people):
    with pytest.raises(Killed), transaction.atomic():
        notifications.notify([people["resident"]], "投票开始了", url="/voting/1/")
        raise Killed
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()
