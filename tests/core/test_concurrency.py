"""Concurrent requests never lose or duplicate data: the same action fired from many threads at
once, each with its own database connection. These run on both databases; on PostgreSQL they
exercise the row locks and constraints the design relies on."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import close_old_connections, connection

from yishi.core import services, signin
from yishi.core.models import AuditRecord, LoginThrottle, Role, RoleAssignment, User

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def run_together(action, count=THREADS):
    """Start `count` threads that call action(i) at the same moment; return their outcomes."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(i):
        try:
            barrier.wait()
            outcomes[i] = ("ok", action(i))
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[i] = ("error", exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_same_number_signs_up_once(xihu):
    community = xihu["xixi_community"]
    outcomes = run_together(lambda i: services.sign_up_resident("13611112222", f"N{i}", community))
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1
    assert all(isinstance(v, ValidationError) for kind, v in outcomes if kind == "error")
    assert User.objects.filter(mobile="13611112222").count() == 1
    assert RoleAssignment.objects.filter(user__mobile="13611112222").count() == 1


def test_same_role_is_assigned_once(people, xihu):
    target = User.objects.create_user("13622223333", name="T")
    actor = people["district_staff"]
    outcomes = run_together(
        lambda i: services.assign_role(User.objects.get(pk=actor.pk), target,
                                       Role.COUNCIL_MEMBER, xihu["xixi"])
    )
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1
    assert RoleAssignment.objects.filter(user=target, role=Role.COUNCIL_MEMBER).count() == 1


def test_concurrent_changes_keep_one_unbroken_audit_chain(people, xihu):
    actor = people["district_staff"]
    targets = [User.objects.create_user(f"136333300{i:02d}", name=f"T{i}") for i in range(THREADS)]
    before = AuditRecord.objects.count()
    outcomes = run_together(
        lambda i: services.assign_role(User.objects.get(pk=actor.pk), targets[i],
                                       Role.COUNCIL_MEMBER, xihu["xixi"])
    )
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert AuditRecord.objects.count() == before + THREADS
    call_command("verify_audit")


def test_concurrent_failures_all_count(people, settings):
    settings.YISHI_LOGIN_MAX_FAILURES = THREADS
    mobile = people["resident"].mobile
    run_together(lambda i: signin.record_failure(mobile))
    assert LoginThrottle.objects.get(mobile=mobile).locked_until is not None


def test_sms_goes_through_the_task_worker(people, settings):
    """With the database task backend (as `make run` uses), the request only queues the text;
    the worker sends it."""
    from django_tasks_db.models import DBTaskResult

    from yishi.core.sms import LocmemBackend

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    LocmemBackend.outbox.clear()
    signin.send_code(people["resident"].mobile, "login")
    assert not LocmemBackend.outbox
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)
    assert len(LocmemBackend.outbox) == 1 and LocmemBackend.outbox[0].mobile == people["resident"].mobile
