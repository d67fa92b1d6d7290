"""Pages through the test client: bad input re-shows the form with the error and changes
nothing; the public pages, calendar, iCal and CSV exports."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yishi.councils import meetings
from yishi.councils import minutes as council_minutes
from yishi.councils.models import Meeting, Minutes, MinutesState

from .conftest import start_today

pytestmark = pytest.mark.django_db


def test_convene_in_the_past_in_the_form(verified_login, council, people, xihu):
    client = verified_login(people["street_staff"])
    url = f"/councils/manage/{xihu['xixi'].code}/meetings/new/"
    assert client.get(url).status_code == 200
    past = timezone.localtime(timezone.now() - timedelta(days=1))
    response = client.post(url, {"title": "补开会议", "kind": "ordinary", "place": "会议室",
                                 "starts_at": f"{past:%Y-%m-%dT%H:%M}"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "补开会议" in body and 'id="id_starts_at_error"' in body
    assert Meeting.objects.count() == 0


def test_other_street_staff_and_residents_are_kept_out(client, verified_login, council,
                                                       people, xihu):
    client.force_login(people["resident"])
    assert client.get(f"/councils/manage/{xihu['xixi'].code}/members/").status_code == 403
    assert client.get("/councils/manage/").status_code == 403


def test_minutes_edit_after_approval_refused(verified_login, meeting, members, people):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    meetings.close_meeting(staff, meeting)
    minutes = council_minutes.draft_minutes(staff, meeting)
    council_minutes.approve_minutes(staff, minutes)
    client = verified_login(staff)
    response = client.post(f"/councils/manage/meetings/{meeting.pk}/",
                           {"action": "edit_minutes", "text": "改写的纪要", "version": "1"})
    assert response.status_code == 400
    minutes = Minutes.objects.get()
    assert minutes.state == MinutesState.APPROVED and "改写的纪要" not in minutes.text


def test_vote_without_quorum_in_the_page(verified_login, meeting, members, people):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    item = meeting.items.first()
    client = verified_login(staff)
    page = client.get(f"/councils/manage/meetings/{meeting.pk}/").content.decode()
    open_url = f"/councils/manage/meetings/{meeting.pk}/items/{item.pk}/do/open_vote/"
    assert open_url not in page  # without quorum the page offers no vote to open
    response = client.post(open_url, follow=True)  # and posting it anyway is refused
    assert "message-error" in response.content.decode()
    item.refresh_from_db()
    assert item.ballot_id is None


def test_public_pages_calendar_and_ical(client, meeting, members, people, xihu):
    meetings.convene_meeting(people["street_staff"], meeting)
    for url in ("/councils/", f"/councils/{xihu['xixi'].code}/", f"/councils/meetings/{meeting.pk}/",
                "/councils/calendar/", "/councils/calls/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert meeting.title in response.content.decode() or url == "/councils/calls/"
    ics = client.get("/councils/calendar.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    text = ics.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and f"UID:councils-meeting-{meeting.pk}@yishi" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert client.get("/councils/calls.csv").status_code == 200


def test_video_embedded_only_from_allowed_hosts(client, meeting, members, people, settings):
    settings.YISHI_VIDEO_EMBED_HOSTS = ["player.example.cn"]
    Meeting.objects.filter(pk=meeting.pk).update(video_url="https://player.example.cn/v/1")
    meetings.convene_meeting(people["street_staff"], meeting)
    response = client.get(f"/councils/meetings/{meeting.pk}/")
    assert "<iframe" in response.content.decode()
    assert "https://player.example.cn" in response["Content-Security-Policy"]
    Meeting.objects.filter(pk=meeting.pk).update(video_url="https://elsewhere.example.com/v/1")
    body = client.get(f"/councils/meetings/{meeting.pk}/").content.decode()
    assert "<iframe" not in body and "https://elsewhere.example.com/v/1" in body


def test_rules_and_import_through_the_page(verified_login, council, people, xihu):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yishi.core.models import AuditRecord
    from yishi.councils.models import Council, Member

    client = verified_login(people["street_staff"])
    url = f"/councils/manage/{xihu['xixi'].code}/members/"
    rules = {"action": "rules", "quorum_fraction": "2/3", "pass_rule": "more_than_half_present",
             "secrecy": "secret", "notice_days": "5", "min_age": "18",
             "min_years_in_street": "2", "call_threshold": "0", "round_table_days": "10"}
    assert client.post(url, rules).status_code == 400
    assert Council.objects.get().quorum_fraction == "1/2"
    rules["call_threshold"] = "8"
    assert client.post(url, rules).status_code == 302
    council = Council.objects.get()
    assert (council.quorum_fraction, council.call_threshold, council.min_years_in_street) == (
        "2/3", 8, 2)
    assert AuditRecord.objects.filter(action="councils.update_rules").count() == 1
    wrong = SimpleUploadedFile("m.xlsx", b"PK\x03\x04 broken")
    response = client.post(url, {"action": "import", "file": wrong})
    assert response.status_code == 400 and "Excel" in response.content.decode()
    assert Member.objects.count() == 0
