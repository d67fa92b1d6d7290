"""Signed checkpoints of the audit chain, published where the database cannot reach.

The hash chain proves that records were not changed one by one, but someone who can write to
the database can rewrite a record and re-hash everything after it, or cut the end off and move
the head back. A checkpoint — (sequence, hash, time) of the head, signed with an Ed25519 key that
is not in the database — published every period on a public page and appended to a file on
another disk makes that visible: the rewritten chain no longer holds the published hash at the
published sequence, or is shorter than it. `manage.py verify_audit --checkpoints FILE-or-URL`
checks a chain against any copy of the published checkpoints."""

import base64
import datetime
import json
import os
import urllib.request
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditCheckpoint, AuditRecord


def signing_key() -> Ed25519PrivateKey:
    if settings.YISHI_AUDIT_SIGNING_KEY:
        return Ed25519PrivateKey.from_private_bytes(
            base64.b64decode(settings.YISHI_AUDIT_SIGNING_KEY))
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("YISHI_AUDIT_SIGNING_KEY is not set: no checkpoint published")
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"yishi audit checkpoints (development)").derive(settings.SECRET_KEY.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def new_signing_key() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption())
    return base64.b64encode(raw).decode()


def public_key_text(private: Ed25519PrivateKey | None = None) -> str:
    raw = (private or signing_key()).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def statement(seq: int, hash_: str, at: datetime.datetime) -> bytes:
    """The exact bytes signed: what a verifier rebuilds from a published line."""
    at = at.astimezone(datetime.UTC).isoformat()
    return f"yishi-audit-checkpoint:{seq}:{hash_}:{at}".encode()


def as_published(checkpoint: AuditCheckpoint) -> dict:
    return {
        "seq": checkpoint.seq, "hash": checkpoint.hash,
        "time": checkpoint.created_at.astimezone(datetime.UTC).isoformat(),
        "signature": checkpoint.signature,
    }


def _append_to_file(line: dict) -> None:
    path = settings.YISHI_AUDIT_CHECKPOINT_FILE
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # O_APPEND: each line lands at the end whatever else writes; fsync before the row commits.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(line, sort_keys=True) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_checkpoint(now=None) -> int:
    """Periodic job: sign and publish the chain head once per period. Several workers may run it;
    the unique period lets exactly one insert win, and the file line is written in that
    transaction, so a failed write publishes nothing."""
    now = now or timezone.now()
    period = int(now.timestamp()) // (settings.YISHI_AUDIT_CHECKPOINT_MINUTES * 60)
    if AuditCheckpoint.objects.filter(period=period).exists():
        return 0
    key = signing_key()
    try:
        with transaction.atomic():
            head, _ = AuditChainHead.objects.get_or_create(pk=1)
            checkpoint = AuditCheckpoint.objects.create(
                period=period, seq=head.last_seq, hash=head.last_hash, created_at=now,
                signature=base64.b64encode(
                    key.sign(statement(head.last_seq, head.last_hash, now))).decode(),
            )
            _append_to_file(as_published(checkpoint))
    except IntegrityError:
        return 0  # another worker published this period's checkpoint
    return 1


# --- verifying a chain against published checkpoints -------------------------------------

@dataclass
class Published:
    seq: int
    hash: str
    time: datetime.datetime
    signature: str


def load_published(source: str) -> list[Published]:
    """Checkpoints from a file of JSON lines or from the public page's JSON (a URL)."""
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - operator's URL
            return load_published_text(response.read().decode())
    with open(source, encoding="utf-8") as handle:
        return load_published_text(handle.read())


def load_published_text(text: str) -> list[Published]:
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        document = json.loads(text)
    except ValueError:
        items = [json.loads(line) for line in lines]  # the append-only file: JSON lines
    else:
        items = document["checkpoints"] if isinstance(document, dict) and \
            "checkpoints" in document else [document]
    return [Published(int(x["seq"]), str(x["hash"]),
                      datetime.datetime.fromisoformat(x["time"]), str(x["signature"]))
            for x in items]


def check_against(published: list[Published], public_key: str) -> list[str]:
    """What is wrong with the database's chain in the light of the published checkpoints."""
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
    problems = []
    head = AuditChainHead.objects.filter(pk=1).first()
    length = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    for point in published:
        try:
            key.verify(base64.b64decode(point.signature),
                       statement(point.seq, point.hash, point.time))
        except (InvalidSignature, ValueError):
            problems.append(f"checkpoint #{point.seq} of {point.time.isoformat()}: "
                            "signature does not verify with the public key")
            continue
        if point.seq > length or (head is not None and point.seq > head.last_seq):
            problems.append(
                f"checkpoint #{point.seq} of {point.time.isoformat()} was published, but the "
                f"chain now ends at {min(length, head.last_seq if head else length)}: "
                "records at the end removed")
            continue
        if point.seq == 0:
            continue
        stored = AuditRecord.objects.filter(seq=point.seq).values_list("hash", flat=True).first()
        if stored != point.hash:
            problems.append(
                f"checkpoint #{point.seq} of {point.time.isoformat()}: the chain holds another "
                "hash at that sequence: the chain up to it was rewritten")
    return problems
