"""The online room's poll (live.py): one query and 304 while nothing changed, the new state after
two queries when something did; every change in the reception moves the version; only the
resident and the deputies on duty can follow a room, with a token signed for them."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from yishi.core.models import User
from yishi.deputies import bookings, live, services
from yishi.deputies.models import Booking, LiaisonStation, ReceptionSession


@pytest.fixture
def online(demo):
    staff = User.objects.get(mobile="13900010201")
    deputy = User.objects.get(mobile="13900030201")
    station = LiaisonStation.objects.get(code=f"station-{staff.role_assignments.get().unit.code}")
    start = timezone.now() + timedelta(days=station.notice_days + 1)
    session = services.schedule_session(staff, station, starts_at=start,
                                        ends_at=start + timedelta(hours=2), mode="online",
                                        deputies=[deputy.deputy_profile], slots=6)
    first = bookings.book_slot(User.objects.get(mobile="13800000071"), session, "停车")
    second = bookings.book_slot(User.objects.get(mobile="13800000072"), session, "路灯")
    now = timezone.now()
    ReceptionSession.objects.filter(pk=session.pk).update(
        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2))
    session.refresh_from_db()
    return {"session": session, "deputy": deputy, "staff": staff, "first": first,
            "second": second}


def _signed_in(client, user) -> str:
    """The session key of `user` signed in on `client` (the room page signs its token for it)."""
    client.force_login(user)
    return client.session.session_key


def _poll(client, booking, user, etag=""):
    url = reverse("deputies:room_live", args=[booking.session_id, booking.pk])
    headers = {"X-Room-Token": live.room_token(booking, user, _signed_in(client, user))}
    if etag:
        headers["If-None-Match"] = etag
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def test_unchanged_is_304_after_one_query_changed_is_the_state_after_two(client, online):
    second = online["second"]
    response, queries = _poll(client, second, second.resident)
    assert response.status_code == 200 and queries <= 2
    state = response.json()
    assert "2" in state["status"] and state["open"] is False and state["messages"] == []
    etag = response["ETag"]
    response, queries = _poll(client, second, second.resident, etag)
    assert response.status_code == 304 and queries <= 1

    # The deputy calls the first resident in: the second's place moves from 2 to 1.
    bookings.call_next(online["deputy"], online["session"])
    response, queries = _poll(client, second, second.resident, etag)
    assert response.status_code == 200 and queries <= 2
    assert response["ETag"] != etag


def test_your_turn_and_the_conversation_reach_the_resident(client, online):
    first, deputy = online["first"], online["deputy"]
    response, _n = _poll(client, first, first.resident)
    etag = response["ETag"]
    bookings.call_next(deputy, online["session"])
    response, _n = _poll(client, first, first.resident, etag)
    state = response.json()
    assert state["open"] is True and "轮到您了" in state["status"]
    etag = response["ETag"]
    first.refresh_from_db()
    bookings.say_in_room(deputy, first, "您好，请讲。")
    response, queries = _poll(client, first, first.resident, etag)
    assert queries <= 2
    assert ["您好，请讲。" in m["html"] for m in response.json()["messages"]] == [True]


def test_every_change_moves_the_version(online):
    session = online["session"]

    def version():
        return ReceptionSession.objects.get(pk=session.pk).live_version

    started = session.starts_at
    # A booking is cancelled before the reception starts.
    ReceptionSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() + timedelta(days=1))
    before = version()
    second = Booking.objects.get(pk=online["second"].pk)  # reads the moved start
    bookings.cancel_booking(second.resident, second)
    after_cancel = version()
    assert after_cancel > before
    ReceptionSession.objects.filter(pk=session.pk).update(starts_at=started)
    session.refresh_from_db()
    bookings.call_next(online["deputy"], session)
    after_call = version()
    assert after_call > after_cancel
    online["first"].refresh_from_db()
    bookings.say_in_room(online["deputy"], online["first"], "您好")
    assert version() > after_call


def test_only_the_resident_and_the_deputies_on_duty_follow_a_room(client, online):
    first, second = online["first"], online["second"]
    # Another resident's token for this booking: refused as not found, nothing said.
    response, _n = _poll(client, first, second.resident)
    assert response.status_code == 404
    response, _n = _poll(client, first, online["staff"])
    assert response.status_code == 404
    response, _n = _poll(client, first, online["deputy"])
    assert response.status_code == 200
    # A token signed for one booking does not open another.
    url = reverse("deputies:room_live", args=[first.session_id, first.pk])
    key = _signed_in(client, first.resident)
    forged = client.get(url, headers={"X-Room-Token": live.room_token(second, first.resident, key)})
    assert forged.status_code == 403 and forged.json()["detail"]
    assert client.get(url).status_code == 403
    assert client.get(url, headers={"X-Room-Token": "nonsense"}).status_code == 403


def test_an_expired_token_is_refused(client, online, monkeypatch):
    first = online["first"]
    token = live.room_token(first, first.resident, _signed_in(client, first.resident))
    monkeypatch.setattr(live, "TOKEN_HOURS", 0)
    url = reverse("deputies:room_live", args=[first.session_id, first.pk])
    import time

    time.sleep(1.1)
    assert client.get(url, headers={"X-Room-Token": token}).status_code == 403


def test_signing_out_ends_the_poll_at_once(client, online):
    """The token was signed for one sign-in: after signing out (or on another browser, with
    the token but not the session cookie) the poll is refused, though the token has hours left."""
    from django.test import Client

    first = online["first"]
    url = reverse("deputies:room_live", args=[first.session_id, first.pk])
    token = live.room_token(first, first.resident, _signed_in(client, first.resident))
    assert client.get(url, headers={"X-Room-Token": token}).status_code == 200
    assert Client().get(url, headers={"X-Room-Token": token}).status_code == 403
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("core:logout"))
    assert client.get(url, headers={"X-Room-Token": token}).status_code == 403
    # Even replaying the old cookie: that sign-in no longer exists.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert replay.get(url, headers={"X-Room-Token": token}).status_code == 403


def test_the_room_page_carries_the_poll(client, online):
    first = online["first"]
    client.force_login(first.resident)
    page = client.get(reverse("deputies:room", args=[first.session_id, first.pk]))
    html = page.content.decode()
    assert "data-live-token=" in html and "deputies/room.js" in html
    assert 'role="status"' in html
