"""Schedules (排班) and cancellations; the online reception room (云接待): queue, local text
conversation, matters recorded for the resident who booked, litigation recorded as not accepted."""

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from yishi.core.models import User
from yishi.deputies import bookings, services
from yishi.deputies.models import Booking, ReceptionSession, RoomMessage, SessionState
from yishi.deputies.rooms import ExternalRoom, LocalRoom, room
from yishi.opinions.models import Opinion, OpinionCategory, OpinionState


def test_series_dates_weekly_and_odd_months():
    mondays = services.series_dates("weekly", date(2027, 3, 1), date(2027, 3, 31), weekday=0)
    assert mondays == [date(2027, 3, d) for d in (1, 8, 15, 22, 29)]
    odd = services.series_dates("monthly", date(2027, 1, 1), date(2027, 12, 31), month_day=15,
                                months=[1, 3, 5, 7, 9, 11])
    assert odd == [date(2027, m, 15) for m in (1, 3, 5, 7, 9, 11)]


def _series(people, station, deputy, **changes):
    first = timezone.localdate() + timedelta(days=7)
    args = dict(recurrence="weekly", weekday=first.weekday(), first_date=first,
                last_date=first + timedelta(days=27), start_time=time(9), end_time=time(11),
                mode="in_person", deputies=[deputy], slots=4)
    args.update(changes)
    return services.schedule_series(people["street_staff"], station, **args)


def test_publishing_a_schedule_creates_its_sessions(people, station, deputy):
    series = _series(people, station, deputy)
    sessions = list(series.sessions.order_by("starts_at"))
    assert len(sessions) == 4
    assert [timezone.localtime(s.starts_at).time() for s in sessions] == [time(9)] * 4
    assert all(list(s.deputies.all()) == [deputy] for s in sessions)


@pytest.mark.parametrize("changes, field", [
    ({"first_date": "soon"}, "starts_at"),                     # less than the notice days ahead
    ({"recurrence": "monthly", "month_day": 15, "months": []}, "months"),
    ({"recurrence": "monthly", "month_day": 31, "months": [1]}, "month_day"),
    ({"end_time": time(8)}, "end_time"),
    ({"last_date": "long"}, "last_date"),
    ({"deputies": []}, "deputies"),
])
def test_bad_schedules_are_refused_and_change_nothing(people, station, deputy, changes,
                                                      field):
    station.notice_days = 5
    station.save()
    today = timezone.localdate()
    if changes.get("first_date") == "soon":
        changes["first_date"] = today + timedelta(days=1)
        changes["weekday"] = changes["first_date"].weekday()
    if changes.get("last_date") == "long":
        changes["last_date"] = today + timedelta(days=400)
    with pytest.raises(ValidationError) as caught:
        _series(people, station, deputy, **changes)
    assert field in caught.value.message_dict
    assert not ReceptionSession.objects.exists()


def test_a_deputy_of_another_station_cannot_be_put_on_duty(people, station, deputy, xihu):
    from yishi.deputies.models import DeputyProfile

    other = DeputyProfile.objects.create(user=people["council_member"])
    with pytest.raises(ValidationError) as caught:
        _series(people, station, deputy, deputies=[other])
    assert "deputies" in caught.value.message_dict


def test_cancelled_session_refuses_bookings_and_tells_the_booked(people, station, deputy):
    from yishi.core.models import Notification

    session = _series(people, station, deputy).sessions.first()
    bookings.book_slot(people["resident"], session)
    with pytest.raises(ValidationError):
        services.cancel_session(people["street_staff"], session, "  ")
    services.cancel_session(people["street_staff"], session, "代表临时参加区人大会议")
    assert Notification.objects.filter(recipient=people["resident"],
                                       body="代表临时参加区人大会议").exists()
    with pytest.raises(ValidationError):
        bookings.book_slot(people["council_member"], session)
    assert session.bookings.count() == 1
    with pytest.raises(ValidationError):
        services.cancel_session(people["street_staff"], session, "again")


def test_booking_a_reception_in_the_past_is_refused(people, station, deputy):
    past = timezone.now() - timedelta(days=2)
    session = ReceptionSession.objects.create(station=station, starts_at=past,
                                              ends_at=past + timedelta(hours=2))
    with pytest.raises(ValidationError):
        bookings.book_slot(people["resident"], session)
    assert not Booking.objects.exists()


@pytest.fixture
def online(people, station, deputy):
    return _series(people, station, deputy, mode="online").sessions.first()


def _the_day_comes(session):
    now = timezone.now()
    ReceptionSession.objects.filter(pk=session.pk).update(
        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2))
    session.refresh_from_db()


def test_online_queue_and_local_room(people, online, deputy):
    resident, other = people["resident"], people["council_member"]
    first = bookings.book_slot(resident, online, "小区停车")
    second = bookings.book_slot(other, online)
    assert (bookings.queue_position(first), bookings.queue_position(second)) == (1, 2)
    with pytest.raises(ValidationError):   # not in the room yet
        bookings.say_in_room(resident, first, "您好")
    with pytest.raises(PermissionDenied):
        bookings.call_next(resident, online)
    with pytest.raises(ValidationError):   # the room is not open days ahead
        bookings.call_next(people["deputy"], online)
    _the_day_comes(online)
    assert bookings.call_next(people["deputy"], online) == first
    first.refresh_from_db()
    assert bookings.queue_position(first) == 0 and bookings.queue_position(second) == 1
    bookings.say_in_room(resident, first, "小区门口停车太乱")
    bookings.say_in_room(people["deputy"], first, "我记下来，交街道办理")
    with pytest.raises(PermissionDenied):
        bookings.say_in_room(other, first, "插话")
    with pytest.raises(ValidationError):
        bookings.say_in_room(resident, first, "   ")
    assert bookings.call_next(people["deputy"], online) == second
    first.refresh_from_db()
    assert first.served_at is not None
    with pytest.raises(ValidationError):   # finished: the room is closed
        bookings.say_in_room(resident, first, "还有一件事")
    assert [m.text for m in RoomMessage.objects.filter(booking=first)] == [
        "小区门口停车太乱", "我记下来，交街道办理"]


def test_room_page_shows_only_to_the_two_sides(client, people, online):
    booking = bookings.book_slot(people["resident"], online)
    _the_day_comes(online)
    bookings.call_next(people["deputy"], online)
    url = reverse("deputies:room", args=[online.pk, booking.pk])
    client.force_login(people["resident"])
    response = client.post(url, {"text": "您好，代表"})
    assert response.status_code == 302
    assert "您好，代表" in client.get(url).content.decode()
    client.force_login(people["council_member"])
    assert client.get(url).status_code == 404
    client.force_login(people["deputy"])
    page = client.get(url).content.decode()
    assert "您好，代表" in page and people["resident"].name in page


def test_external_room_gives_the_providers_meeting(settings, people, online):
    assert isinstance(room(), LocalRoom)
    settings.YISHI_RECEPTION_ROOM = "external"
    settings.YISHI_RECEPTION_ROOM_URL = "https://meet.example.gov.cn/r/{session}-{booking}"
    booking = bookings.book_slot(people["resident"], online)
    assert isinstance(room(), ExternalRoom)
    assert room().meeting_url(booking) == f"https://meet.example.gov.cn/r/{online.pk}-{booking.pk}"


def test_matters_recorded_for_a_booking_reach_the_resident(people, online, xihu):
    booking = bookings.book_slot(people["resident"], online)
    _the_day_comes(online)
    bookings.call_next(people["deputy"], online)
    category = OpinionCategory.objects.create(code="parking", name="停车管理")
    opinions = services.record_matters(
        people["deputy"], online, resident_name=people["resident"].name,
        resident_mobile=people["resident"].mobile, booking=booking, matters=[
            services.Matter("小区停车难", "晚上车位不够", category, xihu["xixi_community"]),
            services.Matter("工资纠纷", "已向劳动仲裁申请", category, xihu["xixi_community"],
                            in_litigation=True)])
    first, second = (Opinion.objects.get(pk=o.pk) for o in opinions)
    assert first.author == people["resident"] and first.recorded_by == people["deputy"]
    assert first.channel == "reception" and first.state == OpinionState.SUBMITTED
    assert second.state == OpinionState.NOT_ACCEPTED
    assert "仲裁" in second.timeline.last().note
    online.refresh_from_db()
    assert online.state == SessionState.HELD
    assert User.objects.get(pk=people["resident"].pk).opinions.count() == 2


def test_recording_at_a_cancelled_reception_is_refused(people, online, xihu):
    services.cancel_session(people["street_staff"], online, "停电")
    category = OpinionCategory.objects.create(code="x", name="其他")
    with pytest.raises(ValidationError):
        services.record_matters(people["deputy"], online, resident_name="王", resident_mobile="",
                                matters=[services.Matter("t", "x", category,
                                                         xihu["xixi_community"])])
    assert not Opinion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_deputies_calling_at_once_call_different_residents(people, online, deputy, station):
    from yishi.deputies.models import DeputyProfile

    second = DeputyProfile.objects.create(user=people["council_member"])
    second.stations.add(station)
    online.deputies.add(second)
    residents = [User.objects.create_user(f"1366700{i:04d}", name=f"R{i}") for i in range(3)]
    for person in residents:
        bookings.book_slot(person, online)
    _the_day_comes(online)
    from tests.core.test_concurrency import run_together

    callers = [people["deputy"], people["council_member"]]
    outcomes = run_together(lambda i: bookings.call_next(callers[i], online), count=2)
    called = [value.resident for kind, value in outcomes if kind == "ok"]
    assert len(called) == 2 and len(set(called)) == 2
    # The first deputy moves on: only their own resident is finished.
    bookings.call_next(people["deputy"], online)
    finished = Booking.objects.filter(session=online, served_at__isnull=False)
    assert [b.called_by for b in finished] == [people["deputy"]]
