"""HTTP baseline: the district home page `/` against a bare "hello" view, on the production
configuration served by gunicorn on loopback.

    .venv/bin/python bench/http_baseline.py                       # fresh SQLite in a temp dir
    .venv/bin/python bench/http_baseline.py --database-url postgres://postgres@127.0.0.1:5432/yishi_bench

What it does, in order: makes a temp dir (YISHI_VAR_DIR: static files, media, the SQLite file),
runs `migrate`, `load_demo` and `collectstatic` with the production settings, starts gunicorn
(`yishi.wsgi`, DJANGO_SETTINGS_MODULE=bench.bench_settings = yishi.settings plus /bench-hello/)
on 127.0.0.1 with YISHI_ENV=production, a random YISHI_SECRET_KEY, YISHI_ALLOWED_HOSTS=127.0.0.1
and YISHI_SSL_REDIRECT=0 (plain HTTP on loopback; behind nginx the redirect stays on), checks
that both pages and a static file answer 200, then drives each URL with wrk (if installed)
or else locust (headless, from the venv) and prints requests/s, p50 and p99 latency, and the
ratio home/hello. gunicorn is stopped at the end, also on error or Ctrl+C.

Only 127.0.0.1 is ever targeted. The load generator runs on the same machine as the server,
so the figures are a lower bound and are for comparing runs on one machine, not machines.
A PostgreSQL database given with --database-url is migrated and gets the (idempotent) demo
data; it is not dropped afterwards.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
URLS = [("hello", "/bench-hello/"), ("home", "/")]


class BenchError(Exception):
    """A step failed; the message says which and why."""


@dataclass
class Result:
    name: str
    path: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_detail: str


# --- configuration --------------------------------------------------------------------------


def default_workers() -> int:
    cores = os.cpu_count() or 1
    return max(2, min(2 * cores + 1, 17))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Requests/s and latency of / against a bare hello view (production config).",
    )
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of load per URL (default 10)")
    parser.add_argument("--connections", type=int, default=16,
                        help="concurrent connections (wrk) or users (locust) (default 16)")
    parser.add_argument("--threads", type=int, default=2,
                        help="wrk threads (default 2; capped at --connections)")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="gunicorn workers (default 2*cores+1, at most 17; here "
                             f"{default_workers()})")
    parser.add_argument("--worker-class", default="sync",
                        help="gunicorn worker class (default sync, gunicorn's own default)")
    parser.add_argument("--database-url", default="",
                        help="DATABASE_URL to use (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--tool", choices=["auto", "wrk", "locust"], default="auto",
                        help="load tool: wrk if on PATH, else locust (default auto)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds of unmeasured load per URL first (default 2)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp dir (gunicorn log, SQLite file) and print its path")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0:
        parser.error("--duration must be > 0 and --warmup >= 0")
    if args.connections < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--connections, --workers and --threads must be >= 1")
    args.threads = min(args.threads, args.connections)
    return args


def masked_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return url


def server_env(var_dir: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("YISHI_TESTING", "YISHI_DEBUG", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "YISHI_ENV": "production",
        "YISHI_SECRET_KEY": secrets.token_urlsafe(50),
        "YISHI_ALLOWED_HOSTS": HOST,
        "YISHI_SSL_REDIRECT": "0",
        "YISHI_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    })
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- setup and server -----------------------------------------------------------------------


def manage(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip()[-3000:]
        raise BenchError(f"`manage.py {' '.join(args)}` failed (exit {proc.returncode}):\n{output}")
    return time.monotonic() - started


def gunicorn_command(args: argparse.Namespace, port: int, log: Path) -> list[str]:
    command = [
        sys.executable, "-m", "gunicorn", "yishi.wsgi:application",
        "--bind", f"{HOST}:{port}",
        "--workers", str(args.workers),
        "--worker-class", args.worker_class,
        "--timeout", "60",
        "--graceful-timeout", "5",
        "--chdir", str(ROOT),
        "--log-level", "warning",
        "--error-logfile", str(log),
    ]
    help_text = subprocess.run([sys.executable, "-m", "gunicorn", "--help"], capture_output=True,
                               text=True, check=False).stdout
    if "--no-control-socket" in help_text:  # gunicorn >= 25 would otherwise use ~/.gunicorn/
        command.append("--no-control-socket")
    return command


def start_server(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # Own session: Ctrl+C in the terminal reaches this script, which then stops the whole group.
    with open(log, "ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET http://127.0.0.1:port/path without following redirects."""
    request = urllib.request.Request(f"http://{HOST}:{port}{path}")
    try:
        with _opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


def wait_ready(proc: subprocess.Popen, port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {proc.returncode}:\n{log_tail(log)}")
        try:
            status, headers, _body = fetch(port, "/healthz")
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise BenchError(f"GET /healthz answered {status} {headers.get('Location', '')}, "
                         f"expected 200 (is YISHI_SSL_REDIRECT=0 honoured?)\n{log_tail(log)}")
    raise BenchError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{log_tail(log)}")


def verify(port: int) -> list[str]:
    """Both URLs and a static file answer 200 (not a redirect); return lines to print."""
    lines = []
    home_body = b""
    for name, path in URLS:
        status, headers, body = fetch(port, path)
        if status != 200:
            where = headers.get("Location", "")
            raise BenchError(
                f"GET {path} answered {status}{' -> ' + where if where else ''}, expected 200. "
                "A 301 to https means YISHI_SSL_REDIRECT was not honoured; a 400 means "
                "ALLOWED_HOSTS does not include 127.0.0.1."
            )
        csp = "yes" if "Content-Security-Policy" in headers else "NO"
        lines.append(f"  GET {path:<14} 200, {len(body):>6} bytes, CSP header: {csp}")
        if name == "home":
            home_body = body
    match = re.search(rb'(?:href|src)="(/static/[^"]+)"', home_body)
    if not match:
        raise BenchError("the home page links no /static/ file; cannot check static serving")
    static_path = match.group(1).decode()
    status, headers, body = fetch(port, static_path)
    if status != 200:
        raise BenchError(f"static file {static_path} answered {status}: whitenoise/collectstatic?")
    lines.append(f"  GET {static_path} 200, {len(body)} bytes, "
                 f"Cache-Control: {headers.get('Cache-Control', '-')} (whitenoise)")
    return lines


# --- load tools -----------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise BenchError(f"cannot read wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def wrk_command(args: argparse.Namespace, url: str, seconds: float) -> list[str]:
    return ["wrk", "--threads", str(args.threads), "--connections", str(args.connections),
            "--duration", f"{max(1, round(seconds))}s", "--timeout", "10s", "--latency", url]


def parse_wrk(output: str, name: str, path: str) -> Result:
    def grab(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if not match:
            raise BenchError(f"cannot parse wrk output (no {pattern!r}):\n{output}")
        return match

    done = grab(r"^\s*(\d+) requests in ([\d.]+\w+)")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        output)
    errors, detail = 0, []
    if non2xx:
        errors += int(non2xx.group(1))
        detail.append(f"{non2xx.group(1)} non-2xx/3xx")
    if sockets:
        counts = dict(zip(("connect", "read", "write", "timeout"),
                          map(int, sockets.groups()), strict=True))
        errors += sum(counts.values())
        detail.append("socket errors " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return Result(
        name=name, path=path, requests=int(done.group(1)), seconds=_ms(done.group(2)) / 1000,
        rps=float(grab(r"^Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=_ms(grab(r"^\s+50%\s+(\S+)").group(1)),
        p99_ms=_ms(grab(r"^\s+99%\s+(\S+)").group(1)),
        errors=errors, error_detail="; ".join(detail),
    )


def run_wrk(args: argparse.Namespace, port: int, name: str, path: str, seconds: float) -> Result:
    command = wrk_command(args, f"http://{HOST}:{port}{path}", seconds)
    proc = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60,
                          check=False)
    if proc.returncode != 0:
        raise BenchError(f"wrk failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return parse_wrk(proc.stdout, name, path)


LOCUSTFILE = textwrap.dedent('''\
    """Written by bench/http_baseline.py: GET one path as fast as possible."""
    import os

    from locust import FastHttpUser, constant, task

    PATH = os.environ["YISHI_BENCH_PATH"]


    class Visitor(FastHttpUser):
        wait_time = constant(0)

        @task
        def get(self):
            with self.client.get(PATH, catch_response=True, allow_redirects=False) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")
    ''')


def locust_command(args: argparse.Namespace, locustfile: Path, port: int,
                   seconds: float) -> list[str]:
    return [
        sys.executable, "-m", "locust", "-f", str(locustfile), "--headless",
        "--host", f"http://{HOST}:{port}", "--users", str(args.connections),
        "--spawn-rate", str(args.connections), "--run-time", f"{max(1, round(seconds))}s",
        "--stop-timeout", "2", "--loglevel", "WARNING", "--json", "--skip-log",
    ]


def percentile_ms(histogram: dict[str, int], fraction: float) -> float:
    """Locust keeps response times rounded (ms, 2-3 significant digits) with their counts."""
    total = sum(histogram.values())
    seen = 0
    for value, count in sorted((float(k), v) for k, v in histogram.items()):
        seen += count
        if seen >= fraction * total:
            return value
    return float("nan")


def run_locust(args: argparse.Namespace, port: int, name: str, path: str, seconds: float,
               work: Path) -> Result:
    locustfile = work / "locustfile.py"
    locustfile.write_text(LOCUSTFILE)
    command = locust_command(args, locustfile, port, seconds)
    env = {**os.environ, "YISHI_BENCH_PATH": path}
    proc = subprocess.run(command, capture_output=True, text=True, env=env,
                          timeout=seconds + 60, check=False)
    try:  # exit 1 only means "some requests failed"; no JSON means locust broke
        entries = json.loads(proc.stdout)
    except ValueError:
        raise BenchError(
            f"locust failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        ) from None
    histogram: dict[str, int] = {}
    for entry in entries:
        for value, count in entry["response_times"].items():
            histogram[value] = histogram.get(value, 0) + count
    requests = sum(e["num_requests"] for e in entries)
    failures = sum(e["num_failures"] for e in entries)
    if not requests:
        raise BenchError(f"locust made no requests to {path}:\n{proc.stderr[-2000:]}")
    window = (max(e["last_request_timestamp"] for e in entries)
              - min(e["start_time"] for e in entries))
    return Result(
        name=name, path=path, requests=requests, seconds=window,
        rps=requests / window if window > 0 else float("nan"),
        p50_ms=percentile_ms(histogram, 0.50), p99_ms=percentile_ms(histogram, 0.99),
        errors=failures, error_detail=f"{failures} failed requests" if failures else "",
    )


# --- main -----------------------------------------------------------------------------------


def raise_on_sigterm(signum, frame):
    """A SIGTERM handler: `kill` ends a bench through its `finally` blocks, as Ctrl+C does."""
    raise KeyboardInterrupt


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database a bench URL names, if missing (SQLite makes its own)."""
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl+C and kill both end the run through the `finally` below, which stops gunicorn; also
    # when started as a background job (where the shell set SIGINT to be ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "locust"
    if tool == "wrk" and not shutil.which("wrk"):
        print("error: --tool wrk but wrk is not on PATH", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="yishi-bench-"))
    database_url = args.database_url or f"sqlite:///{work / 'yishi.sqlite3'}"
    env = server_env(work, database_url)
    log = work / "gunicorn.log"
    port = free_port()
    proc = None
    try:
        command = gunicorn_command(args, port, log)
        versions = ", ".join(f"{p} {importlib.metadata.version(p)}"
                             for p in ("django", "gunicorn", "whitenoise"))
        tool_version = (
            subprocess.run(["wrk", "--version"], capture_output=True, text=True,
                           check=False).stdout.splitlines()[0].split(" Copyright")[0]
            if tool == "wrk" else f"locust {importlib.metadata.version('locust')}"
        )
        print("Configuration")
        print(f"  {'machine':<20} {platform.machine()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, {versions}")
        print(f"  {'settings':<20} DJANGO_SETTINGS_MODULE=bench.bench_settings "
              "(yishi.settings + /bench-hello/)")
        for name in ("YISHI_ENV", "YISHI_ALLOWED_HOSTS", "YISHI_SSL_REDIRECT", "YISHI_VAR_DIR"):
            print(f"  {name:<20} {env[name]}")
        print(f"  {'YISHI_SECRET_KEY':<20} (random, token_urlsafe(50))")
        print(f"  {'DATABASE_URL':<20} {masked_url(database_url)}")
        print(f"  {'REDIS_URL':<20} {masked_url(env.get('REDIS_URL', '')) or '(unset: local memory)'}")
        print(f"  {'server':<20} {' '.join(command)}")
        print(f"  {'load tool':<20} {tool_version}, {args.connections} connections"
              + (f", {args.threads} threads" if tool == "wrk" else " (users)")
              + f", {args.duration:g} s per URL after {args.warmup:g} s warm-up")
        tool_command = (
            wrk_command(args, f"http://{HOST}:{port}<path>", args.duration) if tool == "wrk"
            else [*locust_command(args, work / "locustfile.py", port, args.duration),
                  "(with YISHI_BENCH_PATH=<path>)"]
        )
        print(f"  {'load command':<20} {' '.join(tool_command)}")
        print(f"  {'note':<20} load generator and server share this machine")
        print()

        print("Setup")
        for step in (["migrate", "--no-input", "-v", "0"], ["load_demo", "--quiet"],
                     ["collectstatic", "--no-input", "-v", "0"]):
            seconds = manage(env, *step)
            print(f"  manage.py {' '.join(step):<34} {seconds:6.1f} s")

        proc = start_server(command, env, log)
        wait_ready(proc, port, log)
        print(f"  gunicorn pid {proc.pid} on http://{HOST}:{port}/")
        print()
        print("Checks (no redirects followed)")
        for line in verify(port):
            print(line)
        print()

        results = []
        for name, path in URLS:
            def run(seconds: float, name=name, path=path) -> Result:
                if tool == "wrk":
                    return run_wrk(args, port, name, path, seconds)
                return run_locust(args, port, name, path, seconds, work)

            if args.warmup:
                run(args.warmup)
            result = run(args.duration)
            if proc.poll() is not None:
                raise BenchError(f"gunicorn died during the run:\n{log_tail(log)}")
            results.append(result)

        print("Results")
        print(f"  {'URL':<16}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}  errors")
        for r in results:
            print(f"  {r.path:<16}{r.requests:>10}{r.rps:>10.1f}{r.p50_ms:>10.2f}"
                  f"{r.p99_ms:>10.2f}  {r.error_detail or 0}")
        hello, home = results
        ratio = home.rps / hello.rps if hello.rps else float("nan")
        print(f"  ratio home/hello (req/s): {ratio:.3f}  "
              f"(the home page costs {1 / ratio if ratio else float('inf'):.1f}x a bare response)")
        if any(r.errors for r in results):
            print("\nwarning: some requests failed during the run; see the errors column",
                  file=sys.stderr)
            return 1
        return 0
    except BenchError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        stop_server(proc)
        if args.keep:
            print(f"\n(kept {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
