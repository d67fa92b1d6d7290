"""Links people type in are checked in one place (issue 17.15): https only, read as a browser
reads them; the councils API refuses what the forms refuse, and nothing is stored."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yishi.core.weblinks import https_host, validate_https_url
from yishi.councils.forms import MeetingForm
from yishi.councils.models import AgendaItem, Meeting
from yishi.councils.queries import video_is_embeddable

HOSTILE = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)//https://player.bilibili.com/",
    "data:text/html,<script>alert(1)</script>",
    "http://player.bilibili.com/video",
    "https://evil.example\\@player.bilibili.com/",
    "https://user:pw@player.bilibili.com/",
    "https://player.bilibili.com/\x00x",
    "https://player.bilibili .com/",
    "//player.bilibili.com/",
]


def test_hostile_links_are_refused_with_a_reason():
    for url in HOSTILE:
        with pytest.raises(ValidationError) as refused:
            validate_https_url(url)
        assert refused.value.messages[0], url
    validate_https_url("https://player.bilibili.com/player.html?bvid=BV1xx")


def test_the_embed_check_reads_the_host_as_a_browser_would():
    assert video_is_embeddable("https://player.bilibili.com/player.html?bvid=BV1")
    assert https_host("https://Player.Bilibili.com/x") == "player.bilibili.com"
    for url in HOSTILE:
        assert not video_is_embeddable(url), url
    assert not video_is_embeddable("https://player.bilibili.com.evil.example/")


def test_the_meeting_form_refuses_them_too():
    form = MeetingForm(data={"title": "t", "kind": "ordinary", "starts_at": "2030-01-01 10:00",
                             "place": "p", "video_url": "https://evil.example\\@player.bilibili.com/"})
    assert not form.is_valid() and "video_url" in form.errors


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.mark.django_db
def test_the_councils_api_refuses_javascript_and_ambiguous_links(verified_login, council,
                                                                 members, people, xihu):
    staff = verified_login(people["street_staff"])
    future = (timezone.now() + timedelta(days=3)).isoformat()
    base = {"street": xihu["xixi"].code, "title": "第四次会议", "starts_at": future,
            "place": "会议室"}
    for field in ("video_url", "online_url"):
        for url in ("javascript:alert(document.cookie)",
                    "https://evil.example\\@player.bilibili.com/"):
            refused = _post(staff, "/api/councils/meetings", {**base, field: url})
            assert refused.status_code == 422, (field, url, refused.content)
            assert field in refused.content.decode()
    assert Meeting.objects.count() == 0
    created = _post(staff, "/api/councils/meetings", {
        **base, "video_url": "https://player.bilibili.com/player.html?bvid=BV1"})
    assert created.status_code == 201
    meeting_id = created.json()["id"]
    item = _post(staff, f"/api/councils/meetings/{meeting_id}/items",
                 {"kind": "motion", "title": "动议", "video_url": "javascript:alert(1)"})
    assert item.status_code == 422 and "video_url" in item.content.decode()
    assert not AgendaItem.objects.exists()
