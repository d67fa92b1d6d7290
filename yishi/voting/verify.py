"""Re-count a published ballot from its bulletin-board export alone.

    python -m yishi.voting.verify BOARD.json [--receipt CODE]

Standard library only: no Django, no database, no trust in the platform. It checks that every
ballot on the board is valid under the published rules, that no receipt appears twice, and
that counting them again gives the published result. With --receipt it also finds your ballot
(by the short code or the full hash on your receipt)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from . import count


def verify(board: dict) -> list[str]:
    """Problems found; an empty list means the board checks out."""
    problems: list[str] = []
    spec = board["ballot"]
    receipts = Counter(b["receipt"] for b in board["ballots"])
    for receipt, n in receipts.items():
        if n > 1:
            problems.append(f"receipt {receipt} appears {n} times")
    contents = []
    for entry in board["ballots"]:
        try:
            contents.append(count.validate(spec, entry["content"]))
        except count.InvalidBallot as exc:
            problems.append(f"ballot {entry['receipt'][:12]} is invalid: {exc}")
    if problems:
        return problems
    recomputed = count.tally(spec, contents)
    published = board.get("result")
    if published is None:
        problems.append("the board has no published result")
    elif json.dumps(recomputed, sort_keys=True) != json.dumps(published, sort_keys=True):
        for key in sorted(set(recomputed) | set(published)):
            if recomputed.get(key) != published.get(key):
                problems.append(f"{key}: published {published.get(key)!r}, "
                                f"recomputed {recomputed.get(key)!r}")
    return problems


def find_receipt(board: dict, code: str) -> dict | None:
    wanted = code.replace("-", "").replace(" ", "").lower()
    for entry in board["ballots"]:
        if entry["receipt"].startswith(wanted):
            return entry
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yishi.voting.verify", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("board", help="the bulletin board as JSON (board.json)")
    parser.add_argument("--receipt", help="the receipt code of your ballot")
    args = parser.parse_args(argv)
    try:
        with open(args.board, encoding="utf-8") as handle:
            board = json.load(handle)
        spec, ballots = board["ballot"], board["ballots"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"cannot read the board: {exc}", file=sys.stderr)
        return 2
    print(f"Ballot: {spec.get('title', '')} ({spec['method']}, {len(ballots)} ballots)")
    if args.receipt:
        entry = find_receipt(board, args.receipt)
        if entry is None:
            print(f"Receipt {args.receipt}: NOT on the board")
            return 1
        print(f"Receipt {args.receipt}: on the board, content {count.canonical(entry['content'])}")
    problems = verify(board)
    if problems:
        print("MISMATCH: the board does not support the published result:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("OK: the published result matches a re-count of every ballot on the board.")
    winners = board["result"].get("winners")
    if winners is not None:
        print("Selected: " + ", ".join(winners))
    return 0


if __name__ == "__main__":
    sys.exit(main())
