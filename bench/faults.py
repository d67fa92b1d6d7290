"""A district on several processes, with faults: two app servers, two task workers and two
periodic workers on one PostgreSQL, under a mixed load, while one of each is killed with
SIGKILL and PostgreSQL itself is restarted; then the invariants are checked from the database
and the clients' own records. The load (bench/faults_clients.py): voters casting on a sealed
ballot, residents raising opinions (API, and the web form with a photo), a department's handler
and the street's staff replying to assigned opinions on the case page, residents booking the
few places of a liaison station's receptions (API), and two sign-in desks at a council meeting
(the desk page, and the API), some members being tapped twice.

    python bench/faults.py [--seconds 60] [--voters 500] [--residents 40] [--seed N]

PostgreSQL here is a private cluster that this script creates in a temporary folder (initdb,
on a free port of 127.0.0.1) so that restarting it disturbs nothing else; it needs the server
programs (Debian's postgresql package: `pg_config --bindir`). The cache is Redis when one
answers on 127.0.0.1:6379 (database 7; this run's keys carry its own prefix and are deleted at
the end, so runs beside each other do not meet), as several app servers need, else local
memory. Everything stops by itself; the exit status is non-zero when an invariant breaks.

Invariants:
- every vote a client saw acknowledged (201) is stored exactly once, none a client saw refused
  is stored, and ballots stored = participations; no plaintext is stored (the ballot is sealed);
- every opinion acknowledged exists, and no number is used twice; every one sent through the
  web form with a photo has its photo and its timeline;
- every reply acknowledged is stored exactly once, with one timeline entry and one notice to
  the resident (whose text, if any, was sent); none refused is stored;
- every booking acknowledged is stored, booked, for that resident and reception; none refused is
  stored; no resident holds two places at a reception, no reception is over its places, and
  one that refused a booking is full (nobody cancels);
- every sign-in acknowledged is stored exactly once (one attendance row, one `councils.sign_in`
  record); a member tapped again after an acknowledged sign-in is told "already signed in" (the
  API says so) and is not counted twice; the quorum's figure is the members signed in;
- nothing is stored that no client sent (votes, replies, bookings, sign-ins); a job whose answer
  was lost and that was refused when sent again counts as "outcome unseen", for the database
  to decide;
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
import http.server
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
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.faults_clients import (  # noqa: E402
    REPLY_MARK,
    Booker,
    Desk,
    Record,
    Replier,
    Resident,
    Voter,
)
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


def redis_url() -> str:
    """The local Redis, if one answers (this run's keys are kept apart by YISHI_CACHE_PREFIX,
    so it empties nothing: another run or a test may be using the same database)."""
    try:
        with socket.create_connection((HOST, 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(100).startswith(b"+PONG"):
                return ""
        return f"redis://{HOST}:6379/7"
    except OSError:
        return ""


def forget_cache(url: str, prefix: str) -> None:
    """Delete this run's cache keys (e.g. tellers' shares) from the shared Redis."""
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start:start + 1000])


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
    cache_url = redis_url()
    procs: dict[str, subprocess.Popen] = {}
    try:
        cluster = PostgresCluster(tmp)
        cluster.init()
        env = server_env(tmp / "var", cluster.url)
        gateway = SmsGateway(base64.b64encode(os.urandom(18)).decode())
        env.update({"REDIS_URL": cache_url, "YISHI_CACHE_PREFIX": tmp.name,
                    "YISHI_DB_CONN_MAX_AGE": "60",
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
        setup_started = time.monotonic()
        subprocess.run([sys.executable, str(ROOT / "bench" / "faults_setup.py"), "setup",
                        str(args.voters), str(args.residents), str(args.seconds),
                        str(setup_file)], env=env, check=True, cwd=ROOT)
        setup = json.loads(setup_file.read_text())
        print(f"  setup (people, ballot, opinions, receptions, meeting) "
              f"{time.monotonic() - setup_started:.1f} s", flush=True)

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
        # Staff answer their opinions over the first two thirds of the run, so that a fault
        # falls among them; residents book, and the desks sign members in, at the same pace.
        span = args.seconds * 2 / 3
        clients += [Replier(session, numbers, f"r{n}", span / max(len(numbers), 1), ports,
                            record, started, until)
                    for n, (session, numbers) in enumerate(setup["replies"].items())]
        bookings = [(reception, mobile, session) for reception in setup["receptions"]
                    for mobile, session in setup["residents"].items()]
        rng.shuffle(bookings)
        clients += [Booker(bookings, span * 2 / max(len(bookings), 1), ports, record, started,
                           until) for _ in range(2)]
        members = list(setup["members"])
        rng.shuffle(members)
        repeats: list = []
        clients += [Desk(setup["meeting"], setup["desk"], members, repeats, use_api,
                         span * 2 / max(len(members), 1), ports, record, started, until)
                    for use_api in (False, True)]
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
        forget_cache(cache_url, tmp.name)
        if not os.environ.get("FAULTS_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")


def _keys(texts) -> Counter:
    """The client ids carried by reply texts (and their notices): "演练答复 <id> …"."""
    return Counter(t.split()[1] for t in texts if t.startswith(REPLY_MARK))


def check_replies(seen, facts: dict, problems: list) -> str:
    stored, timeline = _keys(facts["replies"]), _keys(facts["reply_timeline"])
    notices = _keys(body for body, _status in facts["reply_notices"])
    acked = set(seen.acked)
    checks = [
        (acked - set(stored), "acknowledged replies not stored"),
        ({k for k, n in stored.items() if n > 1}, "replies stored more than once"),
        (set(stored) & seen.refused, "refused replies stored"),
        (set(stored) - acked - seen.uncertain, "replies stored that no client sent"),
        ({k for k in stored if timeline[k] != 1}, "stored replies without exactly one timeline "
                                                   "entry"),
        ({k for k in stored if notices[k] != 1}, "stored replies whose resident was not told "
                                                 "exactly once"),
    ]
    unsent = [status for _body, status in facts["reply_notices"] if status not in ("", "sent")]
    if unsent:
        problems.append(f"{len(unsent)} reply notices' texts not sent: {Counter(unsent)}")
    problems += [f"{len(keys)} {what}, first {sorted(keys)[:3]}" for keys, what in checks if keys]
    return (f"staff replies: sent {seen.sent}, acknowledged {len(acked)}, refused "
            f"{len(seen.refused)}, outcome unseen {len(seen.uncertain)}; stored "
            f"{sum(stored.values())} with {sum(timeline.values())} timeline entries and "
            f"{sum(notices.values())} notices to residents; opinions by state "
            f"{facts['replied_states']}")


def check_bookings(seen, facts: dict, problems: list) -> str:
    by_id = {pk: (reception, mobile, state) for pk, reception, mobile, _slot, state
             in facts["bookings"]}
    pairs = Counter((reception, mobile) for pk, reception, mobile, _slot, state
                    in facts["bookings"] if state != "cancelled")
    missing = {key for key, pk in seen.acked.items()
               if by_id.get(pk) != (*key, "booked")}
    checks = [
        (missing, "acknowledged bookings not stored as booked for that resident"),
        ({k for k, n in pairs.items() if n > 1}, "residents holding two places at a reception"),
        (set(pairs) & seen.refused, "refused bookings stored"),
        (set(pairs) - set(seen.acked) - seen.uncertain, "bookings stored that no client sent"),
        ({r for r, (slots, held) in facts["places"].items() if held > slots},
         "receptions booked over their places"),
        ({pk for pk, reception, _m, slot, _s in facts["bookings"]
          if not 1 <= slot <= facts["places"][str(reception)][0]}, "bookings outside the slots"),
        # Nobody cancels here, so a reception that turned someone away must end full.
        ({r for r, _m in seen.refused if facts["places"][str(r)][1] < facts["places"][str(r)][0]},
         "receptions that refused a booking but are not full"),
    ]
    problems += [f"{len(keys)} {what}, first {sorted(keys)[:3]}" for keys, what in checks if keys]
    places = sum(slots for slots, _held in facts["places"].values())
    return (f"bookings: sent {seen.sent}, acknowledged {len(seen.acked)}, refused "
            f"{len(seen.refused)}, outcome unseen {len(seen.uncertain)}; stored {sum(pairs.values())}"
            f" of {places} places at {len(facts['places'])} receptions"
            + (f"; first refusal: {seen.first_refusal}" if seen.first_refusal else ""))


def check_sign_ins(seen, repeats, facts: dict, problems: list) -> str:
    rows = {int(m): (signed, audited) for m, (signed, audited) in facts["attendances"].items()}
    signed = {m for m, (is_in, _n) in rows.items() if is_in}
    tapped = set(seen.acked) | seen.uncertain | set(repeats.acked) | repeats.uncertain
    checks = [
        ({m for m in seen.acked if rows.get(m) != (True, 1)},
         "acknowledged sign-ins not stored exactly once"),
        ({m for m, (_in, n) in rows.items() if n > 1}, "members signed in more than once"),
        (signed - tapped, "members signed in whom no desk tapped"),
        # A repeat after an acknowledged sign-in must be told "already signed in".
        ({m for m, said in repeats.acked.items() if said and m in seen.acked},
         "repeated sign-ins counted again"),
    ]
    if facts["attendance_rows"] != len(rows) or facts["quorum_present"] != len(signed):
        problems.append(f"meeting roll: {facts['attendance_rows']} rows, quorum counts "
                        f"{facts['quorum_present']} present for {len(signed)} signed in")
    problems += [f"{len(keys)} {what}, first {sorted(keys)[:3]}" for keys, what in checks if keys]
    already = sum(1 for said in repeats.acked.values() if said is False)
    return (f"sign-in desk: sent {seen.sent}, acknowledged {len(seen.acked)}, refused "
            f"{len(seen.refused)}, outcome unseen {len(seen.uncertain)}; stored {len(signed)} "
            f"signed in of {len(rows)}; tapped again {repeats.sent} (acknowledged "
            f"{len(repeats.acked)}, {already} of them told 'already signed in' by the API)")


def report(args, record: Record, facts: dict, windows: list, drained: bool, procs, ports) -> int:
    problems = []
    voted = set(facts["voted"])
    votes = record.votes
    if not set(votes.acked) <= voted:
        problems.append(f"{len(set(votes.acked) - voted)} acknowledged votes not stored")
    if votes.refused & voted:
        problems.append(f"{len(votes.refused & voted)} refused votes stored")
    if not voted <= set(votes.acked) | votes.uncertain:
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
    print(f"requests: {record.requests}; votes acknowledged {len(votes.acked)}, refused "
          f"{len(votes.refused)}, outcome unseen {len(votes.uncertain)}; stored "
          f"{facts['cast']} ballots, {facts['participations']} participations")
    if votes.first_refusal:
        print(f"first refused vote: {votes.first_refusal}")
    repeats = len(received) - len(set(received))
    print(f"texts: {facts['texts']}; the gateway received {len(received)} messages, "
          f"{len(set(received))} distinct ids ({repeats} sent again after a worker died)")
    print(f"opinions acknowledged {len(record.acked_opinions)} "
          f"({len(record.acked_photo_opinions)} with a photo), stored {len(stored)}; "
          f"notifications {facts['notifications']}; tasks {facts['tasks']}; deadlines fired "
          f"{sum(fired.values())} of {len(fired)}; audit records verified "
          f"{facts['audit']['checked']}")
    print(check_replies(record.replies, facts, problems))
    print(check_bookings(record.bookings, facts, problems))
    print(check_sign_ins(record.sign_ins, record.repeats, facts, problems))
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
