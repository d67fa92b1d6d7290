"""Notifications: an in-app inbox entry for each recipient, mailed by the task worker so the
request that caused it never waits for delivery."""

from collections.abc import Iterable

from django.db import transaction

from .models import Notification
from .tasks import email_notification


def notify(recipients: Iterable, subject: str, body: str = "", url: str = "") -> list[Notification]:
    created = Notification.objects.bulk_create(
        [Notification(recipient=r, subject=subject[:200], body=body, url=url)
         for r in {r.pk: r for r in recipients}.values()]
    )
    for notification in created:
        if notification.recipient.email:
            transaction.on_commit(
                lambda pk=notification.pk: email_notification.enqueue(pk)
            )
    return created


def mark_read(user, notification_ids: Iterable[int] | None = None) -> int:
    from django.utils import timezone

    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    return rows.update(read_at=timezone.now())


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
