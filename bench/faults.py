"""A district on several processes, with faults: two app servers, two task workers and two
periodic workers on one PostgreSQL, under a mixed load, while one of each is killed with
SIGKILL and PostgreSQL itself is restarted; then the invariants are checked from the database
and the clients' own records.

    python bench/faults.py [--seconds 60] [--voters 500] [--residents 40] [--seed N]

PostgreSQL here is a private cluster that this script creates in a temporary folder (initdb,
on a free port of 127.0.0.1) so that restarting it disturbs nothing else; it needs the server
programs (Debian's postgresql package: `pg_config --bindir`). The cache is Redis when one
answers on 127.0.0.1:6379 (database 7, emptied first), as several app servers need, else local
memory. Everything stops by itself; the exit status is non-zero when an invariant breaks.

Invariants:
- every vote a client saw acknowledged (201) is stored exactly once, none a client saw refused
  is stored, and ballots stored = participations; no plaintext is stored (the ballot is sealed);
- every opinion acknowledged exists, and no number is used twice; every one sent through the
  web form with a photo has its photo and its timeline;
- every notice text the database records as sent reached the SMS gateway (a local one this
  script runs, counting what it receives) under its own id, none reached it that is not
  recorded as sent, and none was left half-sent; a text retried after a worker died may reach
  the gateway twice under the same id, which a gateway delivers once (docs/deploy.md);
- no task is left running or waiting once the workers have been restarted;
- every deadline that fell due during the run fired exactly once (one `opinions.overdue`);
- the audit chain verifies;
- clients saw errors only from the killed app server while it was down, or while PostgreSQL
  was down (plus a grace period); the app servers recovered without being restarted.
"""

import argparse
import base64
import http.client
import http.server
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_baseline import (  # noqa: E402
    HOST,
    BenchError,
    free_port,
    log_tail,
    manage,
    server_env,
    start_server,
    stop_server,
    wait_ready,
)

GRACE = 5.0  # seconds after a fault during which errors are still the fault's


class PostgresCluster:
    """A throw-away PostgreSQL cluster in a temporary folder, run as `postgres` when we are
    root (initdb refuses root)."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.data, self.log = folder / "pgdata", folder / "postgres.log"
        try:
            bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                    check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            bindir = ""
        candidates = [Path(bindir)] + sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                                             reverse=True)
        self.bin = next((b for b in candidates if (b / "initdb").exists()), None)
        if self.bin is None:
            raise BenchError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            os.chmod(folder, 0o777)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / args[0]), *args[1:]], check=True,
                       capture_output=True, text=True)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--no-locale")
        self.start()
        self._run("createdb", "-h", HOST, "-p", str(self.port), "-U", "postgres", "yishi")

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/yishi"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} "
                  # fsync off: the bench kills processes, never the machine, and a fast restart
                  # writes everything out; it makes the setup (migrate) quicker.
                  "-c max_connections=200 -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


@dataclass
class Record:
    """What the clients saw."""

    acked_votes: set = field(default_factory=set)
    refused_votes: set = field(default_factory=set)
    first_refusal: str = ""
    uncertain_votes: set = field(default_factory=set)
    acked_opinions: set = field(default_factory=set)
    acked_photo_opinions: set = field(default_factory=set)
    requests: int = 0
    errors: list = field(default_factory=list)  # (sent, seen, server, kind)
    ok_times: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, sent: float, started: float, server: str, kind: str) -> None:
        """An error on a request sent at `sent` (seconds into the run), seen now."""
        with self.lock:
            self.errors.append((sent, time.monotonic() - started, server, kind))


CSRF = "c" * 32


def post(conn: http.client.HTTPConnection, path: str, body, session: str):
    """POST JSON (a dict), or a form with files (a `Form`); (status, location, body)."""
    headers = {"X-CSRFToken": CSRF, "Host": HOST,
               "Cookie": f"sessionid={session}; csrftoken={CSRF}"}
    if isinstance(body, Form):
        payload, headers["Content-Type"] = body.encode()
    else:
        payload, headers["Content-Type"] = json.dumps(body), "application/json"
    conn.request("POST", path, payload, headers)
    response = conn.getresponse()
    return response.status, response.getheader("Location", ""), response.read()


@dataclass
class Form:
    """A multipart form as a browser sends it: fields and files."""

    fields: dict
    files: dict  # name → (filename, content type, bytes)

    def encode(self) -> tuple[bytes, str]:
        boundary = "----yishi-faults-" + os.urandom(8).hex()
        out = io.BytesIO()
        for name, value in {**self.fields, "csrfmiddlewaretoken": CSRF}.items():
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                      f"{value}\r\n".encode())
        for name, (filename, content_type, data) in self.files.items():
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                      f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode())
            out.write(data + b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
        return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def photo() -> bytes:
    """A small real photo (JPEG), as a phone would send one."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


class SmsGateway(http.server.ThreadingHTTPServer):
    """The district's SMS gateway, played on 127.0.0.1: it checks the bearer token and counts
    every message it is given, by id."""

    daemon_threads = True

    def __init__(self, token: str):
        self.token, self.received, self.lock = token, [], threading.Lock()
        super().__init__((HOST, 0), SmsHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/send"


class SmsHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self.send_response(401)
        else:
            message = json.loads(body)
            with self.server.lock:
                self.server.received.append(message.get("id", ""))
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Client(threading.Thread):
    """Sends its jobs to the app servers in turn; after an error, the next try goes to the other
    server, as a load balancer would."""

    def __init__(self, servers: dict, record: Record, started: float, until: float):
        super().__init__(daemon=True)
        self.servers, self.record, self.started, self.until = servers, record, started, until
        self.names = sorted(servers)
        self.turn = random.randrange(len(self.names))
        self.conns: dict = {}

    def send(self, path: str, body: dict, session: str):
        """(status, body) of the first answer that is not a server or connection error, or None
        when the run ended first."""
        while time.monotonic() < self.until + 30:
            name = self.names[self.turn % len(self.names)]
            self.turn += 1
            conn = self.conns.get(name) or http.client.HTTPConnection(HOST, self.servers[name],
                                                                       timeout=20)
            self.conns[name] = conn
            with self.record.lock:
                self.record.requests += 1
            # An error belongs to a fault when the request was in flight during it.
            at = time.monotonic() - self.started
            try:
                status, location, payload = post(conn, path, body, session)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self.conns.pop(name, None)
                self.record.error(at, self.started, name, type(exc).__name__)
                time.sleep(0.3)
                continue
            if status >= 500:
                self.record.error(at, self.started, name, f"HTTP {status}")
                time.sleep(0.3)
                continue
            with self.record.lock:
                self.record.ok_times.append(time.monotonic() - self.started)
            return status, payload, location
        return None


class Voter(Client):
    def __init__(self, jobs, ballot, pace, *args):
        super().__init__(*args)
        self.jobs, self.ballot, self.pace = jobs, ballot, pace

    def run(self):
        rng = random.Random()
        while time.monotonic() < self.until:
            try:
                mobile, session = self.jobs.pop()
            except IndexError:
                return
            body = {"choices": rng.sample("ABCDEFGH", rng.randint(1, 3))}
            errors_before = len(self.record.errors)
            answer = self.send(f"/api/voting/ballots/{self.ballot}/votes", body, session)
            retried = len(self.record.errors) > errors_before
            with self.record.lock:
                if answer is None:
                    self.record.uncertain_votes.add(mobile)
                elif answer[0] == 201:
                    self.record.acked_votes.add(mobile)
                elif retried:
                    # Refused after a try whose outcome we never saw (e.g. "already voted"):
                    # the database decides.
                    self.record.uncertain_votes.add(mobile)
                else:
                    self.record.refused_votes.add(mobile)
                    self.record.first_refusal = self.record.first_refusal or (
                        f"{answer[0]} {answer[1][:200].decode(errors='replace')}")
            time.sleep(self.pace)


class Resident(Client):
    def __init__(self, session, setup, n, *args):
        super().__init__(*args)
        self.session, self.setup, self.n = session, setup, n

    def run(self):
        i, image = 0, photo()
        while time.monotonic() < self.until:
            i += 1
            title = f"演练意见 {self.n}-{i}"
            if i % 2:  # through the API
                answer = self.send("/api/opinions", {
                    "title": title, "text": "楼道灯坏了，晚上看不见台阶。",
                    "category": self.setup["category"], "community": self.setup["community"],
                    "is_public": True}, self.session)
                if answer and answer[0] == 201:
                    with self.record.lock:
                        self.record.acked_opinions.add(json.loads(answer[1])["number"])
            else:  # through the web form, with a photo
                answer = self.send("/opinions/new/", Form(
                    {"title": title, "text": "路灯不亮，附照片。", "is_public": "on",
                     "category": self.setup["category_id"],
                     "community": self.setup["community_id"]},
                    {"photos": ("路灯.jpg", "image/jpeg", image)}), self.session)
                if answer and answer[0] == 302 and "/opinions/" in answer[2]:
                    number = answer[2].rstrip("/").rsplit("/", 1)[1]
                    with self.record.lock:
                        self.record.acked_opinions.add(number)
                        self.record.acked_photo_opinions.add(number)
            time.sleep(0.5)


def redis_url() -> str:
    try:
        with socket.create_connection((HOST, 6379), timeout=1) as sock:
            sock.sendall(b"SELECT 7\r\nFLUSHDB\r\n")
            sock.recv(100)
        return f"redis://{HOST}:6379/7"
    except OSError:
        return ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--voters", type=int, default=500)
    parser.add_argument("--residents", type=int, default=40)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    print(f"faults: {args.seconds:g} s, {args.voters} voters, {args.residents} residents, "
          f"seed {seed}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="yishi-faults-"))
    cluster = None
    procs: dict[str, subprocess.Popen] = {}
    try:
        cluster = PostgresCluster(tmp)
        cluster.init()
        env = server_env(tmp / "var", cluster.url)
        gateway = SmsGateway(base64.b64encode(os.urandom(18)).decode())
        env.update({"REDIS_URL": redis_url(), "YISHI_DB_CONN_MAX_AGE": "60",
                    "YISHI_TASK_LEASE_SECONDS": "5",
                    "YISHI_AUDIT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
                    "YISHI_SMS_BACKEND": "yishi.core.sms.HttpGatewayBackend",
                    "YISHI_SMS_GATEWAY_URL": gateway.url,
                    "YISHI_SMS_GATEWAY_TOKEN": gateway.token,
                    # every notice goes out at once, whatever the hour and however many
                    "YISHI_SMS_DAILY_LIMIT": "1000000",
                    "YISHI_QUIET_HOURS_START": "0", "YISHI_QUIET_HOURS_END": "0"})
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        setup_file = tmp / "setup.json"
        subprocess.run([sys.executable, str(ROOT / "bench" / "faults_setup.py"), "setup",
                        str(args.voters), str(args.residents), str(args.seconds),
                        str(setup_file)], env=env, check=True, cwd=ROOT)
        setup = json.loads(setup_file.read_text())

        ports = {"app1": free_port(), "app2": free_port()}
        commands = {
            name: [sys.executable, "-m", "gunicorn", "yishi.wsgi:application", "--bind",
                   f"{HOST}:{port}", "--workers", "2", "--timeout", "30", "--graceful-timeout",
                   "3", "--chdir", str(ROOT), "--log-level", "warning", "--error-logfile",
                   str(tmp / f"{name}.log")] for name, port in ports.items()}
        for name in ("worker1", "worker2"):
            commands[name] = [sys.executable, "manage.py", "db_worker", "--queue-name",
                              "default", "--interval", "0.5"]
        for name in ("periodic1", "periodic2"):
            commands[name] = [sys.executable, "manage.py", "run_periodic", "--interval", "1"]

        def launch(name: str) -> None:
            procs[name] = start_server(commands[name], env, tmp / f"{name}.log")

        for name in commands:
            launch(name)
        for name, port in ports.items():
            wait_ready(procs[name], port, tmp / f"{name}.log")

        record = Record()
        started = time.monotonic()
        until = started + args.seconds
        voters = list(setup["voters"].items())
        rng.shuffle(voters)
        clients = [Voter(voters, setup["ballot"], args.seconds * 16 / max(args.voters, 1),
                         ports, record, started, until) for _ in range(16)]
        residents = list(setup["residents"].values())
        clients += [Resident(residents[i], setup, i, ports, record, started, until)
                    for i in range(min(4, len(residents)))]
        for client in clients:
            client.start()

        # The faults, at random moments of the middle of the run; a supervisor restarts each
        # killed process two seconds later.
        moments = sorted(rng.uniform(0.15, 0.85) * args.seconds for _ in range(4))
        faults = list(zip(moments, rng.sample(["app1", "worker1", "periodic1", "postgres"], 4),
                          strict=True))
        windows = []
        for at, what in faults:
            time.sleep(max(0.0, started + at - time.monotonic()))
            down = time.monotonic() - started
            if what == "postgres":
                # An operator's restart (a minor upgrade, a configuration change): every
                # connection is cut at once. (An immediate stop works too, but crash recovery's
                # fsync of the whole data folder takes 20 s on a slow disk.)
                cluster.stop("fast")
                time.sleep(2)
                cluster.start()
            else:
                os.killpg(procs[what].pid, signal.SIGKILL)
                procs[what].wait()
                time.sleep(2)
                launch(what)
                if what in ports:
                    wait_ready(procs[what], ports[what], tmp / f"{what}.log")
            windows.append((what, down, time.monotonic() - started))
            print(f"  {down:6.1f} s  killed {what}; back at {windows[-1][2]:.1f} s", flush=True)
        for client in clients:
            client.join()
        # Let the workers finish what was queued and the deadlines fire.
        last_due = max(float(args.seconds) * 0.9, 0) + 5
        time.sleep(max(0.0, started + last_due - time.monotonic()))
        drained = False
        for _ in range(60):
            result = subprocess.run([sys.executable, str(ROOT / "bench" / "faults_setup.py"),
                                     "check", str(setup_file)], env=env, check=True, cwd=ROOT,
                                    capture_output=True, text=True)
            facts = json.loads(result.stdout)
            pending = {k: v for k, v in facts["tasks"].items() if k in ("READY", "RUNNING")}
            texts = {k: v for k, v in facts["texts"].items() if k in ("pending", "sending")}
            if not pending and not texts and all(n for n in facts["overdue"].values()):
                drained = True
                break
            time.sleep(1)
        with gateway.lock:
            facts["gateway"] = list(gateway.received)
        gateway.shutdown()
        return report(args, record, facts, windows, drained, procs, ports)
    except (BenchError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        print(f"bench failed: {exc}\n{detail}", file=sys.stderr)
        for name in procs:
            print(f"--- {name}\n{log_tail(tmp / f'{name}.log', 15)}", file=sys.stderr)
        return 1
    finally:
        for proc in procs.values():
            stop_server(proc)
        if cluster is not None:
            try:
                cluster.stop()
            except subprocess.CalledProcessError:
                pass
        if not os.environ.get("FAULTS_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")


def report(args, record: Record, facts: dict, windows: list, drained: bool, procs, ports) -> int:
    problems = []
    voted = set(facts["voted"])
    if not record.acked_votes <= voted:
        problems.append(f"{len(record.acked_votes - voted)} acknowledged votes not stored")
    if record.refused_votes & voted:
        problems.append(f"{len(record.refused_votes & voted)} refused votes stored")
    if not voted <= record.acked_votes | record.uncertain_votes:
        problems.append("votes stored that no client sent")
    if facts["cast"] != facts["participations"]:
        problems.append(f"{facts['cast']} ballots stored for {facts['participations']} "
                        "participations")
    if facts["plaintext"]:
        problems.append(f"{facts['plaintext']} ballots stored in plaintext")
    stored = {number for number, _title in facts["opinions"]}
    if not record.acked_opinions <= stored:
        problems.append(f"{len(record.acked_opinions - stored)} acknowledged opinions missing")
    without = [n for n in record.acked_photo_opinions if facts["photos"].get(n) != 1]
    if without:
        problems.append(f"{len(without)} opinions sent with a photo lack it, first {without[:3]}")
    untimed = [n for n in record.acked_opinions if not facts["timeline"].get(n)]
    if untimed:
        problems.append(f"{len(untimed)} acknowledged opinions have no timeline")
    received = facts["gateway"]
    sent = set(facts["sent_texts"])
    if set(received) - sent:
        problems.append(f"{len(set(received) - sent)} texts reached the gateway that are not "
                        "recorded as sent")
    if sent - set(received):
        problems.append(f"{len(sent - set(received))} texts recorded as sent never reached "
                        "the gateway")
    half_sent = {k: v for k, v in facts["texts"].items() if k in ("pending", "sending")}
    if half_sent:
        problems.append(f"texts left unsent: {half_sent}")
    if facts["duplicate_numbers"]:
        problems.append(f"{facts['duplicate_numbers']} opinion numbers used twice")
    stuck = {k: v for k, v in facts["tasks"].items() if k in ("READY", "RUNNING")}
    if stuck:
        problems.append(f"tasks left unfinished after the workers restarted: {stuck}")
    fired = facts["overdue"]
    wrong = {n: c for n, c in fired.items() if c != 1}
    if wrong:
        problems.append(f"deadlines not fired exactly once: {wrong}")
    if facts["audit"]["problem"]:
        problems.append(f"audit chain: {facts['audit']['problem']}")
    pg = next((w for w in windows if w[0] == "postgres"), None)
    unexplained = []
    for sent, seen, server, kind in record.errors:
        explained = any(sent <= w[2] + GRACE and seen >= w[1] and w[0] in ("postgres", server)
                        for w in windows)
        if not explained:
            unexplained.append((round(sent, 1), round(seen, 1), server, kind))
    if unexplained:
        problems.append(f"{len(unexplained)} errors outside the fault windows, first "
                        f"{unexplained[:3]}")
    for name, proc in procs.items():
        if proc.poll() is not None:
            problems.append(f"{name} is not running at the end (exit status {proc.returncode})")
    recovery = None
    if pg:
        after = [t for t in record.ok_times if t >= pg[2]]
        recovery = (min(after) - pg[2]) if after else None
        if recovery is None:
            problems.append("no request succeeded after PostgreSQL came back")

    kinds: dict = {}
    for sent, seen, server, kind in record.errors:
        window = next((w[0] for w in windows if sent <= w[2] + GRACE and seen >= w[1]
                       and w[0] in ("postgres", server)), "none")
        kinds[(kind, window)] = kinds.get((kind, window), 0) + 1
    print(f"requests: {record.requests}; votes acknowledged {len(record.acked_votes)}, refused "
          f"{len(record.refused_votes)}, outcome unseen {len(record.uncertain_votes)}; stored "
          f"{facts['cast']} ballots, {facts['participations']} participations")
    if record.first_refusal:
        print(f"first refused vote: {record.first_refusal}")
    repeats = len(received) - len(set(received))
    print(f"texts: {facts['texts']}; the gateway received {len(received)} messages, "
          f"{len(set(received))} distinct ids ({repeats} sent again after a worker died)")
    print(f"opinions acknowledged {len(record.acked_opinions)} "
          f"({len(record.acked_photo_opinions)} with a photo), stored {len(stored)}; "
          f"notifications {facts['notifications']}; tasks {facts['tasks']}; deadlines fired "
          f"{sum(fired.values())} of {len(fired)}; audit records verified "
          f"{facts['audit']['checked']}")
    print("errors seen by clients (kind, during which fault): " + (", ".join(
        f"{kind} during {window}: {n}" for (kind, window), n in sorted(kinds.items())) or "none"))
    if recovery is not None:
        print(f"first successful request {recovery:.2f} s after PostgreSQL was back")
    if not drained:
        print("the queue and the deadlines had not settled 60 s after the run")
    for problem in problems:
        print(f"INVARIANT BROKEN: {problem}")
    print("all invariants hold" if not problems else f"{len(problems)} invariant(s) broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
