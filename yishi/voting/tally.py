"""Count a pabulib ``.pb`` file from the command line.

    python -m yishi.voting.tally FILE.pb --rule mes-greedy

prints the selected project ids, one per line, in the order the rule selects
them. A malformed file, an unsupported vote type or bad arguments give a
one-line message on stderr and exit status 2 (no traceback).

Standard library only, like :mod:`yishi.voting.pb_rules` and
:mod:`yishi.voting.pabulib`: anyone can re-count a published ballot file.

A count is a whole process, and on a file of 10^5 voters the interpreter's start and the
imports are a good part of it: the usual case (an approval file read by
:mod:`yishi.voting.pabulib_counts`, the arguments ``FILE [--rule R]``) imports neither
argparse nor the full parser (csv, dataclasses, fractions); anything else does.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

from yishi.voting import pabulib_counts, pb_rules

# Not typing.TYPE_CHECKING: importing typing is a noticeable part of a whole tally's run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from yishi.voting import pabulib

DEFAULT_RULE = "mes-add1-greedy"


def tally(instance: pabulib.Instance | pabulib_counts.ApprovalCounts, rule: str) -> list[str]:
    """Selected project ids of a parsed instance (or a file's multiprofile) under ``rule``.

    Raises :class:`pb_rules.UnsupportedVoteType` for ballots the rule cannot count.
    """
    pb_rules.check_vote_type(rule, instance.vote_type)
    if isinstance(instance, pabulib_counts.ApprovalCounts):
        costs = dict(zip(instance.ids, instance.scaled_costs, strict=True))
        election = pb_rules.ApprovalElection(costs, instance.scaled_budget, instance.counts,
                                             unit=instance.unit)
    else:
        election = pb_rules.ApprovalElection(instance.costs, instance.budget,
                                             instance.approval_ballot_counts())
    return election.run(rule)


def _plain_arguments(argv: Sequence[str]) -> tuple[str, str] | None:
    """(file, rule) when the arguments are ``FILE``, ``FILE --rule R`` or ``--rule R FILE``
    (``--rule=R`` too) with a known rule; None for anything else, which argparse reads (and
    answers: help, abbreviations, errors)."""
    args = list(argv)
    rule = DEFAULT_RULE
    for i, arg in enumerate(args):
        if arg.startswith("--rule="):
            rule = arg[len("--rule="):]
            del args[i]
            break
        if arg == "--rule" and i + 1 < len(args):
            rule = args[i + 1]
            del args[i : i + 2]
            break
    if len(args) != 1 or args[0].startswith("-") or rule not in pb_rules.RULES:
        return None
    return args[0], rule


def _parse_arguments(argv: Sequence[str]) -> tuple[str, str]:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m yishi.voting.tally",
        description="Select projects from a pabulib .pb file with a participatory-budgeting rule.",
    )
    parser.add_argument("file", help="pabulib .pb file")
    parser.add_argument(
        "--rule",
        choices=pb_rules.RULES,
        default=DEFAULT_RULE,
        help="counting rule (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    return args.file, args.rule


def main(argv: Sequence[str] | None = None) -> int:
    # A count makes millions of objects and no garbage cycles: the collector would only walk
    # them again and again (a third of the time of reading a big file).
    gc.disable()
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    finally:
        gc.enable()


def _main(argv: Sequence[str]) -> int:
    path, rule = _plain_arguments(argv) or _parse_arguments(argv)
    try:
        instance = pabulib_counts.load_approval_counts(path)
        selected = tally(instance, rule)
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a malformed file, an unsupported vote type, a bad cost
        from yishi.voting.pabulib import PabulibError  # names the file and line itself

        where = "" if isinstance(exc, PabulibError) else f"{path}: "
        print(f"error: {where}{exc}", file=sys.stderr)
        return 2
    try:
        sys.stdout.write("".join(pid + "\n" for pid in selected))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
