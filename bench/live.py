"""The online reception room under load: 500 residents waiting in one room, each page polling
the room's state every 2 s (If-None-Match, 304 while nothing changed), while the deputy calls
residents in. Served by gunicorn on 127.0.0.1 with the production configuration.

    .venv/bin/python bench/live.py                        # fresh SQLite in a temp dir
    .venv/bin/python bench/live.py --database-url postgres://postgres@127.0.0.1:5432/yishi_bench
    .venv/bin/python bench/live.py --watchers 200 --duration 20 --changes 2

What it does: migrates a fresh database and loads the demo (as bench/http_baseline.py does),
schedules an online reception with the demo's deputy, books `--watchers` new residents into it
and signs each one's room token (what the room page gives its poller); starts gunicorn; then
  1. measures the home page `/` alone (sequential GETs): its idle p50/p99;
  2. starts the watchers (asyncio, one keep-alive connection each, the same request room.js
     sends) and, while they poll, measures `/` again: its p99 under the polling;
  3. every `--change-every` seconds the deputy calls the next resident in (the service, in this
     process, on the same database): every waiting resident's place moves, so every watcher
     must see a new state. For each change it records when the change committed and when each
     watcher first got the new version.
It prints polls/s, p50/p95/p99 poll latency, the share answered 304, the time from each change
to all watchers having seen it (and to half of them), and the home page's p99 idle and under
load. Everything stops by itself after `--duration` seconds of polling (gunicorn too, also on
error or Ctrl+C). Only 127.0.0.1 is targeted; load generator and server share the machine, so
the figures are for comparing runs on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.http_baseline import (  # noqa: E402
    HOST,
    BenchError,
    free_port,
    gunicorn_command,
    manage,
    masked_url,
    raise_on_sigterm,
    server_env,
    start_server,
    stop_server,
    wait_ready,
)

POLL_EVERY = 2.0  # seconds, as room.js


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="500 watchers of one online reception room.")
    parser.add_argument("--watchers", type=int, default=500)
    parser.add_argument("--duration", type=float, default=30.0,
                        help="seconds of polling (default 30)")
    parser.add_argument("--changes", type=int, default=3, help="deputy's calls (default 3)")
    parser.add_argument("--change-every", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--threads", type=int, default=32,
                        help="threads per gunicorn worker (gthread, keep-alive; default 32)")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--probe-requests", type=int, default=60,
                        help="sequential GET / for the idle p99 (default 60)")
    args = parser.parse_args(argv)
    args.worker_class = "gthread"
    return args


# --- setup in this process (Django on the same database as the server) -----------------------


def django_setup(env: dict[str, str]) -> None:
    os.environ.update({k: v for k, v in env.items() if k.startswith(("YISHI_", "DATABASE_URL",
                                                                      "DJANGO_"))})
    import django

    django.setup()


def make_room(watchers: int) -> tuple[int, list[dict]]:
    """An online reception, running now, with `watchers` residents booked; their tokens."""
    from datetime import timedelta

    from django.utils import timezone

    from yishi.core.models import Role, RoleAssignment, Unit, User
    from yishi.deputies import live, services
    from yishi.deputies.models import Booking, LiaisonStation, ReceptionSession

    staff = User.objects.get(mobile="13900010201")
    deputy = User.objects.get(mobile="13900030201")
    street = staff.role_assignments.get().unit
    station = LiaisonStation.objects.get(code=f"station-{street.code}")
    start = timezone.now() + timedelta(days=station.notice_days + 1)
    session = services.schedule_session(staff, station, starts_at=start,
                                        ends_at=start + timedelta(hours=2), mode="online",
                                        deputies=[deputy.deputy_profile], slots=100)
    community = Unit.objects.filter(parent=street).first()
    people = User.objects.bulk_create([
        User(mobile=f"177{n:08d}", name=f"居民{n}", home_unit=community)
        for n in range(watchers)])
    RoleAssignment.objects.bulk_create([
        RoleAssignment(user=p, role=Role.RESIDENT, unit=community) for p in people])
    bookings = Booking.objects.bulk_create([
        Booking(session=session, resident=p, slot=n + 1) for n, p in enumerate(people)])
    # A room larger than a station would offer (at most 100 places), and running now: the bench
    # sets both directly, as the page could not.
    now = timezone.now()
    ReceptionSession.objects.filter(pk=session.pk).update(
        slots=watchers, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2))
    watchers_ = [{"path": f"/deputies/sessions/{session.pk}/room/{b.pk}/live.json",
                  "token": live.room_token(b, p)} for b, p in zip(bookings, people, strict=True)]
    return session.pk, watchers_


def call_next(session_id: int) -> tuple[float, int]:
    """The deputy calls the next resident in; when it committed, and the version it made."""
    from django.db import close_old_connections

    from yishi.core.models import User
    from yishi.deputies import bookings
    from yishi.deputies.models import ReceptionSession

    close_old_connections()
    session = ReceptionSession.objects.get(pk=session_id)
    bookings.call_next(User.objects.get(mobile="13900030201"), session)
    committed = time.monotonic()
    return committed, ReceptionSession.objects.get(pk=session_id).live_version


# --- the load: one keep-alive connection per watcher, raw HTTP/1.1 ----------------------------


class Connection:
    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, dict, bytes]:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}", "Connection: keep-alive",
                     *(f"{k}: {v}" for k, v in headers.items()), "", ""]
            try:
                self.writer.write("\r\n".join(lines).encode())
                await self.writer.drain()
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
                continue
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split()[1])
            got = {}
            for line in header_lines:
                if ":" in line:
                    name, value = line.split(":", 1)
                    got[name.strip().lower()] = value.strip()
            body = b""
            length = int(got.get("content-length", "0") or 0)
            if length:
                body = await self.reader.readexactly(length)
            if got.get("connection", "").lower() == "close":
                self.close()
            return status, got, body
        raise ConnectionError("unreachable")

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Stats:
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    errors: int = 0
    # version -> list of monotonic times at which each watcher first saw it (or later)
    seen: dict = field(default_factory=dict)


async def watcher(port: int, spec: dict, stats: Stats, stop_at: float) -> None:
    conn = Connection(port)
    etag, version = "", -1
    await asyncio.sleep(random.uniform(0, POLL_EVERY))  # pages are not opened all at once
    while time.monotonic() < stop_at:
        started = time.monotonic()
        headers = {"X-Room-Token": spec["token"], "Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        try:
            status, got, body = await conn.get(spec["path"], headers)
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            stats.errors += 1
            conn.close()
            await asyncio.sleep(POLL_EVERY)
            continue
        now = time.monotonic()
        stats.latencies.append(now - started)
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
        if status == 200:
            etag = got.get("etag", etag)
            new = json.loads(body)["version"]
            if new > version:
                for v in range(version + 1, new + 1):
                    stats.seen.setdefault(v, []).append(now)
                version = new
        await asyncio.sleep(max(0.0, POLL_EVERY - (time.monotonic() - started)))
    conn.close()


async def probe(port: int, path: str, count: int, stop_at: float | None = None) -> list[float]:
    """Sequential GETs of an ordinary page: its latencies."""
    conn, times = Connection(port), []
    n = 0
    while (stop_at is None and n < count) or (stop_at is not None and time.monotonic() < stop_at):
        started = time.monotonic()
        status, _h, _b = await conn.get(path, {"Accept": "text/html"})
        if status != 200:
            raise BenchError(f"GET {path} answered {status}")
        times.append(time.monotonic() - started)
        n += 1
        await asyncio.sleep(0.05)
    conn.close()
    return times


def pct(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


async def run_load(args, port: int, session_id: int, specs: list[dict]) -> None:
    loop = asyncio.get_running_loop()
    idle = await probe(port, "/", args.probe_requests)
    stats = Stats()
    started = time.monotonic()
    stop_at = started + args.duration
    tasks = [asyncio.create_task(watcher(port, s, stats, stop_at)) for s in specs]
    under_load_task = asyncio.create_task(probe(port, "/", 0, stop_at=stop_at))
    changes = []
    await asyncio.sleep(min(args.change_every, args.duration / 2))
    for _n in range(args.changes):
        if time.monotonic() + POLL_EVERY * 2 > stop_at:
            break
        committed, version = await loop.run_in_executor(None, call_next, session_id)
        changes.append((committed, version))
        await asyncio.sleep(args.change_every)
    await asyncio.gather(*tasks)
    under_load = await under_load_task
    seconds = time.monotonic() - started

    polls = len(stats.latencies)
    print("Results")
    print(f"  {'watchers':<34} {len(specs)} (one room, each polling every {POLL_EVERY:g} s)")
    print(f"  {'polls':<34} {polls} in {seconds:.1f} s = {polls / seconds:.0f} requests/s")
    print(f"  {'answers':<34} " + ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses.items()))
          + f", errors: {stats.errors}")
    share_304 = stats.statuses.get(304, 0) / polls if polls else 0
    print(f"  {'answered 304 Not Modified':<34} {share_304:.1%}")
    print(f"  {'poll latency p50 / p95 / p99':<34} {pct(stats.latencies, .5):.1f} / "
          f"{pct(stats.latencies, .95):.1f} / {pct(stats.latencies, .99):.1f} ms")
    for n, (committed, version) in enumerate(changes, start=1):
        seen = [t - committed for t in stats.seen.get(version, [])]
        if len(seen) < len(specs):
            print(f"  change {n} (version {version}): seen by {len(seen)} of {len(specs)} "
                  "watchers before the end")
            continue
        print(f"  change {n} (version {version}): all {len(specs)} watchers saw it after "
              f"{max(seen):.2f} s (half after {statistics.median(seen):.2f} s)")
    idle99, load99 = pct(idle, .99), pct(under_load, .99)
    print(f"  {'home page / p50, p99 idle':<34} {pct(idle, .5):.1f}, {idle99:.1f} ms "
          f"({len(idle)} requests)")
    print(f"  {'home page / p50, p99 under polling':<34} {pct(under_load, .5):.1f}, "
          f"{load99:.1f} ms ({len(under_load)} requests)")
    print(f"  {'home page p99 ratio load/idle':<34} {load99 / idle99:.2f}x")


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    work = Path(tempfile.mkdtemp(prefix="yishi-bench-live-"))
    database_url = args.database_url or f"sqlite:///{work / 'yishi.sqlite3'}"
    env = server_env(work, database_url)
    log = work / "gunicorn.log"
    port = free_port()
    proc = None
    try:
        # gthread keeps connections alive between a page's polls (5 s > the 2 s between them).
        command = gunicorn_command(args, port, log) + ["--threads", str(args.threads),
                                                       "--keep-alive", "5"]
        print("Configuration")
        print(f"  {'machine':<20} {os.cpu_count()} cores")
        print(f"  {'DATABASE_URL':<20} {masked_url(database_url)}")
        print(f"  {'server':<20} {' '.join(command)}")
        print()
        print("Setup")
        for step in (["migrate", "--no-input", "-v", "0"], ["load_demo", "--quiet"],
                     ["collectstatic", "--no-input", "-v", "0"]):
            print(f"  manage.py {' '.join(step):<34} {manage(env, *step):6.1f} s")
        django_setup(env)
        session_id, specs = make_room(args.watchers)
        print(f"  online reception {session_id} with {len(specs)} residents booked")
        proc = start_server(command, env, log)
        wait_ready(proc, port, log)
        print(f"  gunicorn pid {proc.pid} on http://{HOST}:{port}/")
        print()
        # Bounded: the load stops by itself after --duration; this is the backstop.
        asyncio.run(asyncio.wait_for(run_load(args, port, session_id, specs),
                                     timeout=args.duration + 300))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        stop_server(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
