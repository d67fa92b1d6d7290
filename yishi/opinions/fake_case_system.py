"""A reference outside case system (a stand-in for 四个平台 / 12345) for tests and local runs:
a small standard-library HTTP server that checks each delivery's signature and timestamp,
keeps each idempotency key once, and can report back over HTTP — by itself (`auto`) or when
told (`report`). `manage.py fake_case_system --port N --secret S` runs it; tests start it in a
thread on 127.0.0.1 with a free port.

It uses only the standard library and the documented contract (docs/opinions.md), so it is also
the worked example for the people who connect a real system."""

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WINDOW = 300


def _sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeCaseSystem:
    def __init__(self, secret: str, *, host: str = "127.0.0.1", port: int = 0,
                 auto: tuple[str, ...] = (), reply_text: str = "已派员现场处置，问题已解决。",
                 fail_first: int = 0, log=None):
        self.secret = secret
        self.auto = tuple(auto)
        self.reply_text = reply_text
        self.fail_first = fail_first  # answer 503 to this many deliveries first (retries)
        self.deliveries: list[dict] = []   # each accepted delivery's body, once per key
        self.attempts = 0                   # every POST received, duplicates and failures too
        self.refused: list[str] = []
        self.reports: list[tuple[str, int, dict]] = []  # (status, HTTP status, answer)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._log = log or (lambda line: None)
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/cases"

    def start(self) -> "FakeCaseSystem":
        self._thread.start()
        return self

    def stop(self) -> None:
        for thread in self._threads:
            thread.join(10)
        self.server.shutdown()
        self.server.server_close()

    def wait_for_reports(self, count: int, timeout: float = 10) -> None:
        end = time.monotonic() + timeout
        while len(self.reports) < count and time.monotonic() < end:
            time.sleep(0.05)

    # --- receiving deliveries ------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
                fake._log("fake case system: " + format % args)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake._receive(body, self.headers)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _receive(self, body: bytes, headers) -> tuple[int, dict]:
        with self._lock:
            self.attempts += 1
            if not hmac.compare_digest(_sign(self.secret, body),
                                       headers.get("X-Yishi-Signature", "")):
                self.refused.append("bad signature")
                return 401, {"error": "bad signature"}
            delivery = json.loads(body)
            if (abs(time.time() - delivery["timestamp"]) > WINDOW
                    or headers.get("X-Yishi-Timestamp") != str(delivery["timestamp"])):
                self.refused.append("stale timestamp")
                return 401, {"error": "stale timestamp"}
            if self.fail_first > 0:
                self.fail_first -= 1
                return 503, {"error": "try again later"}
            key = delivery["idempotency_key"]
            if any(d["idempotency_key"] == key for d in self.deliveries):
                return 200, {"case_id": self._case_id(key), "duplicate": True}
            self.deliveries.append(delivery)
            self._log(f"fake case system: received {delivery['opinion']['number']}")
        if self.auto:
            thread = threading.Thread(target=self._play, args=(delivery,), daemon=True)
            self._threads.append(thread)
            thread.start()
        return 200, {"case_id": self._case_id(key)}

    @staticmethod
    def _case_id(key: str) -> str:
        return "WS" + key.replace("-", "")[:10].upper()

    def _play(self, delivery: dict) -> None:
        time.sleep(0.2)  # after our answer has reached the platform
        for status in self.auto:
            self.report(delivery, status, self.reply_text if status == "replied" else "")

    # --- reporting back ------------------------------------------------------------------------

    def report(self, delivery: dict, status: str, text: str = "", *, key: str | None = None,
               timestamp: int | None = None, secret: str | None = None) -> tuple[int, dict]:
        """POST one signed report to the delivery's callback address; (HTTP status, answer)."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        body = json.dumps({
            "idempotency_key": key or str(uuid.uuid4()), "timestamp": timestamp,
            "opinion": delivery["opinion"]["number"], "status": status, "text": text,
            "case_id": self._case_id(delivery["idempotency_key"]),
        }, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json",
                   "X-Yishi-Signature": _sign(secret or self.secret, body),
                   "X-Yishi-Timestamp": str(timestamp),
                   "X-Yishi-Idempotency-Key": json.loads(body)["idempotency_key"]}
        request = urllib.request.Request(delivery["callback_url"], data=body, headers=headers,
                                         method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=10) as response:  # noqa: S310 - 127.0.0.1
                result = response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            result = exc.code, json.loads(exc.read() or b"{}")
        self._log(f"fake case system: reported {status} → {result[0]}")
        self.reports.append((status, *result))
        return result
