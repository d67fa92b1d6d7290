"""A secret council vote is sealed to the meeting's tellers: the cast rows hold ciphertext only,
and the item's resolution is recorded after a quorum of tellers brought their shares."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yishi.councils import meetings, votes
from yishi.councils.models import MeetingState
from yishi.voting import tellers
from yishi.voting.models import Ballot, BallotState, CastBallot, Secrecy

from .conftest import start_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_meeting(meeting, members, people):
    council = meeting.council
    council.secrecy = Secrecy.SECRET
    council.save(update_fields=["secrecy"])
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    for m in members[:4]:
        meetings.sign_in(staff, meeting, m)
    meeting.refresh_from_db()
    return meeting


def test_meeting_tellers_bad_input_changes_nothing(secret_meeting, members, people):
    staff = people["street_staff"]
    users = [m.user for m in members[:3]]
    for bad, threshold, code in [(users[:2], 2, "tellers"), (users + [users[0]], 2, "tellers"),
                                 (users, 1, "threshold"), (users, 4, "threshold")]:
        with pytest.raises(ValidationError) as info:
            meetings.set_meeting_tellers(staff, secret_meeting, bad, threshold)
        assert info.value.code == code
    with pytest.raises(PermissionDenied):
        meetings.set_meeting_tellers(people["resident"], secret_meeting, users, 2)
    assert not secret_meeting.tellers.exists()
    # Without tellers a secret vote does not open: nothing is made in plaintext.
    item = secret_meeting.items.first()
    with pytest.raises(ValidationError) as info:
        votes.open_vote(staff, item)
    assert info.value.code == "tellers" and not Ballot.objects.exists()


def test_secret_vote_sealed_and_counted_after_teller_quorum(client, secret_meeting, members,
                                                            people):
    staff = people["street_staff"]
    teller_users = [m.user for m in members[:3]]
    meetings.set_meeting_tellers(staff, secret_meeting, teller_users, 2)
    item = secret_meeting.items.first()
    votes.open_vote(staff, item)
    item.refresh_from_db()
    ballot = item.ballot
    assert ballot.is_sealed and ballot.threshold == 2
    shares = [tellers.take_share(u, ballot) for u in teller_users]
    client.force_login(teller_users[0])
    teller_url = f"/voting/{ballot.public_id}/teller/"
    assert teller_url in client.get(f"/councils/meetings/{secret_meeting.pk}/").content.decode()
    client.force_login(members[4].user)
    assert teller_url not in client.get(f"/councils/meetings/{secret_meeting.pk}/").content.decode()
    for m, answer in zip(members[:4], ["yes", "yes", "yes", "no"], strict=True):
        votes.cast_member_vote(m.user, item, answer)
    rows = list(CastBallot.objects.filter(ballot=ballot))
    assert len(rows) == 4
    assert all(r.content is None and r.voter_id is None and r.ciphertext for r in rows)
    assert not any(b"yes" in bytes(r.ciphertext) for r in rows)

    item = votes.close_vote(staff, item)
    item.refresh_from_db()
    ballot.refresh_from_db()
    # Closed, not counted: no figures, no resolution until the tellers come.
    assert ballot.state == BallotState.CLOSED and item.resolved_at is None
    assert item.votes_yes is None or item.votes_yes == 0
    with pytest.raises(ValidationError):  # the tellers decrypt within the meeting
        meetings.close_meeting(staff, secret_meeting)
    assert tellers.bring_share(teller_users[0], ballot, shares[0]).decrypted is None
    votes.close_vote(staff, item)
    item.refresh_from_db()
    assert item.resolved_at is None
    assert tellers.bring_share(teller_users[2], ballot, shares[2]).decrypted == 4
    votes.close_vote(staff, item)
    item.refresh_from_db()
    assert (item.votes_yes, item.votes_no, item.resolved_at is not None) == (3, 1, True)
    assert item.passed is True  # more than half of all five members
    meetings.close_meeting(staff, secret_meeting)
    secret_meeting.refresh_from_db()
    assert secret_meeting.state == MeetingState.CLOSED


def test_tellers_through_the_api_and_the_manage_page(verified_login, client, secret_meeting,
                                                     members, people):
    url = f"/api/councils/meetings/{secret_meeting.pk}/tellers"
    ids = [m.pk for m in members[:3]]
    put = lambda c, data: c.put(url, json.dumps(data), content_type="application/json")  # noqa: E731
    client.force_login(people["resident"])
    assert put(client, {"member_ids": ids, "threshold": 2}).status_code == 403
    staff = verified_login(people["street_staff"])
    for data, field in [({"member_ids": ids, "threshold": 1}, "threshold"),
                        ({"member_ids": ids[:2], "threshold": 2}, None),
                        ({"member_ids": ids + [10**6], "threshold": 2}, "member_ids")]:
        answer = put(staff, data)
        assert answer.status_code == 422, data
        if field:
            assert answer.json()["errors"][0]["field"] == field
    assert not secret_meeting.tellers.exists()
    answer = put(staff, {"member_ids": ids, "threshold": 3})
    assert answer.status_code == 200 and answer.json()["threshold"] == 3
    assert set(secret_meeting.tellers.values_list("pk", flat=True)) == {
        m.user_id for m in members[:3]}

    page = f"/councils/manage/meetings/{secret_meeting.pk}/"
    too_few = staff.post(page, {"action": "tellers", "tellers": [members[3].user_id],
                                "threshold": "2"})
    assert too_few.status_code == 400 and "3" in too_few.content.decode()
    assert secret_meeting.tellers.count() == 3
    saved = staff.post(page, {"action": "tellers", "threshold": "2",
                              "tellers": [m.user_id for m in members[1:4]]})
    assert saved.status_code == 302
    secret_meeting.refresh_from_db()
    assert secret_meeting.teller_threshold == 2
    assert set(secret_meeting.tellers.values_list("pk", flat=True)) == {
        m.user_id for m in members[1:4]}
    outsider = staff.post(page, {"action": "tellers", "threshold": "2",
                                 "tellers": [people["resident"].pk] + ids[:2]})
    assert outsider.status_code == 400
