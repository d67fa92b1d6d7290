"""Periodic clean-up of what must not linger in the database: finished tasks (their arguments
and results may name people), sealed texts the worker never sent, spent codes and throttles."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import LoginThrottle, OneTimeCode, PendingText


def purge_finished_tasks() -> int:
    """Delete finished task rows (succeeded or failed) after YISHI_TASK_RESULTS_KEEP_MINUTES."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(minutes=settings.YISHI_TASK_RESULTS_KEEP_MINUTES)
    deleted, _ = DBTaskResult.objects.filter(
        status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=cutoff
    ).delete()
    return deleted


def reclaim_abandoned_tasks() -> int:
    """Put back in the queue the tasks a worker claimed and never finished (it was killed, or
    its machine died): running for longer than YISHI_TASK_LEASE_SECONDS. Every task of ours is
    idempotent (it checks what it already did), so running one again is safe; the conditional
    update makes sure that of several periodic workers only one puts each task back."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(seconds=settings.YISHI_TASK_LEASE_SECONDS)
    return DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff).update(
        status="READY", started_at=None)


def purge_sign_in_leftovers() -> int:
    now = timezone.now()
    count = PendingText.objects.filter(expires_at__lte=now).delete()[0]
    count += OneTimeCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()[0]
    stale = now - timedelta(minutes=settings.YISHI_LOGIN_LOCKOUT_MINUTES)
    count += LoginThrottle.objects.filter(window_start__lt=stale).exclude(
        locked_until__gt=now).delete()[0]
    return count
