"""Backup and restore of a whole installation, so that an operator cannot forget a part.

A backup folder holds the database (PostgreSQL's own custom-format dump, or SQLite's online
backup of the file), the uploaded files (one tar of YISHI_MEDIA_ROOT), the published audit
checkpoints, and `manifest.json` naming each part with its SHA-256, the engine, the applied
migrations and the audit chain's head. `restore` checks every hash before it touches anything,
refuses a database or media folder that is not empty, and verifies the audit chain afterwards.

The database is copied first and the files second: a file is written before the row that refers
to it commits, so every file the copied rows name is in the tar (the tar may hold a few newer
files that no row names yet; they are harmless)."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar"
CHECKPOINTS = "audit-checkpoints.jsonl"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what and why."""


@dataclass
class Target:
    """Where a restore writes: a database (Django settings dict) and a media folder."""

    database: dict
    media_root: Path
    checkpoint_file: Path | None


def _engine(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(db: dict) -> tuple[list[str], dict]:
    """libpq connection arguments for pg_dump/pg_restore, the password in the environment
    (never on a command line that `ps` shows)."""
    args = ["--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client programs are "
                          "needed to back up and restore a PostgreSQL database).") from None
    if done.returncode:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def backup(folder: Path, alias: str = "default") -> dict:
    """Write a complete backup into `folder` (created; it must be empty) and return the
    manifest."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder for each backup.")
    folder.mkdir(parents=True, exist_ok=True)
    db = connections[alias].settings_dict
    engine = _engine(db)
    from .models import AuditChainHead

    head = (AuditChainHead.objects.using(alias).filter(pk=1)
            .values("last_seq", "last_hash").first())
    if engine == "sqlite":
        database = "database.sqlite3"
        # The online backup API copies a consistent snapshot while writers go on (WAL).
        source = sqlite3.connect(db["NAME"])
        target = sqlite3.connect(folder / database)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        database = "database.dump"
        args, env = _pg_env(db)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              "--file", str(folder / database), *args], env)
    media_root, media_files = Path(settings.MEDIA_ROOT), 0
    with tarfile.open(folder / MEDIA_TAR, "w") as tar:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file():
                    tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                    media_files += 1
    parts = [database, MEDIA_TAR]
    checkpoints = Path(settings.YISHI_AUDIT_CHECKPOINT_FILE)
    if checkpoints.is_file():
        shutil.copyfile(checkpoints, folder / CHECKPOINTS)
        parts.append(CHECKPOINTS)
    from django.db.migrations.recorder import MigrationRecorder

    applied = sorted(MigrationRecorder(connections[alias]).applied_migrations())
    manifest = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "database": database,
        "files": {name: _sha256(folder / name) for name in parts},
        "media_files": media_files,
        "migrations": [f"{app}.{name}" for app, name in applied],
        "audit_head": head and {"seq": head["last_seq"], "hash": head["last_hash"]},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> dict:
    """The manifest, after checking that every part it names is there with its hash."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} has no {MANIFEST}: it is not a Yishi backup.") from None
    except ValueError as exc:
        raise BackupError(f"{folder / MANIFEST} is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, digest in manifest["files"].items():
        path = folder / name
        if Path(name).name != name or not path.is_file():
            raise BackupError(f"The backup is incomplete: {name} is missing.")
        if _sha256(path) != digest:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: the backup is "
                              "damaged or was changed.")
    return manifest


def _database_is_empty(db: dict) -> bool:
    if _engine(db) == "sqlite":
        path = Path(db["NAME"])
        if not path.exists() or path.stat().st_size == 0:
            return True
        with sqlite3.connect(path) as conn:
            return not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table'").fetchone()
    import psycopg

    params = {"dbname": db["NAME"], "host": db.get("HOST") or None,
              "port": db.get("PORT") or None, "user": db.get("USER") or None,
              "password": db.get("PASSWORD") or None}
    with psycopg.connect(**{k: v for k, v in params.items() if v}) as conn:
        return not conn.execute("SELECT 1 FROM pg_tables WHERE schemaname NOT IN "
                                "('pg_catalog', 'information_schema') LIMIT 1").fetchone()


def restore(folder: Path, target: Target) -> dict:
    """Restore the backup in `folder` into an empty database and an empty media folder."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    db = target.database
    if _engine(db) != manifest["engine"]:
        raise BackupError(f"This backup is of a {manifest['engine']} database; the target is "
                          f"{_engine(db)}.")
    if not _database_is_empty(db):
        raise BackupError(f"The database {db['NAME']} is not empty: restore into a new, empty "
                          "database (and point DATABASE_URL at it).")
    media_root = Path(target.media_root)
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"The media folder {media_root} is not empty: restore into a new one "
                          "(and point YISHI_MEDIA_ROOT at it).")
    if manifest["engine"] == "sqlite":
        path = Path(db["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        source = sqlite3.connect(folder / manifest["database"])
        copy = sqlite3.connect(path)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        args, env = _pg_env(db)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", *args, str(folder / manifest["database"])], env)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA_TAR) as tar:
        # The "data" filter refuses absolute paths, links out of the folder and device files.
        tar.extractall(media_root, filter="data")
    if CHECKPOINTS in manifest["files"] and target.checkpoint_file:
        checkpoint_file = Path(target.checkpoint_file)
        if not checkpoint_file.exists():
            checkpoint_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / CHECKPOINTS, checkpoint_file)
    return manifest
