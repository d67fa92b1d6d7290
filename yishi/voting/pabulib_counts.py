"""Counting a pabulib approval file fast: straight into its multiprofile.

A big election is mostly VOTES rows, and a count needs only how many voters cast each distinct
ballot. This reader counts identical vote cells first and splits and checks each distinct one
once, each pass in C; on anything unusual it hands the file to the full parser
(:func:`yishi.voting.pabulib.load`), which reads it the same way and reports the exact line. The
command-line tally uses it; everything else reads files with :mod:`yishi.voting.pabulib`.
Standard library only, like the parser."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from operator import itemgetter, methodcaller

from .pabulib import (
    APPROVAL_LIKE,
    Instance,
    PabulibError,
    Project,
    _loads,
    loads,
    parse_number,
)


@dataclass(slots=True)
class ApprovalCounts:
    """What a count needs from an approval file, and nothing more: the META, the projects and
    each distinct approval set with how many voters cast it (a multiprofile)."""

    meta: dict[str, str]
    projects: dict[str, Project]
    counts: dict[frozenset[str], int]

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Fraction:
        return parse_number(self.meta["budget"], "budget")

    @property
    def costs(self) -> dict[str, Fraction]:
        return {pid: p.cost for pid, p in self.projects.items()}


class _NotPlain(Exception):
    """The fast reader met something only the full parser handles (or reports) exactly."""


def load_approval_counts(path: str | os.PathLike[str]) -> ApprovalCounts | Instance:
    """Read an approval or choose-1 file straight into its multiprofile.

    A big election is mostly VOTES rows, and a count needs only how many voters cast each
    distinct ballot. So the vote rows are split by the C csv reader without building a
    :class:`Vote` each, identical vote cells are counted first, and each distinct cell is split
    and checked once. The result is the same as ``load(path).approval_ballot_counts()``: on
    anything unusual (quotes, a row of the wrong width, a voter twice, an unknown project, a
    vote type with points) this gives the file to :func:`load` instead, which reads it the
    same way and reports the exact line; the caller then gets an :class:`Instance`.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise PabulibError(f"file is not UTF-8: {exc}", source=os.fspath(path)) from None
    try:
        return _approval_counts(text)
    except (_NotPlain, PabulibError):
        return loads(text, source=os.fspath(path))


# The VOTES section's announcing row ("votes", any case, trailing empty cells allowed).
_VOTES_ROW = re.compile(r"^[ \t]*votes[ \t;]*$", re.MULTILINE | re.IGNORECASE)
_SPACE = re.compile(r"\s")


def _approval_counts(text: str) -> ApprovalCounts:
    if "\r" in text:
        # Windows line ends are common in published files; the count does not depend on them.
        text = text.replace("\r\n", "\n")
    found = _VOTES_ROW.search(text)
    header_end = text.find("\n", found.end() + 1) if found else -1
    if header_end < 0:
        raise _NotPlain
    rows_at = header_end + 1
    body = text[rows_at:].rstrip("\n")
    if '"' in body or "\r" in body or not body:
        raise _NotPlain
    # META and PROJECTS are small: the full parser reads them, with the VOTES header, so that
    # every check of theirs (order of sections, meta, costs) is the same.
    head = _loads(text[:rows_at])
    vote_type = head.vote_type
    if vote_type not in APPROVAL_LIKE:
        raise _NotPlain
    header = head.vote_columns
    # Each step below is one pass in C (split, map, set, Counter) over the 10^5 rows.
    lines = body.split("\n")
    if set(map(methodcaller("count", ";"), lines)) != {len(header) - 1}:
        raise _NotPlain  # blank rows, trailing cells: the full parser decides
    id_col, vote_col = header.index("voter_id"), header.index("vote")
    # Only the cells up to the later of the two columns are needed.
    rows = list(map(methodcaller("split", ";", max(id_col, vote_col) + 1), lines))
    voter_ids = list(map(itemgetter(id_col), rows))
    stripped = set(map(str.strip, voter_ids))
    if len(stripped) != len(voter_ids) or "" in stripped:
        raise _NotPlain
    projects = head.projects
    cells = Counter(map(itemgetter(vote_col), rows))
    abstentions = cells.pop("", 0)
    if _SPACE.search("".join(cells)):
        raise _NotPlain  # spaces inside a ballot: the full parser strips them
    ballots = list(map(frozenset, map(methodcaller("split", ","), cells)))
    sizes = [cell.count(",") + 1 for cell in cells]
    if list(map(len, ballots)) != sizes:
        raise _NotPlain  # a project listed twice
    if not frozenset().union(*ballots) <= projects.keys():
        raise _NotPlain
    if vote_type == "choose-1" and max(sizes, default=0) > 1:
        raise _NotPlain
    counts: dict[frozenset[str], int] = dict(zip(ballots, cells.values(), strict=True))
    if len(counts) < len(cells):  # the same set written in another order
        counts = {}
        for ballot, count in zip(ballots, cells.values(), strict=True):
            counts[ballot] = counts.get(ballot, 0) + count
    if abstentions:
        counts[frozenset()] = counts.get(frozenset(), 0) + abstentions
    return ApprovalCounts(head.meta, projects, counts)
