"""`manage.py backup` and `manage.py restore`: the demo backed up while a writer keeps writing,
restored into a new database and media folder, compared table by table and file by file, and
the audit chain verified on the copy. Both databases."""

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, transaction

from yishi.core import audit
from yishi.core.backup import BackupError, Target, backup, restore
from yishi.core.models import Unit

pytestmark = pytest.mark.django_db(transaction=True)
REPO = Path(__file__).resolve().parents[2]
# Rows that change in place while the writer runs: compared by count only.
MUTABLE = {"core_auditchainhead", "sqlite_sequence"}


def _url(db: dict) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _manage(*args, database: dict, media: Path, checkpoints: Path, var: Path) -> str:
    env = dict(os.environ, DATABASE_URL=_url(database), YISHI_MEDIA_ROOT=str(media),
               YISHI_AUDIT_CHECKPOINT_FILE=str(checkpoints), YISHI_VAR_DIR=str(var))
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _tables(db: dict) -> dict[str, list]:
    """Every table's rows, read through the driver itself (committed data only)."""
    if connection.vendor == "sqlite":
        conn = sqlite3.connect(db["NAME"])
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = {n: conn.execute(f'SELECT * FROM "{n}"').fetchall() for n in names}
        conn.close()
    else:
        import psycopg

        with psycopg.connect(dbname=db["NAME"], user=db["USER"],
                             host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432) as conn:
            names = [r[0] for r in conn.execute(
                "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname NOT IN "
                "('pg_catalog', 'information_schema')")]
            rows = {n: conn.execute("SELECT * FROM {}.{}".format(
                *(f'"{part}"' for part in n.split(".")))).fetchall() for n in names}
    return {n.removeprefix("public."): sorted(r, key=repr) for n, r in rows.items()}


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def fresh_database():
    """A new, empty database of the same engine as the test database."""
    db = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        db["NAME"] = str(Path(db["NAME"]).with_name(Path(db["NAME"]).name + "-restored"))
        Path(db["NAME"]).unlink(missing_ok=True)
        yield db
        for suffix in ("", "-wal", "-shm"):
            Path(db["NAME"] + suffix).unlink(missing_ok=True)
        return
    db["NAME"] = f"{db['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    yield db
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')


def test_backup_under_a_live_writer_restores_every_row_and_file(demo, tmp_path, fresh_database):
    media = Path(settings.MEDIA_ROOT)
    (media / "backup-test").mkdir(parents=True, exist_ok=True)
    for i in range(5):
        (media / "backup-test" / f"photo-{i}.jpg").write_bytes(os.urandom(2048))
    checkpoints = Path(settings.YISHI_AUDIT_CHECKPOINT_FILE)
    checkpoints.parent.mkdir(parents=True, exist_ok=True)
    checkpoints.write_text('{"seq": 1}\n', encoding="utf-8")
    source = dict(connection.settings_dict)
    before = _tables(source)
    street = Unit.objects.get(name="西溪街道")

    stop, written = threading.Event(), []

    def writer():
        try:
            while not stop.is_set():
                with transaction.atomic():
                    audit.record(None, "core.backup_probe", street, after={"n": len(written)})
                written.append(1)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            thread.join(0.05)
        out = _manage("backup", str(tmp_path / "backup"), database=source, media=media,
                      checkpoints=checkpoints, var=tmp_path / "var")
        assert "Backed up into" in out
    finally:
        stop.set()
        thread.join()
    after = _tables(source)
    assert any(before[t] != after[t] for t in after), "the writer wrote nothing"

    restored_media = tmp_path / "restored-media"
    out = _manage("restore", str(tmp_path / "backup"), database=fresh_database,
                  media=restored_media, checkpoints=tmp_path / "restored-checkpoints.jsonl",
                  var=tmp_path / "var")
    assert "Audit trail intact" in out
    restored = _tables(fresh_database)
    assert set(restored) == set(after)
    for table, rows in after.items():
        if before[table] == rows:
            assert restored[table] == rows, f"{table} differs after restore"
        elif table not in MUTABLE:
            # Written during the backup: the copy holds the rows of one moment, all of them real.
            assert len(before[table]) <= len(restored[table]) <= len(rows), table
            assert set(map(repr, restored[table])) <= set(map(repr, rows)), table
    assert _files(restored_media) == _files(media)
    assert (tmp_path / "restored-checkpoints.jsonl").read_text() == checkpoints.read_text()


def test_restore_refuses_a_damaged_backup_and_a_database_in_use(demo, tmp_path):
    folder = tmp_path / "backup"
    backup(folder)
    in_use = Target(database=dict(connection.settings_dict), media_root=tmp_path / "m",
                    checkpoint_file=None)
    with pytest.raises(BackupError, match="not empty: restore into a new, empty database"):
        restore(folder, in_use)
    with pytest.raises(BackupError, match="not empty: give a new folder"):
        backup(folder)
    tar = folder / "media.tar"
    tar.write_bytes(tar.read_bytes() + b"\0")
    with pytest.raises(BackupError, match="media.tar does not match its SHA-256"):
        restore(folder, in_use)
    (folder / "manifest.json").unlink()
    with pytest.raises(BackupError, match="no manifest.json: it is not a Yishi backup"):
        restore(folder, in_use)
    assert not (tmp_path / "m").exists()
