"""The bulk path of the audit chain (audit.record_many): the same chain record() writes, so that
verify_audit passes after it and still catches an edit of a bulk-written record."""

from datetime import timedelta

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from yishi.core import audit, services
from yishi.core.models import AuditChainHead, AuditRecord, Role, User


def _entries(n, actor):
    start = timezone.now() - timedelta(days=30)
    return [audit.Entry(action="test.bulk", object_type="test.Thing", object_id=str(i),
                        object_repr=f"thing {i}", created_at=start + timedelta(hours=i),
                        actor=actor, unit_path="/330106/", before={"state": "a"},
                        after={"state": "b", "n": i, "when": start})
            for i in range(n)]


def test_record_many_continues_the_chain_and_verifies(people, xihu):
    actor = people["district_staff"]
    services.assign_role(actor, User.objects.create_user("18800000001", name="P1"),
                         Role.COUNCIL_MEMBER, xihu["xixi"])  # one record before, by record()
    before = AuditRecord.objects.count()
    with transaction.atomic():
        assert audit.record_many(_entries(25, actor), batch_size=10) == 25
    services.assign_role(actor, User.objects.create_user("18800000002", name="P2"),
                         Role.COUNCIL_MEMBER, xihu["xixi"])  # and one after
    assert AuditRecord.objects.count() == before + 26
    checked, problem = audit.verify_chain()
    assert problem is None and checked == before + 26
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_seq == AuditRecord.objects.order_by("-seq").first().seq
    call_command("verify_audit")


def test_an_edited_bulk_record_breaks_the_chain(people):
    with transaction.atomic():
        audit.record_many(_entries(5, people["district_staff"]))
    target = AuditRecord.objects.get(object_id="2", action="test.bulk")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditrecord DISABLE TRIGGER core_audit_append_only")
        cursor.execute("UPDATE core_auditrecord SET object_repr = 'forged' WHERE id = %s",
                       [target.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditrecord ENABLE TRIGGER core_audit_append_only")
    _checked, problem = audit.verify_chain()
    assert problem is not None and problem.seq == target.seq and "edited" in problem.reason
