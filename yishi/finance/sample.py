"""Made-up but consistent budget figures (demo, tests and the benchmark): a street's budget
spread over the edition's codes so that 项 add up to 款, 款 to 类, and revenue equals spending.
Deterministic for a given seed. Never real figures: every budget made from them is marked demo."""

import random
from decimal import Decimal

from .imports import TABLES, THREE_PUBLIC_CODES
from .models import System

FEN = Decimal("0.01")
TABLE_OF = {kind: name for name, kind in TABLES.items()}
THREE_PUBLIC_EXPLANATIONS = ["本年度无因公出国(境)安排。", "按车辆更新计划购置新能源公务车。",
                             "公务用车燃料、维修和保险。", "严格执行公务接待标准。"]


def _spread(total: Decimal, weights: list[float]) -> list[Decimal]:
    """`total` split by `weights`, to the hundred 元, the last part taking the rounding."""
    whole = sum(weights)
    parts = [(total * Decimal(w / whole)).quantize(Decimal(100)) for w in weights[:-1]]
    return [*parts, total - sum(parts, Decimal(0))]


def budget_rows(codes: list[tuple[str, str, str]], total: Decimal, seed: int, *,
                three_public_actual: bool = False) -> list[tuple]:
    """(table, code, name, amount, actual, explanation) rows of a whole budget workbook. `codes`
    are the edition's (system, code, name)."""
    rnd = random.Random(seed)
    function = [(c, n) for s, c, n in codes if s == System.FUNCTION]
    economic = [(c, n) for s, c, n in codes if s == System.ECONOMIC]
    rows = _tree_rows(TABLE_OF["function"], function, total, rnd)
    basic = (total * Decimal("0.38")).quantize(Decimal(100))
    rows += _tree_rows(TABLE_OF["economic"], economic, basic, rnd)
    grant = (total * Decimal("0.93")).quantize(Decimal(100))
    rows += [(TABLE_OF["revenue"], "R01", "财政拨款收入", grant, None, ""),
             (TABLE_OF["revenue"], "R02", "其他收入", total - grant, None, "")]
    planned = [Decimal(0), Decimal(rnd.choice([0, 0, 280000])), Decimal(rnd.randint(8, 16) * 10000),
               Decimal(rnd.randint(2, 6) * 10000)]
    for (number, _kind), amount, note in zip(THREE_PUBLIC_CODES.items(), planned,
                                             THREE_PUBLIC_EXPLANATIONS, strict=True):
        actual = (amount * Decimal(rnd.uniform(0.8, 1.0))).quantize(FEN) \
            if three_public_actual else None
        rows.append((TABLE_OF["three_public"], number, "", amount, actual, note))
    return rows


def _tree_rows(table: str, codes: list[tuple[str, str]], total: Decimal, rnd) -> list[tuple]:
    parents = {c[:-2] for c, _n in codes if len(c) > 3}
    leaves = [c for c, _n in codes if c not in parents]
    amounts = dict(zip(leaves, _spread(total, [rnd.uniform(0.2, 3.0) for _ in leaves]),
                       strict=True))
    # Roll up level by level from the deepest: 项 into 款, then 款 into 类.
    for length in (7, 5):
        for code in [c for c in amounts if len(c) == length]:
            parent = code[:-2]
            amounts[parent] = amounts.get(parent, Decimal(0)) + amounts[code]
    return [(table, code, name, amounts.get(code, Decimal(0)), None, "") for code, name in codes]


def edition_triples(edition) -> list[tuple[str, str, str]]:
    return list(edition.codes.order_by("system", "code").values_list("system", "code", "name"))
