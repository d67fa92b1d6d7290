"""How long the stand-alone verifier takes on a real election's bulletin board.

    python bench/verify_board.py [FILE.pb ...] [--rule mes-add1-greedy]

For each pabulib file (default: the three largest approval files in ../shared/data/pabulib/)
it builds the board a published ballot would have (spec, every ballot with a receipt hash, the
result), writes it as JSON, and times `python -m yishi.voting.verify board.json` in a fresh
process. The bar: under a minute on the largest file."""

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from yishi.voting import count, pabulib  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "pabulib"


def decimal_text(value) -> str:
    """A Fraction from a .pb file (always a finite decimal there) as exact decimal text."""
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def board_for(path: Path, rule: str) -> dict:
    instance = pabulib.load(path)
    spec = {
        "id": path.stem, "title": path.stem, "method": "budget", "secrecy": "secret",
        "options": [{"key": pid, "title": p.name or pid, "cost": decimal_text(p.cost)}
                    for pid, p in instance.projects.items()],
        "budget": decimal_text(instance.budget),
        "budget_rule": rule, "ballot_within_budget": False, "tie_break": "key", "tie_seed": "",
        "min_choices": 0, "max_choices": None, "entitled": len(instance.votes), "present": 0,
    }
    ballots = []
    for vote in instance.votes:
        content = {"choices": sorted(set(vote.ballot))}
        ballots.append({"receipt": count.receipt_hash(spec["id"], content, secrets.token_hex(8)),
                        "channel": "import", "content": content})
    ballots.sort(key=lambda b: b["receipt"])
    result = count.tally(spec, [b["content"] for b in ballots])
    return {"format": "yishi-board/1", "ballot": spec, "ballots": ballots, "result": result}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--rule", default="mes-add1-greedy")
    args = parser.parse_args(argv)
    files = args.files
    if not files:
        if not SHARED.is_dir():
            print(f"{SHARED} is missing: pass .pb files explicitly")
            return 0
        approval = [p for p in SHARED.glob("*.pb")
                    if "vote_type;approval" in p.read_text(encoding="utf-8", errors="replace")[:3000]]
        files = sorted(approval, key=lambda p: p.stat().st_size)[-3:]
    print(f"{'file':<40} {'ballots':>8} {'board MB':>9} {'verify s':>9}  result")
    for path in files:
        board = board_for(path, args.rule)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(board, handle)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "yishi.voting.verify", handle.name],
                              cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        size = Path(handle.name).stat().st_size / 1e6
        Path(handle.name).unlink()
        verdict = "OK" if proc.returncode == 0 else f"exit {proc.returncode}"
        print(f"{path.name:<40} {len(board['ballots']):>8} {size:>9.1f} {seconds:>9.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
