"""Search and public-board latency with a million opinions.

    python bench/search.py [--opinions 1000000] [--database-url URL] [--runs 50]

Fills a database (default: PostgreSQL on this machine, database yishi_bench_search, created if
missing) with N public opinions whose texts are drawn from the demo's labelled opinions (cut
once with jieba, then combined at random, so the index sees realistic Chinese words and
frequencies), then times typical searches and the board's first page through the same code
the site uses (yishi.opinions.search and queries.public_board) and prints p50/p95 in ms.
The goal on PostgreSQL: p95 under 50 ms. Rows are kept between runs (--refill to rebuild)."""

import argparse
import csv
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_baseline import ensure_database  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yishi_bench_search"
QUERIES = ["电梯", "加装电梯", "停车", "垃圾分类", "噪音 晚上", "路灯", "物业 收费", "漏水",
           "老旧小区", "公交", "老旧小区 改造"]


def fill(count: int) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from yishi.core.models import Unit
    from yishi.opinions.models import Opinion, OpinionCategory
    from yishi.opinions.search import words

    started = time.monotonic()
    rng = random.Random(7)
    with open(ROOT / "yishi/opinions/data/demo_opinions.csv", encoding="utf-8") as handle:
        samples = [(r["title"], r["text"]) for r in csv.DictReader(handle)]
    cut = [(title, text, " ".join(words(f"{title} {text}"))) for title, text in samples]
    categories = list(OpinionCategory.objects.values_list("id", flat=True))
    communities = list(Unit.objects.filter(kind="community").values_list("id", "parent_id"))
    now = timezone.now()
    existing = Opinion.objects.count()
    batch = 20000
    fields = ["number", "title", "text", "category_id", "street_id", "community_id", "address",
              "is_public", "contact_name", "contact_mobile", "channel", "state", "created_at",
              "accept_deadline", "reopen_count", "supports", "search_tokens", "rating"]
    for start in range(existing, count, batch):
        rows = []
        for i in range(start, min(start + batch, count)):
            title, text, tokens = cut[rng.randrange(len(cut))]
            community, street = communities[rng.randrange(len(communities))]
            created = now - timedelta(minutes=i)
            rows.append((f"B{i:09d}", title, text, rng.choice(categories), street, community, "",
                         True, "演示", "", "web", rng.choice(["accepted", "replied", "closed"]),
                         created, created + timedelta(days=2), 0, 0, tokens, ""))
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(
                        f"COPY opinions_opinion ({', '.join(fields)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO opinions_opinion ({', '.join(fields)}) "
                    f"VALUES ({', '.join(['%s'] * len(fields))})", rows)
        print(f"  {min(start + batch, count):,} opinions", end="\r", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.monotonic() - started


def timed(func, runs: int) -> tuple[float, float]:
    func()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opinions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                  DEFAULT_DB))
    parser.add_argument("--refill", action="store_true")
    args = parser.parse_args(argv)
    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("YISHI_VAR_DIR", str(Path("/tmp/yishi-bench-search")))
    os.environ["DJANGO_SETTINGS_MODULE"] = "yishi.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from yishi.core.paging import light_page
    from yishi.opinions import queries, search
    from yishi.opinions.models import Opinion

    call_command("migrate", verbosity=0)
    call_command("load_demo", quiet=True, stdout=open(os.devnull, "w"))
    if args.refill:
        Opinion.objects.filter(number__startswith="B").delete()
    have = Opinion.objects.filter(number__startswith="B").count()
    if have < args.opinions:
        print(f"filling {args.opinions - have:,} opinions …")
        print(f"\nfilled in {fill(args.opinions):.0f} s")
    total = Opinion.objects.count()
    print(f"database: {connection.vendor}; opinions: {total:,}; runs per figure: {args.runs}")
    print(f"{'what':<28} {'p50 ms':>8} {'p95 ms':>8} {'hits':>6}")
    worst = 0.0
    for query in QUERIES:
        hits = len(search.search(query, rows=queries.public_board(), limit=20))
        p50, p95 = timed(lambda q=query: search.search(q, rows=queries.public_board(), limit=20),
                         args.runs)
        worst = max(worst, p95)
        print(f"search {query:<21} {p50:>8.1f} {p95:>8.1f} {hits:>6}")
    p50, p95 = timed(lambda: light_page(queries.public_board().order_by("-created_at", "-id"),
                                        "1"), args.runs)
    worst = max(worst, p95)
    print(f"{'board, first page':<28} {p50:>8.1f} {p95:>8.1f}")
    print(f"worst p95: {worst:.1f} ms (goal on PostgreSQL: < 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
