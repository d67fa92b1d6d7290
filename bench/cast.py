"""Cast N ballots from concurrent clients against the running production server, then check
that exactly N were counted — on a named vote (stored as cast: the path without encryption)
and then, in the same run, on a sealed secret one (each ballot encrypted to the tellers' key as
it is cast), so the two rates compare.

    python bench/cast.py [--voters 10000] [--concurrency 32] [--database-url URL]

By default it uses PostgreSQL on this machine (database yishi_bench_cast, created if missing;
the design's target for one person, one vote under load). It starts gunicorn with the
production settings on 127.0.0.1, signs every voter in by writing their session, and each
client POSTs /api/voting/ballots/{id}/votes over a kept-alive connection. Prints ballots/s,
p50/p99 latency, and the counts found in the database afterwards. Stops by itself.

In the same run and from the same clients, it drives the bare view (/bench-hello/: the
cheapest answer the full middleware stack gives, with the same session cookies) and prints
`ratio cast/bare` for each ballot: issue 18's goal is at least 0.25 with encryption on."""

import argparse
import http.client
import json
import os
import queue
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_baseline import (  # noqa: E402
    HOST,
    BenchError,
    default_workers,
    free_port,
    gunicorn_command,
    log_tail,
    manage,
    server_env,
    start_server,
    stop_server,
    wait_ready,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yishi_bench_cast"


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


BARE = None  # the ballot argument that makes a client ask for the bare view instead


def client(port: int, ballot: str | None, jobs: "queue.Queue[str]", latencies: list,
           failures: list):
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    csrf = "b" * 32
    rng = random.Random()
    while True:
        try:
            session = jobs.get_nowait()
        except queue.Empty:
            break
        headers = {"Cookie": f"sessionid={session}; csrftoken={csrf}"}
        if ballot is BARE:
            method, path, body, expected = "GET", "/bench-hello/", None, 200
        else:
            method, path, expected = "POST", f"/api/voting/ballots/{ballot}/votes", 201
            body = json.dumps({"choices": rng.sample("ABCDEFGHIJKL", rng.randint(1, 3))})
            headers.update({"Content-Type": "application/json", "X-CSRFToken": csrf})
        started = time.perf_counter()
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            failures.append(f"connection: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status != expected:
            failures.append(f"{response.status}: {payload[:200]!r}")
    conn.close()


def run_clients(port: int, ballot: str | None, sessions: list[str], concurrency: int) -> dict:
    jobs: queue.Queue[str] = queue.Queue()
    for key in sessions:
        jobs.put(key)
    latencies: list[float] = []
    failures: list[str] = []
    threads = [threading.Thread(target=client, args=(port, ballot, jobs, latencies, failures))
               for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "failures": failures,
            "elapsed": time.perf_counter() - started}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args(argv)
    args.worker_class = "sync"
    ensure_database(args.database_url)
    proc = None
    with tempfile.TemporaryDirectory(prefix="yishi-cast-") as tmp:
        tmp_path = Path(tmp)
        env = server_env(tmp_path, args.database_url)
        log = tmp_path / "gunicorn.log"
        try:
            print(f"setup: migrate, {args.voters} voters, ballot, sessions …", flush=True)
            manage(env, "migrate", "--no-input", "-v", "0")
            manage(env, "collectstatic", "--no-input", "-v", "0")
            out = tmp_path / "setup.json"
            started = time.monotonic()
            subprocess.run([sys.executable, str(ROOT / "bench" / "cast_setup.py"), "setup",
                            str(args.voters), str(out)], env=env, check=True, cwd=ROOT)
            print(f"setup took {time.monotonic() - started:.1f} s")
            setup = json.loads(out.read_text())
            port = free_port()
            proc = start_server(gunicorn_command(args, port, log), env, log)
            wait_ready(proc, port, log)
            bare = run_clients(port, BARE, setup["sessions"], args.concurrency)
            runs = {}
            for kind, ballot in setup["ballots"].items():
                runs[kind] = run_clients(port, ballot, setup["sessions"], args.concurrency)
                check = subprocess.run([sys.executable, str(ROOT / "bench" / "cast_setup.py"),
                                        "check", ballot], env=env, check=True, cwd=ROOT,
                                       capture_output=True, text=True)
                runs[kind]["counts"] = json.loads(check.stdout)
        except (BenchError, subprocess.CalledProcessError) as exc:
            print(f"bench failed: {exc}\n{log_tail(log)}", file=sys.stderr)
            return 1
        finally:
            stop_server(proc)
    db = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(f"database: {db}; gunicorn {args.workers} sync workers; {args.concurrency} clients")
    bare_rate = len(bare["latencies"]) / bare["elapsed"]
    print(f"[bare view /bench-hello/] {len(bare['latencies'])} requests in "
          f"{bare['elapsed']:.1f} s = {bare_rate:.0f} requests/s; latency p50 "
          f"{percentile(bare['latencies'], .5):.1f} ms, p99 {percentile(bare['latencies'], .99):.1f} ms"
          f"; failures: {len(bare['failures'])}")
    ok = not bare["failures"]
    for kind, run in runs.items():
        latencies, failures, counts = run["latencies"], run["failures"], run["counts"]
        label = "sealed (encrypted at cast)" if kind == "sealed" else "named (no encryption)"
        print(f"[{label}] ballots sent: {len(latencies)} in {run['elapsed']:.1f} s = "
              f"{len(latencies) / run['elapsed']:.0f} ballots/s; latency p50 "
              f"{percentile(latencies, .5):.1f} ms, p99 {percentile(latencies, .99):.1f} ms")
        print(f"  failures: {len(failures)}" + (f" (first: {failures[0]})" if failures else ""))
        print(f"  stored: {counts['cast']} ballots ({counts['plaintext']} in plaintext), "
              f"{counts['participations']} participations, {counts['entitled']} entitled")
        good = (counts["cast"] == counts["participations"] == args.voters and not failures
                and (kind != "sealed" or counts["plaintext"] == 0))
        print(f"  ratio cast/bare: {len(latencies) / run['elapsed'] / bare_rate:.2f}")
        print("  CHECK: " + (f"exactly {args.voters} counted" if good else "MISMATCH"))
        ok = ok and good
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main())
