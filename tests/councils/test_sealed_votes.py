"""A secret council vote is sealed to the meeting's tellers: the cast rows hold ciphertext only,
and the item's resolution is recorded after a quorum of tellers brought their shares."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yishi.councils import services
from yishi.councils.models import MeetingState
from yishi.voting import tellers
from yishi.voting.models import Ballot, BallotState, CastBallot, Secrecy

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_meeting(meeting, members, people):
    council = meeting.council
    council.secrecy = Secrecy.SECRET
    council.save(update_fields=["secrecy"])
    staff = people["street_staff"]
    services.convene_meeting(staff, meeting)
    services.start_meeting(staff, meeting)
    for m in members[:4]:
        services.sign_in(staff, meeting, m)
    meeting.refresh_from_db()
    return meeting


def test_meeting_tellers_bad_input_changes_nothing(secret_meeting, members, people):
    staff = people["street_staff"]
    users = [m.user for m in members[:3]]
    for bad, threshold, code in [(users[:2], 2, "tellers"), (users + [users[0]], 2, "tellers"),
                                 (users, 1, "threshold"), (users, 4, "threshold")]:
        with pytest.raises(ValidationError) as info:
            services.set_meeting_tellers(staff, secret_meeting, bad, threshold)
        assert info.value.code == code
    with pytest.raises(PermissionDenied):
        services.set_meeting_tellers(people["resident"], secret_meeting, users, 2)
    assert not secret_meeting.tellers.exists()
    # Without tellers a secret vote does not open: nothing is made in plaintext.
    item = secret_meeting.items.first()
    with pytest.raises(ValidationError) as info:
        services.open_vote(staff, item)
    assert info.value.code == "tellers" and not Ballot.objects.exists()


def test_secret_vote_sealed_and_counted_after_teller_quorum(secret_meeting, members, people):
    staff = people["street_staff"]
    teller_users = [m.user for m in members[:3]]
    services.set_meeting_tellers(staff, secret_meeting, teller_users, 2)
    item = secret_meeting.items.first()
    services.open_vote(staff, item)
    item.refresh_from_db()
    ballot = item.ballot
    assert ballot.is_sealed and ballot.threshold == 2
    shares = [tellers.take_share(u, ballot) for u in teller_users]
    for m, answer in zip(members[:4], ["yes", "yes", "yes", "no"], strict=True):
        services.cast_member_vote(m.user, item, answer)
    rows = list(CastBallot.objects.filter(ballot=ballot))
    assert len(rows) == 4
    assert all(r.content is None and r.voter_id is None and r.ciphertext for r in rows)
    assert not any(b"yes" in bytes(r.ciphertext) for r in rows)

    item = services.close_vote(staff, item)
    item.refresh_from_db()
    ballot.refresh_from_db()
    # Closed, not counted: no figures, no resolution until the tellers come.
    assert ballot.state == BallotState.CLOSED and item.resolved_at is None
    assert item.votes_yes is None or item.votes_yes == 0
    with pytest.raises(ValidationError):  # the tellers decrypt within the meeting
        services.close_meeting(staff, secret_meeting)
    assert tellers.bring_share(teller_users[0], ballot, shares[0]).decrypted is None
    services.close_vote(staff, item)
    item.refresh_from_db()
    assert item.resolved_at is None
    assert tellers.bring_share(teller_users[2], ballot, shares[2]).decrypted == 4
    services.close_vote(staff, item)
    item.refresh_from_db()
    assert (item.votes_yes, item.votes_no, item.resolved_at is not None) == (3, 1, True)
    assert item.passed is True  # more than half of all five members
    services.close_meeting(staff, secret_meeting)
    secret_meeting.refresh_from_db()
    assert secret_meeting.state == MeetingState.CLOSED
