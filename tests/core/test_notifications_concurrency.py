"""Delivery under concurrency: twenty workers on the same notification send one text; twenty
notices at once for one person stop at the daily cap. On PostgreSQL this exercises the
conditional claim and the row lock on the person."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from tests.core.test_concurrency import run_together
from yishi.core import notifications
from yishi.core.models import Notification, TextStatus
from yishi.core.sms import LocmemBackend

pytestmark = pytest.mark.django_db(transaction=True)

DAYTIME = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def _daytime(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: DAYTIME)
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


def pending(person, subject):
    """A notification waiting for its text, as notify() leaves it before the task runs."""
    return Notification.objects.create(recipient=person, subject=subject, url="/voting/1/",
                                       text_status=TextStatus.PENDING)


def test_twenty_workers_on_one_notification_send_one_text(people):
    resident = people["resident"]
    notice = pending(resident, "投票开始")
    outcomes = run_together(lambda i: notifications.deliver_text(notice.pk), count=20)
    assert [value for kind, value in outcomes if kind == "ok"].count(True) == 1, outcomes
    assert len(LocmemBackend.outbox) == 1
    assert Notification.objects.get(pk=notice.pk).text_status == TextStatus.SENT


def test_twenty_notices_at_once_stop_at_the_cap(people, settings):
    settings.YISHI_SMS_DAILY_LIMIT = 3
    resident = people["resident"]
    notices = [pending(resident, f"通知 {n}") for n in range(20)]
    run_together(lambda i: notifications.deliver_text(notices[i].pk), count=20)
    assert len(LocmemBackend.outbox) == 3
    statuses = list(Notification.objects.values_list("text_status", flat=True))
    assert statuses.count(TextStatus.SENT) == 3 and statuses.count(TextStatus.CAPPED) == 17


def test_a_text_whose_worker_died_while_sending_is_sent_again_under_its_id(people, settings):
    settings.YISHI_TASK_LEASE_SECONDS = 60
    notice = pending(people["resident"], "您的意见已答复")
    # A worker claimed it and died before recording the send.
    assert notifications._claim_text(notice.pk) is not None
    assert notifications.deliver_text(notice.pk) is False  # within the lease: still its worker's
    assert LocmemBackend.outbox == []
    Notification.objects.filter(pk=notice.pk).update(
        text_claimed_at=DAYTIME - timezone.timedelta(seconds=61))
    outcomes = run_together(lambda i: notifications.deliver_text(notice.pk), count=20)
    assert [value for kind, value in outcomes if kind == "ok"].count(True) == 1, outcomes
    assert [m.key for m in LocmemBackend.outbox] == [f"notice-{notice.pk}"]
    assert Notification.objects.get(pk=notice.pk).text_status == TextStatus.SENT


def test_the_gateway_is_given_the_message_id(settings, monkeypatch):
    import json
    import urllib.request

    from yishi.core import sms

    seen = []

    class Answer:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def urlopen(request, timeout):
        seen.append(json.loads(request.data))
        return Answer()

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    settings.YISHI_SMS_BACKEND = "yishi.core.sms.HttpGatewayBackend"
    settings.YISHI_SMS_GATEWAY_URL = "http://127.0.0.1:9/send"
    sms.send_text("13800000070", "测试", key="notice-7")
    assert seen[0]["id"] == "notice-7" and seen[0]["mobile"] == "13800000070"
