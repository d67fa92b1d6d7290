from django.core import mail
from django.urls import reverse

from yishi.core.models import Notification
from yishi.core.notifications import notify, unread_count


def test_notify_fills_inbox_and_mails_after_commit(people, django_capture_on_commit_callbacks):
    resident = people["resident"]
    resident.email = "resident@example.org"
    resident.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify([resident, people["deputy"]], "答复已送达", "您的意见已答复。", "/accounts/")
    assert Notification.objects.count() == 2
    assert not mail.outbox  # nothing is mailed before the transaction commits
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["resident@example.org"]
    assert Notification.objects.get(recipient=resident).emailed_at is not None


def test_inbox_shows_and_marks_read(client, people):
    resident = people["resident"]
    notify([resident], "会议通知", "第三次居民议事会议")
    client.force_login(resident)
    page = client.get(reverse("core:inbox"))
    assert "会议通知" in page.content.decode()
    assert unread_count(resident) == 1
    client.post(reverse("core:inbox_mark_read"))
    assert unread_count(resident) == 0


def test_inbox_is_private(client, people):
    notify([people["deputy"]], "只给代表")
    client.force_login(people["resident"])
    assert "只给代表" not in client.get(reverse("core:inbox")).content.decode()
