"""Time of the district dashboard (全区工作看板): every figure of every street, as the page
computes it, on whatever database the settings point at (load the demo, or a larger district,
first).

    YISHI_VAR_DIR=… [DATABASE_URL=…] python bench/oversight.py [--runs 20] [--year 2026]

Prints the median and p95 of one whole board and of one drill-down list. It does not fill a
city-scale district itself (issue 12 asks for 1,000,000 opinions): load one with
`manage.py load_demo --scale N` and the other modules' bench fillers first."""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--year", type=int, default=None)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")
    import django

    django.setup()
    from django.utils import timezone

    from yishi.oversight import dashboard, queries

    year = args.year or timezone.localdate().year
    streets = list(queries.streets())
    if not streets:
        sys.exit("no streets: run manage.py load_demo first")

    def timed(func) -> list[float]:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            func()
            times.append(time.perf_counter() - started)
        return sorted(times)

    def report(name, times):
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{name:<28} median {statistics.median(times) * 1000:7.1f} ms   "
              f"p95 {p95 * 1000:7.1f} ms")

    report(f"board ({len(streets)} streets)", timed(lambda: dashboard.board(streets, year)))
    report("drill (opinions received)",
           timed(lambda: dashboard.drill("opinions_received", streets[0], year)))


if __name__ == "__main__":
    main()
