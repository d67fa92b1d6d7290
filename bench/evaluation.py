"""Time of the deputies' evaluation (考评) for a whole district: every deputy's annual scorecard
and every station's, ranked, computed from the records as the page and the API do.

    python bench/evaluation.py [--deputies 2000] [--activities 60] [--database-url URL] [--runs 5]

Fills a database (default: SQLite file var/bench-evaluation.sqlite3; or PostgreSQL, e.g.
postgres://postgres@127.0.0.1:5432/yishi_bench_evaluation, created if missing) with the Xihu demo
and N extra deputies spread over the street stations, each with A confirmed duty activities this
year and a monthly reception held, then prints the mean and worst time of
`scorecards(year, district)` and `station_cards(...)`. Rows are kept between runs."""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def fill(deputies: int, activities: int) -> float:
    from django.db import transaction
    from django.utils import timezone

    from yishi.core.models import User
    from yishi.deputies.models import (
        ActivityKind,
        ActivityState,
        DeputyProfile,
        DutyActivity,
        LiaisonStation,
        ReceptionSession,
    )

    started = time.monotonic()
    have = DeputyProfile.objects.filter(user__mobile__startswith="171").count()
    stations = list(LiaisonStation.objects.filter(kind="street"))
    kinds = [k for k in ActivityKind.values if k != "absence"]
    year = timezone.localdate().year
    with transaction.atomic():
        for n in range(have, deputies):
            user = User.objects.create(mobile=f"171{n:08d}", name=f"代表{n}")
            profile = DeputyProfile.objects.create(user=user)
            station = stations[n % len(stations)]
            profile.stations.add(station)
            DutyActivity.objects.bulk_create([DutyActivity(
                deputy=profile, kind=kinds[a % len(kinds)], state=ActivityState.CONFIRMED,
                date=date(year, 1, 1) + timedelta(days=(a * 5 + n) % 300),
                description="履职") for a in range(activities)])
            if n % 10 == 0:
                for month in range(1, 12):
                    start = timezone.make_aware(timezone.datetime(year, month, 15, 9))
                    session = ReceptionSession.objects.create(
                        station=station, state="held", starts_at=start,
                        ends_at=start + timedelta(hours=2))
                    session.deputies.add(profile)
    return time.monotonic() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deputies", type=int, default=2000)
    parser.add_argument("--activities", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url",
                        default=f"sqlite:///{ROOT / 'var' / 'bench-evaluation.sqlite3'}")
    args = parser.parse_args(argv)
    if args.database_url.startswith("postgres"):
        from bench.search import ensure_database

        ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "yishi.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from yishi.core.models import Unit
    from yishi.deputies.models import DutyActivity
    from yishi.deputies.queries import scorecards, station_cards

    call_command("migrate", verbosity=0)
    call_command("load_demo", quiet=True, stdout=open(os.devnull, "w"))
    filled = fill(args.deputies, args.activities)
    district = Unit.objects.get(kind="district")
    year = timezone.localdate().year
    times, station_times = [], []
    for _ in range(args.runs):
        started = time.monotonic()
        cards = scorecards(year, district)
        times.append(time.monotonic() - started)
        started = time.monotonic()
        rows = station_cards(year, district, cards)
        station_times.append(time.monotonic() - started)
    print(f"database: {connection.vendor}; fill {filled:.1f} s")
    print(f"deputies: {len(cards)}, stations: {len(rows)}, "
          f"duty activities: {DutyActivity.objects.count()}")
    print(f"scorecards(district):    mean {statistics.mean(times) * 1000:.0f} ms, "
          f"worst {max(times) * 1000:.0f} ms")
    print(f"station_cards(district): mean {statistics.mean(station_times) * 1000:.0f} ms, "
          f"worst {max(station_times) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
