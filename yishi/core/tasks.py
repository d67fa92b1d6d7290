"""Slow side effects, run by the task worker (`manage.py db_worker`) outside requests."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from . import sms
from .models import Notification


@task()
def send_text_message(mobile: str, text: str) -> None:
    """For texts without secrets (notices): the text is the task's argument."""
    sms.send_text(mobile, text)


@task()
def send_pending_text(pending_id: int) -> None:
    """For texts with a secret (codes): only the id of the sealed row travels in the queue."""
    sms.send_pending(pending_id)


@task()
def email_notification(notification_id: int) -> None:
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at or not notification.recipient.email:
        return
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{settings.YISHI_PUBLIC_URL.rstrip('/')}{notification.url}"
    send_mail(notification.subject, body, None, [notification.recipient.email])
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
