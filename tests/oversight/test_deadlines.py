"""Reminders and escalation: each fires once, at its time, however many workers run."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection

from yishi.core.models import AuditRecord, Notification
from yishi.core.periodic import JOBS
from yishi.oversight import services
from yishi.oversight.models import AssignmentEvent


@pytest.mark.django_db
def test_the_job_is_registered():
    assert JOBS["oversight.deadlines"] is services.run_deadlines


@pytest.mark.django_db
def test_sign_reminder_deadline_reminder_and_escalation_once_each(task, xixi_assignment,
                                                                   beishan_assignment, people,
                                                                   leader):
    services.sign_for(people["street_staff"], xixi_assignment)  # 西溪 signed in time
    # Nothing is due right after assigning.
    assert services.run_deadlines(task.issued_at + timedelta(minutes=1)) == (0, 0, 0)
    later = xixi_assignment.sign_by + timedelta(minutes=1)
    assert services.run_deadlines(later) == (1, 0, 0)  # 北山 has not signed for it
    assert services.run_deadlines(later) == (0, 0, 0)
    after_deadline = task.deadline + timedelta(minutes=1)
    assert services.run_deadlines(after_deadline) == (0, 2, 0)
    escalation = xixi_assignment.escalate_at + timedelta(minutes=1)
    assert xixi_assignment.escalate_at > task.deadline
    assert services.run_deadlines(escalation) == (0, 0, 2)
    assert services.run_deadlines(escalation + timedelta(days=30)) == (0, 0, 0)
    xixi_assignment.refresh_from_db()
    assert xixi_assignment.escalated_at is not None
    # The street's liaison leader hears of it.
    assert Notification.objects.filter(recipient=leader, subject__contains=task.title).count() == 1
    assert AuditRecord.objects.filter(action="oversight.escalate").count() == 2


@pytest.mark.django_db
def test_closed_work_is_not_chased(task, xixi_assignment, beishan_assignment, people,
                                   beishan_staff):
    for staff, a in ((people["street_staff"], xixi_assignment),
                     (beishan_staff, beishan_assignment)):
        services.sign_for(staff, a)
        services.report_back(staff, a, "完成")
    assert services.run_deadlines(task.deadline + timedelta(days=60)) == (0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_several_workers_fire_each_reminder_once(task, xixi_assignment, leader):
    moment = xixi_assignment.escalate_at + timedelta(minutes=1)
    barrier = threading.Barrier(4)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(services.run_deadlines(moment))
        except Exception as exc:  # noqa: BLE001 - a locked SQLite writer fails, fires nothing
            results.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    services.run_deadlines(moment)  # whatever a failed worker left is done now, still once
    counts = {action: AssignmentEvent.objects.filter(action=action).count()
              for action in ("sign_reminder", "deadline_reminder", "escalate")}
    assert counts == {"sign_reminder": 2, "deadline_reminder": 2, "escalate": 2}
    assert Notification.objects.filter(recipient=leader).count() == 1  # 西溪 is theirs
