"""Slow side effects, run by the task worker (`manage.py db_worker`) outside requests."""

from django.db import transaction
from django_tasks import task

from . import notifications, sms


def enqueue_with_transaction(queued_task, *args) -> None:
    """Queue a task for rows the current transaction writes, so that it cannot be lost.

    With the queue in this database (django_tasks_db, as in production) the task's row is
    written in the same transaction: both are kept or neither. Queued from `on_commit` instead,
    a server killed (or PostgreSQL restarting) between the commit and the queueing lost it: a
    notification stayed unsent for good (bench/faults.py saw it). Another backend (the tests'
    immediate one runs the task at once) is given the task only once the rows are committed."""
    from django_tasks_db import DatabaseBackend

    if isinstance(queued_task.get_backend(), DatabaseBackend):
        queued_task.enqueue(*args)
    else:
        transaction.on_commit(lambda: queued_task.enqueue(*args))


@task()
def send_text_message(mobile: str, text: str) -> None:
    """For texts without secrets (notices): the text is the task's argument."""
    sms.send_text(mobile, text)


@task()
def send_pending_text(pending_id: int) -> None:
    """For texts with a secret (codes): only the id of the sealed row travels in the queue."""
    sms.send_pending(pending_id)


@task()
def deliver_notification(notification_id: int) -> None:
    """Mail and text one notification as its recipient chose; safe to run twice."""
    notifications.deliver(notification_id)


@task()
def email_notification(notification_id: int) -> None:
    """Kept for tasks queued before deliver_notification existed."""
    notifications.deliver_email(notification_id)
