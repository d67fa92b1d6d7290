"""Counting a pabulib approval file fast: straight into its multiprofile.

A big election is mostly VOTES rows, and a count needs only how many voters cast each distinct
ballot. This reader works on the file's bytes: it splits the rows, checks each row's width and
voter id and counts identical vote cells, each step one pass in C, then decodes, splits and
checks each distinct cell once. Costs and the budget become integers on one decimal scale, so
nothing here needs :mod:`fractions`. On anything unusual it hands the file to the full parser
(:func:`yishi.voting.pabulib.load`), which reads it the same way and reports the exact line.

The command-line tally uses it, and a tally is a whole process: so this module imports only
what the interpreter has loaded anyway, and the full parser (csv, dataclasses, fractions) only
when it is needed. Standard library only, like the parser.
"""

from __future__ import annotations

import os
from collections import Counter
from operator import methodcaller

# Not typing.TYPE_CHECKING: importing typing is a noticeable part of a whole tally's run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from fractions import Fraction

    from .pabulib import Instance

APPROVAL_LIKE = ("approval", "choose-1")
_SECTIONS = ("meta", "projects", "votes")
# ASCII characters str.strip() removes besides "\n" and "\r" (already split on / refused).
_ASCII_SPACE = b" \t\x0b\x0c\x1c\x1d\x1e\x1f"
_NOT_SEPARATOR = bytes(range(256)).translate(None, b";\r\n")
_LINE_TO_CELL = bytes.maketrans(b"\n", b";")


class ApprovalCounts:
    """What a count needs from an approval file, and nothing more: the META, the projects'
    costs and each distinct approval set with how many voters cast it (a multiprofile).

    ``scaled_costs`` (parallel to ``ids``, in file order) and ``scaled_budget`` are integers:
    the file's decimals times ``unit``, a power of ten, so they are exact.
    """

    __slots__ = ("counts", "ids", "meta", "scaled_budget", "scaled_costs", "unit")

    def __init__(self, meta: dict[str, str], ids: list[str], scaled_costs: list[int],
                 scaled_budget: int, unit: int, counts: dict[frozenset[str], int]) -> None:
        self.meta = meta
        self.ids = ids
        self.scaled_costs = scaled_costs
        self.scaled_budget = scaled_budget
        self.unit = unit
        self.counts = counts

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Fraction:
        from fractions import Fraction

        return Fraction(self.scaled_budget, self.unit)

    @property
    def costs(self) -> dict[str, Fraction]:
        from fractions import Fraction

        return {pid: Fraction(c, self.unit) for pid, c in zip(self.ids, self.scaled_costs,
                                                              strict=True)}


def load_approval_counts(path: str | os.PathLike[str]) -> ApprovalCounts | Instance:
    """Read an approval or choose-1 file straight into its multiprofile.

    The result is the same as ``load(path).approval_ballot_counts()``: on anything unusual
    (quotes in the votes, a row of the wrong width, a voter twice, an unknown project, a
    number that is not a plain decimal, another vote type) this gives the file to
    :func:`yishi.voting.pabulib.load` instead, which reads it the same way and reports the
    exact line; the caller then gets an :class:`Instance`.
    """
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        counts = _approval_counts(data)
    except (ValueError, IndexError):  # e.g. not UTF-8: the full parser says where and why
        counts = None
    if counts is not None:
        return counts
    from .pabulib import load

    return load(path)


def _decimal(text: str) -> tuple[int, int] | None:
    """A non-negative plain decimal as (digits, places): "1 000,50" is (100050, 2).

    Cleaned as :func:`yishi.voting.pabulib.parse_number` does; anything else (a sign, an
    exponent, a fraction) is None, and the full parser reads it.
    """
    cleaned = text.strip().replace(",", ".").replace(" ", "").replace("_", "")
    whole, dot, frac = cleaned.partition(".")
    digits = whole + frac
    if not (whole and digits.isascii() and digits.isdigit()) or (dot and not frac):
        return None
    return int(digits), len(frac)


def _rows(head: str) -> list[list[str]]:
    """The cells of the META and PROJECTS rows, as the full parser's csv reader gives them."""
    if '"' not in head:
        return [line.split(";") for line in head.split("\n")]
    import csv  # quoted project names are common in the head, rare in the votes
    import io

    try:
        return list(csv.reader(io.StringIO(head, newline=""), delimiter=";", quotechar='"'))
    except csv.Error:
        return []


def _header(cells: list[str]) -> list[str] | None:
    """A section's header row as the full parser reads it, or None if it would refuse it."""
    while len(cells) > 1 and not cells[-1].strip():  # trailing empty cells
        cells = cells[:-1]
    header = [cell.strip() for cell in cells]
    if not all(header) or len(set(header)) != len(header):
        return None
    return header


def _head(head: str) -> tuple[dict[str, str], dict[str, str]] | None:
    """META and PROJECTS of a plain file: (meta, project id -> cost text), or None.

    Only the shapes the full parser accepts without a word are read here; a section out of
    order, a duplicate key or project, a row of the wrong width give None.
    """
    meta: dict[str, str] = {}
    costs: dict[str, str] = {}
    section = -1
    header: list[str] | None = None
    id_col = cost_col = -1
    for cells in _rows(head):
        if not "".join(cells).strip():
            continue  # a blank row
        name = cells[0].strip().lower()
        if name in _SECTIONS and not "".join(cells[1:]).strip():
            if section + 1 >= len(_SECTIONS) or name != _SECTIONS[section + 1]:
                return None
            section += 1
            header = None
            continue
        if section < 0:
            return None
        if header is None:
            header = _header(cells)
            if header is None:
                return None
            if section == 1:
                if "project_id" not in header or "cost" not in header:
                    return None
                id_col, cost_col = header.index("project_id"), header.index("cost")
            continue
        while len(cells) > len(header) and not cells[-1].strip():
            cells = cells[:-1]
        if section == 0:
            key = cells[0].strip()
            if len(cells) < 2 or key in meta:
                return None
            meta[key] = ";".join(cells[1:]).strip()
            continue
        if len(cells) != len(header):
            return None
        pid = cells[id_col].strip()
        if not pid or pid in costs or "," in pid:
            return None
        costs[pid] = cells[cost_col]
    if section != 1 or header is None:
        return None
    return meta, costs


def _approval_counts(data: bytes) -> ApprovalCounts | None:
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    # Windows line ends are common in published files: the rows' line ends are checked with
    # the separators below, then left out (the count does not depend on them).
    eol = b"\r\n" if b"\r" in data else b"\n"
    # The VOTES section's announcing row; its header is the next line, the rows follow.
    at = data.find(b"\nVOTES", start)
    header_at = data.find(b"\n", at + 1) + 1
    rows_at = data.find(b"\n", header_at) + 1
    if (at < 0 or not header_at or not rows_at
            or data[at:header_at].strip(b" \t;\r\n") != b"VOTES"):
        return None
    head = data[start : at + 1].decode().replace("\r\n", "\n")
    parsed = None if "\r" in head else _head(head)
    if parsed is None:
        return None
    meta, cost_texts = parsed
    vote_type = meta.get("vote_type", "approval")
    header = _header(data[header_at:rows_at].decode().rstrip("\r\n").split(";"))
    if (vote_type not in APPROVAL_LIKE or "budget" not in meta or header is None
            or "voter_id" not in header or "vote" not in header):
        return None
    numbers = [_decimal(meta["budget"]), *map(_decimal, cost_texts.values())]
    if None in numbers:
        return None
    places = max(p for _n, p in numbers)  # type: ignore[misc]
    scaled = [n * 10 ** (places - p) for n, p in numbers]  # type: ignore[misc]

    if data.find(b'"', rows_at) >= 0:
        return None  # quotes: the csv rules apply
    if not data.isascii():  # the head was decoded above; is the rest UTF-8 too? (or raise)
        str(memoryview(data)[rows_at:], "utf-8")
    # Each step below is one pass in C over the 10^5 rows, none a Python call per row.
    end = len(data)
    while end > rows_at and data[end - 1] in b"\r\n":
        end -= 1  # the final line end(s)
    if end <= rows_at:
        return None
    n_rows = data.count(b"\n", rows_at, end) + 1
    width = len(header)
    # Every row has exactly the header's width when the separators alone, in order, are
    # that many ";" then a line end, row after row (the final line ends aside).
    row = b";" * (width - 1)
    body = (row + eol) * (n_rows - 1) + row
    separators = data.translate(None, _NOT_SEPARATOR)
    first = data.count(b";", 0, rows_at) + data.count(b"\n", 0, rows_at)  # cells before
    mark = first + data.count(b"\r", 0, rows_at)  # the separators before
    if separators[mark : mark + len(body)] != body or separators.count(b";", mark + len(body)):
        return None  # blank rows, trailing cells, mixed line ends: the full parser decides
    # So the file split on both separators is, from cell ``first`` on, ``width`` cells a row:
    # a column is a slice.
    cells_all = data.translate(_LINE_TO_CELL, b"\r").split(b";")
    stop = first + n_rows * width
    voter_ids = set(cells_all[first + header.index("voter_id") : stop : width])
    joined = b"".join(voter_ids)
    if (len(voter_ids) != n_rows or b"" in voter_ids
            or not (joined.isalnum() or (joined.isascii()
                                         and len(joined.translate(None, _ASCII_SPACE))
                                         == len(joined)))):
        return None  # a voter twice, an empty id, or one the full parser would strip
    cells = Counter(cells_all[first + header.index("vote") : stop : width])
    del cells_all
    abstentions = cells.pop(b"", 0)
    # The distinct cells, decoded at once (no cell holds a ";": the rows were split on it).
    texts = b";".join(cells).decode()
    if len("".join(texts.split())) != len(texts):
        return None  # spaces inside a ballot: the full parser strips them
    ballots = list(map(frozenset, map(methodcaller("split", ","), texts.split(";"))))
    # A set is never longer than its list: equal totals mean no project is listed twice.
    if sum(map(len, ballots)) != texts.count(",") + len(ballots):
        return None
    if not frozenset().union(*ballots) <= cost_texts.keys():
        return None
    if vote_type == "choose-1" and "," in texts:
        return None
    counts: dict[frozenset[str], int] = dict(zip(ballots, cells.values(), strict=True))
    if len(counts) < len(cells):  # the same set written in another order
        counts = {}
        for ballot, count in zip(ballots, cells.values(), strict=True):
            counts[ballot] = counts.get(ballot, 0) + count
    if abstentions:
        counts[frozenset()] = counts.get(frozenset(), 0) + abstentions
    return ApprovalCounts(meta, list(cost_texts), scaled[1:], scaled[0], 10**places, counts)
