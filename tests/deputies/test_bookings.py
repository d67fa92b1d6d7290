"""Bookings as a declared workflow (workflows.BOOKING): a resident cancels their own booking and
the place is free again, under concurrency too; the reception desk calls, finishes and undoes,
audited; the deputies' front page and "my bookings"; times in Asia/Shanghai."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.core.test_concurrency import run_together
from yishi.core.models import AuditRecord, Notification, Role, RoleAssignment, User
from yishi.deputies import bookings, services
from yishi.deputies.models import Booking, BookingState, ReceptionSession

pytestmark = pytest.mark.django_db


def _taken(session):
    return Booking.objects.filter(session=session).exclude(state=BookingState.CANCELLED)


def test_cancel_gives_the_place_back(people, session):
    mine = bookings.book_slot(people["resident"], session)
    bookings.book_slot(people["expert"], session)
    with pytest.raises(ValidationError):
        bookings.book_slot(people["council_member"], session)            # full (2 places)
    bookings.cancel_booking(people["resident"], mine)
    mine.refresh_from_db()
    assert mine.state == BookingState.CANCELLED and mine.cancelled_at is not None
    assert bookings.free_places(session) == 1
    taken = bookings.book_slot(people["council_member"], session)
    assert taken.slot == mine.slot                                        # the freed place
    assert AuditRecord.objects.filter(action="deputies.cancel_booking").count() == 1
    with pytest.raises(ValidationError):                                  # cancelled once
        bookings.cancel_booking(people["resident"], mine)


def test_only_the_resident_cancels_and_only_before_it_starts(people, session):
    mine = bookings.book_slot(people["resident"], session)
    for other in (people["expert"], people["street_staff"], people["deputy"]):
        with pytest.raises(PermissionDenied):
            bookings.cancel_booking(other, mine)
    ReceptionSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5))
    mine.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        bookings.cancel_booking(people["resident"], mine)
    assert refused.value.code == "guard"
    assert Booking.objects.get(pk=mine.pk).state == BookingState.BOOKED


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancels_and_books_never_over_or_under_count(people, station, deputy):
    """20 threads at once: 10 residents cancel their bookings of a full reception while 10
    others book it. However they interleave, the places taken are exactly the bookings that
    succeeded, never more than the places, and no place is held twice."""
    start = timezone.now() + timedelta(days=2)
    full = services.schedule_session(people["street_staff"], station, starts_at=start,
                                     ends_at=start + timedelta(hours=1), mode="in_person",
                                     deputies=[deputy], slots=10)
    holders = [User.objects.create_user(f"1367700{i:04d}", name=f"H{i}") for i in range(10)]
    newcomers = [User.objects.create_user(f"1368800{i:04d}", name=f"N{i}") for i in range(10)]
    held = [bookings.book_slot(h, full) for h in holders]

    def act(i):
        if i < 10:
            return bookings.cancel_booking(holders[i], Booking.objects.get(pk=held[i].pk))
        return bookings.book_slot(newcomers[i - 10], full)

    outcomes = run_together(act, count=20)
    cancels, books = outcomes[:10], outcomes[10:]
    assert all(kind == "ok" for kind, _ in cancels), cancels
    assert all(isinstance(v, ValidationError) for kind, v in books if kind == "error"), books
    booked = sum(1 for kind, _ in books if kind == "ok")
    taken = _taken(full)
    assert taken.count() == booked <= full.slots
    assert len(set(taken.values_list("slot", flat=True))) == booked
    assert bookings.free_places(full) == full.slots - booked
    assert Booking.objects.filter(session=full, state=BookingState.CANCELLED).count() == 10


@pytest.mark.django_db(transaction=True)
def test_twenty_cancels_of_one_booking_cancel_it_once(people, session):
    mine = bookings.book_slot(people["resident"], session)
    outcomes = run_together(lambda i: bookings.cancel_booking(
        people["resident"], Booking.objects.get(pk=mine.pk)), count=20)
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1
    assert AuditRecord.objects.filter(action="deputies.cancel_booking").count() == 1


@pytest.fixture
def today(people, station, deputy):
    """A reception starting in ten minutes: the desk is open."""
    start = timezone.now() + timedelta(minutes=10)
    session = ReceptionSession.objects.create(station=station, starts_at=start,
                                              ends_at=start + timedelta(hours=2), slots=30)
    session.deputies.add(deputy)
    return session


def _book_many(session, n):
    made = []
    for i in range(n):
        user = User.objects.create_user(f"1369900{i:04d}", name=f"居民{i:02d}")
        made.append(Booking.objects.create(session=session, slot=i + 1, resident=user))
    return made


def test_desk_search_call_finish_undo(client, people, today, verified_login):
    rows = _book_many(today, 12)
    verified_login(people["street_staff"])
    desk = reverse("deputies:desk", args=[today.pk])
    page = client.get(desk, {"q": "居民07"})
    assert [b.pk for b in page.context["rows"]] == [rows[7].pk]
    # A short number is a place number or part of a name: place 3, and 居民03.
    assert {b.pk for b in client.get(desk, {"q": "3"}).context["rows"]} == {rows[2].pk,
                                                                            rows[3].pk}
    by_mobile = client.get(desk, {"q": rows[5].resident.mobile[-4:]}).context["rows"]
    assert rows[5].pk in [b.pk for b in by_mobile]
    step = lambda b, s: client.post(reverse("deputies:desk_step", args=[today.pk, b.pk, s]),  # noqa: E731
                                    {"q": "居民07"})
    answer = step(rows[7], "call")
    # Back to the same search and row: the desk keeps its place.
    assert answer.status_code == 302 and answer["Location"].endswith(f"#booking-{rows[7].pk}")
    assert "q=" in answer["Location"]
    step(rows[7], "finish")
    rows[7].refresh_from_db()
    assert rows[7].state == BookingState.SERVED and rows[7].served_at is not None
    step(rows[7], "undo")                                        # a mistaken "finished"
    rows[7].refresh_from_db()
    assert rows[7].state == BookingState.CALLED and rows[7].served_at is None
    step(rows[3], "no-show")
    step(rows[3], "undo")
    rows[3].refresh_from_db()
    assert rows[3].state == BookingState.BOOKED
    actions = list(AuditRecord.objects.filter(action__startswith="deputies.").exclude(
        action__in=["deputies.schedule_session"]).values_list("action", flat=True))
    assert actions == ["deputies.call_in", "deputies.finish_booking", "deputies.undo_finish",
                       "deputies.no_show", "deputies.undo_no_show"]
    counts = client.get(reverse("deputies:desk_counts", args=[today.pk])).json()
    assert counts == {"slots": 30, "taken": 12, "free": 18, "waiting": 11, "called": 1,
                      "served": 0, "no_show": 0}
    # Nothing to undo on a booking still waiting: refused, nothing changes.
    step(rows[0], "undo")
    assert Booking.objects.get(pk=rows[0].pk).state == BookingState.BOOKED


def test_desk_is_closed_to_others_and_before_the_day(client, people, xihu, today, session,
                                                     verified_login):
    rows = _book_many(today, 1)
    other_street = User.objects.create_user("13900001234", name="北山工作人员")
    RoleAssignment.objects.create(user=other_street, role=Role.STREET_STAFF,
                                  unit=xihu["beishan"])
    for person in (other_street, people["resident"], people["council_member"]):
        verified_login(person)
        assert client.get(reverse("deputies:desk", args=[today.pk])).status_code == 404
        assert client.post(reverse("deputies:desk_step",
                                   args=[today.pk, rows[0].pk, "call"])).status_code == 404
        assert client.get(reverse("deputies:desk_counts", args=[today.pk])).status_code == 404
    assert Booking.objects.get(pk=rows[0].pk).state == BookingState.BOOKED
    # Three days ahead, the desk offers nothing yet and refuses a forged tap.
    early = Booking.objects.create(session=session, slot=1, resident=people["resident"])
    with pytest.raises(ValidationError) as refused:
        bookings.desk_step(people["street_staff"], early, "call")
    assert refused.value.code == "guard"
    with pytest.raises(ValidationError):
        bookings.desk_step(people["street_staff"], early, "<script>")


def test_online_call_next_goes_through_the_workflow(people, station, deputy):
    start = timezone.now() + timedelta(minutes=5)
    online = ReceptionSession.objects.create(station=station, starts_at=start, mode="online",
                                             ends_at=start + timedelta(hours=1))
    online.deputies.add(deputy)
    first, second = _book_many(online, 2)
    bookings.cancel_booking(first.resident, first)
    assert bookings.call_next(people["deputy"], online).pk == second.pk   # the cancelled skipped
    assert bookings.call_next(people["deputy"], online) is None
    second.refresh_from_db()
    assert second.state == BookingState.SERVED                             # finished on the next call
    assert Notification.objects.filter(recipient=second.resident,
                                       url__endswith=f"/room/{second.pk}/").exists()


def test_index_my_bookings_and_cancel_page(client, people, session):
    anonymous = client.get(reverse("deputies:index"))
    assert anonymous.status_code == 200
    assert session in list(anonymous.context["receptions"])
    assert reverse("deputies:session", args=[session.pk]) in anonymous.content.decode()
    mine = bookings.book_slot(people["resident"], session)
    client.force_login(people["resident"])
    page = client.get(reverse("deputies:index")).content.decode()
    assert reverse("deputies:cancel_booking", args=[mine.pk]) in page
    listing = client.get(reverse("deputies:my_bookings"))
    assert [b.pk for b in listing.context["bookings"]] == [mine.pk]
    # Another resident cannot cancel it, nor learn it exists.
    client.force_login(people["expert"])
    assert client.post(reverse("deputies:cancel_booking", args=[mine.pk])).status_code == 404
    client.force_login(people["resident"])
    done = client.post(reverse("deputies:cancel_booking", args=[mine.pk]), {"confirmed": "1"})
    assert done.status_code == 302
    assert Booking.objects.get(pk=mine.pk).state == BookingState.CANCELLED
    page = client.get(reverse("deputies:my_bookings")).content.decode()
    assert reverse("deputies:cancel_booking", args=[mine.pk]) not in page   # not offered again
    assert client.get(reverse("deputies:session", args=[session.pk])).context["can_book"]


def test_api_lists_actions_and_cancels(client, people, session, verified_login):
    mine = bookings.book_slot(people["resident"], session)
    client.force_login(people["resident"])
    detail = client.get(f"/api/deputies/bookings/{mine.pk}").json()
    assert [a["name"] for a in detail["actions"]] == ["cancel_booking"]
    assert detail["actions"][0]["confirm"]
    assert [b["id"] for b in client.get("/api/deputies/me/bookings").json()] == [mine.pk]
    client.force_login(people["expert"])
    assert client.get(f"/api/deputies/bookings/{mine.pk}").status_code == 404
    assert client.post(f"/api/deputies/bookings/{mine.pk}/cancel").status_code == 404
    client.force_login(people["resident"])
    cancelled = client.post(f"/api/deputies/bookings/{mine.pk}/cancel").json()
    assert cancelled["state"] == "cancelled" and cancelled["actions"] == []
    again = client.post(f"/api/deputies/bookings/{mine.pk}/cancel")
    assert again.status_code == 422
    session_out = client.get(f"/api/deputies/sessions/{session.pk}").json()
    assert session_out["free"] == session.slots and session_out["actions"] == []
    verified_login(people["street_staff"])
    staff = client.get(f"/api/deputies/sessions/{session.pk}").json()
    assert "cancel_session" in [a["name"] for a in staff["actions"]]


def test_cancellation_notice_shows_shanghai_time(people, station, deputy):
    """A 09:00 reception cancelled reads 09:00, not the UTC 01:00."""
    day = timezone.localdate() + timedelta(days=5)
    start = datetime.combine(day, time(9), timezone.get_current_timezone())
    nine = services.schedule_session(people["street_staff"], station, starts_at=start,
                                     ends_at=start + timedelta(hours=2), mode="in_person",
                                     deputies=[deputy])
    bookings.book_slot(people["resident"], nine)
    services.cancel_session(people["street_staff"], nine, "代表临时有会")
    notice = Notification.objects.get(recipient=people["resident"])
    assert f"{day:%Y-%m-%d} 09:00" in notice.subject and "01:00" not in notice.subject
    assert str(nine).endswith("09:00")


def test_my_bookings_cost_the_same_queries_at_two_sizes(client, people, station, deputy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            answer = client.get("/api/deputies/me/bookings")
        assert answer.status_code == 200
        return len(ctx.captured_queries), answer.json()

    client.force_login(people["resident"])
    sessions = []
    for n in range(4):
        start = timezone.now() + timedelta(days=2 + n)
        sessions.append(services.schedule_session(
            people["street_staff"], station, starts_at=start, ends_at=start + timedelta(hours=1),
            mode="online", deputies=[deputy], slots=5))
    bookings.book_slot(people["expert"], sessions[0])
    bookings.book_slot(people["resident"], sessions[0])
    one_cost, one = measure()
    assert [b["position"] for b in one] == [2]
    for s in sessions[1:]:
        bookings.book_slot(people["resident"], s)
    four_cost, four = measure()
    assert len(four) == 4 and four_cost == one_cost
    assert [b["position"] for b in four] == [2, 1, 1, 1]
