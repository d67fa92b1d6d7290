import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from yishi.core import audit, services
from yishi.core.models import AuditRecord, Role


@pytest.fixture
def trail(people, xihu):
    """Five audited changes."""
    from yishi.core.models import User

    actor = people["district_staff"]
    for n in range(5):
        person = User.objects.create_user(f"1880000000{n}", name=f"P{n}")
        services.assign_role(actor, person, Role.COUNCIL_MEMBER, xihu["xixi"])
    return list(AuditRecord.objects.order_by("seq"))


def _raw(sql, params=()):
    """Tamper as someone with database access would: plain SQL, past the ORM; on PostgreSQL the
    append-only trigger has to be switched off first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditrecord DISABLE TRIGGER core_audit_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditrecord ENABLE TRIGGER core_audit_append_only")


def test_records_are_chained(trail):
    assert [r.seq for r in trail] == list(range(1, 6))
    assert trail[0].prev_hash == audit.GENESIS_HASH
    for before, after in zip(trail, trail[1:], strict=False):
        assert after.prev_hash == before.hash
    assert trail[0].action == "core.assign_role"
    assert trail[0].after["role"] == "council_member"
    call_command("verify_audit")


def test_orm_refuses_changes(trail):
    record = trail[0]
    record.action = "forged"
    with pytest.raises(TypeError):
        record.save()
    with pytest.raises(TypeError):
        record.delete()
    with pytest.raises(TypeError):
        AuditRecord.objects.filter(pk=record.pk).update(action="forged")
    with pytest.raises(TypeError):
        AuditRecord.objects.all().delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_trigger_refuses_raw_update(trail):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditrecord SET action='x' WHERE seq=1")


def test_edit_is_detected(trail):
    _raw("UPDATE core_auditrecord SET object_repr = %s WHERE seq = 3", ["forged"])
    with pytest.raises(CommandError, match=r"seq=3 .*edited"):
        call_command("verify_audit")


def test_edited_json_is_detected(trail):
    _raw("UPDATE core_auditrecord SET after = %s WHERE seq = 2", ['{"role": "street_staff"}'])
    with pytest.raises(CommandError, match=r"seq=2"):
        call_command("verify_audit")


def test_deletion_in_the_middle_is_detected(trail):
    _raw("DELETE FROM core_auditrecord WHERE seq = 2")
    with pytest.raises(CommandError, match=r"seq=3 .*deleted"):
        call_command("verify_audit")


def test_deletion_at_the_end_is_detected(trail):
    _raw("DELETE FROM core_auditrecord WHERE seq = 5")
    with pytest.raises(CommandError, match=r"deleted"):
        call_command("verify_audit")


def test_insertion_is_detected(trail):
    """A forged record slipped in: renumber to make room, then insert with a well-formed hash."""
    forged = dict(
        seq=3, created_at=trail[2].created_at, actor_id=None, actor_label="x", action="forged",
        object_type="core.User", object_id="1", object_repr="x", unit_path="",
        before=None, after=None, prev_hash=trail[1].hash,
    )
    forged["hash"] = audit.compute_hash(forged)
    for seq in (5, 4, 3):
        _raw("UPDATE core_auditrecord SET seq = seq + 1 WHERE seq = %s", [seq])
    AuditRecord.objects.create(**forged)
    with pytest.raises(CommandError, match=r"seq=4"):
        call_command("verify_audit")


@pytest.mark.django_db(transaction=True)
def test_record_needs_a_transaction(people):
    with pytest.raises(RuntimeError):
        audit.record(people["district_staff"], "x", people["resident"])


def test_failed_change_leaves_no_record(people, xihu):
    from django.core.exceptions import ValidationError

    before = AuditRecord.objects.count()
    with pytest.raises(ValidationError):
        services.assign_role(people["district_staff"], people["deputy"], Role.DEPUTY, xihu["xixi"])
    assert AuditRecord.objects.count() == before
