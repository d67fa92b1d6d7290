"""Time our tally against pabutools 1.2.3 on the shared pabulib files.

    .venv/bin/python bench/tally.py [--rule RULE]... [--files GLOB]
                                    [--skip-pabutools-over SECONDS]

For every ``.pb`` file in ``../shared/data/pabulib`` (relative to the
repository root) and every rule, runs our rule and pabutools' on the same
parsed input and prints one table row: file, voters, projects, rule, our
seconds, pabutools' seconds, ratio, whether the selections are identical, and
the peak memory of our run.

What is timed. Ours: building :class:`ApprovalElection` from the parsed
ballots (merging identical ballots included) plus the rule. pabutools': the
rule call on ``profile.as_multiprofile()`` (building the multiprofile is not
timed), with ``sat_class=Cost_Sat`` and exact gmpy2 fractions -- the setup
the shared ``expected.json`` was made with. Parsing is timed for neither.

Each run happens in a forked child process, so one run's memory does not
inflate the next and a huge pabutools run cannot take the benchmark down
with it. Peak memory is the child's peak RSS minus its RSS when it started
(the parsed file, shared with the parent, is not counted).

``--skip-pabutools-over S`` does not run pabutools where expected.json says
it took more than S seconds; the row then compares with expected.json's
stored selection and shows the stored time, marked ``*``.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import multiprocessing
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from yishi.voting import pabulib, rules  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "pabulib"


def _rss_kib() -> int:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() // 1024


def _in_child(func: Callable[[], list[str]], timeout: float | None) -> dict[str, Any]:
    """Run ``func`` in a forked child; return its result, time and peak extra memory.

    A child still running after ``timeout`` seconds is killed and reported.
    """
    ctx = multiprocessing.get_context("fork")
    parent_end, child_end = ctx.Pipe(duplex=False)

    def target() -> None:
        try:
            base = _rss_kib()
            start = time.perf_counter()
            selected = func()
            seconds = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
            child_end.send(
                {"selected": selected, "seconds": seconds, "peak_kib": max(0, peak - base)}
            )
        except BaseException as exc:  # report, don't hang the parent
            child_end.send({"error": f"{type(exc).__name__}: {exc}"})

    proc = ctx.Process(target=target)
    proc.start()
    child_end.close()
    if not parent_end.poll(timeout):
        proc.kill()
        proc.join()
        return {"error": f"timed out after {timeout:g} s", "timeout": True}
    try:
        result = parent_end.recv()
    except EOFError:
        result = {"error": "child died (out of memory?)"}
    proc.join()
    return result


def _ours(inst: pabulib.Instance, rule: str) -> list[str]:
    election = rules.ApprovalElection(inst.costs, inst.budget, inst.approval_ballots())
    return election.run(rule)


def _pabutools_runner(path: Path, rule: str) -> Callable[[], list[str]] | None:
    """Parse with pabutools in the parent (untimed) and return the timed call."""
    try:
        from pabutools.election import Cost_Sat, parse_pabulib
        from pabutools.rules import (
            completion_by_rule_combination,
            greedy_utilitarian_welfare,
            method_of_equal_shares,
        )
    except ImportError:
        return None
    instance, profile = parse_pabulib(str(path))
    multi = profile.as_multiprofile()
    mes_params: dict[str, Any] = {"sat_class": Cost_Sat}
    if rule.startswith("mes-add1"):
        mes_params["voter_budget_increment"] = 1

    def run() -> list[str]:
        if rule == "greedy":
            result = greedy_utilitarian_welfare(instance, multi, sat_class=Cost_Sat)
        elif rule in ("mes", "mes-add1"):
            result = method_of_equal_shares(instance, multi, **mes_params)
        else:
            result = completion_by_rule_combination(
                instance,
                multi,
                [method_of_equal_shares, greedy_utilitarian_welfare],
                [mes_params, {"sat_class": Cost_Sat}],
            )
        return [p.name for p in result]

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rule",
        action="append",
        help=f"rule(s) to run, repeatable or comma-separated (default: all of {', '.join(rules.RULES)})",
    )
    parser.add_argument("--files", default="*.pb", help="glob on file names (default: %(default)s)")
    parser.add_argument(
        "--skip-pabutools-over",
        type=float,
        default=None,
        metavar="SECONDS",
        help="don't run pabutools where its reference time in expected.json exceeds SECONDS; "
        "compare with the stored selection instead (default: always run pabutools)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="kill any single run (ours or pabutools') after SECONDS (default: no limit)",
    )
    parser.add_argument(
        "--data", type=Path, default=DATA, help="pabulib folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)

    chosen = [r for arg in (args.rule or [",".join(rules.RULES)]) for r in arg.split(",") if r]
    for rule in chosen:
        if rule not in rules.RULES:
            parser.error(f"unknown rule {rule!r} (expected one of {', '.join(rules.RULES)})")
    if not args.data.is_dir():
        print(f"No pabulib data at {args.data}: nothing to benchmark.")
        return 0
    expected_path = args.data / "expected.json"
    expected = (
        json.loads(expected_path.read_text(encoding="utf-8")) if expected_path.is_file() else {}
    )
    paths = sorted(p for p in args.data.glob("*.pb") if fnmatch.fnmatch(p.name, args.files))
    if not paths:
        print(f"No file in {args.data} matches {args.files!r}.")
        return 0

    header = (
        f"{'file':<48} {'voters':>7} {'proj':>4} {'rule':<15} {'ours s':>8} "
        f"{'pabutools s':>11} {'ratio':>7} {'same':>4} {'our peak MB':>11}"
    )
    print(header)
    print("-" * len(header))
    mismatches = 0
    for path in paths:
        inst = pabulib.load(path)
        ref = expected.get(path.name, {}).get("rules", {})
        for rule in chosen:
            row = f"{path.name[:48]:<48} {len(inst.votes):>7} {len(inst.projects):>4} {rule:<15}"
            try:
                rules.check_vote_type(rule, inst.vote_type)
            except rules.UnsupportedVoteType as exc:
                print(f"{row} {str(exc)}", flush=True)
                continue
            ours = _in_child(lambda inst=inst, rule=rule: _ours(inst, rule), args.timeout)
            if "error" in ours:
                print(f"{row} ours: {ours['error']}", flush=True)
                if not ours.get("timeout"):
                    mismatches += 1
                continue
            stored = ref.get(rule)
            skip = (
                args.skip_pabutools_over is not None
                and stored is not None
                and (stored["selected"] is None or stored["seconds"] > args.skip_pabutools_over)
            )
            theirs_s = "-"
            same = "n/a"
            ratio = "-"
            if skip:
                assert stored is not None
                theirs_s = "n/f*" if stored["selected"] is None else f"{stored['seconds']:.3f}*"
                if stored["selected"] is not None:
                    same = "yes" if ours["selected"] == stored["selected"] else "NO"
                    ratio = f"{stored['seconds'] / max(ours['seconds'], 1e-6):.0f}x*"
            else:
                runner = _pabutools_runner(path, rule)
                if runner is not None:
                    theirs = _in_child(runner, args.timeout)
                    if "error" in theirs:
                        theirs_s = "timeout" if theirs.get("timeout") else "failed"
                    else:
                        theirs_s = f"{theirs['seconds']:.3f}"
                        same = "yes" if ours["selected"] == theirs["selected"] else "NO"
                        ratio = f"{theirs['seconds'] / max(ours['seconds'], 1e-6):.0f}x"
                elif stored is not None and stored["selected"] is not None:
                    same = "yes" if ours["selected"] == stored["selected"] else "NO"
            if same == "NO":
                mismatches += 1
            print(
                f"{row} {ours['seconds']:>8.3f} {theirs_s:>11} {ratio:>7} {same:>4} "
                f"{ours['peak_kib'] / 1024:>11.1f}",
                flush=True,
            )
    print()
    print("* pabutools not run: time and selection from expected.json (n/f: did not finish there).")
    print(f"{mismatches} mismatch(es).")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
