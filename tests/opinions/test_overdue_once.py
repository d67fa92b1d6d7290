"""The overdue escalation fires once however many workers run, shown without timing: two
workers are interleaved deterministically, the second running entirely between the first one's
read of the overdue list and its update."""

from datetime import timedelta

import pytest

from yishi.core.models import AuditRecord
from yishi.opinions import services, tasks
from yishi.opinions.models import Opinion, TimelineEntry

from .test_loop import intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(people, xihu, category):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    return opinion, opinion.accept_deadline + timedelta(hours=1)


def test_two_workers_with_the_same_stale_read_escalate_once(overdue):
    opinion, late = overdue
    seen_by_a = Opinion.objects.get(pk=opinion.pk)
    seen_by_b = Opinion.objects.get(pk=opinion.pk)
    assert seen_by_a.overdue_notified_at is None and seen_by_b.overdue_notified_at is None
    assert tasks._escalate_overdue(seen_by_b, late) is True
    assert tasks._escalate_overdue(seen_by_a, late) is False
    assert AuditRecord.objects.filter(action="opinions.overdue").count() == 1
    assert TimelineEntry.objects.filter(opinion=opinion, action="overdue").count() == 1


def test_a_second_worker_between_the_first_ones_read_and_update(overdue, monkeypatch):
    opinion, late = overdue
    real = tasks._escalate_overdue
    interleaved = []

    def worker_a_step(stale, now):
        if not interleaved:
            interleaved.append("worker B")
            # Worker A has read the overdue list; worker B now runs all the way through.
            interleaved.append(tasks.run_deadlines(now))
        return real(stale, now)

    monkeypatch.setattr(tasks, "_escalate_overdue", worker_a_step)
    first = tasks.run_deadlines(late)
    assert interleaved[1][1] == 1   # worker B escalated it
    assert first[1] == 0            # worker A, with its stale list, did not again
    assert AuditRecord.objects.filter(action="opinions.overdue").count() == 1
