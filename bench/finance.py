"""Street finances at district scale: 12 streets × 10 years × about 1,500 lines each, with monthly
execution on every lowest line.

    python bench/finance.py [--years 10] [--requests 60] [--database-url URL]

Fills a database (default: SQLite file var/bench-finance.sqlite3; or PostgreSQL, e.g.
postgres://postgres@127.0.0.1:5432/yishi_bench_finance, created if missing) with the Xihu units, a
made-up classification edition of about 1,500 codes per year and an approved budget per street
and year (sample.py's figures), then prints:

- the drill-down page (a 类 line's page) and the year-over-year page: p50 / p95 over
  `--requests` requests each through Django's test client (the whole page is rendered);
- a year's Fiscal Data Package written and validated by frictionless;
- importing one street's budget workbook (.xlsx, about 1,500 rows) through the service.

Targets (issue 11): pages p95 < 100 ms, package < 5 s, import < 2 s. Rows are kept between runs."""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STREETS_CLASSES, SECTIONS, ITEMS = 25, 6, 8  # 25 + 150 + 1,200 functional codes
ECONOMIC_CLASSES, ECONOMIC_SECTIONS = 10, 12  # 10 + 120 economic codes


def edition_csv() -> bytes:
    rows = ["类型,编码,名称,英文名称,名词解释"]
    for c in range(STREETS_CLASSES):
        klass = f"{201 + c}"
        rows.append(f"功能,{klass},功能类{klass},Class {klass},演示类")
        for s in range(1, SECTIONS + 1):
            section = f"{klass}{s:02d}"
            rows.append(f"功能,{section},功能款{section},Section {section},演示款")
            for i in range(1, ITEMS + 1):
                rows.append(f"功能,{section}{i:02d},功能项{section}{i:02d},Item,演示项")
    for c in range(ECONOMIC_CLASSES):
        klass = f"{301 + c}"
        rows.append(f"经济,{klass},经济类{klass},,")
        for s in range(1, ECONOMIC_SECTIONS + 1):
            rows.append(f"经济,{klass}{s:02d},经济款{klass}{s:02d},,")
    return "\n".join(rows).encode("utf-8")


def fill(years: list[int]) -> float:
    from decimal import Decimal

    from django.db import transaction

    from yishi.core.demo import load_units
    from yishi.finance import sample, services
    from yishi.finance.models import (
        Budget,
        BudgetLine,
        BudgetState,
        Edition,
        Execution,
        LineKind,
    )

    started = time.monotonic()
    _district, streets = load_units()
    data = edition_csv()
    kinds = {"收支总表": LineKind.REVENUE, "支出功能分类": LineKind.FUNCTION,
             "基本支出经济分类": LineKind.ECONOMIC}
    for year in [*years, years[-1] + 1]:
        if not Edition.objects.filter(year=year).exists():
            services.import_edition(None, year, data, title=f"{year} bench", is_demo=True)
    for year in years:
        codes = sample.edition_triples(Edition.objects.get(year=year))
        for s, street in enumerate(streets, start=1):
            if Budget.objects.filter(street=street, year=year).exists():
                continue
            with transaction.atomic():
                budget = Budget.objects.create(street=street, year=year, is_demo=True,
                                               state=BudgetState.APPROVED)
                rows = sample.budget_rows(codes, Decimal(150_000_000 + s * 9_000_000), s * year)
                BudgetLine.objects.bulk_create([
                    BudgetLine(budget=budget, kind=kinds[t], code=c, name=n, position=p,
                               level=len(c) // 2 if kinds[t] != LineKind.REVENUE else 1,
                               original=a)
                    for p, (t, c, n, a, _x, _e) in enumerate(rows) if t in kinds],
                    batch_size=2000)
                leaves = services.leaf_lines(budget).values()
                Execution.objects.bulk_create([
                    Execution(line=line, month=m, amount=(line.original / 13).quantize(
                        Decimal("0.01")))
                    for line in leaves for m in range(1, 13)], batch_size=5000)
    return time.monotonic() - started


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(times: list[float]) -> float:
    return sorted(times)[max(int(len(times) * 0.95) - 1, 0)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url",
                        default=f"sqlite:///{ROOT / 'var' / 'bench-finance.sqlite3'}")
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
    from django.test import Client
    from django.utils import timezone

    from yishi.core.models import Role, RoleAssignment, Unit, User
    from yishi.finance import exports, sample, services
    from yishi.finance.models import Budget, BudgetLine, Edition, Execution

    call_command("migrate", verbosity=0)
    this_year = timezone.localdate().year
    years = list(range(this_year - args.years + 1, this_year + 1))
    filled = fill(years)
    budgets = list(Budget.objects.filter(year__in=years).select_related("street"))
    rnd = random.Random(1)
    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/finance/")  # warm up: URL resolver, templates, translations

    def page(kind):
        budget = rnd.choice(budgets)
        base = f"/finance/{budget.street.code}/{budget.year}/"
        url = base + (f"lines/{rnd.randint(201, 200 + 25)}/" if kind == "drill" else "compare/")
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    drill = timed(lambda: page("drill"), args.requests)
    compare = timed(lambda: page("compare"), args.requests)
    budget_page = timed(lambda: client.get(
        f"/finance/{budgets[0].street.code}/{budgets[0].year}/"), max(args.requests // 3, 5))

    from frictionless import Package

    def package():
        with tempfile.TemporaryDirectory() as folder:
            for name, data in exports.package_files(budgets[-1]).items():
                Path(folder, name).write_bytes(data)
            report = Package(str(Path(folder, "datapackage.json"))).validate()
            assert report.valid, report.flatten(["type", "note"])

    package_times = timed(package, 3)

    import_year = years[-1] + 1
    street = Unit.objects.filter(kind="street").order_by("sort_order").first()
    officer, _ = User.objects.get_or_create(mobile="13900069999", defaults={"name": "bench"})
    RoleAssignment.objects.get_or_create(user=officer, role=Role.FINANCE_STAFF, unit=street,
                                         ends_on=None)
    draft = services.create_budget(officer, street, import_year)
    rows = sample.budget_rows(sample.edition_triples(Edition.objects.get(year=import_year)),
                              150_000_000, 7)
    workbook = exports.budget_workbook(rows, "xlsx")
    import_times = timed(lambda: services.import_budget(officer, draft, "bench.xlsx", workbook),
                         3)

    print(f"database: {connection.vendor}; fill {filled:.1f} s")
    print(f"budgets: {Budget.objects.count()}, lines: {BudgetLine.objects.count()}, "
          f"execution rows: {Execution.objects.count()}, "
          f"lines per budget: {BudgetLine.objects.filter(budget=budgets[0]).count()}")
    for label, times in (("drill-down page (类 line)", drill), ("year-over-year page", compare),
                         ("budget page", budget_page)):
        print(f"{label:<28} p50 {statistics.median(times):6.1f} ms  p95 {p95(times):6.1f} ms")
    print(f"{'data package write+validate':<28} mean {statistics.mean(package_times):6.0f} ms, "
          f"worst {max(package_times):.0f} ms")
    print(f"{'import one workbook':<28} mean {statistics.mean(import_times):6.0f} ms, "
          f"worst {max(import_times):.0f} ms ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
