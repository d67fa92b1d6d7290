"""Accuracy and speed of the routing suggester (分类与交办建议) on a labelled set of opinions.

    .venv/bin/python bench/routing.py [--data FILE.csv] [--seed N] [--duplicates N]

``FILE.csv`` is UTF-8 (a byte-order mark is fine) with the columns ``id,title,text,category``
and optionally ``department``. Without ``--data`` the demo's labelled set is used
(``yishi/opinions/data/demo_opinions.csv``, made by ``python -m yishi.opinions.demo_set.generate``).

The set is split 80 / 20, stratified by category, with the seed (default 0); a category with a
single opinion goes to the training part. The suggester is trained on the 80 % and every
opinion of the 20 % is suggested one at a time, as a handler's screen would: top-1 and top-3
accuracy for the category (and the department when the file has that column), the training
time, and the latency of single ``suggest`` calls (mean and p95). A majority-label baseline is
printed beside the accuracy, to show what a classifier that learned nothing would score.

The duplicate index is timed too: built over ``--duplicates`` opinions (default 10,000: the
set's texts, repeated with another street name when the set is smaller), then queried with
the held-out texts (mean and p95 of single ``similar`` calls).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO = ROOT / "yishi" / "opinions" / "data" / "demo_opinions.csv"
REQUIRED = ("id", "title", "text", "category")


class DataError(Exception):
    pass


def read_set(path: Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            columns = [c.strip() for c in reader.fieldnames or []]
            missing = [c for c in REQUIRED if c not in columns]
            if missing:
                raise DataError(
                    f"{path}: missing column(s) {', '.join(missing)}; the first line must name "
                    f"the columns id,title,text,category (department optional), "
                    f"found: {', '.join(columns) or 'nothing'}")
            rows = []
            for line, row in enumerate(reader, start=2):
                row = {(k or "").strip(): (v or "").strip() for k, v in row.items()
                       if isinstance(v, str | type(None))}
                if not row.get("category"):
                    raise DataError(f"{path}, line {line}: no category")
                if not (row.get("title") or row.get("text")):
                    raise DataError(f"{path}, line {line}: neither title nor text")
                rows.append(row)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not UTF-8 ({e.reason} at byte {e.start}); "
                        f"save it as CSV UTF-8") from None
    except csv.Error as e:
        raise DataError(f"{path}: not a readable CSV file ({e})") from None
    if len(rows) < 10:
        raise DataError(f"{path}: {len(rows)} labelled opinions; at least 10 are needed")
    if len({r["category"] for r in rows}) < 2:
        raise DataError(f"{path}: every opinion has the same category")
    return rows


def split(rows: list[dict], seed: int) -> tuple[list[dict], list[dict]]:
    from sklearn.model_selection import train_test_split

    counts = Counter(r["category"] for r in rows)
    single = [r for r in rows if counts[r["category"]] < 2]
    rest = [r for r in rows if counts[r["category"]] >= 2]
    train, test = train_test_split(rest, test_size=0.2, random_state=seed,
                                   stratify=[r["category"] for r in rest])
    return single + train, test


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"mean {statistics.fmean(values) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEMO, help="labelled CSV (default: demo set)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the 80/20 split (default 0)")
    parser.add_argument("--duplicates", type=int, default=10_000,
                        help="opinions in the timed duplicate index (default 10000; 0: skip)")
    args = parser.parse_args(argv)
    try:
        rows = read_set(args.data)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    from yishi.opinions.routing import DuplicateIndex, get_tokenizer, train

    targets = ["category"]
    if sum(1 for r in rows if r.get("department")) >= len(rows) // 2:
        targets.append("department")
    train_rows, test_rows = split(rows, args.seed)
    print(f"data: {args.data} — {len(rows)} opinions, "
          f"{len({r['category'] for r in rows})} categories"
          + (f", {len({r['department'] for r in rows if r.get('department')})} departments"
             if "department" in targets else ""))
    print(f"split: {len(train_rows)} train / {len(test_rows)} test (stratified, seed {args.seed})")

    started = time.perf_counter()
    get_tokenizer()
    print(f"jieba + user dictionary loaded once: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    suggester = train(train_rows, targets=targets, seed=args.seed)
    print(f"training: {time.perf_counter() - started:.2f} s "
          f"({suggester.info['features']} features)")

    latencies: list[float] = []
    for target in targets:
        tested = [r for r in test_rows if r.get(target)]
        top1 = top3 = 0
        for r in tested:
            t0 = time.perf_counter()
            labels = [label for label, _ in suggester.suggest(r["title"], r["text"], k=3,
                                                               target=target)]
            latencies.append(time.perf_counter() - t0)
            top1 += bool(labels) and labels[0] == r[target]
            top3 += r[target] in labels
        majority = Counter(r[target] for r in train_rows if r.get(target)).most_common(1)[0][0]
        baseline = sum(r[target] == majority for r in tested) / len(tested)
        print(f"{target:10}  top-1 {top1 / len(tested):.3f}  top-3 {top3 / len(tested):.3f}  "
              f"(n={len(tested)}; majority baseline {baseline:.3f})")
    print(f"suggest latency, single calls: {ms(latencies)} (n={len(latencies)})")

    if args.duplicates > 0:
        streets = ["西溪街道", "翠苑街道", "文新街道", "古荡街道", "蒋村街道", "三墩镇", "北山街道"]
        records = []
        while len(records) < args.duplicates:
            round_ = len(records) // len(rows)
            for r in rows[: args.duplicates - len(records)]:
                prefix = f"{streets[round_ % len(streets)]}居民：" if round_ else ""
                records.append((f"{r['id']}#{round_}", r["title"], prefix + r["text"]))
        started = time.perf_counter()
        index = DuplicateIndex.build(records)
        built = time.perf_counter() - started
        queries = test_rows[:300]
        timings, found = [], 0
        for r in queries:
            t0 = time.perf_counter()
            hits = index.similar(r["title"], r["text"])
            timings.append(time.perf_counter() - t0)
            found += any(h[0].split("#")[0] == r["id"] for h in hits)
        print(f"duplicates: index of {len(records)} opinions built in {built:.2f} s; "
              f"similar(): {ms(timings)} (n={len(timings)}); "
              f"the same opinion found for {found}/{len(queries)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
