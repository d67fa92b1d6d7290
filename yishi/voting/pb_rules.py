"""Budget-limited approval rules with cost satisfaction and exact arithmetic.

This module uses ONLY the Python standard library: it is shared by the web
app, the command-line tally and the stand-alone verifier that citizens can run.

The rules reproduce pabutools 1.2.3 exactly (``sat_class=Cost_Sat``, exact
fractions, default lexicographic tie-breaking on the project id, the profile
taken ``as_multiprofile()``), including the order in which projects are
returned:

``greedy``
    ``greedy_utilitarian_welfare``. With cost satisfaction a project's
    satisfaction per unit of cost is simply its number of approvals, so the
    rule walks the projects by (approvals descending, id ascending) and takes
    every project that still fits. Projects nobody approved, and projects of
    cost 0 (whose cost satisfaction is 0), come last, by id.

``mes``
    ``method_of_equal_shares``. Every voter gets ``budget / n``. A project
    ``p`` of cost ``c`` can be bought if its supporters together still have
    ``c``; its price per supporter is the smallest ``rho`` with
    ``sum(min(b_i, rho)) == c`` over its supporters' budgets ``b_i``. Each round
    buys the project with the smallest ``rho / c`` (pabutools' "affordability";
    ties go to the smaller id) and charges each supporter ``min(b_i, rho)``.
    Projects nobody approved or of cost 0 are never bought by MES.

``mes-add1``
    ``method_of_equal_shares(voter_budget_increment=1)``: rerun MES with a
    per-voter budget of ``budget/n + k`` for k = 0, 1, 2, ... and stop at the
    first outcome that is exhaustive (no approved project of positive cost
    still fits in ``budget``) -- return it -- or that costs more than
    ``budget`` -- return the outcome of the previous k.

``mes-greedy`` / ``mes-add1-greedy``
    ``completion_by_rule_combination([mes..., greedy_utilitarian_welfare])``:
    the MES outcome, then the projects greedy adds with the remaining money.

Speed. pabutools recomputes every project from every voter in every round
with gmpy2 rationals, and reruns all of it for each ``add1`` step. Here:

* identical ballots are merged (the multiprofile), and voters are further
  grouped into *budget classes*: everybody starts with the same budget and is
  charged only for bought projects they approved, so a voter's budget depends
  only on the set of bought projects they approve (a bitmask, ``mask &
  bought``). A project's price needs, per class, only how many of its
  supporters are in it; that table depends on (bought set, project) alone --
  not on the starting budget nor on the order of purchase -- so it is cached
  and reused by the many reruns of ``mes-add1``, which mostly retrace the
  same purchases.
* budgets are Python integers over one common denominator. When a price
  ``rho = num/den`` is charged, the denominator is multiplied by ``den``
  (after reducing the fraction) so everything stays an integer: no Fraction
  in the hot loops. Voters who have spent everything are dropped.
* a price is found by a binary search over prefix sums of the supporters'
  budgets sorted ascending (built with C-level ``sorted``/``accumulate``);
  this is the same stopping point as pabutools' voter-by-voter walk.
* a project's price only goes up while MES runs (budgets only go down), so
  the last computed ``rho / c`` is a lower bound: a heap keyed by
  (lower bound, id) recomputes only projects that reach the top while stale.
  When a fresh project is on top it is the exact argmin, ties included.
* ``mes-add1`` jumps over the steps where no project is affordable at all
  (their outcome is empty and the first affordable step is a formula), and,
  once outcomes repeat, over the steps a *certified* run proves give the same
  outcome (see :meth:`ApprovalElection._mes_run_certified`).

Known limit: ``mes-add1`` still reruns MES for every step where the
certificate does not reach far, which happens with many budget classes and a
large budget per voter: Hungary_Budapest_2024 (about 34,500 per voter, some
10,000-30,000 steps) does not finish in 20 minutes -- nor did pabutools.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import reduce
from itertools import accumulate, compress, repeat
from math import gcd, lcm
from operator import and_, floordiv, gt, mul, or_, sub
from operator import neg as neg_

# Not typing.TYPE_CHECKING: importing typing is a noticeable part of a whole tally's run.
TYPE_CHECKING = False
if TYPE_CHECKING:  # fractions (and the re and decimal it imports) only where a cost needs it
    from decimal import Decimal
    from fractions import Fraction

    Number = int | Fraction | Decimal | str

__all__ = [
    "APPROVAL_VOTE_TYPES",
    "RULES",
    "ApprovalElection",
    "UnsupportedVoteType",
    "approval_counts",
    "approval_winners",
    "check_vote_type",
    "select",
]

#: Rule names accepted by :func:`select`.
RULES = ("greedy", "mes", "mes-greedy", "mes-add1", "mes-add1-greedy")
#: Vote types the budget rules here can count: choose-1 ballots are approval
#: ballots of length one.
APPROVAL_VOTE_TYPES = ("approval", "choose-1")


#: Bound on the cached (class, count) pairs kept by ApprovalElection._hist:
#: about 100 bytes each, so at most a few hundred MB on the largest files.
_CACHE_LIMIT = 3_000_000
#: "No limit" for _Limit: far more add1 steps than any election needs.
_NO_LIMIT = 10**30
#: A certificate shorter than this many add1 steps does not pay for itself.
_WORTH_IT = 2


class UnsupportedVoteType(ValueError):
    """The rule cannot count ballots of this vote type."""


def check_vote_type(rule: str, vote_type: str) -> None:
    """Raise :class:`UnsupportedVoteType` unless ``rule`` can count ``vote_type`` votes."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r} (expected one of {', '.join(RULES)})")
    if vote_type not in APPROVAL_VOTE_TYPES:
        raise UnsupportedVoteType(f"{vote_type} votes are not supported by rule {rule}")


def _fraction(value: Number | float, what: str) -> Fraction | int:
    if type(value) is int:  # the command-line tally's scaled costs: no Fraction needed
        if value < 0:
            raise ValueError(f"{what} is negative: {value!r}")
        return value
    from fractions import Fraction

    try:
        result = Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise ValueError(f"{what} is not a number: {value!r}") from None
    if result < 0:
        raise ValueError(f"{what} is negative: {value!r}")
    return result


def _count_ballots(
    ballots: Iterable[Collection[str]] | Mapping[frozenset[str], int],
) -> Mapping[frozenset[str], int]:
    """Merge identical ballots (pabutools' ``as_multiprofile()``)."""
    if (type(ballots) is dict and set(map(type, ballots)) <= {frozenset}
            and set(map(type, ballots.values())) <= {int} and min(ballots.values(), default=0) >= 0):
        # Already a multiprofile (the command-line tally's reader gives one), checked in C.
        return {b: m for b, m in ballots.items() if m} if 0 in ballots.values() else ballots
    if isinstance(ballots, Mapping):
        counts: Counter[frozenset[str]] = Counter()
        for ballot, mult in ballots.items():
            if not isinstance(mult, int) or mult < 0:
                raise ValueError(f"ballot multiplicity must be a non-negative int, got {mult!r}")
            if mult:
                counts[frozenset(ballot)] += mult
        return counts
    return Counter(frozenset(b) for b in ballots)


def approval_counts(
    projects: Iterable[str], ballots: Iterable[Collection[str]] | Mapping[frozenset[str], int]
) -> dict[str, int]:
    """Number of ballots approving each project (0 for projects nobody approved)."""
    result = dict.fromkeys(projects, 0)
    for ballot, mult in _count_ballots(ballots).items():
        for pid in ballot:
            if pid not in result:
                raise ValueError(f"ballot approves unknown project {pid!r}")
            result[pid] += mult
    return result


def approval_winners(
    projects: Iterable[str],
    ballots: Iterable[Collection[str]] | Mapping[frozenset[str], int],
    seats: int,
    tie_order: Sequence[str] | None = None,
) -> list[str]:
    """The ``seats`` projects with most approvals, best first ("winners by votes").

    Ties are broken explicitly and reproducibly: by position in ``tie_order``
    (which must list every project, e.g. a published random draw), or, without
    it, by project id in code-point order -- the same lexicographic order as
    pabutools' default tie-breaking. Choose-1 and choose-N ballots are
    approval ballots.
    """
    if seats < 0:
        raise ValueError("seats must be >= 0")
    counts = approval_counts(projects, ballots)
    if tie_order is None:
        order = sorted(counts, key=lambda pid: (-counts[pid], pid))
    else:
        position = {pid: i for i, pid in enumerate(tie_order)}
        missing = [pid for pid in counts if pid not in position]
        if missing:
            raise ValueError(f"tie_order does not list projects {missing!r}")
        order = sorted(counts, key=lambda pid: (-counts[pid], position[pid]))
    return order[:seats]


class ApprovalElection:
    """An approval election prepared once and counted by any rule.

    Project ids are compared as Python strings (code-point order), exactly as
    pabutools compares project names. Internally projects are numbered in that
    order, so "smaller index" means "wins a tie".
    """

    def __init__(
        self,
        projects: Mapping[str, Number],
        budget: Number,
        ballots: Iterable[Collection[str]] | Mapping[frozenset[str], int],
        unit: int = 1,
    ) -> None:
        """``unit`` is what one currency unit is in ``projects`` and ``budget`` (the add1
        increment): a caller may give costs as integers, e.g. in fen with ``unit=100``."""
        self.ids: list[str] = sorted(projects)
        index = {pid: i for i, pid in enumerate(self.ids)}
        costs = [_fraction(projects[pid], f"cost of project {pid!r}") for pid in self.ids]
        budget_f = _fraction(budget, "budget")
        # One integer scale for all costs and the budget (exact decimals such
        # as 1234.50 become integers); ``unit`` is what "1" (one currency unit,
        # the add1 increment) is on that scale.
        scale = lcm(budget_f.denominator, *(c.denominator for c in costs))
        self.unit: int = scale * unit
        self.costs: list[int] = [int(c * scale) for c in costs]
        self.budget: int = int(budget_f * scale)

        counts = _count_ballots(ballots)
        self.n_voters: int = sum(counts.values())
        # Per project, its supporters' ballot bitmasks, one entry per voter (empty ballots
        # only matter through n_voters: they get a share of the budget in MES that they
        # never spend). One pass over the distinct ballots builds them and the approvals.
        n = len(self.ids)
        bits = [1 << p for p in range(n)]
        masks: list[list[int]] = [[] for _ in range(n)]
        appends = [row.append for row in masks]
        extends = [row.extend for row in masks]
        for ballot, mult in counts.items():
            try:
                idx = list(map(index.__getitem__, ballot))
            except KeyError as exc:
                raise ValueError(f"ballot approves unknown project {exc.args[0]!r}") from None
            mask = sum(map(bits.__getitem__, idx))
            if mult == 1:
                for p in idx:
                    appends[p](mask)
            else:
                for p in idx:
                    extends[p](repeat(mask, mult))
        self._sup_masks = masks
        self.approvals: list[int] = list(map(len, masks))
        self._cooc: dict[int, tuple[int, ...]] = {}
        self._hist_cache: dict[tuple[int, int], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._cache_size = 0
        self._outcomes: dict[str, list[int]] = {}

    # -- helpers ---------------------------------------------------------

    def _names(self, selection: Iterable[int]) -> list[str]:
        return [self.ids[p] for p in selection]

    def _cost(self, selection: Iterable[int]) -> int:
        return sum(self.costs[p] for p in selection)

    def _mes_candidates(self) -> list[int]:
        """Projects MES can buy: approved by someone, positive cost.

        With cost satisfaction a project's total satisfaction is approvals *
        cost, and pabutools keeps a project only when that is > 0.
        """
        return [p for p in range(len(self.ids)) if self.approvals[p] > 0 and self.costs[p] > 0]

    def _co_approved(self, p: int) -> tuple[int, ...]:
        """The projects sharing at least one supporter with ``p`` (``p`` included).

        Buying ``p`` changes budgets of ``p``'s supporters only, so only these
        projects' prices can change. Computed on demand (only bought projects
        need it) by OR-ing the supporters' ballot bitmasks.
        """
        hit = self._cooc.get(p)
        if hit is None:
            mask = reduce(or_, self._supporter_masks()[p], 0)
            hit = tuple(q for q in range(len(self.ids)) if mask >> q & 1)
            self._cooc[p] = hit
        return hit

    # -- rules -----------------------------------------------------------

    def greedy(self, initial: Sequence[int] = ()) -> list[int]:
        """``greedy_utilitarian_welfare`` with Cost_Sat, completing ``initial``."""
        taken = set(initial)
        remaining = self.budget - self._cost(initial)
        approvals, costs = self.approvals, self.costs

        def density(p: int) -> int:
            # total Cost_Sat / cost == approvals, or 0 when the total is 0.
            return approvals[p] if costs[p] > 0 else 0

        order = sorted(
            (p for p in range(len(self.ids)) if p not in taken), key=lambda p: (-density(p), p)
        )
        result = list(initial)
        for p in order:
            if costs[p] <= remaining:
                result.append(p)
                remaining -= costs[p]
        return result

    def mes(self, increment_steps: int = 0) -> list[int]:
        """One run of MES with per-voter budget ``budget/n + increment_steps``."""
        if self.n_voters == 0:
            return []
        return self._mes_run(self.budget + increment_steps * self.unit * self.n_voters)

    def mes_add1(self) -> list[int]:
        """``method_of_equal_shares(voter_budget_increment=1)``."""
        if self.n_voters == 0:
            return []
        candidates = self._mes_candidates()
        previous: list[int] = []
        step = self.unit * self.n_voters  # +1 per voter, times n voters, on our scale
        total = self.budget
        streak = 0  # how many runs in a row gave the same outcome
        # Certified runs cost about twice a plain one and pay off only where
        # the certificate reaches far (few budget classes, e.g. small files
        # with a large budget per voter). Back off exponentially where it
        # does not (many classes: some supporter is always near a price).
        wait = 0
        backoff = 1
        while True:
            if streak >= 2 and wait == 0:
                # Outcomes are stable: learn how many following steps are
                # certain to give this same outcome.
                outcome, extra = self._mes_run_certified(total, step)
                if extra >= _NO_LIMIT:
                    extra = 0
                if extra >= 2:
                    backoff = 1
                else:
                    wait = backoff
                    backoff = min(2 * backoff, 64)
            else:
                wait = max(0, wait - 1)
                outcome, extra = self._mes_run(total), 0
            spent = self._cost(outcome)
            if spent > self.budget:
                return previous
            chosen = set(outcome)
            if not any(
                p not in chosen and spent + self.costs[p] <= self.budget for p in candidates
            ):
                return outcome
            # The steps up to ``extra`` give this outcome too: feasible and
            # not exhaustive, so pabutools would go on past them as well.
            streak = streak + 1 if outcome == previous else 0
            previous = outcome
            if outcome:
                total += step * (1 + max(0, extra))
                continue
            # Nothing was affordable: MES buys nothing until some project's
            # supporters can pay for it, N_p * total >= c_p * n (budgets only
            # change once something is bought). Jump straight to the first
            # such step instead of rerunning identical empty rounds.
            n = self.n_voters
            total += step * max(
                1,
                min(
                    -((self.approvals[p] * total - self.costs[p] * n) // (self.approvals[p] * step))
                    for p in candidates
                ),
            )

    def run(self, rule: str) -> list[str]:
        """Selected project ids, in the order the rule selects them."""
        if rule == "greedy":
            sel = self.greedy()
        elif rule in ("mes", "mes-greedy"):
            sel = self._memo("mes", self.mes)
            if rule == "mes-greedy":
                sel = self.greedy(sel)
        elif rule in ("mes-add1", "mes-add1-greedy"):
            sel = self._memo("mes-add1", self.mes_add1)
            if rule == "mes-add1-greedy":
                sel = self.greedy(sel)
        else:
            raise ValueError(f"unknown rule {rule!r} (expected one of {', '.join(RULES)})")
        return self._names(sel)

    def _memo(self, name: str, compute: Callable[[], list[int]]) -> list[int]:
        """MES outcomes are kept: "mes-add1" then "mes-add1-greedy" count once."""
        if name not in self._outcomes:
            self._outcomes[name] = compute()
        return list(self._outcomes[name])

    # -- the MES engine --------------------------------------------------

    def _supporter_masks(self) -> list[list[int]]:
        """For each project, its supporters' ballot bitmasks, one per voter.

        One entry per voter (not per distinct ballot) so that counting classes
        is a C-level ``Counter`` over ``mask & bought``.
        """
        return self._sup_masks

    def _hist(self, bought: int, p: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """p's supporters by budget class when the projects in mask ``bought`` are bought.

        A voter's budget class is the set of bought projects they approve (as
        a bitmask): all voters start with the same budget and are charged
        only for what they approve, so equal sets mean equal budgets, for any
        starting budget and any order of purchase. That makes the result
        depend on (bought, p) only, so it is cached across the reruns of
        ``mes-add1``, which mostly retrace the same purchases.
        Returns (classes, supporters in each class).
        """
        key = (bought, p)
        hit = self._hist_cache.get(key)
        if hit is not None:
            return hit
        counts = Counter(map(and_, self._supporter_masks()[p], repeat(bought)))
        result = (tuple(counts), tuple(counts.values()))
        self._cache_size += len(counts)
        if self._cache_size > _CACHE_LIMIT:
            self._hist_cache.clear()
            self._cache_size = len(counts)
        self._hist_cache[key] = result
        return result

    def _mes_run(self, total_budget: int) -> list[int]:
        """MES where the voters share ``total_budget`` (on the cost scale) equally.

        Budgets are integers over the common denominator ``den``: initially
        ``den = n`` and every voter has ``total_budget / n``, i.e. numerator
        ``total_budget``. ``budget_of`` maps a budget class (see :meth:`_hist`)
        to its budget; classes whose budget is 0 are dropped from it.
        """
        costs = self.costs
        n_projects = len(self.ids)

        den = self.n_voters
        budget_of: dict[int, int] = {0: total_budget}
        class_size: dict[int, int] = {0: self.n_voters}  # voters in each class
        bought = 0  # bitmask of the projects bought so far

        alive = [False] * n_projects
        version = [0] * n_projects
        # Last computed price of each project, valid while version[p] is
        # unchanged: rho = num / (cnt * den_then). The common denominator may
        # have grown since (buying a project with no common supporter does not
        # make p stale), so ``den_then`` is kept to rescale.
        last_price: list[tuple[int, int, int]] = [(0, 1, 1)] * n_projects
        heap: list[tuple[_Key, int]] = []
        for p in self._mes_candidates():
            # Initially all supporters have total_budget/n: the price is c/N
            # if they can afford it at all (affordability 1/N, as pabutools).
            if self.approvals[p] * total_budget >= costs[p] * den:
                alive[p] = True
                last_price[p] = (costs[p] * den, self.approvals[p], den)
                heap.append((_Key(1, self.approvals[p], p), 0))
        heapq.heapify(heap)

        selected: list[int] = []
        while heap:
            key, ver = heapq.heappop(heap)
            p = key.p
            if not alive[p]:
                continue
            if ver != version[p]:
                classes, counts = self._hist(bought, p)
                price = _price(classes, counts, budget_of, costs[p] * den)
                if price is None:
                    alive[p] = False  # its supporters can no longer pay for it
                    continue
                num, cnt = price
                last_price[p] = (num, cnt, den)
                heapq.heappush(heap, (_Key(num, cnt * costs[p] * den, p), version[p]))
                continue
            # p is fresh and on top of the heap: it is the exact argmin of
            # (rho/c, id) because every other key is a lower bound.
            num, cnt, den_then = last_price[p]
            num *= den // den_then  # den only ever gets multiplied
            selected.append(p)
            alive[p] = False
            # Put rho = num / (cnt * den) on an integer scale: multiply the
            # common denominator by the reduced denominator of num/cnt.
            g = gcd(num, cnt)
            rho = num // g
            cnt //= g
            if cnt != 1:
                den *= cnt
                budget_of = dict(
                    zip(budget_of, map(mul, budget_of.values(), repeat(cnt)), strict=False)
                )
            # Charge p's supporters: each of their classes gets a new class
            # (old set + p); the old class keeps the non-supporters, if any.
            bit = 1 << p
            for c, w in zip(*self._hist(bought, p), strict=True):
                size = class_size.get(c)
                if size is None:
                    continue  # these voters have nothing left; see below
                b = budget_of[c]
                left = size - w
                if left:
                    class_size[c] = left
                else:
                    # Everyone in c supports p: c is empty from now on.
                    del class_size[c]
                    budget_of.pop(c, None)
                if b > rho:
                    budget_of[c | bit] = b - rho
                    class_size[c | bit] = w
                # Voters who spent everything are left out of budget_of and
                # class_size altogether: a supporter with budget 0 changes no
                # price (pabutools walks past them), so they never matter again.
            bought |= bit
            for q in self._co_approved(p):
                version[q] += 1
        return selected

    def _mes_run_certified(self, total_budget: int, step: int) -> tuple[list[int], int]:
        """:meth:`_mes_run`, plus how many more ``add1`` steps give the same outcome.

        Returns ``(selected, extra)``: the outcome with ``total_budget`` is
        also the outcome with ``total_budget + d * step`` for every integer
        ``0 <= d <= extra``. Along a fixed run every budget and price is an
        affine function of ``d`` (budgets grow with it, prices shrink), and the
        run is decided by finitely many comparisons between such functions:
        which supporters pay all they have, which voters run out, which
        projects are unaffordable, which project has the lowest price (checked
        against the lower bounds on the heap). Each comparison holds for ``d``
        up to some limit; ``extra`` is the smallest limit, taken strictly
        (a comparison that becomes an equality stops the jump too), so it
        errs on the side of running MES again. As soon as the limit falls
        below ``_WORTH_IT`` the certification is abandoned and a plain run
        gives the outcome (with ``extra = -1``): it would not save a run.

        Every budget is a pair (value, slope) over the common denominator.
        """
        costs = self.costs
        n_projects = len(self.ids)
        limit = _Limit()

        den = self.n_voters
        value_of: dict[int, int] = {0: total_budget}
        slope_of: dict[int, int] = {0: step}
        class_size: dict[int, int] = {0: self.n_voters}
        bought = 0

        alive = [False] * n_projects
        version = [0] * n_projects
        # (num value, num slope, cnt, den then): rho = (value + slope d) / (cnt * den_then)
        last_price: list[tuple[int, int, int, int]] = [(0, 0, 1, 1)] * n_projects
        heap: list[tuple[_Key, int]] = []
        for p in self._mes_candidates():
            n_p = self.approvals[p]
            if n_p * total_budget >= costs[p] * den:
                alive[p] = True
                last_price[p] = (costs[p] * den, 0, n_p, den)
                heap.append((_Key(1, n_p, p, 0), 0))
            else:
                # Must stay unaffordable: c n - N (total + step d) > 0.
                limit.strict(costs[p] * den - n_p * total_budget, -n_p * step)
        heapq.heapify(heap)

        selected: list[int] = []
        while heap:
            key, ver = heapq.heappop(heap)
            p = key.p
            if not alive[p]:
                continue
            if ver != version[p]:
                classes, counts = self._hist(bought, p)
                price = _price_certified(classes, counts, value_of, slope_of, costs[p] * den, limit)
                if limit.value < _WORTH_IT:
                    return self._mes_run(total_budget), -1  # give up certifying
                if price is None:
                    alive[p] = False
                    continue
                num, num_slope, cnt = price
                last_price[p] = (num, num_slope, cnt, den)
                heapq.heappush(heap, (_Key(num, cnt * costs[p] * den, p, num_slope), version[p]))
                continue
            num, num_slope, cnt, den_then = last_price[p]
            # The choice of p: its affordability must stay <= every other
            # live project's lower bound (strictly below those with a smaller
            # id, which would win a tie).
            for other, _ver in heap:
                q = other.p
                if q == p or not alive[q]:
                    continue
                f = other.num * key.den - key.num * other.den
                g = other.slope * key.den - key.slope * other.den
                if q < p:
                    limit.strict(f, g)
                else:
                    limit.weak(f, g)
            if limit.value < _WORTH_IT:
                return self._mes_run(total_budget), -1
            scale = den // den_then
            num *= scale
            num_slope *= scale
            selected.append(p)
            alive[p] = False
            g = gcd(num, num_slope, cnt)
            rho, rho_slope, cnt = num // g, num_slope // g, cnt // g
            if cnt != 1:
                den *= cnt
                value_of = dict(
                    zip(value_of, map(mul, value_of.values(), repeat(cnt)), strict=False)
                )
                slope_of = dict(
                    zip(slope_of, map(mul, slope_of.values(), repeat(cnt)), strict=False)
                )
            bit = 1 << p
            for c, w in zip(*self._hist(bought, p), strict=True):
                size = class_size.get(c)
                if size is None:
                    continue
                b = value_of[c]
                b_slope = slope_of[c]
                left = size - w
                if left:
                    class_size[c] = left
                else:
                    del class_size[c]
                    del value_of[c]
                    del slope_of[c]
                if b > rho:
                    limit.strict(b - rho, b_slope - rho_slope)  # must keep some budget
                    value_of[c | bit] = b - rho
                    slope_of[c | bit] = b_slope - rho_slope
                    class_size[c | bit] = w
                else:
                    limit.weak(rho - b, rho_slope - b_slope)  # must stay spent out
            if limit.value < _WORTH_IT:
                return self._mes_run(total_budget), -1
            bought |= bit
            for q in self._co_approved(p):
                version[q] += 1
        return selected, limit.value


class _Key:
    """Heap key: affordability ``num/den`` (exact), then project index.

    Cheaper than ``(Fraction, index)``: one cross-multiplication per
    comparison. Two keys are never equal (the index differs), so the heap
    never compares the version that follows the key in the heap tuples.
    ``slope`` is only used by :meth:`ApprovalElection._mes_run_certified`:
    the affordability after ``d`` more add1 steps is ``(num + slope*d)/den``.
    """

    __slots__ = ("num", "den", "p", "slope")

    def __init__(self, num: int, den: int, p: int, slope: int = 0) -> None:
        self.num = num
        self.den = den
        self.p = p
        self.slope = slope

    def __lt__(self, other: _Key) -> bool:
        left = self.num * other.den
        right = other.num * self.den
        return left < right or (left == right and self.p < other.p)


def _price(
    classes: tuple[int, ...], counts: tuple[int, ...], budget_of: dict[int, int], need: int
) -> tuple[int, int] | None:
    """Price per supporter ``rho = num/cnt`` (over the current denominator), or None.

    ``need`` is the cost on the current scale. ``rho`` solves
    ``sum(min(b_i, rho)) == need`` over the supporters' budgets: walk them
    from the poorest, letting each pay everything while ``rho`` would exceed
    their budget -- pabutools' loop, done per class of equal budgets instead
    of per voter (which gives the same result). None if they cannot pay.
    """
    # Everything but a binary search runs in C (map/sum/sorted/accumulate):
    # this is the hot spot of MES. Voters with nothing left (budget 0, see
    # _mes_run) are dropped: they would sort first and pay nothing.
    budgets = list(map(budget_of.get, classes, repeat(0)))
    total = sum(map(mul, budgets, counts))
    if total < need:
        return None
    weights = list(compress(counts, budgets))
    budgets = list(compress(budgets, budgets))
    count = sum(weights)
    if need <= min(budgets) * count:
        return need, count  # even the poorest can pay an equal share: no sort
    budgets, weights = zip(*sorted(zip(budgets, weights, strict=True)), strict=True)
    # paid[k]: what the k poorest classes have; left[k]: voters from class k on.
    paid = list(accumulate(map(mul, budgets, weights), initial=0))
    left = list(accumulate(weights, sub, initial=count))
    # The first k whose equal share (need - paid[k]) / left[k] is within
    # budgets[k] (all classes before it paying everything). Once true this
    # stays true for larger k, so binary search; it holds at the last k
    # because total >= need.
    lo, hi = 0, len(budgets) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if need - paid[mid] <= budgets[mid] * left[mid]:
            hi = mid
        else:
            lo = mid + 1
    return need - paid[lo], left[lo]


class _Limit:
    """The largest ``d`` for which every recorded ``f + g*d`` comparison still holds.

    ``f`` is the comparison's margin now (``>= 0``), ``g`` how it changes per
    step. Only a negative ``g`` can break it. ``weak`` keeps ``f + g*d >= 0``,
    ``strict`` keeps ``f + g*d > 0``; ``weak`` is also treated strictly when
    the margin is already 0 -- a tie now is not worth certifying.
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = _NO_LIMIT

    def weak(self, f: int, g: int) -> None:
        if g < 0:
            d = f // -g if f > 0 else -1
            if d < self.value:
                self.value = d

    def strict(self, f: int, g: int) -> None:
        if g < 0:
            d = (f - 1) // -g
            if d < self.value:
                self.value = d

    def many(self, fs: Iterable[int], gs: Iterable[int]) -> None:
        """``strict`` for many comparisons at once, in C-level loops."""
        neg = list(map(neg_, gs))
        binding = list(map(gt, neg, repeat(0)))
        if not any(binding):
            return
        fs = compress(fs, binding)
        neg = compress(neg, binding)
        d = min(map(floordiv, map(sub, fs, repeat(1)), neg))
        if d < self.value:
            self.value = d


def _price_certified(
    classes: tuple[int, ...],
    counts: tuple[int, ...],
    value_of: dict[int, int],
    slope_of: dict[int, int],
    need: int,
    limit: _Limit,
) -> tuple[int, int, int] | None:
    """:func:`_price` for budgets ``value + slope*d``: ``(num, num slope, cnt)``.

    Records in ``limit`` how far ``d`` can go with the same answer: the same
    affordability and the same split between supporters who pay all they
    have (budget <= rho) and those who pay rho.
    """
    values = list(map(value_of.get, classes, repeat(0)))
    total = sum(map(mul, values, counts))
    slopes = list(map(slope_of.get, classes, repeat(0)))
    total_slope = sum(map(mul, slopes, counts))
    if total < need:
        limit.strict(need - total, -total_slope)  # must stay unaffordable
        return None
    limit.weak(total - need, total_slope)  # must stay affordable
    live = values  # selector: classes with budget left
    weights = list(compress(counts, live))
    slopes = list(compress(slopes, live))
    values = list(compress(values, live))
    count = sum(weights)
    if need <= min(values) * count:
        lo = 0
        num, num_slope, cnt = need, 0, count
    else:
        order = sorted(zip(values, slopes, weights, strict=True))
        values, slopes, weights = (list(t) for t in zip(*order, strict=True))
        paid = list(accumulate(map(mul, values, weights), initial=0))
        left = list(accumulate(weights, sub, initial=count))
        lo, hi = 0, len(values) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if need - paid[mid] <= values[mid] * left[mid]:
                hi = mid
            else:
                lo = mid + 1
        num, cnt = need - paid[lo], left[lo]
        num_slope = -sum(map(mul, slopes[:lo], weights[:lo]))
    # rho = (num + num_slope d) / cnt. The first lo classes must keep
    # budget <= rho. (The others must keep budget >= rho, but that cannot
    # break: budgets grow with d -- every slope is positive, as the voters'
    # starting budget grows and what they pay only shrinks -- while rho
    # shrinks, num_slope being minus what the poorer classes gain.)
    limit.many(
        map(sub, repeat(num), map(mul, values[:lo], repeat(cnt))),
        map(sub, repeat(num_slope), map(mul, slopes[:lo], repeat(cnt))),
    )
    return num, num_slope, cnt


def select(
    rule: str,
    projects: Mapping[str, Number],
    budget: Number,
    ballots: Iterable[Collection[str]] | Mapping[frozenset[str], int],
    vote_type: str = "approval",
) -> list[str]:
    """Project ids selected by ``rule``, in the order it selects them.

    ``projects`` maps id -> cost; ``ballots`` is an iterable of approved-id
    collections, or a mapping from ballot (frozenset) to how many voters cast
    it. Raises :class:`UnsupportedVoteType` for vote types the rule cannot
    count and ``ValueError`` for unknown rules or malformed input.
    """
    check_vote_type(rule, vote_type)
    return ApprovalElection(projects, budget, ballots).run(rule)
