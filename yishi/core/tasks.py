"""Slow side effects, run by the task worker (`manage.py db_worker`) outside requests."""

from django_tasks import task

from . import notifications, sms


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
