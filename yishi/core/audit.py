"""The audit trail: every state change made through a service appends one hash-chained record.

Each record's hash covers its content and the previous record's hash, so editing, deleting or
inserting a record breaks the chain at that point; `manage.py verify_audit` walks it."""

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from .models import AuditChainHead, AuditRecord

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq", "created_at", "actor_id", "actor_label", "action", "object_type", "object_id",
    "object_repr", "unit_path", "before", "after", "prev_hash",
)


def _canonical(value: Any) -> Any:
    """Plain JSON values only (no floats, dates or decimals), so what the database gives back
    hashes exactly as what was written."""
    return json.loads(json.dumps(value, cls=_AuditEncoder))


class _AuditEncoder(DjangoJSONEncoder):
    def default(self, o):
        if hasattr(o, "pk") and hasattr(o, "_meta"):
            return o.pk
        if isinstance(o, set | frozenset):
            return sorted(o)
        if hasattr(o, "name") and hasattr(o, "url") and hasattr(o, "storage"):
            return o.name
        return super().default(o)

    def encode(self, o):
        return super().encode(_floats_to_str(o))


def _floats_to_str(o):
    if isinstance(o, float):
        return repr(o)
    if isinstance(o, dict):
        return {str(k): _floats_to_str(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_floats_to_str(v) for v in o]
    return o


def compute_hash(fields: dict) -> str:
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["created_at"] = fields["created_at"].astimezone(datetime.UTC).isoformat()
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def snapshot(instance, fields: list[str] | None = None) -> dict:
    """The state of a model instance as the audit trail stores it."""
    return _canonical(model_to_dict(instance, fields=fields))


def record(actor, action: str, obj, *, before=None, after=None, unit=None, repr_=None):
    """Append one record. Must run inside the service's transaction, so the record and the change
    it describes commit (or roll back) together."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside transaction.atomic()")
    # The head row is created by a migration; get_or_create covers a flushed test database.
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    fields = {
        "seq": head.last_seq + 1,
        "created_at": timezone.now(),
        "actor_id": actor.pk if actor is not None and actor.pk else None,
        "actor_label": str(actor)[:128] if actor is not None else "system",
        "action": action,
        "object_type": obj._meta.label if hasattr(obj, "_meta") else type(obj).__name__,
        "object_id": str(getattr(obj, "pk", "") or ""),
        "object_repr": (repr_ if repr_ is not None else str(obj))[:255],
        "unit_path": unit.path if unit is not None else "",
        "before": _canonical(before),
        "after": _canonical(after),
        "prev_hash": head.last_hash,
    }
    fields["hash"] = compute_hash(fields)
    entry = AuditRecord.objects.create(**fields)
    AuditChainHead.objects.filter(pk=1).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


@dataclass
class Entry:
    """One record for record_many(): what record() takes, plus the time it happened (a bulk
    load of history, e.g. the demo's year of opinions, records each step at its own time)."""

    action: str
    object_type: str
    object_id: str
    object_repr: str
    created_at: datetime.datetime
    actor: Any = None
    unit_path: str = ""
    before: Any = None
    after: Any = None


def record_many(entries: list[Entry], *, batch_size: int = 2000) -> int:
    """Append many records at once: the same chain as record() would write one by one (each
    hash covers the previous one, computed here in order), stored with bulk inserts and one
    update of the head. Must run inside the caller's transaction, like record()."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many() must be called inside transaction.atomic()")
    if not entries:
        return 0
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    seq, prev_hash, rows = head.last_seq, head.last_hash, []
    for entry in entries:
        seq += 1
        actor = entry.actor
        fields = {
            "seq": seq,
            "created_at": entry.created_at,
            "actor_id": actor.pk if actor is not None and actor.pk else None,
            "actor_label": str(actor)[:128] if actor is not None else "system",
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": str(entry.object_id),
            "object_repr": entry.object_repr[:255],
            "unit_path": entry.unit_path,
            "before": _canonical(entry.before),
            "after": _canonical(entry.after),
            "prev_hash": prev_hash,
        }
        fields["hash"] = prev_hash = compute_hash(fields)
        rows.append(fields)
    insert_rows(AuditRecord, rows, batch_size=batch_size)
    AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev_hash)
    return len(rows)


def insert_rows(model, rows: list[dict], *, batch_size: int = 2000) -> None:
    """Insert plain rows (dicts of field name → value) with one prepared statement per batch,
    each value converted by its field exactly as the ORM converts it on save. For bulk loads
    of tens of thousands of rows, where bulk_create spends most of its time building model
    instances and per-value SQL expressions."""
    if not rows:
        return
    connection = transaction.get_connection()
    fields = [model._meta.get_field(name) for name in rows[0]]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} "
           f"({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, [
                [field.get_db_prep_save(row[field.name], connection)
                 for field in fields] for row in rows[start:start + batch_size]])


@dataclass
class ChainProblem:
    seq: int | None
    record_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"record seq={self.seq}" if self.seq is not None else "chain"
        if self.record_id is not None:
            where += f" (id={self.record_id})"
        return f"{where}: {self.reason}"


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the chain in order; return how many records were checked and the first problem."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for entry in AuditRecord.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            reason = (
                f"sequence jumps from {expected_seq - 1} to {entry.seq}: records deleted"
                if entry.seq > expected_seq else "sequence out of order: record inserted"
            )
            return checked, ChainProblem(entry.seq, entry.pk, reason)
        if entry.prev_hash != prev_hash:
            return checked, ChainProblem(
                entry.seq, entry.pk, "does not link to the previous record: inserted or replaced"
            )
        fields = {name: getattr(entry, name) for name in HASHED_FIELDS}
        if compute_hash(fields) != entry.hash:
            return checked, ChainProblem(entry.seq, entry.pk, "content does not match its hash: edited")
        checked += 1
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev_hash):
        return checked, ChainProblem(
            head.last_seq, None,
            f"the chain head names record {head.last_seq} but the trail ends at "
            f"{expected_seq - 1}: records at the end deleted",
        )
    return checked, None
