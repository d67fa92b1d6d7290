"""An opened ballot tells the people on its roll: an inbox notice and a text with the link, in
each voter's language, once (a repeated task tells nobody twice); a meeting's vote is announced
in the room instead."""

import pytest
from django.utils import timezone

from yishi.core.models import Notification
from yishi.core.sms import LocmemBackend
from yishi.voting import services

from .test_ballots import make_ballot, members  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_outbox(settings):
    # Texts go out at once whatever the hour the suite runs (quiet hours have their own tests).
    settings.YISHI_QUIET_HOURS_START = settings.YISHI_QUIET_HOURS_END = 0
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


def test_opening_tells_every_voter_once_in_their_language(
        people, xihu, members, django_capture_on_commit_callbacks):  # noqa: F811
    members[0].language = "en"
    members[0].save(update_fields=["language"])
    closes = timezone.now() + timezone.timedelta(days=3)
    ballot = make_ballot(people, xihu, closes_at=closes)
    with django_capture_on_commit_callbacks(execute=True):
        services.open_ballot(people["street_staff"], ballot)
    url = f"/voting/{ballot.public_id}/"
    notices = {n.recipient_id: n for n in Notification.objects.filter(url=url)}
    assert set(notices) == {m.pk for m in members}
    assert notices[members[1].pk].subject == "有一项投票等您参加：票选民生实事"
    assert notices[members[0].pk].subject == "A ballot is open for you: 票选民生实事"
    from yishi.core.localtime import local_text

    assert local_text(closes) in notices[members[1].pk].body  # Asia/Shanghai
    texts = {m.mobile: m.text for m in LocmemBackend.outbox}
    assert url in texts[members[1].mobile]
    assert services.tell_voters(ballot.pk) == 0  # a second run tells nobody twice
    assert Notification.objects.filter(url=url).count() == len(members)


def test_a_roll_is_told_in_batches_each_voter_once(
        people, xihu, members, monkeypatch, django_capture_on_commit_callbacks):  # noqa: F811
    monkeypatch.setattr(services, "TELL_BATCH", 2)
    ballot = make_ballot(people, xihu)
    with django_capture_on_commit_callbacks(execute=True):
        services.open_ballot(people["street_staff"], ballot)
    url = f"/voting/{ballot.public_id}/"
    told = list(Notification.objects.filter(url=url).values_list("recipient_id", flat=True))
    assert sorted(told) == sorted(m.pk for m in members) and len(members) > 2


def test_a_meetings_vote_is_not_texted(people, xihu, members,  # noqa: F811
                                       django_capture_on_commit_callbacks):
    ballot = make_ballot(people, xihu, quorum_required=True, quorum_fraction="0")
    with django_capture_on_commit_callbacks(execute=True):
        services.open_ballot(people["street_staff"], ballot)
    assert not Notification.objects.filter(url=f"/voting/{ballot.public_id}/").exists()
