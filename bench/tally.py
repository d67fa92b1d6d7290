"""Time our tally against pabutools 1.2.3 on the shared pabulib files.

    .venv/bin/python bench/tally.py [--rule RULE]... [--files GLOB]
                                    [--skip-pabutools-over SECONDS]

For every ``.pb`` file in ``../shared/data/pabulib`` (relative to the
repository root) and every rule, runs our rule and pabutools' on the same
parsed input and prints one table row: file, voters, projects, rule, our
seconds, pabutools' seconds, ratio, whether the selections are identical, and
the peak memory of our run.

What is timed, from the parsed file to the selection. Ours: counting the
distinct ballots, building :class:`ApprovalElection`, the rule. pabutools':
``profile.as_multiprofile()`` then the rule, with ``sat_class=Cost_Sat`` and
exact gmpy2 fractions -- the setup the shared ``expected.json`` was made
with. Parsing is timed for neither. (The stored expected.json times, used
with --skip-pabutools-over, probably exclude the multiprofile step.)

Runs shorter than 1 s are repeated and the second time is reported (for
both tools): the first run in a fresh child also pays for copying the pages
it touches. Each run happens in a forked child process, so one run's memory does not
inflate the next and a huge pabutools run cannot take the benchmark down
with it. Our peak memory is measured by one more, untimed run under tracemalloc
(``--memory rss`` instead reports the child's peak RSS growth, reset via
/proc/self/clear_refs: cheaper, but it undercounts).

``--whole`` times instead what a user runs: ``python -m yishi.voting.tally FILE --rule R``
as a whole process (start, imports, reading the file, the count; the best of ``--repeat``
runs) against ``bench/pabutools_tally.py FILE R`` (pabutools' import, its parser, the
multiprofile and the rule; one run, it is slow), and checks that both print the same ids.
Each side is given in wall seconds and in CPU seconds (user + system of the process), each
with its ratio, and the load average is printed at the end. It also prints the floor no
whole process of ours can go below (the interpreter's start, and its start with our imports,
in CPU seconds) and the files where 100x pabutools would be below it.
Files with fewer than ``--min-voters`` voters are left out of this mode. Both processes start
from the same environment: where bytecode is not cached (``PYTHONDONTWRITEBYTECODE`` set and
no ``__pycache__``, as in the project's sessions), each compiles its modules in every run --
ours three small ones, pabutools its package. On a 2-core machine shared with other work the
figures move with the load: run it a few times and give the load average with them.

``--skip-pabutools-over S`` does not run pabutools where expected.json says
it took more than S seconds; the row then compares with expected.json's
stored selection and shows the stored time, marked ``*``.
"""

from __future__ import annotations

import argparse
import fnmatch
import gc
import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from yishi.voting import pabulib, pb_rules  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "pabulib"


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    """Reset this process's peak RSS (Linux >= 4.0); False if not possible.

    Without this a forked child would report its parent's peak.
    """
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _in_child(
    func: Callable[[], list[str]], timeout: float | None, traced: bool = False
) -> dict[str, Any]:
    """Run ``func`` in a forked child; return its result, time and peak extra memory.

    With ``traced``, the peak comes from one more run under tracemalloc (the
    Python objects the run allocates; slower, so not the timed run). Else it
    is the growth of the child's peak RSS, which misses memory the run gets
    from pages the parent had already freed. A child still running after
    ``timeout`` seconds is killed and reported.
    """
    ctx = multiprocessing.get_context("fork")
    parent_end, child_end = ctx.Pipe(duplex=False)

    def target() -> None:
        try:
            can_measure = _reset_peak()
            base = _status_kib("VmRSS")
            start = time.perf_counter()
            selected = func()
            seconds = time.perf_counter() - start
            if seconds < 1.0:
                # A short first run mostly measures the child copying the
                # parent's pages it touches; time a second, warm run.
                start = time.perf_counter()
                selected = func()
                seconds = time.perf_counter() - start
            peak = _status_kib("VmHWM") - base if can_measure else None
            if traced:
                tracemalloc.start()
                func()
                peak = tracemalloc.get_traced_memory()[1] // 1024
                tracemalloc.stop()
            child_end.send({"selected": selected, "seconds": seconds, "peak_kib": peak})
        except BaseException as exc:  # report, don't hang the parent
            child_end.send({"error": f"{type(exc).__name__}: {exc}"})

    # Move everything that exists now (the parsed input) out of the garbage
    # collector's reach, so that neither tool pays for collections walking --
    # and the child for copying -- objects that are not part of its work.
    gc.freeze()
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
    election = pb_rules.ApprovalElection(inst.costs, inst.budget, inst.approval_ballot_counts())
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
    mes_params: dict[str, Any] = {"sat_class": Cost_Sat}
    if rule.startswith("mes-add1"):
        mes_params["voter_budget_increment"] = 1

    def run() -> list[str]:
        multi = profile.as_multiprofile()  # timed: ours merges ballots too
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str], timeout: float | None) -> tuple[float, float, str] | str:
    """Wall time, CPU time and standard output of one process, or why it failed.

    The CPU time (user + system, from the children's rusage: the runs are one at a time)
    moves much less than the wall time on a machine shared with other work.
    """
    cpu = _children_cpu()
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return "timeout"
    seconds = time.perf_counter() - start
    if done.returncode:
        return (done.stderr.strip().splitlines() or ["failed"])[-1][:60]
    return seconds, _children_cpu() - cpu, done.stdout


def _least_cpu(cmd: list[str], tries: int, timeout: float | None) -> float:
    """The least CPU time of ``tries`` runs of ``cmd``."""
    runs = [_run(cmd, timeout) for _ in range(tries)]
    failed = [r for r in runs if isinstance(r, str)]
    if failed:
        raise SystemExit(f"{' '.join(cmd)}: {failed[0]}")
    return min(cpu for _seconds, cpu, _out in runs)


def whole(paths: list[Path], chosen: list[str], args: argparse.Namespace) -> int:
    """Whole processes, ours against pabutools' (see --whole)."""
    header = (f"{'file':<40} {'voters':>7} {'rule':<15} {'ours s':>7} {'pabutools s':>11} "
              f"{'ratio':>7} {'ours cpu':>8} {'pabu cpu':>8} {'ratio':>7} {'same':>4}")
    print(header)
    print("-" * len(header))
    # What no whole process of ours can go below: the interpreter's start, then its start with
    # our imports (the best of a few runs each, in CPU seconds like the ratio's column).
    tries = max(5, args.repeat)
    floors = {what: _least_cpu([sys.executable, "-c", code], tries, args.timeout)
              for what, code in (("start", "pass"), ("imports", "import yishi.voting.tally"))}
    problems = 0
    below = []
    for path in paths:
        inst = pabulib.load(path)
        if len(inst.votes) < args.min_voters or inst.vote_type not in pb_rules.APPROVAL_VOTE_TYPES:
            continue
        for rule in chosen:
            row = f"{path.name[:40]:<40} {len(inst.votes):>7} {rule:<15}"
            ours = [_run([sys.executable, "-m", "yishi.voting.tally", str(path), "--rule", rule],
                         args.timeout) for _ in range(args.repeat)]
            failed = [r for r in ours if isinstance(r, str)]
            if failed:
                print(f"{row} ours: {failed[0]}", flush=True)
                problems += 1
                continue
            best = min(seconds for seconds, _cpu, _out in ours)
            best_cpu = min(cpu for _seconds, cpu, _out in ours)
            theirs = _run([sys.executable, str(REPO / "bench" / "pabutools_tally.py"), str(path),
                           rule], args.timeout)
            if isinstance(theirs, str):
                print(f"{row} {best:>7.3f} {theirs:>11}", flush=True)
                continue
            same = ours[0][2] == theirs[2]
            problems += not same
            print(f"{row} {best:>7.3f} {theirs[0]:>11.3f} {theirs[0] / best:>6.0f}x "
                  f"{best_cpu:>8.3f} {theirs[1]:>8.3f} {theirs[1] / best_cpu:>6.0f}x "
                  f"{'yes' if same else 'NO':>4}", flush=True)
            if theirs[1] / 100 < floors["imports"]:
                below.append(f"{path.name} ({1000 * theirs[1] / 100:.1f} ms)")
    print(f"floor (CPU, best of {tries}): the interpreter starts in "
          f"{1000 * floors['start']:.1f} ms, {1000 * floors['imports']:.1f} ms with our imports")
    if below:
        print("100x pabutools is below that floor on: " + ", ".join(below))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{problems} problem(s).")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rule",
        action="append",
        help=f"rule(s) to run, repeatable or comma-separated (default: all of {', '.join(pb_rules.RULES)})",
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
        "--memory",
        choices=("tracemalloc", "rss"),
        default="tracemalloc",
        help="how to measure our peak memory: an extra run under tracemalloc (default), "
        "or the child's peak RSS growth (free, but undercounts)",
    )
    parser.add_argument("--whole", action="store_true",
                        help="time whole processes (the CLI against pabutools'), see above")
    parser.add_argument("--repeat", type=int, default=3,
                        help="--whole: runs of ours, the best is reported (default: %(default)s)")
    parser.add_argument("--min-voters", type=int, default=10_000,
                        help="--whole: leave out smaller files (default: %(default)s)")
    parser.add_argument(
        "--data", type=Path, default=DATA, help="pabulib folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)

    chosen = [r for arg in (args.rule or [",".join(pb_rules.RULES)]) for r in arg.split(",") if r]
    for rule in chosen:
        if rule not in pb_rules.RULES:
            parser.error(f"unknown rule {rule!r} (expected one of {', '.join(pb_rules.RULES)})")
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

    if args.whole:
        return whole(paths, chosen, args)

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
                pb_rules.check_vote_type(rule, inst.vote_type)
            except pb_rules.UnsupportedVoteType as exc:
                print(f"{row} {str(exc)}", flush=True)
                continue
            ours = _in_child(
                lambda inst=inst, rule=rule: _ours(inst, rule),
                None if args.timeout is None else 4 * args.timeout,
                traced=args.memory == "tracemalloc",
            )
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
            peak = "n/a" if ours["peak_kib"] is None else f"{ours['peak_kib'] / 1024:.1f}"
            print(
                f"{row} {ours['seconds']:>8.3f} {theirs_s:>11} {ratio:>7} {same:>4} {peak:>11}",
                flush=True,
            )
    print()
    print("* pabutools not run: time and selection from expected.json (n/f: did not finish there).")
    print(f"{mismatches} mismatch(es).")
    return 1 if mismatches else 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into `head`
    sys.exit(main())
