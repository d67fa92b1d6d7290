"""Slow side effects, run by the task worker (`manage.py db_worker`) outside requests."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from . import sms
from .models import Notification


@task()
def send_text_message(mobile: str, text: str) -> None:
    sms.send_text(mobile, text)


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
