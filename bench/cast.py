"""Cast N ballots against the running production server, then check that exactly N were
counted — on a named vote (stored as cast: the path without encryption) and then, in the same
run, on a sealed secret one (each ballot encrypted to the tellers' key as it is cast), so the
two rates compare.

    python bench/cast.py [--voters 10000] [--concurrency 32] [--threads 2] [--database-url URL]

By default it uses PostgreSQL on this machine (database yishi_bench_cast, created if missing;
the design's target for one person, one vote under load). It starts gunicorn with the
production settings on 127.0.0.1 and signs every voter in by writing their session.

The load comes from wrk (Debian package `wrk`; the bench stops with a message when it is not
on PATH) running bench/cast.lua, so the client is not the bottleneck: Python threads could not
ask the bare view for more than ~300 requests/s where wrk gets thousands. The sessions go to a
file the script reads, split between wrk's threads so that each voter's request is sent
exactly once, with their own session cookie (and, for a vote, the CSRF header and cookie and a
random choice of 1 to 3 options); each thread stops itself when its share has answered. The
rate is requests over the span from the first request sent to the last answer (the threads'
clocks: wrk's own Requests/sec would count its whole time limit). Every non-2xx status, and
every voter left without an answer, counts as a failure.

Passes, on one server: the bare view /bench-hello/ (the cheapest answer the full middleware
stack gives, reading the same sessions) once unmeasured to warm the workers, once measured;
the named vote; the sealed vote; the bare view again. For each ballot it prints requests/s,
p50/p99 latency (wrk's), the statuses, the counts found in the database, and `ratio
cast/bare` against the mean of the two bare passes (the machine's load drifts during a run):
issue 18's goal is at least 0.25 with encryption on. The load average is printed with the
figures, since the load generator, the server and PostgreSQL share this machine."""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_baseline import (  # noqa: E402
    HOST,
    BenchError,
    default_workers,
    ensure_database,
    free_port,
    gunicorn_command,
    log_tail,
    manage,
    parse_wrk,
    raise_on_sigterm,
    server_env,
    start_server,
    stop_server,
    wait_ready,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yishi_bench_cast"
LUA = ROOT / "bench" / "cast.lua"


def wrk_pass(args, port: int, sessions: Path, ballot: str | None) -> dict:
    """One request per voter (a GET of the bare view when `ballot` is None, else their vote)
    from wrk; returns its figures and the HTTP statuses the script counted."""
    limit = max(120, args.voters // 5)  # a floor of 5 requests/s; the threads stop sooner
    command = ["wrk", "--threads", str(args.threads), "--connections", str(args.concurrency),
               "--duration", f"{limit}s", "--timeout", "30s", "--latency",
               "--script", str(LUA), f"http://{HOST}:{port}/", "--",
               str(sessions), str(args.threads), "bare" if ballot is None else "cast",
               ballot or ""]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Each thread stops when its voters have answered, but wrk's main thread sleeps out the
        # whole limit: once every thread has said so, SIGINT wakes it to print the results.
        finished, errors = 0, []
        for line in proc.stderr:
            if re.fullmatch(r"thread \d+ finished\n", line):
                finished += 1
                if finished == args.threads:
                    proc.send_signal(signal.SIGINT)
                    break
            else:
                errors.append(line)
        stdout, rest = proc.communicate(timeout=limit + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise BenchError(f"wrk failed (exit {proc.returncode}):\n{stdout}{''.join(errors)}{rest}")
    result = parse_wrk(stdout, "bare" if ballot is None else "cast", "")
    span = re.search(r"^span ([\d.]+)$", stdout, re.MULTILINE)
    if not span:
        raise BenchError(f"wrk's script printed no span:\n{stdout}")
    # wrk's Requests/sec divides by the time until it was woken; the threads' own clocks tell
    # the span from the first request sent to the last answer received.
    statuses = {int(code): int(n) for code, n in
                re.findall(r"^status (\d+) (\d+)$", stdout, re.MULTILINE)}
    # wrk's count includes the spare static-file requests at the end; the voters' answers do not.
    result.requests = sum(statuses.values())
    result.seconds = float(span.group(1))
    result.rps = result.requests / result.seconds
    failed = sum(n for code, n in statuses.items() if not 200 <= code < 300)
    # A voter whose request got no answer at all (socket error, the time limit) is a failure too.
    unanswered = args.voters - sum(statuses.values())
    return {"result": result, "statuses": statuses, "failures": failed + unanswered,
            "socket": result.error_detail if "socket" in result.error_detail else ""}


def describe(run: dict) -> str:
    result = run["result"]
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(run["statuses"].items()))
    return (f"{result.requests} requests in {result.seconds:.1f} s = {result.rps:.0f}/s; "
            f"latency p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms; "
            f"statuses {statuses or 'none'}; failures {run['failures']}"
            + (f" ({run['socket']})" if run["socket"] else ""))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args(argv)
    # Ctrl+C and kill both stop gunicorn and wrk through the `finally` blocks, also when run as
    # a background job (where the shell set SIGINT to be ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    if not shutil.which("wrk"):
        print("error: bench/cast.py drives the server with wrk, which is not on PATH "
              "(Debian/Ubuntu: apt-get install wrk)", file=sys.stderr)
        return 2
    args.threads = max(1, min(args.threads, args.concurrency))
    if args.voters < args.concurrency:
        parser.error("--voters must be at least --concurrency")
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
            sessions = tmp_path / "sessions.txt"
            sessions.write_text("".join(f"{key}\n" for key in setup["sessions"]))
            port = free_port()
            proc = start_server(gunicorn_command(args, port, log), env, log)
            wait_ready(proc, port, log)
            # Unmeasured: every worker imports its URLconf and opens its database connection.
            wrk_pass(args, port, sessions, None)
            bare = wrk_pass(args, port, sessions, None)
            runs = {}
            for kind, ballot in setup["ballots"].items():
                runs[kind] = wrk_pass(args, port, sessions, ballot)
                check = subprocess.run([sys.executable, str(ROOT / "bench" / "cast_setup.py"),
                                        "check", ballot], env=env, check=True, cwd=ROOT,
                                       capture_output=True, text=True)
                runs[kind]["counts"] = json.loads(check.stdout)
            # Again after the votes: the machine's load drifts, so the ratio uses both.
            bare_after = wrk_pass(args, port, sessions, None)
        except (BenchError, subprocess.CalledProcessError) as exc:
            print(f"bench failed: {exc}\n{log_tail(log)}", file=sys.stderr)
            return 1
        finally:
            stop_server(proc)
    db = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(f"database: {db}; gunicorn {args.workers} sync workers; wrk {args.threads} threads, "
          f"{args.concurrency} connections; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"[bare view /bench-hello/, before the votes] {describe(bare)}")
    print(f"[bare view /bench-hello/, after the votes] {describe(bare_after)}")
    bare_rate = (bare["result"].rps + bare_after["result"].rps) / 2
    ok = not bare["failures"] and not bare_after["failures"]
    for kind, run in runs.items():
        counts = run["counts"]
        label = "sealed (encrypted at cast)" if kind == "sealed" else "named (no encryption)"
        print(f"[{label}] {describe(run)}")
        print(f"  stored: {counts['cast']} ballots ({counts['plaintext']} in plaintext), "
              f"{counts['participations']} participations, {counts['entitled']} entitled")
        good = (counts["cast"] == counts["participations"] == args.voters and not run["failures"]
                and (kind != "sealed" or counts["plaintext"] == 0))
        print(f"  ratio cast/bare: {run['result'].rps / bare_rate:.2f} (bare: the mean of both "
              f"passes, {bare_rate:.0f}/s)")
        print("  CHECK: " + (f"exactly {args.voters} counted" if good else "MISMATCH"))
        ok = ok and good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
