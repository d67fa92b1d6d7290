"""The opinions statistics page with a million opinions on PostgreSQL.

    python bench/opinion_stats.py [--opinions 1000000] [--runs 30] [--database-url URL]

Fills a database (default: PostgreSQL on this machine, database yishi_bench_opinion_stats,
created if missing; rows kept between runs, --refill to rebuild) with the demo plus N opinions
received this year across the twelve streets, in every state, with first replies (on time or
late, working days), ratings and open deadlines — written with COPY in batches — then renders
the statistics page (the whole district for this year; one street; one month) through the
site's own view and prints p50/p95 in ms (after rebuilding the statistics' summary, which the
COPY's rows reached through its triggers, one row each). The goal: the district's year under 300 ms p95.
Stops by itself."""

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search import ensure_database, timed  # noqa: E402 - the same helpers as the search bench

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yishi_bench_opinion_stats"
PREFIX = "S"
FIELDS = ["number", "title", "text", "category_id", "street_id", "community_id", "address",
          "is_public", "contact_name", "contact_mobile", "channel", "state", "created_at",
          "accept_deadline", "accepted_at", "reply_deadline", "replied_at", "first_replied_at",
          "first_reply_due", "reply_workdays", "rating_deadline", "rating", "closed_at",
          "reopen_count", "supports", "search_tokens"]


def _row(i: int, rng: random.Random, now: datetime, year_start: datetime, span: float,
         categories, communities, late_share) -> tuple:
    community, street = communities[rng.randrange(len(communities))]
    created = year_start + timedelta(seconds=rng.random() * span)
    accept_deadline = created + timedelta(days=3)
    accepted = created + timedelta(hours=rng.randint(1, 60))
    due = accepted + timedelta(days=21)
    late = rng.random() < late_share[street]
    replied = accepted + timedelta(days=rng.randint(22, 35) if late else rng.randint(1, 20))
    state, rating, closed = "closed", "", None
    first_replied = first_due = workdays = rating_deadline = None
    reply_deadline, accepted_at = due, accepted
    if accepted > now:
        state, accepted_at, reply_deadline = "submitted", None, None
    elif replied > now:
        state = rng.choice(["assigned", "handling"])
    else:
        first_replied, first_due = replied, due
        workdays = max(0, (replied - created).days * 5 // 7)
        rating_deadline = replied + timedelta(days=7)
        roll = rng.random()
        if rating_deadline > now:
            state = "replied"
        elif roll < 0.55:
            rating, closed = "satisfied", replied + timedelta(days=2)
        elif roll < 0.7:
            rating, closed = "basically", replied + timedelta(days=2)
        elif roll < 0.74:
            state, rating = "escalated", "unsatisfied"
        else:
            rating, closed = "not_rated", rating_deadline
    return (f"{PREFIX}{i:09d}", "关于小区停车的问题", "晚上车位不够，希望增加停车位。",
            rng.choice(categories), street, community, "", True, "演示", "",
            rng.choice(["web", "web", "phone", "reception", "open311", "letter", "suggestion"]),
            state, created, accept_deadline, accepted_at, reply_deadline,
            first_replied, first_replied, first_due, workdays,
            rating_deadline, rating, closed, 0, 0, "")


def fill(count: int, existing: int) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from yishi.core.models import Unit
    from yishi.opinions.models import OpinionCategory

    started = time.monotonic()
    rng = random.Random(11 + existing)
    categories = list(OpinionCategory.objects.values_list("id", flat=True))
    communities = list(Unit.objects.filter(kind="community").values_list("id", "parent_id"))
    late_share = {street: rng.uniform(0.03, 0.25) for _c, street in communities}
    now = timezone.now()
    local = timezone.localtime(now)
    year_start = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    span = (now - year_start).total_seconds()
    batch = 50_000
    for start in range(existing, count, batch):
        rows = [_row(i, rng, now, year_start, span, categories, communities, late_share)
                for i in range(start, min(start + batch, count))]
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(
                    f"COPY opinions_opinion ({', '.join(FIELDS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        print(f"  {min(start + batch, count):,} opinions", end="\r", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE opinions_opinion")
    return time.monotonic() - started



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opinions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                  DEFAULT_DB))
    parser.add_argument("--refill", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("this benchmark fills PostgreSQL (COPY): give a postgres:// URL")
    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("YISHI_VAR_DIR", "/tmp/yishi-bench-opinion-stats")
    os.environ["DJANGO_SETTINGS_MODULE"] = "yishi.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from yishi.opinions.models import Opinion

    call_command("migrate", verbosity=0)
    call_command("load_demo", quiet=True, stdout=open(os.devnull, "w"))
    if args.refill:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM opinions_opinion WHERE number LIKE %s", [f"{PREFIX}%"])
    have = Opinion.objects.filter(number__startswith=PREFIX).count()
    if have < args.opinions:
        print(f"filling {args.opinions - have:,} opinions …")
        print(f"\nfilled in {fill(args.opinions, have):.0f} s")
    # The COPY's rows reached the statistics' summary through its triggers, one row each; after
    # a bulk load the summary is rebuilt per street and day (manage.py rebuild_opinion_stats).
    from django.db.models import Count

    from yishi.opinions import stats
    from yishi.opinions.models import OpinionStatsDelta

    if OpinionStatsDelta.objects.aggregate(n=Count("id"))["n"] > 100_000:
        started = time.monotonic()
        written = stats.rebuild()
        print(f"summary: rebuilt as {written:,} street-days in {time.monotonic() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE opinions_opinionstatsdelta")
    setup_test_environment()  # the test client's host name is allowed
    client = Client()
    year = timezone.localdate().year
    total = Opinion.objects.count()
    in_year = Opinion.objects.filter(created_at__year=year).count()
    print(f"database: {connection.vendor}; opinions: {total:,} ({in_year:,} received in {year}); "
          f"runs per figure: {args.runs}")
    print(f"{'page':<40} {'p50 ms':>8} {'p95 ms':>8}")
    results = {}
    for label, params in (
            (f"district, {year}", {"year": year}),
            (f"one street (西溪), {year}", {"year": year, "street": "330106002"}),
            (f"district, {year}-06", {"year": year, "month": 6})):
        def get(params=params):
            response = client.get("/opinions/statistics/", params)
            assert response.status_code == 200, response.status_code
        results[label] = timed(get, args.runs)
        print(f"{label:<40} {results[label][0]:>8.1f} {results[label][1]:>8.1f}")
    worst = results[f"district, {year}"][1]
    print(f"district year p95: {worst:.1f} ms (goal: < 300 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
