"""The budget rules against pabutools' reference results and hand-worked cases.

Reads only ``tests/data/pabulib`` (see SOURCE.md there), so it runs on any
clone. The comparison over the full shared data set is in
``test_rules_shared.py`` and ``bench/tally.py``.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from yishi.voting import pabulib, pb_rules

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
CASES = [
    (name, rule)
    for name, entry in EXPECTED.items()
    if name != "_about"
    for rule, result in entry["rules"].items()
    if result["selected"] is not None
]


@pytest.fixture(scope="module")
def elections() -> dict[str, pb_rules.ApprovalElection]:
    """One prepared election per file, shared by the rules (as the CLI would not)."""
    result = {}
    for name in EXPECTED:
        if name == "_about":
            continue
        inst = pabulib.load(DATA / name)
        result[name] = pb_rules.ApprovalElection(inst.costs, inst.budget, inst.approval_ballots())
    return result


@pytest.mark.parametrize(("name", "rule"), CASES)
def test_reference_results(elections, name: str, rule: str) -> None:
    entry = EXPECTED[name]
    election = elections[name]
    assert election.n_voters == entry["voters"]
    assert len(election.ids) == entry["projects"]
    assert election.run(rule) == entry["rules"][rule]["selected"]


def test_reference_data_covers_every_rule() -> None:
    assert {rule for _, rule in CASES} == set(pb_rules.RULES)
    assert len(CASES) >= 50


# -- hand-worked cases -------------------------------------------------------


def test_greedy_orders_by_approvals_then_id_and_skips_what_does_not_fit() -> None:
    costs = {"a": 60, "b": 50, "c": 50, "d": 10, "e": 0}
    ballots = [{"a", "b"}, {"a", "c"}, {"a"}, {"b"}, {"c"}, {"d"}]
    # a:3 b:2 c:2 d:1 e:0 -> a (60), b (110 > 100? no: 60+50=110) skipped,
    # c skipped, d (70), then e (cost 0: satisfaction 0, goes last).
    assert pb_rules.select("greedy", costs, 100, ballots) == ["a", "d", "e"]


def test_mes_splits_cost_equally_and_charges_the_poor_everything() -> None:
    # 4 voters, budget 40: 10 each. "x" (cost 30) has 3 supporters: 10 each.
    # Then "y" (cost 12) is backed by voter 4 (10 left) and voter 1 (0 left):
    # they hold only 10 < 12, so MES stops; greedy completion adds "y".
    costs = {"x": 30, "y": 12}
    ballots = [{"x", "y"}, {"x"}, {"x"}, {"y"}]
    assert pb_rules.select("mes", costs, 40, ballots) == ["x"]
    assert pb_rules.select("mes-greedy", costs, 40, ballots) == ["x"]  # 42 > 40: y does not fit
    assert pb_rules.select("mes-greedy", costs, 42, ballots) == ["x", "y"]


def test_add1_raises_the_voter_budget_until_exhaustive() -> None:
    # Budget 20, 2 voters: 10 each. "a" costs 12 and only voter 1 wants it:
    # MES buys nothing; with 12 each it does, and {a} is exhaustive.
    costs = {"a": 12, "b": 9}
    ballots = [{"a"}, {"b", "a"}]
    assert pb_rules.select("mes", costs, 20, ballots) == ["a"]  # both pay 6
    ballots = [{"a"}, {"b"}]
    assert pb_rules.select("mes", costs, 20, ballots) == ["b"]
    assert pb_rules.select("mes-add1", costs, 20, ballots) == ["b"]  # 12 each: a+b = 21 > 20
    assert pb_rules.select("mes-add1-greedy", costs, 21, ballots) == ["a", "b"]


def test_fractional_costs_and_budget_are_exact() -> None:
    costs = {"a": Fraction(1, 3), "b": "0.5", "c": 1}
    ballots = [{"a", "b"}, {"b", "c"}, {"c"}]
    for rule in pb_rules.RULES:
        result = pb_rules.select(rule, costs, "1.5", ballots)
        assert sum(Fraction(costs[p]) for p in result) <= Fraction(3, 2)


def test_no_voters_and_empty_ballots() -> None:
    costs = {"a": 5, "b": 5}
    assert pb_rules.select("mes", costs, 10, []) == []
    assert pb_rules.select("greedy", costs, 10, []) == ["a", "b"]  # nobody voted: satisfaction 0
    assert pb_rules.select("mes", costs, 10, [set(), set(), {"a"}]) == []  # a gets 10/3 < 5
    assert pb_rules.select("mes-greedy", costs, 10, [set(), set(), {"a"}]) == ["a", "b"]


def test_unknown_project_in_ballot_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown project 'z'"):
        pb_rules.select("mes", {"a": 1}, 1, [{"z"}])


def test_unknown_rule_and_unsupported_vote_types() -> None:
    with pytest.raises(ValueError, match="unknown rule"):
        pb_rules.select("phragmen", {"a": 1}, 1, [])
    for vote_type in ("ordinal", "cumulative", "scoring"):
        with pytest.raises(
            pb_rules.UnsupportedVoteType, match=f"{vote_type} votes are not supported by rule mes"
        ):
            pb_rules.check_vote_type("mes", vote_type)
    pb_rules.check_vote_type("mes", "choose-1")


def test_negative_cost_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        pb_rules.ApprovalElection({"a": -1}, 1, [])


def test_approval_winners_ties_lexicographic_or_explicit() -> None:
    ballots = [{"b", "a"}, {"c"}, {"a", "c"}, {"b"}]
    # a:2 b:2 c:2 d:0
    assert pb_rules.approval_winners(["a", "b", "c", "d"], ballots, 2) == ["a", "b"]
    assert pb_rules.approval_winners(
        ["a", "b", "c", "d"], ballots, 2, tie_order=["c", "b", "a", "d"]
    ) == [
        "c",
        "b",
    ]
    assert pb_rules.approval_winners(["10", "9"], [{"9"}, {"10"}], 1) == ["10"]
    assert pb_rules.approval_counts(["a", "b", "c", "d"], ballots) == {"a": 2, "b": 2, "c": 2, "d": 0}
    with pytest.raises(ValueError, match="tie_order"):
        pb_rules.approval_winners(["a", "b"], ballots[:1], 1, tie_order=["a"])


def test_choose_one_ballots_count_as_approval() -> None:
    ballots = [{"a"}, {"a"}, {"b"}]
    assert pb_rules.approval_winners(["a", "b"], ballots, 1) == ["a"]
    assert pb_rules.select("greedy", {"a": 3, "b": 3}, 3, ballots, vote_type="choose-1") == ["a"]
