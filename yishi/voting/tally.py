"""Count a pabulib ``.pb`` file from the command line.

    python -m yishi.voting.tally FILE.pb --rule mes-greedy

prints the selected project ids, one per line, in the order the rule selects
them. A malformed file, an unsupported vote type or bad arguments give a
one-line message on stderr and exit status 2 (no traceback).

Standard library only, like :mod:`yishi.voting.pb_rules` and
:mod:`yishi.voting.pabulib`: anyone can re-count a published ballot file.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from yishi.voting import pabulib, pabulib_counts, pb_rules


def tally(instance: pabulib.Instance | pabulib_counts.ApprovalCounts, rule: str) -> list[str]:
    """Selected project ids of a parsed instance (or a file's multiprofile) under ``rule``.

    Raises :class:`pb_rules.UnsupportedVoteType` for ballots the rule cannot count.
    """
    pb_rules.check_vote_type(rule, instance.vote_type)
    counts = (instance.counts if isinstance(instance, pabulib_counts.ApprovalCounts)
              else instance.approval_ballot_counts())
    election = pb_rules.ApprovalElection(instance.costs, instance.budget, counts)
    return election.run(rule)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m yishi.voting.tally",
        description="Select projects from a pabulib .pb file with a participatory-budgeting rule.",
    )
    parser.add_argument("file", help="pabulib .pb file")
    parser.add_argument(
        "--rule",
        choices=pb_rules.RULES,
        default="mes-add1-greedy",
        help="counting rule (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        instance = pabulib_counts.load_approval_counts(args.file)
        selected = tally(instance, args.rule)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except pabulib.PabulibError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except pb_rules.UnsupportedVoteType as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # e.g. a cost or budget the rules reject
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        sys.stdout.write("".join(pid + "\n" for pid in selected))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
