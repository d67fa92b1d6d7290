"""Reader and writer for pabulib ``.pb`` files (https://pabulib.org/format).

A ``.pb`` file has three sections, in this order::

    META                      PROJECTS                  VOTES
    key;value                 project_id;cost;...       voter_id;vote;...
    budget;100000             1;25000;...               v1;1,3
    vote_type;approval        ...                       ...

Each section is a ``;``-separated CSV table whose first row is a header.
Lists inside a cell (the ballot in ``vote``, the ``points``) are
``,``-separated.

This module uses only the standard library: it is shared by the web app, the
command-line tally and the stand-alone verifier. It parses into plain
dataclasses and keeps every column as the original string, so that
:func:`write` followed by :func:`parse` gives back an equal :class:`Instance`.
Anything malformed raises :class:`PabulibError` naming the line and the
problem; nothing here raises a bare ``KeyError``/``IndexError`` on bad input.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from operator import attrgetter
from typing import TextIO

__all__ = [
    "APPROVAL_LIKE",
    "VOTE_TYPES",
    "Instance",
    "PabulibError",
    "Project",
    "Vote",
    "dumps",
    "load",
    "loads",
    "parse_number",
    "write",
]

#: Vote types defined by the pabulib format.
VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
#: Vote types whose ballots are plain approval sets (choose-1 is approval of
#: exactly one project).
APPROVAL_LIKE = ("approval", "choose-1")
#: Vote types that carry a ``points`` column.
POINTS_TYPES = ("cumulative", "scoring")

SECTIONS = ("meta", "projects", "votes")


class PabulibError(ValueError):
    """A ``.pb`` file is malformed. ``line`` is 1-based, or None if unknown."""

    def __init__(self, message: str, line: int | None = None, source: str | None = None):
        self.message = message
        self.line = line
        self.source = source
        where = ""
        if source:
            where = source + ":"
        if line is not None:
            where += f"{line}:"
        super().__init__(f"{where} {message}" if where else message)


@dataclass(slots=True)
class Project:
    """One row of the PROJECTS section.

    ``fields`` holds every column of the row (including ``project_id`` and
    ``cost``) as the original, stripped string, in header order.
    """

    id: str
    cost: Fraction
    name: str = ""
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Vote:
    """One row of the VOTES section.

    ``ballot`` lists project ids in the order of the file (for ordinal votes
    that is the ranking, best first). ``points`` is parallel to ``ballot`` for
    cumulative and scoring votes and None otherwise. ``fields`` holds the other
    columns (age, sex, ...) as strings, without ``voter_id``/``vote``/``points``.
    """

    voter_id: str
    ballot: list[str]
    points: list[Fraction] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    # The vote cell as read, for counting identical ballots without rebuilding each one's text;
    # not part of the vote's meaning (a rewritten file may spell it differently).
    cell: str = field(default="", compare=False, repr=False)


@dataclass(slots=True)
class Instance:
    """A parsed ``.pb`` file.

    ``meta`` keeps the META section in file order (values are strings);
    ``projects`` maps project id to :class:`Project` in file order; the
    ``*_columns`` lists keep the headers so that writing reproduces them.
    """

    meta: dict[str, str]
    projects: dict[str, Project]
    votes: list[Vote]
    project_columns: list[str] = field(default_factory=lambda: ["project_id", "cost", "name"])
    vote_columns: list[str] = field(default_factory=lambda: ["voter_id", "vote"])

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Fraction:
        return parse_number(self.meta["budget"], "budget")

    def _meta_int(self, key: str) -> int | None:
        text = self.meta.get(key, "").strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise PabulibError(f"META {key} is not an integer: {text!r}") from None

    @property
    def min_length(self) -> int | None:
        """Fewest projects a ballot may name (META ``min_length``), if set."""
        return self._meta_int("min_length")

    @property
    def max_length(self) -> int | None:
        """Most projects a ballot may name (META ``max_length``), if set."""
        return self._meta_int("max_length")

    def length_violations(self) -> list[Vote]:
        """Votes naming fewer than ``min_length`` or more than ``max_length`` projects.

        Not a parse error: published pabulib files are the record of what
        was counted, and a few contain such ballots; the caller decides.
        An empty ballot (an abstention) is not counted as too short.
        """
        low, high = self.min_length, self.max_length
        return [
            v
            for v in self.votes
            if (high is not None and len(v.ballot) > high)
            or (low is not None and 0 < len(v.ballot) < low)
        ]

    @property
    def costs(self) -> dict[str, Fraction]:
        """Project id -> cost, in file order."""
        return {pid: p.cost for pid, p in self.projects.items()}

    def approval_ballots(self) -> list[frozenset[str]]:
        """Ballots as approval sets; only for approval and choose-1 votes.

        Raises :class:`PabulibError` for other vote types: an ordinal or
        cumulative ballot is not an approval set, and silently treating it as
        one would change its meaning.
        """
        if self.vote_type not in APPROVAL_LIKE:
            raise PabulibError(f"{self.vote_type} votes are not approval ballots")
        return [frozenset(v.ballot) for v in self.votes]

    def approval_ballot_counts(self) -> dict[frozenset[str], int]:
        """Distinct approval sets and how many voters cast each (a multiprofile).

        Same errors as :meth:`approval_ballots`; faster on big files because
        identical ballot rows are counted before building sets.
        """
        if self.vote_type not in APPROVAL_LIKE:
            raise PabulibError(f"{self.vote_type} votes are not approval ballots")
        # Votes read from a file: count their vote cells as read, then split each distinct
        # one. Votes built in code have no cell (""; a parsed empty ballot also has "", and
        # means the same): then count their ballots joined by "," (ids never contain ",", the
        # parser refuses them, so the join is a faithful key).
        cells = Counter(map(attrgetter("cell"), self.votes))
        split = _split_list
        if "" in cells and any(not v.cell and v.ballot for v in self.votes):
            cells = Counter(map(",".join, map(attrgetter("ballot"), self.votes)))

            def split(row: str) -> list[str]:
                return row.split(",") if row else []
        result: dict[frozenset[str], int] = {}
        for row, count in cells.items():
            key = frozenset(split(row))
            result[key] = result.get(key, 0) + count
        return result


def parse_number(text: str, what: str, line: int | None = None) -> Fraction:
    """Parse a decimal number exactly; a decimal comma is accepted (as pabutools does)."""
    cleaned = text.strip().replace(",", ".").replace(" ", "").replace("_", "")
    try:
        return Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"{what} is not a number: {text!r}", line) from None


def _is_section_row(row: list[str], name: str) -> bool:
    """A row announcing section ``name`` (extra empty cells are tolerated)."""
    return (
        bool(row) and row[0].strip().lower() == name and all(not cell.strip() for cell in row[1:])
    )


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) for each non-blank CSV row.

    csv handles quoting, embedded ``;`` and newlines inside quotes; the line
    number is that of the row's first physical line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not row or all(not cell.strip() for cell in row):
                continue
            yield line, row
    except csv.Error as exc:
        raise PabulibError(f"CSV error: {exc}", reader.line_num) from None


def _split_list(cell: str) -> list[str]:
    """Split a ``,``-separated list cell; an empty cell is the empty list."""
    items = [item.strip() for item in cell.split(",")]
    if items == [""]:
        return []
    return items


def loads(text: str, source: str | None = None) -> Instance:
    """Parse the text of a ``.pb`` file. ``source`` only decorates error messages."""
    try:
        return _loads(text)
    except PabulibError as exc:
        if source is not None and exc.source is None:
            raise PabulibError(exc.message, exc.line, source) from None
        raise


def load(path: str | os.PathLike[str]) -> Instance:
    """Parse a ``.pb`` file from disk (UTF-8, with or without BOM)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise PabulibError(f"file is not UTF-8: {exc}", source=os.fspath(path)) from None
    return loads(text, source=os.fspath(path))


def _loads(text: str) -> Instance:
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = _rows(text)
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    votes: list[Vote] = []
    project_columns: list[str] = []
    vote_columns: list[str] = []

    section_index = -1  # index into SECTIONS of the section being read
    header: list[str] | None = None
    last_line = 0
    vote_type = "approval"
    voter_ids: set[str] = set()
    vote_col = points_col = id_col = -1
    for line, row in rows:
        last_line = line
        # Sections must come in order META, PROJECTS, VOTES: only the next
        # expected name switches section, so a project called "votes" in a
        # data row (which has other non-empty cells) is never mistaken.
        nxt = section_index + 1
        if nxt < len(SECTIONS) and _is_section_row(row, SECTIONS[nxt]):
            section_index = nxt
            header = None
            continue
        for later in SECTIONS[section_index + 2 :]:
            if _is_section_row(row, later):
                raise PabulibError(
                    f"section {later.upper()} found before section {SECTIONS[nxt].upper()}", line
                )
        if section_index < 0:
            raise PabulibError("expected the META section first", line)
        section = SECTIONS[section_index]
        # Trailing empty cells ("a;b;") are a common export artefact.
        while len(row) > 1 and not row[-1].strip() and (header is None or len(row) > len(header)):
            row = row[:-1]
        if header is None:
            header = [cell.strip() for cell in row]
            if any(not h for h in header):
                raise PabulibError(f"empty column name in the {section.upper()} header", line)
            if len(set(header)) != len(header):
                raise PabulibError(f"duplicate column name in the {section.upper()} header", line)
            if section == "projects":
                for required in ("project_id", "cost"):
                    if required not in header:
                        raise PabulibError(f"PROJECTS header has no {required!r} column", line)
                project_columns = header
            elif section == "votes":
                # The meta is complete once VOTES starts: check it here so
                # that the vote rows can be validated against the vote type.
                vote_type = _check_meta(meta, line)
                for required in ("voter_id", "vote"):
                    if required not in header:
                        raise PabulibError(f"VOTES header has no {required!r} column", line)
                if vote_type in POINTS_TYPES and "points" not in header:
                    raise PabulibError(f"{vote_type} votes need a 'points' column", line)
                vote_columns = header
                id_col = header.index("voter_id")
                vote_col = header.index("vote")
                points_col = header.index("points") if "points" in header else -1
            continue
        if section == "meta":
            if len(row) < 2:
                raise PabulibError("META row needs a key and a value", line)
            key = row[0].strip()
            # An unquoted ';' inside a description would split the value:
            # keep the whole text rather than losing the tail.
            value = ";".join(row[1:]).strip()
            if key in meta:
                raise PabulibError(f"META key {key!r} appears twice", line)
            meta[key] = value
            continue
        if len(row) != len(header):
            raise PabulibError(
                f"{section.upper()} row has {len(row)} fields but the header has {len(header)}",
                line,
            )
        cells = {h: c.strip() for h, c in zip(header, row, strict=True)}
        if section == "projects":
            pid = cells["project_id"]
            if not pid:
                raise PabulibError("empty project_id", line)
            if pid in projects:
                raise PabulibError(f"project {pid!r} appears twice", line)
            if "," in pid:
                raise PabulibError(f"project id {pid!r} contains a comma", line)
            cost = parse_number(cells["cost"], f"cost of project {pid!r}", line)
            if cost < 0:
                raise PabulibError(f"cost of project {pid!r} is negative", line)
            projects[pid] = Project(pid, cost, cells.get("name", ""), cells)
        else:
            votes.append(
                _parse_vote(
                    row, header, line, vote_type, projects, voter_ids, id_col, vote_col, points_col
                )
            )

    if section_index < 0:
        raise PabulibError("no META section (is this a pabulib file?)", last_line or None)
    if section_index < 1:
        raise PabulibError("no PROJECTS section", last_line)
    if section_index < 2:
        raise PabulibError("no VOTES section", last_line)
    if not vote_columns:
        # VOTES announced but without even a header: an election with no votes.
        _check_meta(meta, last_line)
        vote_columns = ["voter_id", "vote"]
    if not project_columns:
        project_columns = ["project_id", "cost"]
    return Instance(meta, projects, votes, project_columns, vote_columns)


def _check_meta(meta: dict[str, str], line: int) -> str:
    if "budget" not in meta:
        raise PabulibError("META has no 'budget'", line)
    budget = parse_number(meta["budget"], "budget", line)
    if budget < 0:
        raise PabulibError("budget is negative", line)
    vote_type = meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        raise PabulibError(
            f"unknown vote_type {vote_type!r} (expected one of {', '.join(VOTE_TYPES)})", line
        )
    return vote_type


def _parse_vote(
    row: list[str],
    header: list[str],
    line: int,
    vote_type: str,
    projects: dict[str, Project],
    voter_ids: set[str],
    id_col: int,
    vote_col: int,
    points_col: int,
) -> Vote:
    voter_id = row[id_col].strip()
    if not voter_id:
        raise PabulibError("empty voter_id", line)
    if voter_id in voter_ids:
        raise PabulibError(f"voter {voter_id!r} appears twice", line)
    voter_ids.add(voter_id)
    ballot = _split_list(row[vote_col])
    for pid in ballot:
        if pid not in projects:
            raise PabulibError(f"voter {voter_id!r} votes for unknown project {pid!r}", line)
    if len(set(ballot)) != len(ballot):
        raise PabulibError(f"voter {voter_id!r} lists a project twice", line)
    if vote_type == "choose-1" and len(ballot) > 1:
        raise PabulibError(
            f"voter {voter_id!r} chose {len(ballot)} projects in a choose-1 vote", line
        )
    points: list[Fraction] | None = None
    if vote_type in POINTS_TYPES:
        raw = _split_list(row[points_col])
        if len(raw) != len(ballot):
            raise PabulibError(
                f"voter {voter_id!r} has {len(ballot)} projects but {len(raw)} points", line
            )
        points = [parse_number(p, f"points of voter {voter_id!r}", line) for p in raw]
    skip = {id_col, vote_col, points_col}
    fields = {header[i]: row[i].strip() for i in range(len(header)) if i not in skip}
    if points is None and points_col >= 0:
        # A points column in a vote type without points: keep it verbatim.
        fields["points"] = row[points_col].strip()
    return Vote(voter_id, ballot, points, fields, row[vote_col])


# ---------------------------------------------------------------------------
# Writing


def _format_number(value: Fraction) -> str:
    """Exact decimal text for a number; non-decimal fractions are written a/b."""
    if value.denominator == 1:
        return str(value.numerator)
    # Terminating decimal iff the denominator has only factors 2 and 5.
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = max(twos, fives)
    scaled = abs(value) * 10**digits
    text = str(scaled.numerator).rjust(digits + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


def write(instance: Instance, fh: TextIO) -> None:
    """Write ``instance`` as a ``.pb`` file (``\\n`` line ends, minimal quoting)."""
    out = csv.writer(fh, delimiter=";", quotechar='"', lineterminator="\n")
    out.writerow(["META"])
    out.writerow(["key", "value"])
    for key, value in instance.meta.items():
        out.writerow([key, value])

    columns = list(instance.project_columns) or ["project_id", "cost"]
    for required in ("project_id", "cost"):
        if required not in columns:
            columns.append(required)
    out.writerow(["PROJECTS"])
    out.writerow(columns)
    for pid, project in instance.projects.items():
        cells = dict(project.fields)
        cells["project_id"] = pid
        # Keep the original spelling of the cost when it still means the
        # same number (e.g. "1 000,50"); otherwise write it afresh.
        original = cells.get("cost")
        if original is None or _safe_number(original) != project.cost:
            cells["cost"] = _format_number(project.cost)
        if "name" in columns and project.name:
            cells["name"] = project.name
        out.writerow([cells.get(c, "") for c in columns])

    vcolumns = list(instance.vote_columns) or ["voter_id", "vote"]
    for required in ("voter_id", "vote"):
        if required not in vcolumns:
            vcolumns.append(required)
    if any(v.points is not None for v in instance.votes) and "points" not in vcolumns:
        vcolumns.append("points")
    out.writerow(["VOTES"])
    out.writerow(vcolumns)
    for vote in instance.votes:
        cells = dict(vote.fields)
        cells["voter_id"] = vote.voter_id
        cells["vote"] = ",".join(vote.ballot)
        if vote.points is not None:
            cells["points"] = ",".join(_format_number(p) for p in vote.points)
        out.writerow([cells.get(c, "") for c in vcolumns])


def _safe_number(text: str) -> Fraction | None:
    try:
        return parse_number(text, "number")
    except PabulibError:
        return None


def dumps(instance: Instance) -> str:
    """The text of ``instance`` as a ``.pb`` file."""
    buf = io.StringIO()
    write(instance, buf)
    return buf.getvalue()


def votes_from_ballots(ballots: Iterable[Iterable[str]]) -> list[Vote]:
    """Convenience: number anonymous ballots 1..n as votes."""
    return [Vote(str(i), list(b)) for i, b in enumerate(ballots, start=1)]
