"""Property tests: our five rules give exactly pabutools 1.2.3's output.

Random small elections (2-8 projects, 1-30 voters) with many ties -- equal
costs, identical ballots, ids whose string order differs from their numeric
order ("10" < "9") -- are counted by both. pabutools is only imported here
(the rules module itself is standard-library only).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yishi.voting import pb_rules

pabutools = pytest.importorskip("pabutools")

from gmpy2 import mpq  # noqa: E402  (pabutools depends on gmpy2)
from pabutools.election import (  # noqa: E402
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
    Project,
)
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

# Ids chosen so that string order, numeric order and insertion order differ.
ID_POOL = ["1", "2", "9", "10", "11", "A", "a", "b", "p-3", "Z"]


def pabutools_select(
    rule: str, costs: dict[str, Fraction], budget: Fraction, ballots: list[frozenset[str]]
) -> list[str]:
    """Run ``rule`` the way the shared data set's expected.json was made."""
    projects = {
        pid: Project(pid, mpq(cost.numerator, cost.denominator)) for pid, cost in costs.items()
    }
    instance = Instance(projects.values(), budget_limit=mpq(budget.numerator, budget.denominator))
    profile = ApprovalProfile([ApprovalBallot({projects[p] for p in b}) for b in ballots])
    multi = profile.as_multiprofile()
    mes_params = {"sat_class": Cost_Sat}
    if rule.startswith("mes-add1"):
        mes_params["voter_budget_increment"] = 1
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


@st.composite
def elections(draw: st.DrawFn) -> tuple[dict[str, Fraction], Fraction, list[frozenset[str]]]:
    n_projects = draw(st.integers(2, 8))
    ids = draw(st.permutations(ID_POOL))[:n_projects]
    # Few distinct cost values so that ties in cost are common; halves test
    # non-integer costs; 0 is rare but allowed.
    cost_values = st.one_of(
        st.integers(1, 12).map(Fraction),
        st.sampled_from([Fraction(5, 2), Fraction(3, 2), Fraction(4)]),
        st.just(Fraction(0)),
    )
    costs = {pid: draw(cost_values) for pid in ids}
    total = sum(costs.values())
    # Mostly enough for a few projects (else MES buys nothing), sometimes any.
    top = int(total) + 3
    low = min(int(max(costs.values())) * 2, top)
    budget = Fraction(draw(st.one_of(st.integers(low, top), st.integers(0, top))))
    # Voters pick from a few ballot "types" so identical ballots are common.
    ballot = st.frozensets(st.sampled_from(ids), max_size=n_projects)
    types = draw(st.lists(ballot, min_size=1, max_size=5))
    ballots = draw(st.lists(st.sampled_from(types), min_size=1, max_size=30))
    return costs, budget, ballots


COMMON = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)




@pytest.mark.parametrize("rule", pb_rules.RULES)
@COMMON
@given(election=elections())
def test_rules_equal_pabutools(rule: str, election) -> None:
    costs, budget, ballots = election
    expected = pabutools_select(rule, costs, budget, ballots)
    assert pb_rules.select(rule, costs, budget, ballots) == expected


@COMMON
@given(election=elections())
def test_multiset_input_gives_the_same_result(election) -> None:
    costs, budget, ballots = election
    counts: dict[frozenset[str], int] = {}
    for b in ballots:
        counts[b] = counts.get(b, 0) + 1
    for rule in pb_rules.RULES:
        assert pb_rules.select(rule, costs, budget, counts) == pb_rules.select(
            rule, costs, budget, ballots
        )


def test_tied_affordability_goes_to_the_smaller_id_as_a_string() -> None:
    # "10" and "9" cost the same and have the same supporters: a perfect tie,
    # which pabutools breaks on the name, and "10" < "9" as strings.
    costs = {"9": Fraction(10), "10": Fraction(10), "2": Fraction(10)}
    ballots = [frozenset({"9", "10"})] * 3 + [frozenset({"2"})]
    for rule in pb_rules.RULES:
        assert pb_rules.select(rule, costs, Fraction(20), ballots) == pabutools_select(
            rule, costs, Fraction(20), ballots
        )
    assert pb_rules.select("mes", costs, 20, ballots)[0] == "10"


@COMMON
@given(election=elections(), start=st.integers(0, 3))
def test_add1_skip_certificate_is_sound(election, start: int) -> None:
    """mes-add1 skips the budget steps its certificate covers: check them all."""
    costs, budget, ballots = election
    el = pb_rules.ApprovalElection(costs, budget, ballots)
    step = el.unit * el.n_voters
    total = el.budget + start * step
    outcome, extra = el._mes_run_certified(total, step)
    assert outcome == el._mes_run(total)
    for d in range(1, min(extra, 40) + 1):
        assert el._mes_run(total + d * step) == outcome
