"""Our rules against pabutools' reference results on the shared pabulib data.

The shared data set lives outside the repository (``../shared/data/pabulib``
from the repository root); without it these tests are skipped. Only cases
that run in a few seconds altogether are included here: files up to 1.5 MB
and rules whose pabutools reference time was at most 3 s, so ours takes
milliseconds. The exhaustive comparison, timed, is ``bench/tally.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yishi.voting import pabulib, pb_rules

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pabulib"
MAX_BYTES = 1_500_000
MAX_REFERENCE_SECONDS = 3.0

pytestmark = pytest.mark.skipif(
    not (SHARED / "expected.json").is_file(), reason=f"shared pabulib data not found at {SHARED}"
)




def _cases() -> list[tuple[str, str]]:
    if not (SHARED / "expected.json").is_file():
        return []
    expected = json.loads((SHARED / "expected.json").read_text(encoding="utf-8"))
    cases = []
    for name, entry in expected.items():
        if name == "_about" or (SHARED / name).stat().st_size > MAX_BYTES:
            continue
        for rule, ref in entry["rules"].items():
            if ref["selected"] is not None and ref["seconds"] <= MAX_REFERENCE_SECONDS:
                cases.append((name, rule))
    return cases


_ELECTIONS: dict[str, pb_rules.ApprovalElection] = {}


def _election(name: str) -> pb_rules.ApprovalElection:
    if name not in _ELECTIONS:
        inst = pabulib.load(SHARED / name)
        _ELECTIONS[name] = pb_rules.ApprovalElection(inst.costs, inst.budget, inst.approval_ballots())
    return _ELECTIONS[name]


@pytest.mark.parametrize(("name", "rule"), _cases())
def test_shared_reference_results(name: str, rule: str) -> None:
    expected = json.loads((SHARED / "expected.json").read_text(encoding="utf-8"))
    assert _election(name).run(rule) == expected[name]["rules"][rule]["selected"]


def test_every_small_shared_file_parses() -> None:
    for path in sorted(SHARED.glob("*.pb")):
        if path.stat().st_size > MAX_BYTES:
            continue  # bench/tally.py parses them all
        inst = pabulib.load(path)
        assert len(inst.votes) == int(inst.meta["num_votes"]), path.name
