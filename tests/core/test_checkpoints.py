"""Issue 17.11: the audit chain could be rewritten without verify_audit noticing — edit one record
and re-hash the rest and the head; delete the last records and move the head back. Signed
checkpoints published outside the database make both visible."""

import datetime
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from yishi.core import audit, checkpoints, services
from yishi.core.models import AuditChainHead, AuditCheckpoint, AuditRecord, Role, User

from .test_audit import _raw


@pytest.fixture
def published(people, xihu, settings, tmp_path):
    """Twelve audited changes, then a checkpoint of the head, published to a file."""
    settings.YISHI_AUDIT_CHECKPOINT_FILE = str(tmp_path / "published" / "checkpoints.jsonl")
    for n in range(12):
        person = User.objects.create_user(f"188000001{n:02d}", name=f"P{n}")
        services.assign_role(people["district_staff"], person, Role.COUNCIL_MEMBER, xihu["xixi"])
    assert checkpoints.publish_checkpoint() == 1
    return settings.YISHI_AUDIT_CHECKPOINT_FILE


def _rehash_from(seq: int) -> None:
    """What a careful forger does after changing record `seq`: recompute every later link and
    hash, and the head, so that the chain verifies again."""
    prev = AuditRecord.objects.filter(seq=seq - 1).values_list("hash", flat=True).first() \
        or audit.GENESIS_HASH
    for entry in AuditRecord.objects.filter(seq__gte=seq).order_by("seq"):
        fields = {name: getattr(entry, name) for name in audit.HASHED_FIELDS}
        fields["prev_hash"] = prev
        new = audit.compute_hash(fields)
        _raw("UPDATE core_auditrecord SET prev_hash = %s, hash = %s WHERE id = %s",
             [prev, new, entry.pk])
        prev = new
    last = AuditRecord.objects.order_by("-seq").first()
    AuditChainHead.objects.filter(pk=1).update(last_seq=last.seq, last_hash=last.hash)


def test_checkpoint_is_signed_published_and_once_per_period(published):
    lines = [json.loads(line) for line in open(published, encoding="utf-8")]
    head = AuditChainHead.objects.get(pk=1)
    assert len(lines) == 1 and lines[0]["seq"] == head.last_seq == 12
    assert lines[0]["hash"] == head.last_hash
    assert checkpoints.publish_checkpoint() == 0  # same period: nothing more
    assert AuditCheckpoint.objects.count() == 1
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    assert checkpoints.publish_checkpoint(now=later) == 1
    assert len(open(published, encoding="utf-8").readlines()) == 2
    call_command("verify_audit", checkpoints=published)


def test_rewriting_one_record_and_rehashing_is_detected(published):
    target = AuditRecord.objects.get(seq=4)
    _raw("UPDATE core_auditrecord SET object_repr = %s WHERE id = %s", ["forged", target.pk])
    _rehash_from(4)
    call_command("verify_audit")  # the chain alone cannot tell
    with pytest.raises(CommandError, match="#12.*rewritten"):
        call_command("verify_audit", checkpoints=published)


def test_cutting_the_end_and_moving_the_head_back_is_detected(published):
    _raw("DELETE FROM core_auditrecord WHERE seq > 2")
    last = AuditRecord.objects.get(seq=2)
    AuditChainHead.objects.filter(pk=1).update(last_seq=2, last_hash=last.hash)
    call_command("verify_audit")  # the chain alone cannot tell
    with pytest.raises(CommandError, match="#12.*ends at 2"):
        call_command("verify_audit", checkpoints=published)


def test_a_forged_checkpoint_does_not_verify(published, tmp_path):
    line = json.loads(open(published, encoding="utf-8").readline())
    line["seq"] = 3
    forged = tmp_path / "forged.jsonl"
    forged.write_text(json.dumps(line) + "\n")
    with pytest.raises(CommandError, match="signature does not verify"):
        call_command("verify_audit", checkpoints=str(forged))


def test_public_page_shows_checkpoints_and_the_key(client, published):
    page = client.get(reverse("core:audit_checkpoints"))
    assert page.status_code == 200
    body = page.content.decode()
    assert checkpoints.public_key_text() in body
    assert AuditChainHead.objects.get(pk=1).last_hash in body
    data = client.get(reverse("core:audit_checkpoints_json")).json()
    assert data["public_key"] == checkpoints.public_key_text()
    assert data["checkpoints"][0]["seq"] == 12
    # The page's JSON is a valid source for verify_audit too.
    assert [p.seq for p in checkpoints.load_published_text(json.dumps(data))] == [12]


def test_checkpoints_are_append_only(published):
    checkpoint = AuditCheckpoint.objects.get()
    with pytest.raises(TypeError):
        checkpoint.save()
    with pytest.raises(TypeError):
        AuditCheckpoint.objects.all().delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_truncate_trigger_exists(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditrecord'::regclass")
        names = {row[0] for row in cursor.fetchall()}
    assert {"core_audit_append_only", "core_audit_no_truncate"} <= names


def test_a_configured_key_signs_and_only_its_public_key_verifies(published, settings, tmp_path):
    from io import StringIO

    out = StringIO()
    call_command("audit_signing_key", stdout=out)
    private = re.search(r"YISHI_AUDIT_SIGNING_KEY=(\S+)", out.getvalue()).group(1)
    public = re.search(r"public key: (\S+)", out.getvalue()).group(1)
    settings.YISHI_AUDIT_SIGNING_KEY = private
    settings.YISHI_AUDIT_CHECKPOINT_FILE = str(tmp_path / "configured.jsonl")
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    assert checkpoints.publish_checkpoint(now=later) == 1
    assert checkpoints.public_key_text() == public
    call_command("verify_audit", checkpoints=settings.YISHI_AUDIT_CHECKPOINT_FILE,
                 public_key=public)
    with pytest.raises(CommandError, match="signature does not verify"):
        # The development key (derived from SECRET_KEY) signed the first file, not this key.
        call_command("verify_audit", checkpoints=published, public_key=public)
