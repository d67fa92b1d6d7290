"""A council meeting's quorum at exactly half and at half plus one, through sign-in and
open_vote; and a vote the engine refuses, then retried (the refused ballot rolled back, the item
not left pointing at it)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yishi.councils import meetings, roster, votes
from yishi.councils.models import ItemKind
from yishi.voting import services as voting
from yishi.voting.models import Ballot, BallotState

from .conftest import member_input, start_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def four_member_meeting(council, people, xihu):
    staff = people["street_staff"]
    term = council.current_term()
    members = [roster.add_member(staff, term, member_input(n, xihu["xixi_community"]))
               for n in range(1, 5)]
    meeting = meetings.create_meeting(staff, council, title="议事会议",
                                      starts_at=timezone.now() + timedelta(days=2), place="会议室")
    meetings.add_item(staff, meeting, kind=ItemKind.MAJOR_MATTER, title="停车改造")
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    return meeting, members


def test_quorum_at_exactly_half_is_refused_and_half_plus_one_opens(four_member_meeting, people):
    meeting, members = four_member_meeting
    staff = people["street_staff"]
    item = meeting.items.get()
    for m in members[:2]:
        meetings.sign_in(staff, meeting, m)
    assert meetings.quorum(meeting)["met"] is False  # 2 of 4: exactly half
    with pytest.raises(ValidationError):
        votes.open_vote(staff, item)
    assert Ballot.objects.count() == 0
    meetings.sign_in(staff, meeting, members[2])
    assert meetings.quorum(meeting)["met"] is True   # 3 of 4: half plus one
    item = votes.open_vote(staff, item)
    assert item.ballot.state == BallotState.OPEN and item.ballot.present_count == 3


def test_open_vote_refused_by_the_engine_then_retried(four_member_meeting, people, monkeypatch):
    meeting, members = four_member_meeting
    staff = people["street_staff"]
    item = meeting.items.get()
    for m in members[:3]:
        meetings.sign_in(staff, meeting, m)
    real_open = voting.open_ballot
    refusals = []

    def refuse_once(actor, ballot):
        if not refusals:
            refusals.append(ballot.pk)
            raise voting.BallotError("这次不开", code="quorum")
        return real_open(actor, ballot)

    monkeypatch.setattr(voting, "open_ballot", refuse_once)
    with pytest.raises(ValidationError):
        votes.open_vote(staff, item)
    # The refused ballot rolled back with everything else; the caller's item is untouched.
    assert not Ballot.objects.filter(pk=refusals[0]).exists()
    assert item.ballot_id is None
    item = votes.open_vote(staff, item)  # the same object, retried
    assert item.ballot.state == BallotState.OPEN
