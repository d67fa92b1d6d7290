"""The district dashboard (全区工作看板) and the evaluation (考评) at city scale, on PostgreSQL.

    python bench/oversight.py [--database-url postgres://postgres@127.0.0.1:5432/oveval_bench]
        [--opinions 1000000] [--opinion-years 5] [--deputies 2000] [--years 10]
        [--runs 20] [--max-minutes 30]

Fills the database (created if missing; rows are kept between runs, so a second run only
measures) with the Xihu demo, then in bulk (INSERT … SELECT over generate_series, each row a
copy of a demo row with its keys, dates and states changed):

- N opinions over the last `--opinion-years` years, spread over the 12 streets, most answered
  (some late), rated, one in 50 still open past its deadline;
- `--deputies` deputies with a year of confirmed duty activities and monthly receptions held
  (bench/evaluation.py's filler);
- `--years` years of livelihood projects (20 per street and year, 4 milestones each), council
  meetings (6 per street and year, with the template meeting's roll and sign-ins), and each
  street's budget per year.

Then prints the median and p95 of the dashboard page as the district sees it (the board, the
street grid and the monthly trend), of one drill-down list's first page, and the time to
rescore the whole district's year (`evaluation.compute`). Targets (issue 12): p95 < 500 ms, rescoring
< 10 s. The process stops itself after `--max-minutes`."""

import argparse
import os
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _copy_rows(cursor, model, template_pk: int, count: int, overrides: dict[str, str]) -> None:
    """INSERT `count` copies of the row `template_pk` of `model`; `overrides` maps columns to SQL
    expressions over the series number g (1 … count) and the template row t."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    select = [overrides.get(c, f't."{c}"') for c in columns]
    cursor.execute(
        f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
        f'SELECT {", ".join(select)} FROM generate_series(1, {int(count)}) AS g, '
        f'(SELECT * FROM "{table}" WHERE id = {int(template_pk)}) AS t')


def fill(args) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from yishi.councils.models import Attendance, Meeting
    from yishi.finance.models import Budget
    from yishi.opinions.models import Opinion
    from yishi.oversight import queries
    from yishi.projects.models import Cycle, Milestone, Project

    done = {}
    streets = [s.pk for s in queries.streets()]
    ids = "ARRAY[" + ",".join(map(str, streets)) + "]"
    street = f"({ids})[1 + g % {len(streets)}]"
    now = timezone.now()
    year = timezone.localdate().year
    with transaction.atomic(), connection.cursor() as cursor:
        have = Opinion.objects.filter(number__startswith="B").count()
        if have < args.opinions:
            started = time.monotonic()
            template = Opinion.objects.order_by("pk").first()
            days = args.opinion_years * 365
            # created: spread over the years back from now; the reply is due 15 days later and
            # comes after g % 20 days (some late); one in 50 is still open past its deadline.
            created = f"(%(now)s::timestamptz - ((g::bigint * 7919) %% {days * 24}) * interval '1 hour')"
            created = created % {"now": f"'{now.isoformat()}'"}
            _copy_rows(cursor, Opinion, template.pk, args.opinions - have, {
                "number": f"'B' || lpad((g + {have})::text, 9, '0')",
                "street_id": street, "community_id": "NULL", "author_id": "NULL",
                "recorded_by_id": "NULL", "merged_into_id": "NULL", "is_public": "g % 3 = 0",
                "created_at": created,
                "accept_deadline": f"{created} + interval '2 days'",
                "accepted_at": f"{created} + interval '1 day'",
                "reply_deadline": f"{created} + interval '15 days'",
                "state": "CASE WHEN g % 50 = 0 THEN 'handling' ELSE 'closed' END",
                "replied_at": f"CASE WHEN g % 50 = 0 THEN NULL ELSE {created} "
                              "+ (g % 20) * interval '1 day' END",
                "rating": "CASE WHEN g % 50 = 0 THEN '' WHEN g % 7 = 0 THEN 'unsatisfied' "
                          "WHEN g % 3 = 0 THEN 'basically' ELSE 'satisfied' END",
                "rated_at": f"CASE WHEN g % 50 = 0 THEN NULL ELSE {created} "
                            "+ (g % 20 + 2) * interval '1 day' END",
                "closed_at": f"CASE WHEN g % 50 = 0 THEN NULL ELSE {created} "
                             "+ (g % 20 + 2) * interval '1 day' END",
                "rating_deadline": "NULL", "overdue_notified_at": "NULL",
                "reminder_sent_at": "NULL",
            })
            done["opinions"] = time.monotonic() - started

        if not Cycle.objects.filter(year=year - args.years + 1, title__startswith="B").exists():
            started = time.monotonic()
            for back in range(1, args.years):
                y = year - back
                for cycle in Cycle.objects.filter(year=year).exclude(title__startswith="B"):
                    if Cycle.objects.filter(unit=cycle.unit_id, year=y).exists():
                        continue
                    _copy_rows(cursor, Cycle, cycle.pk, 1, {
                        "year": str(y), "title": f"'B{y} ' || t.title"})
            template = Project.objects.order_by("pk").first()
            milestone = Milestone.objects.order_by("pk").first()
            for cycle in Cycle.objects.filter(title__startswith="B", projects__isnull=True):
                _copy_rows(cursor, Project, template.pk, 20, {
                    "cycle_id": str(cycle.pk), "title": f"'B{cycle.year}项目' || g",
                    "state": "CASE WHEN g % 4 = 0 THEN 'in_progress' ELSE 'accepted' END"})
            if milestone:
                cursor.execute(
                    f'SELECT p.id FROM "{Project._meta.db_table}" p WHERE p.title LIKE %s '
                    f'AND NOT EXISTS (SELECT 1 FROM "{Milestone._meta.db_table}" x '
                    f'WHERE x.project_id = p.id)', ["B%"])
                for (project_id,) in cursor.fetchall():
                    _copy_rows(cursor, Milestone, milestone.pk, 4, {
                        "project_id": str(project_id),
                        "due_on": "DATE '2020-01-01' + (g * 60)",
                        "done_on": f"CASE WHEN ({project_id} + g) % 9 = 0 THEN NULL "
                                   "ELSE DATE '2020-01-01' + (g * 60 - 3) END"})
            budget = Budget.objects.filter(year=year).order_by("pk").first()
            for y in range(year - args.years + 1, year):
                for street_pk in streets:
                    if not Budget.objects.filter(street=street_pk, year=y).exists():
                        _copy_rows(cursor, Budget, budget.pk, 1, {
                            "street_id": str(street_pk), "year": str(y),
                            "published_at": f"TIMESTAMPTZ '{y}-03-{1 + street_pk % 28:02d} "
                                            "10:00+08'",
                            "review_item_id": "NULL"})
            templates = list(Meeting.objects.filter(state="closed", starts_at__year=year)
                             .distinct("council_id").order_by("council_id", "pk"))
            for back in range(1, args.years):
                y = year - back
                if Meeting.objects.filter(title__startswith=f"B{y}年").exists():
                    continue
                for template in templates:
                    _copy_rows(cursor, Meeting, template.pk, 6, {
                        "title": f"'B{y}年第' || g || '次会议'", "batch_id": "NULL",
                        "starts_at": f"TIMESTAMPTZ '{y}-01-15 19:00+08' "
                                     "+ g * interval '2 months'"})
            # Each copied meeting gets its council's template meeting's roll and sign-ins.
            meeting_table, attendance_table = Meeting._meta.db_table, Attendance._meta.db_table
            for template in templates:
                cursor.execute(
                    f'INSERT INTO "{attendance_table}" (meeting_id, member_id, response, '
                    f'leave_reason, signed_in_at, mode) SELECT m.id, a.member_id, a.response, '
                    f'a.leave_reason, a.signed_in_at, a.mode FROM "{meeting_table}" m, '
                    f'"{attendance_table}" a WHERE a.meeting_id = %s AND m.council_id = %s '
                    f'AND m.title LIKE %s AND NOT EXISTS (SELECT 1 FROM "{attendance_table}" x '
                    f'WHERE x.meeting_id = m.id)', [template.pk, template.council_id, "B%"])
            done["projects, budgets, meetings"] = time.monotonic() - started
    from bench.evaluation import fill as fill_deputies

    done["deputies"] = fill_deputies(args.deputies, args.activities)
    with connection.cursor() as cursor:
        # As autovacuum leaves a table in service: statistics, and the visibility map that lets
        # the figures be counted from the indexes alone (a freshly bulk-filled table has none).
        cursor.execute("VACUUM ANALYZE")
    return done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5432/oveval_bench")
    parser.add_argument("--opinions", type=int, default=1_000_000)
    parser.add_argument("--opinion-years", type=int, default=5)
    parser.add_argument("--deputies", type=int, default=2000)
    parser.add_argument("--activities", type=int, default=60)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--max-minutes", type=float, default=30)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("stopped: --max-minutes reached"))
    signal.alarm(int(args.max_minutes * 60))
    if not args.database_url.startswith("postgres"):
        sys.exit("city scale is measured on PostgreSQL: give --database-url postgres://…")
    from bench.search import ensure_database

    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "yishi.settings"
    os.environ.setdefault("YISHI_VAR_DIR", str(ROOT / "var"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from yishi.core.models import Role, User
    from yishi.deputies.models import DutyActivity, ReceptionSession
    from yishi.opinions.models import Opinion
    from yishi.oversight import dashboard, evaluation, queries
    from yishi.oversight.models import EvaluationScheme
    from yishi.projects.models import Project

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("load_demo", quiet=True, stdout=open(os.devnull, "w"))
    print(f"migrate + demo: {time.monotonic() - started:.0f} s", flush=True)
    for what, seconds in fill(args).items():
        print(f"filled {what}: {seconds:.0f} s", flush=True)
    print(f"rows: opinions {Opinion.objects.count():,}, projects {Project.objects.count():,}, "
          f"receptions {ReceptionSession.objects.count():,}, "
          f"duty activities {DutyActivity.objects.count():,}")

    year = timezone.localdate().year
    staff = User.objects.filter(role_assignments__role=Role.DISTRICT_STAFF).order_by("pk").first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    device = TOTPDevice.objects.create(user=staff, confirmed=True, name="bench")
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    streets = list(queries.streets())

    def timed(func, runs) -> list[float]:
        times = []
        for _ in range(runs):
            begun = time.perf_counter()
            func()
            times.append(time.perf_counter() - begun)
        return sorted(times)

    def report(name, times):
        p95 = times[max(0, -(-len(times) * 95 // 100) - 1)]
        print(f"{name:<34} median {statistics.median(times) * 1000:8.1f} ms   "
              f"p95 {p95 * 1000:8.1f} ms")

    def page():
        response = client.get(f"/oversight/dashboard/{year}/")
        assert response.status_code == 200, response.status_code

    report(f"dashboard page ({len(streets)} streets)", timed(page, args.runs))
    report("board() alone", timed(lambda: dashboard.board(streets, year), args.runs))
    report("drill page 1 (opinions received)",
           timed(lambda: dashboard.drill("opinions_received", streets[0], year), 3))
    scheme = EvaluationScheme.objects.get(year=year)
    times = timed(lambda: evaluation.compute(staff, scheme), 3)
    print(f"{'rescore the district year':<34} median {statistics.median(times):8.2f} s    "
          f"worst {max(times):8.2f} s")
    report("evaluation ranking", timed(lambda: evaluation.ranking(scheme), args.runs))
    print(f"database: {connection.vendor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
