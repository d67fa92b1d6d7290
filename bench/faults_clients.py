"""The clients of bench/faults.py: people using the district over HTTP while processes die, and
what each saw. Every client sends to both app servers in turn; a job whose answer never came
(a connection cut, a 5xx) is sent again to the other server, as a load balancer would, and
counts as "outcome unseen" when it is refused after such a try: the database decides then."""

import http.client
import io
import json
import os
import random
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.http_baseline import HOST

REPLY_MARK = "演练答复"  # bench/faults_setup.py finds the replies and their notices by it


@dataclass
class Outcomes:
    """What clients of one kind saw, job by job (a job's key: a reply's id, a booking's
    reception and resident, a member at the desk)."""

    sent: int = 0
    acked: dict = field(default_factory=dict)  # key → what the answer said (e.g. a booking id)
    refused: set = field(default_factory=set)
    uncertain: set = field(default_factory=set)
    first_refusal: str = ""

    def settle(self, key, answer, ok: bool, retried: bool, value=None) -> None:
        """Record one job's outcome: acknowledged, refused, or unseen (no answer, or refused
        after a try whose outcome was never seen)."""
        self.sent += 1
        if answer is None:
            self.uncertain.add(key)
        elif ok:
            self.acked[key] = value
        elif retried:
            self.uncertain.add(key)
        else:
            self.refused.add(key)
            self.first_refusal = self.first_refusal or (
                f"{answer[0]} {answer[1][:200].decode(errors='replace')}")

@dataclass
class Record:
    """What the clients saw."""

    votes: Outcomes = field(default_factory=Outcomes)
    acked_opinions: set = field(default_factory=set)
    acked_photo_opinions: set = field(default_factory=set)
    replies: Outcomes = field(default_factory=Outcomes)
    bookings: Outcomes = field(default_factory=Outcomes)
    sign_ins: Outcomes = field(default_factory=Outcomes)
    # A member tapped again at a desk: key → whether the answer said "signed in now" (the API
    # says; the page only redirects, None).
    repeats: Outcomes = field(default_factory=Outcomes)
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


class Client(threading.Thread):
    """Sends its jobs to the app servers in turn; after an error, the next try goes to the other
    server, as a load balancer would."""

    def __init__(self, servers: dict, record: Record, started: float, until: float):
        super().__init__(daemon=True)
        self.servers, self.record, self.started, self.until = servers, record, started, until
        self.names = sorted(servers)
        self.turn = random.randrange(len(self.names))
        self.conns: dict = {}
        self.failed_tries = 0  # this client's tries that got no answer or a 5xx

    def keep_pace(self, done: int, every: float) -> None:
        """Wait for the moment of this client's next job, one every `every` seconds from the
        start (the first after `every`, so that they do not all arrive with the voters at the
        start); a client that slow answers have put behind goes on at once."""
        time.sleep(max(0.0, self.started + (done + 1) * every - time.monotonic()))

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
                self.failed_tries += 1
                time.sleep(0.3)
                continue
            if status >= 500:
                self.record.error(at, self.started, name, f"HTTP {status}")
                self.failed_tries += 1
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
            failed_before = self.failed_tries
            answer = self.send(f"/api/voting/ballots/{self.ballot}/votes", body, session)
            with self.record.lock:
                # Refused after a try whose outcome was never seen (e.g. "already voted"): the
                # database decides.
                self.record.votes.settle(mobile, answer, answer is not None and answer[0] == 201,
                                         self.failed_tries > failed_before)
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


class Replier(Client):
    """A department's handler, or the street's staff acting for it, answering the opinions
    assigned to it on the case page (the form staff use; there is no API for it)."""

    def __init__(self, session, numbers, name, pace, *args):
        super().__init__(*args)
        self.session, self.numbers, self.name, self.pace = session, numbers, name, pace

    def run(self):
        for i, number in enumerate(self.numbers):
            self.keep_pace(i, self.pace)
            if time.monotonic() >= self.until:
                return
            # The text carries the reply's own id, to find it (and its notice) afterwards.
            key = f"{self.name}-{i}"
            failed_before = self.failed_tries
            answer = self.send(f"/opinions/manage/{number}/reply/", Form(
                {"text": f"{REPLY_MARK} {key} 已安排维修，三个工作日内修好。"}, {}), self.session)
            # Done: back to the case page (a refusal renders it again with 400; a lost second
            # factor redirects to the staff sign-in).
            ok = answer is not None and answer[0] == 302 and (
                urlsplit(answer[2]).path == f"/opinions/manage/{number}/")
            with self.record.lock:
                self.record.replies.settle(key, answer, ok, self.failed_tries > failed_before,
                                           number)


class Booker(Client):
    """Residents booking a place at the station's receptions (the API the app uses): more of
    them than places, so that the last places are raced for and the rest are refused."""

    def __init__(self, jobs, pace, *args):
        super().__init__(*args)
        self.jobs, self.pace = jobs, pace

    def run(self):
        done = 0
        while True:
            self.keep_pace(done, self.pace)
            if time.monotonic() >= self.until:
                return
            try:
                reception, mobile, session = self.jobs.pop()
            except IndexError:
                return
            failed_before = self.failed_tries
            answer = self.send(f"/api/deputies/sessions/{reception}/bookings",
                               {"topic": "演练预约"}, session)
            ok = answer is not None and answer[0] == 201
            with self.record.lock:
                self.record.bookings.settle((reception, mobile), answer, ok,
                                            self.failed_tries > failed_before,
                                            json.loads(answer[1])["id"] if ok else None)
            done += 1


class Desk(Client):
    """One of two sign-in desks at the meeting's door: the tablet's page, or the API a desk
    app uses. Some members are tapped again (at either desk), which must not count twice."""

    def __init__(self, meeting, session, jobs, repeats, use_api, pace, *args):
        super().__init__(*args)
        self.meeting, self.session, self.jobs, self.repeats = meeting, session, jobs, repeats
        self.use_api, self.pace = use_api, pace

    def tap(self, member: int):
        """(answer, ok, said, retried): `said` is the API's "signed in by this call", None on
        the page; `retried` that a try before the answer got none."""
        failed_before = self.failed_tries
        if self.use_api:
            answer = self.send(f"/api/councils/meetings/{self.meeting}/sign-ins",
                               {"member_id": member, "mode": "in_person"}, self.session)
            ok = answer is not None and answer[0] == 200
            said = json.loads(answer[1])["signed_in"] if ok else None
        else:
            url = f"/councils/manage/meetings/{self.meeting}/desk/"
            answer = self.send(url, Form({"member": member, "action": "sign_in"}, {}),
                               self.session)
            # The page answers every tap by going back to the desk, with the outcome as a
            # message; the meeting is in progress throughout, so a tap is not refused.
            ok, said = answer is not None and answer[0] == 302 and urlsplit(
                answer[2]).path == url, None
        return answer, ok, said, self.failed_tries > failed_before

    def run(self):
        rng, done = random.Random(), 0
        while True:
            self.keep_pace(done, self.pace)
            if time.monotonic() >= self.until:
                return
            # A member sent back for a second tap comes to a desk while others still queue.
            repeat = bool(self.repeats) and (rng.random() < 0.5 or not self.jobs)
            try:
                member = self.repeats.pop() if repeat else self.jobs.pop()
            except IndexError:
                if not (self.jobs or self.repeats):
                    return
                continue
            answer, ok, said, retried = self.tap(member)
            with self.record.lock:
                outcomes = self.record.repeats if repeat else self.record.sign_ins
                outcomes.settle(member, answer, ok, retried, said)
                if not repeat and rng.random() < 0.25:
                    self.repeats.append(member)
            done += 1
