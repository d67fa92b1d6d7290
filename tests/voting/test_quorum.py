"""Quorum "more than half" at its edges: exactly half is not a quorum, half plus one is. Each
case fails if the comparison is loosened to "at least half" (`>` → `>=`)."""

import pytest

from yishi.voting.services import quorum_met


@pytest.mark.parametrize(("present", "entitled", "met"), [
    (2, 4, False),   # exactly half
    (3, 4, True),    # half plus one
    (5, 10, False),
    (6, 10, True),
    (3, 5, True),    # odd: the smallest majority
    (2, 5, False),
    (0, 0, False),
])
def test_more_than_half(present, entitled, met):
    assert quorum_met(present, entitled, "1/2") is met


@pytest.mark.parametrize(("present", "entitled", "met"), [
    (4, 6, True),    # exactly two thirds is enough: "at least that share"
    (3, 6, False),
    (6, 9, True),
    (5, 9, False),
])
def test_two_thirds_is_at_least(present, entitled, met):
    assert quorum_met(present, entitled, "2/3") is met
