"""A member's receipt for a secret council vote: a page (shown once) with the tracking code to
copy, download and print, and the vote's bulletin board finds that code after the count. The
receipt proves the ballot is included, never what it said."""

import pytest
from django.urls import reverse

from yishi.councils import meetings, votes
from yishi.voting import tellers
from yishi.voting.models import CastBallot

from .test_sealed_votes import secret_meeting  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _open_secret_vote(secret_meeting, members, people):  # noqa: F811
    staff = people["street_staff"]
    teller_users = [m.user for m in members[:3]]
    meetings.set_meeting_tellers(staff, secret_meeting, teller_users, 2)
    item = secret_meeting.items.first()
    votes.open_vote(staff, item)
    item.refresh_from_db()
    shares = [tellers.take_share(u, item.ballot) for u in teller_users]
    return item, teller_users, shares


def test_the_receipt_is_a_page_and_the_board_finds_it_after_the_count(
        client, secret_meeting, members, people):  # noqa: F811
    item, teller_users, shares = _open_secret_vote(secret_meeting, members, people)
    voter = members[0].user
    client.force_login(voter)
    response = client.post(reverse("councils:vote", args=[secret_meeting.pk, item.pk]),
                           {"answer": "no"})
    receipt_url = reverse("councils:vote_receipt", args=[secret_meeting.pk, item.pk])
    assert response.status_code == 302 and response["Location"] == receipt_url
    page = client.get(receipt_url)
    assert page.status_code == 200
    html = page.content.decode()
    [row] = CastBallot.objects.filter(ballot=item.ballot)
    assert row.receipt in html  # the full tracking code, to copy or download
    code = html.split('id="receipt-code">')[1].split("<")[0]
    assert row.receipt.startswith(code.replace("-", "").lower())
    assert "反对" not in html and ">No<" not in html  # nothing of what was chosen
    assert f"#item-{item.pk}" in html  # back to the meeting, not to a voting page
    # Shown once: the session does not keep it.
    assert client.get(receipt_url).status_code == 404

    # The meeting page points the member to the board.
    meeting_page = client.get(reverse("councils:meeting", args=[secret_meeting.pk]))
    board = reverse("voting:board", args=[item.ballot.public_id])
    assert board in meeting_page.content.decode()

    for member, answer in zip(members[1:4], ["yes", "yes", "yes"], strict=True):
        votes.cast_member_vote(member.user, item, answer)
    staff = people["street_staff"]
    votes.close_vote(staff, item)
    for user, share in zip(teller_users[:2], shares[:2], strict=True):
        tellers.bring_share(user, item.ballot, share)
    votes.close_vote(staff, item)
    item.refresh_from_db()
    assert item.resolved_at is not None

    client.logout()  # the board is public: anyone checks a code
    found = client.get(f"{board}?receipt={code}").content.decode()
    assert "您的选票在公告板上" in found and row.receipt in found
    # A code that was never issued is not found.
    missing = client.get(f"{board}?receipt=0000000000").content.decode()
    assert "您的选票在公告板上" not in missing


def test_a_refused_vote_leaves_no_receipt(client, secret_meeting, members, people):  # noqa: F811
    item, _tellers, _shares = _open_secret_vote(secret_meeting, members, people)
    client.force_login(members[0].user)
    response = client.post(reverse("councils:vote", args=[secret_meeting.pk, item.pk]),
                           {"answer": "maybe"})
    assert response.status_code == 302 and "#item-" in response["Location"]
    assert not CastBallot.objects.filter(ballot=item.ballot).exists()
    receipt_url = reverse("councils:vote_receipt", args=[secret_meeting.pk, item.pk])
    assert client.get(receipt_url).status_code == 404
    # A member who did not sign in at the meeting is refused too, with nothing cast.
    client.force_login(members[4].user)
    client.post(reverse("councils:vote", args=[secret_meeting.pk, item.pk]), {"answer": "yes"})
    assert client.get(receipt_url).status_code == 404
    assert not CastBallot.objects.exists()
