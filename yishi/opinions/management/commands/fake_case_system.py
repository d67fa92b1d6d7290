import os
import time

from django.core.management.base import BaseCommand, CommandError

from yishi.opinions.fake_case_system import FakeCaseSystem

STATUSES = ("accepted", "handling", "replied", "closed")


class Command(BaseCommand):
    help = ("Run a reference outside case system on 127.0.0.1: it checks the signature of each "
            "opinion delivered, logs it and, with --auto, reports back over HTTP.")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--secret", default=os.environ.get("YISHI_FAKE_CASE_SECRET", ""),
                            help="the connection's secret (or YISHI_FAKE_CASE_SECRET)")
        parser.add_argument("--auto", default="accepted,replied",
                            help="reports sent back after each delivery, comma-separated "
                                 "(accepted, handling, replied, closed); empty for none")
        parser.add_argument("--reply-text", default="已派员现场处置，问题已解决。")
        parser.add_argument("--stop-after", type=int, default=0,
                            help="stop after this many seconds (0: run until Ctrl-C)")

    def handle(self, *args, port, secret, auto, reply_text, stop_after, **options):
        if not secret:
            raise CommandError("Give the connection's secret with --secret.")
        steps = tuple(s.strip() for s in auto.split(",") if s.strip())
        unknown = set(steps) - set(STATUSES)
        if unknown:
            raise CommandError(f"Unknown reports: {', '.join(sorted(unknown))}.")
        fake = FakeCaseSystem(secret, port=port, auto=steps, reply_text=reply_text,
                              log=lambda line: self.stdout.write(line)).start()
        self.stdout.write(f"Fake case system at {fake.url} (Ctrl-C to stop)")
        started = time.monotonic()
        try:
            while not stop_after or time.monotonic() - started < stop_after:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            fake.stop()
