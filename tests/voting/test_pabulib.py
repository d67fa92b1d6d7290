"""The pabulib .pb reader and writer."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from yishi.voting import pabulib, pabulib_counts, pb_rules
from yishi.voting.pabulib import PabulibError

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
FILES = sorted(DATA.glob("*.pb"))

SMALL = """META
key;value
description;A test
budget;100
vote_type;approval
min_length;1
PROJECTS
project_id;cost;name
1;60;Park
2;40,5;"Library; west wing"
10;20;Bench
VOTES
voter_id;vote;age
v1;1,2;30
v2;10;
v3;;41
"""


def test_test_data_is_there() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_parses_and_round_trips(path: Path) -> None:
    inst = pabulib.load(path)
    assert inst.projects and inst.votes
    assert int(inst.meta["num_votes"]) == len(inst.votes)
    assert int(inst.meta["num_projects"]) == len(inst.projects)
    assert pabulib.loads(pabulib.dumps(inst)) == inst


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_gives_ballots_of_its_kind_or_a_clear_error(path: Path) -> None:
    inst = pabulib.load(path)
    kind = inst.vote_type
    if kind in ("approval", "choose-1"):
        ballots = inst.approval_ballots()
        assert all(isinstance(b, frozenset) for b in ballots)
        assert inst.approval_ballot_counts() == Counter(ballots)
        if kind == "choose-1":
            assert all(len(b) <= 1 for b in ballots)
        for rule in pb_rules.RULES:
            pb_rules.check_vote_type(rule, kind)
        return
    if kind in ("cumulative", "scoring"):
        assert all(v.points is not None and len(v.points) == len(v.ballot) for v in inst.votes)
    else:
        assert kind == "ordinal"
        assert all(v.points is None and len(set(v.ballot)) == len(v.ballot) for v in inst.votes)
    with pytest.raises(PabulibError, match="not approval ballots"):
        inst.approval_ballots()
    with pytest.raises(PabulibError, match="not approval ballots"):
        inst.approval_ballot_counts()
    for rule in pb_rules.RULES:
        with pytest.raises(
            pb_rules.UnsupportedVoteType, match=f"{kind} votes are not supported by rule {rule}"
        ):
            pb_rules.check_vote_type(rule, kind)


def test_fields() -> None:
    inst = pabulib.loads(SMALL)
    assert inst.meta == {
        "description": "A test",
        "budget": "100",
        "vote_type": "approval",
        "min_length": "1",
    }
    assert inst.budget == 100
    assert list(inst.projects) == ["1", "2", "10"]
    assert inst.projects["2"].cost == Fraction(81, 2)  # decimal comma, as pabutools reads it
    assert inst.projects["2"].name == "Library; west wing"
    assert inst.projects["2"].fields == {
        "project_id": "2",
        "cost": "40,5",
        "name": "Library; west wing",
    }
    assert [v.ballot for v in inst.votes] == [["1", "2"], ["10"], []]
    assert inst.votes[0].fields == {"age": "30"}
    assert inst.votes[0].points is None
    assert inst.costs == {"1": 60, "2": Fraction(81, 2), "10": 20}
    assert inst.approval_ballots()[2] == frozenset()


def test_ballot_length_limits() -> None:
    inst = pabulib.loads(SMALL.replace("min_length;1", "min_length;2\nmax_length;1"))
    assert (inst.min_length, inst.max_length) == (2, 1)
    assert [v.voter_id for v in inst.length_violations()] == ["v1", "v2"]  # v3 abstained
    assert pabulib.loads(SMALL).max_length is None
    with pytest.raises(PabulibError, match="max_length is not an integer"):
        _ = pabulib.loads(SMALL.replace("min_length;1", "max_length;many")).max_length


def test_bom_crlf_blank_lines_and_whitespace() -> None:
    messy = "\ufeff" + SMALL.replace("\n", "\r\n").replace("PROJECTS", "\r\n  \r\nPROJECTS ")
    messy = messy.replace("v1;1,2;30", "v1; 1 , 2 ;30")
    assert pabulib.loads(messy) == pabulib.loads(SMALL)


def test_trailing_semicolons_are_ignored() -> None:
    messy = SMALL.replace("budget;100", "budget;100;").replace("1;60;Park", "1;60;Park;;")
    messy = messy.replace("voter_id;vote;age", "voter_id;vote;age;")
    assert pabulib.loads(messy) == pabulib.loads(SMALL)


def test_writer_round_trip_and_quoting() -> None:
    inst = pabulib.loads(SMALL)
    text = pabulib.dumps(inst)
    assert '"Library; west wing"' in text
    assert pabulib.loads(text) == inst
    # A changed cost is written afresh, exactly.
    inst.projects["1"].cost = Fraction(1, 8)
    inst.projects["10"].cost = Fraction(1, 3)
    again = pabulib.loads(pabulib.dumps(inst))
    assert again.projects["1"].cost == Fraction(1, 8)
    assert again.projects["1"].fields["cost"] == "0.125"
    assert again.projects["10"].cost == Fraction(1, 3)


def test_points_round_trip() -> None:
    text = SMALL.replace("vote_type;approval", "vote_type;cumulative").replace(
        "voter_id;vote;age\nv1;1,2;30\nv2;10;\nv3;;41",
        "voter_id;vote;points\nv1;1,2;3,2.5\nv2;10;5\nv3;;",
    )
    inst = pabulib.loads(text)
    assert inst.votes[0].points == [3, Fraction(5, 2)]
    assert inst.votes[2].points == []
    assert pabulib.loads(pabulib.dumps(inst)) == inst


def test_built_from_scratch() -> None:
    inst = pabulib.Instance(
        meta={"budget": "10", "vote_type": "choose-1"},
        projects={"a": pabulib.Project("a", Fraction(5), "A")},
        votes=pabulib.votes_from_ballots([["a"], []]),
    )
    again = pabulib.loads(pabulib.dumps(inst))
    assert again.projects["a"].cost == 5 and again.projects["a"].name == "A"
    assert [v.ballot for v in again.votes] == [["a"], []]
    assert [v.voter_id for v in again.votes] == ["1", "2"]


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


BAD = [
    ("", "no META section"),
    ("hello;world\n", "expected the META section first"),
    (SMALL.replace("budget;100\n", ""), "META has no 'budget'"),
    (SMALL.replace("budget;100", "budget;lots"), "budget is not a number"),
    (SMALL.replace("vote_type;approval", "vote_type;quadratic"), "unknown vote_type 'quadratic'"),
    (SMALL.replace("project_id;cost;name", "project_id;price;name"), "no 'cost' column"),
    (SMALL.replace("1;60;Park", "1;sixty;Park"), "cost of project '1' is not a number"),
    (SMALL.replace("1;60;Park", "1;-60;Park"), "cost of project '1' is negative"),
    (SMALL.replace("10;20;Bench", "1;20;Bench"), "project '1' appears twice"),
    (SMALL.replace("10;20;Bench", "10;20"), "has 2 fields but the header has 3"),
    (SMALL.replace("v2;10;", "v2;11;"), "voter 'v2' votes for unknown project '11'"),
    (SMALL.replace("v2;10;", "v1;10;"), "voter 'v1' appears twice"),
    (SMALL.replace("v2;10;", "v2;10,10;"), "lists a project twice"),
    (SMALL.replace("voter_id;vote;age", "voter_id;ballot;age"), "no 'vote' column"),
    (
        SMALL.replace("vote_type;approval", "vote_type;choose-1"),
        "chose 2 projects in a choose-1 vote",
    ),
    (SMALL.replace("vote_type;approval", "vote_type;cumulative"), "need a 'points' column"),
    (SMALL.split("VOTES")[0], "no VOTES section"),
    (
        SMALL.replace("PROJECTS\n", "").replace("project_id;cost;name\n", ""),
        "section VOTES found before",
    ),
    (SMALL.replace("description;A test", "description"), "META row needs a key and a value"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_files_raise_pabulib_error(text: str, message: str) -> None:
    with pytest.raises(PabulibError, match=message):
        pabulib.loads(text)


def test_errors_name_the_line_and_the_file(tmp_path: Path) -> None:
    text = SMALL.replace("v2;10;", "v2;11;")
    path = tmp_path / "bad.pb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PabulibError) as info:
        pabulib.load(path)
    assert info.value.line == _line(text, "v2;11;")
    assert str(info.value).startswith(f"{path}:{info.value.line}: ")


def test_points_count_mismatch_names_the_line() -> None:
    text = (
        SMALL.replace("vote_type;approval", "vote_type;scoring")
        .replace("voter_id;vote;age\nv1;1,2;30", "voter_id;vote;points\nv1;1,2;3")
        .replace("v2;10;\nv3;;41", "")
    )
    with pytest.raises(PabulibError, match="has 2 projects but 1 points") as info:
        pabulib.loads(text)
    assert info.value.line == _line(text, "v1;1,2;3")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.pb"
    path.write_bytes(SMALL.replace("A test", "Łódź").encode("utf-16"))
    with pytest.raises(PabulibError, match="not UTF-8"):
        pabulib.load(path)


def test_ballot_counts_are_the_same_from_cells_and_from_code():
    """Counting the vote cells as read, or ballots built in code, gives the same multiprofile."""
    from collections import Counter

    from yishi.voting import pabulib as pb

    text = ("META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
            "1;5\n2;5\n3;5\nVOTES\nvoter_id;vote\na;1,2\nb;2, 1\nc;3\nd;\ne;1,2\n")
    parsed = pb.loads(text)
    expected = Counter(frozenset(v.ballot) for v in parsed.votes)
    assert parsed.approval_ballot_counts() == dict(expected)
    built = pb.Instance(meta=parsed.meta, projects=parsed.projects,
                        votes=pb.votes_from_ballots([["1", "2"], ["2", "1"], ["3"], [], ["1", "2"]]))
    assert built.approval_ballot_counts() == dict(expected)


# --- the counting reader (load_approval_counts): same multiprofile, same errors ---------------

SHARED = Path(__file__).resolve().parent.parent / "data" / "pabulib"


@pytest.mark.parametrize("path", sorted(SHARED.glob("*.pb")), ids=lambda p: p.name)
def test_counting_reader_gives_the_full_parsers_multiprofile(path) -> None:
    full = pabulib.load(path)
    fast = pabulib_counts.load_approval_counts(path)
    if full.vote_type not in pabulib.APPROVAL_LIKE:
        assert isinstance(fast, pabulib.Instance)  # handed to the full parser
        return
    assert isinstance(fast, pabulib_counts.ApprovalCounts)
    assert fast.counts == full.approval_ballot_counts()
    assert fast.costs == full.costs and fast.budget == full.budget


@pytest.mark.parametrize("path", sorted(SHARED.glob("*.pb")), ids=lambda p: p.name)
def test_counting_reader_takes_its_own_path_on_every_approval_file(path, monkeypatch) -> None:
    """Every copied approval file is read by the counting reader itself, never handed to the
    full parser: so the comparisons above and the tally's selections below test it."""
    if pabulib.load(path).vote_type not in pabulib.APPROVAL_LIKE:
        return

    def refuse(_path):
        raise AssertionError("handed to the full parser")

    monkeypatch.setattr(pabulib, "load", refuse)
    assert isinstance(pabulib_counts.load_approval_counts(path), pabulib_counts.ApprovalCounts)


@pytest.mark.parametrize(
    "head",
    [
        # Quoted project names (with ";" and doubled quotes), CRLF line ends, a BOM, trailing
        # empty cells, blank rows, a decimal comma and spaces in costs.
        '\ufeffMETA\r\nkey;value;\r\nbudget;100,5\r\n\r\nPROJECTS;;\r\nproject_id;cost;name\r\n'
        'a;40;"x; ""y"""\r\nb;60,25;\r\nc;1 000;z\r\nVOTES\r\nvoter_id;vote\r\n',
        "META\nkey;value\ndescription;a;b\nbudget;100\nPROJECTS\ncost;project_id\n"
        "40;a\n60.5;b\n30;c\nVOTES\nvote;voter_id\n",
    ],
)
def test_counting_reader_reads_heads_as_the_full_parser(tmp_path, head) -> None:
    path = tmp_path / "e.pb"
    crlf = "\r\n" in head
    rows = ["1;a,b", "2;c", "3;", "4;b,a"]
    if head.rstrip().endswith("vote;voter_id"):
        rows = [";".join(reversed(r.split(";"))) for r in rows]
    path.write_bytes((head + ("\r\n" if crlf else "\n").join(rows)).encode())
    fast = pabulib_counts.load_approval_counts(path)
    full = pabulib.load(path)
    assert isinstance(fast, pabulib_counts.ApprovalCounts)
    assert fast.counts == full.approval_ballot_counts()
    assert fast.costs == full.costs and fast.budget == full.budget and fast.meta == full.meta


@pytest.mark.parametrize("head", [
    "META\nkey;value\nbudget;1e2\nPROJECTS\nproject_id;cost\na;40\nVOTES\nvoter_id;vote\n",
    "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\na;-4\nVOTES\nvoter_id;vote\n",
    "META\nkey;value\nbudget;100\nbudget;90\nPROJECTS\nproject_id;cost\na;4\nVOTES\nvoter_id;vote\n",
    "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\na;4\na;5\nVOTES\nvoter_id;vote\n",
    "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\na;4;x\nVOTES\nvoter_id;vote\n",
    "PROJECTS\nproject_id;cost\na;4\nMETA\nkey;value\nbudget;100\nVOTES\nvoter_id;vote\n",
    "META\nkey;value\nPROJECTS\nproject_id;cost\na;4\nVOTES\nvoter_id;vote\n",
    "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;price\na;4\nVOTES\nvoter_id;vote\n",
])
def test_counting_reader_leaves_unusual_heads_to_the_full_parser(tmp_path, head) -> None:
    """Numbers that are not plain decimals, duplicates, wrong widths, sections out of order:
    the full parser decides (a result or its error), never the counting reader."""
    path = tmp_path / "odd.pb"
    path.write_bytes((head + "1;a\n").encode())
    try:
        expected = pabulib.load(path).approval_ballot_counts()
    except pabulib.PabulibError as exc:
        with pytest.raises(pabulib.PabulibError) as fast:
            pabulib_counts.load_approval_counts(path)
        assert str(fast.value) == str(exc)
        return
    result = pabulib_counts.load_approval_counts(path)
    assert isinstance(result, pabulib.Instance)
    assert result.approval_ballot_counts() == expected


PLAIN = ("META\nkey;value\nbudget;100\nvote_type;{kind}\nPROJECTS\nproject_id;cost\n"
         "a;40\nb;60\nc;30\nVOTES\nvoter_id;vote;age\n{rows}")


@pytest.mark.parametrize("rows,counts", [
    ("1;a,b;30\n2;b,a;40\n3;c;50\n", {frozenset("ab"): 2, frozenset("c"): 1}),
    ("1;a,b;30\r\n2;a, b;40\r\n3;;50\r\n", {frozenset("ab"): 2, frozenset(): 1}),
    ('1;"a,b";30\n2;a;40\n', {frozenset("ab"): 1, frozenset("a"): 1}),  # quoted: full parser
    ("1;a;30\n\n2;b;40\n\n", {frozenset("a"): 1, frozenset("b"): 1}),    # blank rows
])
def test_counting_reader_reads_what_the_full_parser_reads(tmp_path, rows, counts) -> None:
    path = tmp_path / "e.pb"
    path.write_bytes(PLAIN.format(kind="approval", rows=rows).encode())
    result = pabulib_counts.load_approval_counts(path)
    counted = (result.counts if isinstance(result, pabulib_counts.ApprovalCounts)
               else result.approval_ballot_counts())
    assert counted == counts == pabulib.load(path).approval_ballot_counts()


@pytest.mark.parametrize("kind,rows,message", [
    ("approval", "1;a;30\n1;b;40\n", "voter '1' appears twice"),
    ("approval", "1;a;30\n 1;b;40\n", "voter '1' appears twice"),
    ("approval", "1;a,z;30\n", "unknown project 'z'"),
    ("approval", "1;a,a;30\n", "lists a project twice"),
    ("approval", "1;a;30;x\n", "fields but the header has"),
    ("approval", ";a;30\n", "empty voter_id"),
    ("choose-1", "1;a,b;30\n", "chose 2 projects in a choose-1 vote"),
])
def test_counting_reader_reports_what_the_full_parser_reports(tmp_path, kind, rows,
                                                              message) -> None:
    path = tmp_path / "bad.pb"
    path.write_bytes(PLAIN.format(kind=kind, rows=rows).encode())
    with pytest.raises(pabulib.PabulibError, match=message) as fast:
        pabulib_counts.load_approval_counts(path)
    with pytest.raises(pabulib.PabulibError) as full:
        pabulib.load(path)
    assert str(fast.value) == str(full.value)
