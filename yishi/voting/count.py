"""Validating and counting cast ballots, for every ballot method. Standard library only: the web
app, the bulletin-board verifier (`python -m yishi.voting.verify`) and anyone re-counting a
published board use this same code.

A ballot *spec* is a plain dict (what the board publishes):
    method        yes_no | choose | satisfaction | budget
    options       [{"key", "title", "cost"}]   (cost as a decimal string, budget method only)
    max_choices, min_choices                      (choose, budget)
    pass_rule     more_than_half_cast | more_than_half_present | more_than_half_entitled |
                  two_thirds_entitled             (yes_no)
    budget, budget_rule                           (budget: greedy | mes | mes-greedy | …)
    tie_break     key | lower_cost_then_draw | draw
    tie_seed      published before opening; the draw is sha256(seed + ":" + key)
    min_support   minimum votes an option needs to be chosen (choose), 0 for none
    ballot_within_budget  false for imported elections whose voters could exceed the budget
    entitled, present   the snapshot counts
A cast ballot's *content* is {"choices": [keys]} (choose, budget) or {"votes": {key: answer}}
(yes_no: yes|no|abstain; satisfaction: satisfied|basically|unsatisfied)."""

from __future__ import annotations

import hashlib
from collections import Counter
from decimal import Decimal
from fractions import Fraction

from . import pb_rules

METHODS = ("yes_no", "choose", "satisfaction", "budget")
YES_NO = ("yes", "no", "abstain")
SATISFACTION = ("satisfied", "basically", "unsatisfied")
PASS_RULES = ("more_than_half_cast", "more_than_half_present", "more_than_half_entitled",
              "two_thirds_entitled")
TIE_BREAKS = ("key", "lower_cost_then_draw", "draw")


class InvalidBallot(ValueError):
    """A cast ballot that breaks the ballot's rules. `code` names the problem so the app can say
    it in the voter's language."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def _keys(spec: dict) -> list[str]:
    return [o["key"] for o in spec["options"]]


def _cost(option: dict) -> Fraction:
    return Fraction(Decimal(str(option.get("cost") or "0")))


def validate(spec: dict, content: dict) -> dict:
    """Return the content in canonical form, or raise InvalidBallot."""
    method, keys = spec["method"], _keys(spec)
    if not isinstance(content, dict):
        raise InvalidBallot("malformed")
    if method in ("choose", "budget"):
        choices = content.get("choices")
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise InvalidBallot("malformed")
        if len(set(choices)) != len(choices):
            raise InvalidBallot("duplicate_choice")
        unknown = [c for c in choices if c not in keys]
        if unknown:
            raise InvalidBallot("unknown_option", ", ".join(unknown))
        if spec.get("max_choices") and len(choices) > spec["max_choices"]:
            raise InvalidBallot("too_many", str(spec["max_choices"]))
        if len(choices) < (spec.get("min_choices") or 0):
            raise InvalidBallot("too_few", str(spec["min_choices"]))
        if method == "budget" and spec.get("ballot_within_budget", True):
            by_key = {o["key"]: o for o in spec["options"]}
            total = sum((_cost(by_key[c]) for c in choices), Fraction(0))
            if total > Fraction(Decimal(str(spec["budget"]))):
                raise InvalidBallot("over_budget", str(total))
        order = {k: i for i, k in enumerate(keys)}
        return {"choices": sorted(choices, key=order.__getitem__)}
    if method in ("yes_no", "satisfaction"):
        answers = YES_NO if method == "yes_no" else SATISFACTION
        votes = content.get("votes")
        if not isinstance(votes, dict):
            raise InvalidBallot("malformed")
        unknown = [k for k in votes if k not in keys]
        if unknown:
            raise InvalidBallot("unknown_option", ", ".join(unknown))
        missing = [k for k in keys if k not in votes]
        if missing:
            raise InvalidBallot("unanswered", ", ".join(missing))
        bad = [k for k, v in votes.items() if v not in answers]
        if bad:
            raise InvalidBallot("bad_answer", ", ".join(bad))
        return {"votes": {k: votes[k] for k in keys}}
    raise InvalidBallot("unknown_method", method)


def canonical(content: dict) -> str:
    """The exact text that receipts hash and the board shows."""
    import json

    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def receipt_hash(ballot_id: str, content: dict, nonce: str) -> str:
    return hashlib.sha256(f"{ballot_id}|{canonical(content)}|{nonce}".encode()).hexdigest()


def tie_order(spec: dict) -> list[str]:
    """Every option in the order that wins ties (first wins), fixed before the ballot opens."""
    keys, rule = _keys(spec), spec.get("tie_break", "key")
    seed = str(spec.get("tie_seed", ""))

    def draw(key: str) -> str:
        return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()

    if rule == "key":
        return sorted(keys)
    if rule == "draw":
        return sorted(keys, key=draw)
    if rule == "lower_cost_then_draw":
        costs = {o["key"]: _cost(o) for o in spec["options"]}
        return sorted(keys, key=lambda k: (costs[k], draw(k)))
    raise ValueError(f"unknown tie-break rule {rule!r}")


def _passes(yes: int, cast: int, spec: dict) -> tuple[bool, int, str]:
    """(passed, base, rule) for one item. "More than half" means yes * 2 > base."""
    rule = spec.get("pass_rule", "more_than_half_cast")
    if rule == "more_than_half_cast":
        base = cast
    elif rule == "more_than_half_present":
        base = int(spec.get("present") or 0)
    elif rule in ("more_than_half_entitled", "two_thirds_entitled"):
        base = int(spec.get("entitled") or 0)
    else:
        raise ValueError(f"unknown pass rule {rule!r}")
    if rule == "two_thirds_entitled":
        return base > 0 and yes * 3 >= base * 2, base, rule
    return base > 0 and yes * 2 > base, base, rule


def satisfaction_rating(counts: dict[str, int]) -> str:
    """The published rule: satisfied if at least half say 满意; else basically satisfied if
    满意 + 基本满意 reach half; else not satisfied."""
    total = sum(counts.values())
    if total == 0:
        return "no_votes"
    if counts.get("satisfied", 0) * 2 >= total:
        return "satisfied"
    if (counts.get("satisfied", 0) + counts.get("basically", 0)) * 2 >= total:
        return "basically"
    return "unsatisfied"


def tally(spec: dict, contents: list[dict]) -> dict:
    """The result of a ballot from its spec and its counted ballots (already validated)."""
    method, keys = spec["method"], _keys(spec)
    result: dict = {"method": method, "ballots": len(contents)}
    if method == "yes_no":
        items = {}
        for key in keys:
            counter = Counter(c["votes"][key] for c in contents)
            cast = sum(counter.values())
            passed, base, rule = _passes(counter["yes"], cast, spec)
            items[key] = {"yes": counter["yes"], "no": counter["no"],
                          "abstain": counter["abstain"], "passed": passed, "base": base,
                          "rule": rule}
        result["items"] = items
    elif method == "satisfaction":
        items = {}
        for key in keys:
            counter = Counter(c["votes"][key] for c in contents)
            counts = {answer: counter[answer] for answer in SATISFACTION}
            items[key] = {**counts, "rating": satisfaction_rating(counts)}
        result["items"] = items
    elif method == "choose":
        counts = pb_rules.approval_counts(keys, [c["choices"] for c in contents])
        order = tie_order(spec)
        seats = spec.get("max_choices") or len(keys)
        minimum = int(spec.get("min_support") or 0)
        ranked = pb_rules.approval_winners(keys, [c["choices"] for c in contents], len(keys), order)
        result["counts"] = counts
        result["winners"] = [k for k in ranked if counts[k] >= minimum and counts[k] > 0][:seats]
        result["tie_order"] = order
    elif method == "budget":
        counts = pb_rules.approval_counts(keys, [c["choices"] for c in contents])
        order = tie_order(spec)
        # pabutools breaks ties by id; renaming the options to their rank in the published
        # tie order makes every rule honour it.
        alias = {key: f"{rank:08d}" for rank, key in enumerate(order)}
        back = {v: k for k, v in alias.items()}
        costs = {alias[o["key"]]: Decimal(str(o["cost"])) for o in spec["options"]}
        ballots = Counter(frozenset(alias[k] for k in c["choices"]) for c in contents)
        chosen = pb_rules.select(spec.get("budget_rule", "mes-greedy"), costs,
                              Decimal(str(spec["budget"])), ballots)
        result["counts"] = counts
        result["winners"] = [back[a] for a in chosen]
        result["rule"] = spec.get("budget_rule", "mes-greedy")
        result["spent"] = str(sum((Decimal(str(o["cost"])) for o in spec["options"]
                                   if o["key"] in result["winners"]), Decimal(0)))
        result["tie_order"] = order
    else:
        raise ValueError(f"unknown method {method!r}")
    return result
