#!/usr/bin/env python3
"""Recompute the on-time and satisfaction rates of the residents' opinions statistics from the
public records export, with nothing but Python's standard library.

    python3 docs/opinion_stats_check.py opinion-records-20260101-20261231.csv [--json]

Download the file from the statistics page ("Download the records (CSV)"). For each street and
for the whole file this prints:

- replied: opinions with a first reply; on time: those whose first reply came no later than
  the deadline in force then (``replied <= due``, recomputed from the two times, not read from
  the ``on_time`` column — the script says so if the column disagrees);
- rated: opinions the resident rated (satisfied, basically satisfied or not satisfied; "not
  rated" does not count); satisfied: satisfied or basically satisfied;
- the two rates, as the page shows them (one decimal, "—" when nothing to divide by), and the
  average working days to the first reply.
"""

import argparse
import csv
import json
import sys
from datetime import datetime

RATED = {"satisfied", "basically", "unsatisfied"}
SATISFIED = {"satisfied", "basically"}


def percent(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "—"


def recompute(path: str) -> dict:
    figures: dict[str, dict] = {}
    disagreements = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for line in csv.DictReader(handle):
            for key in (line["street"], "total"):
                row = figures.setdefault(key, {"received": 0, "replied": 0, "on_time": 0,
                                               "rated": 0, "satisfied": 0, "days": 0})
                row["received"] += 1
                if line["replied"]:
                    replied = datetime.fromisoformat(line["replied"])
                    due = datetime.fromisoformat(line["due"]) if line["due"] else None
                    on_time = due is not None and replied <= due
                    row["replied"] += 1
                    row["on_time"] += on_time
                    row["days"] += int(line["reply_workdays"] or 0)
                    if key == "total" and line["on_time"] != str(int(on_time)):
                        disagreements.append(line["number"])
                if line["rating"] in RATED:
                    row["rated"] += 1
                    row["satisfied"] += line["rating"] in SATISFIED
    for row in figures.values():
        row["on_time_rate"] = percent(row["on_time"], row["replied"])
        row["satisfaction_rate"] = percent(row["satisfied"], row["rated"])
        row["average_days"] = (round(row["days"] / row["replied"], 1) if row["replied"]
                               else None)
    return {"figures": figures, "on_time_column_disagrees": disagreements}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="the records CSV downloaded from the statistics page")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = recompute(args.export)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print(f"{'':<12}{'received':>9}{'replied':>9}{'on time':>9}{'rate':>8}"
              f"{'rated':>7}{'satisf.':>8}{'rate':>8}{'days':>6}")
        for name, row in sorted(result["figures"].items(), key=lambda kv: kv[0] == "total"):
            print(f"{name:<12}{row['received']:>9}{row['replied']:>9}{row['on_time']:>9}"
                  f"{row['on_time_rate']:>8}{row['rated']:>7}{row['satisfied']:>8}"
                  f"{row['satisfaction_rate']:>8}{row['average_days'] or '—':>6}")
        if result["on_time_column_disagrees"]:
            print("on_time column disagrees with replied <= due for:",
                  ", ".join(result["on_time_column_disagrees"]))
    return 1 if result["on_time_column_disagrees"] else 0


if __name__ == "__main__":
    sys.exit(main())
