"""Notices are written in the reader's language, whoever triggered them: the inbox entry, the
text message and the mail. The language is the one the person uses the site in (remembered at
sign-in and when they switch), and times in the text are Asia/Shanghai in every language."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from yishi.core import notifications
from yishi.core.models import Notification, Role, User
from yishi.core.queries import holders
from yishi.core.sms import LocmemBackend

# 01:00 UTC is 09:00 in Shanghai; two years ahead so the reception is in the future.
UTC_0100 = datetime(timezone.now().year + 2, 11, 30, 1, 0, tzinfo=UTC)
LOCAL = f"{UTC_0100.year}-11-30 09:00"


@pytest.fixture(autouse=True)
def _empty_outbox(settings):
    # Texts go out at once whatever the hour the suite runs (quiet hours have their own tests).
    settings.YISHI_QUIET_HOURS_START = settings.YISHI_QUIET_HOURS_END = 0
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


def _reception_with(residents):
    from yishi.deputies.models import Booking, ReceptionSession, SessionState

    session = ReceptionSession.objects.select_related("station__unit").filter(
        state=SessionState.SCHEDULED).first()
    session.starts_at, session.ends_at = UTC_0100, UTC_0100 + timedelta(hours=2)
    session.save(update_fields=["starts_at", "ends_at"])
    for slot, resident in enumerate(residents, start=90):
        Booking.objects.create(session=session, resident=resident, slot=slot)
    return session


def _residents(languages):
    found = list(User.objects.filter(role_assignments__role=Role.RESIDENT, is_active=True)
                 .exclude(mobile="").distinct()[:len(languages)])
    for person, language in zip(found, languages, strict=True):
        person.language = language
        person.save(update_fields=["language"])
    return found


@pytest.mark.parametrize("staff_language", ["en", "zh-hans"])
def test_a_notice_reaches_each_reader_in_their_language(
        demo, staff_language, django_capture_on_commit_callbacks):
    from yishi.deputies import services

    chinese, english = _residents(["zh-hans", "en"])
    chinese.email, english.email = "zh@example.org", "en@example.org"
    chinese.save(update_fields=["email"])
    english.save(update_fields=["email"])
    session = _reception_with([chinese, english])
    staff = holders(Role.STREET_STAFF, session.station.unit).first()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), translation.override(staff_language):
        services.cancel_session(staff, session, "代表临时出差")

    to_chinese = Notification.objects.filter(recipient=chinese).latest("id")
    to_english = Notification.objects.filter(recipient=english).latest("id")
    assert to_chinese.subject.startswith("接待日已取消："), to_chinese.subject
    assert to_english.subject.startswith("Reception cancelled: "), to_english.subject
    for notice in (to_chinese, to_english):
        assert LOCAL in notice.subject  # Asia/Shanghai in both languages
    station = session.station
    assert station.name in to_chinese.subject
    assert (station.name_en or station.name) in to_english.subject
    texts = {m.mobile: m.text for m in LocmemBackend.outbox}
    assert texts[chinese.mobile].startswith("接待日已取消：")
    assert texts[english.mobile].startswith("Reception cancelled: ")
    mails = {m.to[0]: m.subject for m in mail.outbox}
    assert mails["zh@example.org"].startswith("接待日已取消：")
    assert mails["en@example.org"].startswith("Reception cancelled: ")


def test_without_a_chosen_language_notices_are_in_the_site_default(demo):
    [person] = _residents([""])
    with translation.override("en"):
        [notice] = notifications.notify(
            [person], lambda: translation.gettext("Your turn: the deputy is waiting for you"))
    assert notice.subject == "轮到您了：代表正在等您"
    assert notifications.reader_language(person) == "zh-hans"


def test_plain_text_is_kept_as_written(demo):
    chinese, english = _residents(["zh-hans", "en"])
    created = notifications.notify([chinese, english], "会议通知", "第三次居民议事会议")
    assert {n.subject for n in created} == {"会议通知"}


def test_switching_the_site_language_changes_the_notice_language(demo, client):
    [person] = _residents(["zh-hans"])
    client.force_login(person)
    client.post(reverse("core:set_language"), {"language": "en", "next": "/accounts/"})
    person.refresh_from_db()
    assert person.language == "en"
    page = client.get(reverse("core:account"))
    assert "reach you in English" in page.content.decode()


def test_signing_in_remembers_the_language_of_a_person_who_never_chose(demo, client):
    from yishi.core.account_views import _finish_login

    [person] = _residents([""])
    request = client.get("/").wsgi_request
    request.session = client.session
    with translation.override("en"):
        _finish_login(request, person)
    person.refresh_from_db()
    assert person.language == "en"
