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


BURST = 30


def _counting(monkeypatch, target, name):
    """Wrap a comparison so the test sees how many attempts actually reached it."""
    calls, lock, original = [], threading.Lock(), getattr(target, name)

    def counted(*args, **kwargs):
        with lock:
            calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, counted)
    return calls


def test_a_burst_of_wrong_codes_compares_at_most_the_limit(people, settings, monkeypatch):
    """Issue 17.1: 25 parallel wrong codes had 18 compared against the real one. Each attempt now
    claims its slot in one conditional UPDATE before it may compare."""
    settings.YISHI_LOGIN_MAX_FAILURES = 5
    settings.YISHI_CODE_RESEND_SECONDS = 0
    mobile = people["resident"].mobile
    signin.send_code(mobile, "login", "10.9.9.9")
    compared = _counting(monkeypatch, signin, "_code_matches")
    outcomes = run_together(
        lambda i: signin.check_code(mobile, "login", f"{i:06d}", "10.9.9.9"), count=BURST)
    assert len(compared) <= 5
    assert all(kind == "error" for kind, _ in outcomes)
    assert sum(1 for _, exc in outcomes if exc.code == "locked") >= BURST - 5
    assert signin.locked_until(mobile, "10.9.9.9") is not None


def test_a_burst_of_wrong_authenticator_codes_compares_at_most_the_limit(
    people, settings, monkeypatch
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.YISHI_LOGIN_MAX_FAILURES = 5
    staff = people["street_staff"]
    device = TOTPDevice.objects.create(user=staff, confirmed=True, name="app")
    compared = _counting(monkeypatch, TOTPDevice, "verify_token")
    outcomes = run_together(
        lambda i: signin.check_totp(staff, device, f"{i:06d}", f"10.8.0.{i}"), count=BURST)
    assert len(compared) <= 5
    assert all(kind == "error" for kind, _ in outcomes)
    assert LoginThrottle.objects.get(key=f"totp:{staff.pk}").locked_until is not None


def test_a_burst_of_wrong_passwords_compares_at_most_the_limit(people, settings, monkeypatch):
    from yishi.core import auth_backends

    settings.YISHI_LOGIN_MAX_FAILURES = 5
    staff = people["street_staff"]
    compared = _counting(monkeypatch, auth_backends.MobileBackend, "authenticate")
    run_together(lambda i: signin.check_password(None, staff.mobile, f"guess {i}", "10.7.0.1"),
                 count=BURST)
    assert len(compared) <= 5


def test_sms_goes_through_the_task_worker(people, settings):
    """With the database task backend (as `make run` uses), the request only queues the text;
    the worker sends it."""
    from django_tasks_db.models import DBTaskResult

    from yishi.core.sms import LocmemBackend

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    LocmemBackend.outbox.clear()
    signin.send_code(people["resident"].mobile, "login", "10.0.0.1")
    assert not LocmemBackend.outbox
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)
    assert len(LocmemBackend.outbox) == 1 and LocmemBackend.outbox[0].mobile == people["resident"].mobile


def _rows_containing(needle: str) -> list[str]:
    """Every table of the database, every row, as text: where does `needle` stand?"""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            found += [f"{table}: {row}" for row in cursor.fetchall() if needle in str(row)]
    return found


def test_codes_never_stand_in_plain_text_in_the_database(people, settings, monkeypatch):
    """Issue 17.3: the SMS text with the code was a task argument, kept after the task ran."""
    from django_tasks_db.models import DBTaskResult

    from yishi.core.models import PendingText
    from yishi.core.sms import LocmemBackend

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    monkeypatch.setattr(signin, "_new_code", lambda: "904715")
    LocmemBackend.outbox.clear()
    mobile = people["resident"].mobile
    signin.send_code(mobile, "login", "10.1.1.1")
    # Queued: the task's arguments hold a row id; the row holds the text sealed.
    assert _rows_containing("904715") == []
    assert PendingText.objects.count() == 1
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)
    assert "904715" in LocmemBackend.outbox[-1].text
    # Sent: the sealed row is gone, and nothing anywhere holds the code.
    assert PendingText.objects.count() == 0
    assert _rows_containing("904715") == []
    # The finished task row itself goes on the periodic worker's schedule.
    settings.YISHI_TASK_RESULTS_KEEP_MINUTES = 0
    assert DBTaskResult.objects.count() == 1
    call_command("run_periodic", once=True, verbosity=0)
    assert DBTaskResult.objects.count() == 0


def test_a_sealed_text_expires_unsent(people, settings):
    from datetime import timedelta

    from yishi.core import cleanup, sms
    from yishi.core.models import PendingText

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    sms.queue_secret_text("13900000001", "code 111222", valid_for=timedelta(seconds=-1))
    assert cleanup.purge_sign_in_leftovers() >= 1
    assert not PendingText.objects.exists()
    sms.LocmemBackend.outbox.clear()
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)
    assert sms.LocmemBackend.outbox == []
