"""notify(): the inbox always, text messages and mail as each person chose per kind of notice,
a daily cap on texts, quiet hours held back to 08:00, delivery that never sends twice, and the
e-mail address confirmed by a signed link."""

from datetime import UTC, datetime

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from yishi.core import notifications
from yishi.core.models import NoticeKind, NoticePreference, Notification, TextStatus
from yishi.core.notifications import notify, unread_count
from yishi.core.sms import LocmemBackend

# 10:00 in Shanghai; 23:30 in Shanghai; 08:00 the next morning.
DAYTIME = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
LATE_EVENING = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _empty_outbox():
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


@pytest.fixture
def clock(monkeypatch):
    """Freeze timezone.now() at a chosen instant (the platform reads time only through it)."""

    class Clock:
        def set(self, moment):
            monkeypatch.setattr(timezone, "now", lambda: moment)

    clock = Clock()
    clock.set(DAYTIME)
    return clock


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """notify() and run what it queued after commit, as the task worker would."""

    def send(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return notify(*args, **kwargs)

    return send


def texts_to(user):
    return [m.text for m in LocmemBackend.outbox if m.mobile == user.mobile]


def test_inbox_and_text_by_default_with_a_link(people, send, clock, settings):
    settings.YISHI_PUBLIC_URL = "https://yishi.xihu.gov.cn"
    resident = people["resident"]
    [notice] = send([resident], "您的意见 X1 已答复", "答复内容", "/opinions/X1/")
    notice.refresh_from_db()
    assert notice.kind == NoticeKind.OPINION and notice.text_status == TextStatus.SENT
    assert texts_to(resident) == ["您的意见 X1 已答复 https://yishi.xihu.gov.cn/opinions/X1/"]
    assert unread_count(resident) == 1
    assert not mail.outbox  # no confirmed address: no mail


def test_mail_goes_to_a_confirmed_address_and_follows_the_choice(people, send, clock):
    resident = people["resident"]
    resident.email = "resident@example.org"
    resident.save()
    send([resident], "会议通知", "第三次居民议事会议", "/councils/meetings/1/")
    assert [m.to for m in mail.outbox] == [["resident@example.org"]]
    assert "/councils/meetings/1/" in mail.outbox[0].body
    NoticePreference.objects.create(user=resident, kind=NoticeKind.COUNCIL,
                                    by_text=False, by_email=False)
    send([resident], "会议改期", "", "/councils/meetings/1/")
    assert len(mail.outbox) == 1 and len(texts_to(resident)) == 1
    assert Notification.objects.get(subject="会议改期").text_status == TextStatus.NONE


def test_preferences_are_per_kind(people, send, clock):
    resident = people["resident"]
    NoticePreference.objects.create(user=resident, kind=NoticeKind.PROJECT, by_text=False)
    send([resident], "项目公示", "", "/projects/3/")
    send([resident], "投票开始", "", "/voting/7/")
    send([resident], "其他", "", "/accounts/", kind=NoticeKind.OTHER)
    assert texts_to(resident) == [f"投票开始 {notifications.link(Notification(url='/voting/7/'))}"]
    assert unread_count(resident) == 3


def test_daily_cap_on_texts_keeps_the_inbox_complete(people, send, clock, settings):
    settings.YISHI_SMS_DAILY_LIMIT = 2
    resident = people["resident"]
    for n in range(3):
        send([resident], f"通知 {n}", "", "/opinions/X/")
    assert len(texts_to(resident)) == 2
    assert Notification.objects.get(subject="通知 2").text_status == TextStatus.CAPPED
    assert unread_count(resident) == 3
    clock.set(NEXT_MORNING)  # a new day in Shanghai: texts go out again
    send([resident], "次日通知", "", "/opinions/X/")
    assert len(texts_to(resident)) == 3


def test_quiet_hours_hold_texts_until_eight(people, send, clock):
    resident = people["resident"]
    clock.set(LATE_EVENING)
    [notice] = send([resident], "接待取消", "", "/deputies/sessions/1/")
    notice.refresh_from_db()
    assert notice.text_status == TextStatus.HELD and not texts_to(resident)
    assert notice.text_due_at == NEXT_MORNING
    assert unread_count(resident) == 1  # the inbox has it at once
    clock.set(datetime(2026, 11, 30, 23, 59, tzinfo=UTC))  # 07:59
    notifications.release_held_texts()
    assert not texts_to(resident)
    clock.set(NEXT_MORNING)
    assert notifications.release_held_texts() == 1
    assert len(texts_to(resident)) == 1
    assert notifications.release_held_texts() == 0  # the periodic worker runs again: no repeat
    assert len(texts_to(resident)) == 1


def test_a_task_that_runs_late_into_the_night_holds_its_text(people, clock):
    resident = people["resident"]
    notice = Notification.objects.create(recipient=resident, subject="晚到的任务", url="/voting/1/",
                                         text_status=TextStatus.PENDING)
    clock.set(LATE_EVENING)
    assert notifications.deliver_text(notice.pk) is False
    notice.refresh_from_db()
    assert notice.text_status == TextStatus.HELD and notice.text_due_at == NEXT_MORNING
    clock.set(NEXT_MORNING)
    notifications.release_held_texts()
    assert len(texts_to(resident)) == 1


def test_quiet_hours_boundaries():
    assert notifications.quiet_until(datetime(2026, 11, 30, 13, 59, tzinfo=UTC)) is None  # 21:59
    assert notifications.quiet_until(datetime(2026, 11, 30, 14, 0, tzinfo=UTC)) == NEXT_MORNING
    assert notifications.quiet_until(datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == NEXT_MORNING
    assert notifications.quiet_until(NEXT_MORNING) is None


def test_a_retried_delivery_sends_nothing_twice(people, send, clock):
    resident = people["resident"]
    resident.email = "resident@example.org"
    resident.save()
    [notice] = send([resident], "轮到您了", "", "/deputies/sessions/1/")
    for _retry in range(3):
        notifications.deliver(notice.pk)
    assert len(texts_to(resident)) == 1 and len(mail.outbox) == 1


def test_a_failed_gateway_gives_the_text_back_for_a_retry(people, send, clock, monkeypatch):
    from yishi.core import sms

    resident = people["resident"]
    monkeypatch.setattr(sms.LocmemBackend, "send", lambda self, m: (_ for _ in ()).throw(
        sms.SmsError("gateway down")))
    send([resident], "投票提醒", "", "/voting/1/")  # the task fails; the worker may retry it
    notice = Notification.objects.get(subject="投票提醒")
    assert notice.text_status == TextStatus.PENDING
    monkeypatch.undo()
    clock.set(DAYTIME)
    notifications.deliver(notice.pk)
    assert len(texts_to(resident)) == 1


def test_account_page_saves_the_choice(client, people):
    resident = people["resident"]
    client.force_login(resident)
    page = client.get(reverse("core:account")).content.decode()
    assert 'name="opinion_text"' in page and "checked" in page
    data = {f"{kind}_text": "on" for kind in NoticeKind.values if kind != NoticeKind.BALLOT}
    data["ballot_email"] = "on"
    response = client.post(reverse("core:notice_preferences"), data)
    assert response.status_code == 302
    chosen = notifications.all_channels(resident)
    assert chosen[NoticeKind.BALLOT] == {"by_text": False, "by_email": True}
    assert chosen[NoticeKind.OPINION] == {"by_text": True, "by_email": False}


def test_email_is_added_by_following_the_mailed_link(client, people, settings):
    settings.YISHI_PUBLIC_URL = "https://yishi.example"
    resident = people["resident"]
    client.force_login(resident)
    response = client.post(reverse("core:add_email"), {"email": "new@example.org"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.email == ""  # not before it is confirmed
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    link = next(word for word in message.body.split() if word.startswith("https://yishi.example"))
    path = link.removeprefix("https://yishi.example")
    # Someone else who got hold of the link cannot attach the address to their account.
    other = people["deputy"]
    client.force_login(other)
    client.get(path)
    other.refresh_from_db()
    assert other.email == ""
    client.force_login(resident)
    page = client.get(path, follow=True).content.decode()
    resident.refresh_from_db()
    assert resident.email == "new@example.org" and "new@example.org" in page


# The signed token is made inside the test: made at collection it carries the time, so two
# xdist workers collecting a second apart would see different test ids.
@pytest.mark.parametrize("kind", ["nonsense", "signed with another salt"])
def test_a_forged_confirmation_link_changes_nothing(client, people, kind):
    token = ("nonsense" if kind == "nonsense" else
             signing.dumps({"user": 1, "email": "x@example.org"}, salt="another.salt"))
    resident = people["resident"]
    client.force_login(resident)
    client.get(reverse("core:confirm_email", kwargs={"token": token}))
    resident.refresh_from_db()
    assert resident.email == ""


def test_a_bad_address_is_refused_on_the_page(client, people):
    client.force_login(people["resident"])
    response = client.post(reverse("core:add_email"), {"email": "<script>@x"})
    assert response.status_code == 400 and not mail.outbox
    assert "&lt;script&gt;" in response.content.decode()


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


def test_the_opinion_forms_promise_holds_a_reply_reaches_the_resident_by_text(
        people, xihu, clock, django_capture_on_commit_callbacks):
    """"办理后您会收到答复": the resident signed up with a number only and changed nothing."""
    from yishi.core.models import Role, RoleAssignment, User
    from yishi.opinions import services
    from yishi.opinions.models import OpinionCategory

    resident = people["resident"]
    category = OpinionCategory.objects.create(code="parking", name="停车管理", name_en="Parking")
    platform = xihu["xixi"].departments.get(name="便民服务平台")
    handler = User.objects.create_user("13811110000", name="经办人")
    RoleAssignment.objects.create(user=handler, role=Role.DEPARTMENT_HANDLER,
                                  unit=platform.street, department=platform)
    with django_capture_on_commit_callbacks(execute=True):
        opinion = services.submit_opinion(resident, services.Intake(
            title="电动车乱停放", text="12 幢楼道口停满电动车。", category=category,
            community=xihu["xixi_community"], is_public=True))
        services.accept_opinion(people["street_staff"], opinion)
        services.assign_opinion(people["street_staff"], opinion, [platform])
        services.start_handling(handler, opinion)
    LocmemBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_to_opinion(handler, opinion, "已规划新建充电棚。")
    [text] = texts_to(resident)
    assert opinion.number in text and f"/opinions/{opinion.number}/" in text
