"""Reception sessions: scheduling, booking (one resident per slot, under concurrency), and
matters recorded by the deputy flowing into the opinions loop."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.core.test_concurrency import run_together
from yishi.core.models import User
from yishi.deputies import bookings, services
from yishi.deputies.models import Booking, SessionState
from yishi.opinions.models import Opinion, OpinionCategory, OpinionState


def test_scheduling_rules(people, station, deputy):
    past = timezone.now() - timedelta(days=1)
    with pytest.raises(ValidationError):
        services.schedule_session(people["street_staff"], station, starts_at=past,
                                  ends_at=past + timedelta(hours=1), mode="online",
                                  deputies=[deputy])
    future = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError):
        services.schedule_session(people["street_staff"], station, starts_at=future,
                                  ends_at=future - timedelta(hours=1), mode="online",
                                  deputies=[deputy])
    with pytest.raises(PermissionDenied):
        services.schedule_session(people["resident"], station, starts_at=future,
                                  ends_at=future + timedelta(hours=1), mode="online",
                                  deputies=[deputy])


def test_booking_fills_slots_then_refuses(people, session):
    first = bookings.book_slot(people["resident"], session)
    assert first.slot == 1
    with pytest.raises(ValidationError):
        bookings.book_slot(people["resident"], session)          # twice
    assert bookings.book_slot(people["expert"], session).slot == 2
    with pytest.raises(ValidationError):
        bookings.book_slot(people["council_member"], session)     # full
    session.state = SessionState.CANCELLED
    session.save()
    Booking.objects.filter(resident=people["expert"]).delete()
    with pytest.raises(ValidationError):
        bookings.book_slot(people["council_member"], session)     # cancelled


@pytest.mark.django_db(transaction=True)
def test_two_residents_one_slot_concurrently(people, station, deputy):
    start = timezone.now() + timedelta(days=2)
    one_slot = services.schedule_session(people["street_staff"], station, starts_at=start,
                                         ends_at=start + timedelta(hours=1), mode="online",
                                         deputies=[deputy], slots=1)
    residents = [User.objects.create_user(f"1366600{i:04d}", name=f"R{i}") for i in range(6)]
    outcomes = run_together(lambda i: bookings.book_slot(residents[i], one_slot), count=6)
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1
    assert all(isinstance(v, ValidationError) for kind, v in outcomes if kind == "error")
    assert Booking.objects.filter(session=one_slot).count() == 1


def test_matters_become_opinions_in_the_queue(client, people, xihu, session, verified_login):
    category = OpinionCategory.objects.create(code="noise", name="噪音扰民")
    created = services.record_matters(
        people["deputy"], session, resident_name="陈阿姨", resident_mobile="13700001111",
        matters=[services.Matter("夜间施工噪音", "工地晚上十点后还在施工。", category,
                                 xihu["xixi_community"]),
                 services.Matter("楼道堆物", "楼道堆满杂物，有消防隐患。", category,
                                 xihu["xixi_community"])])
    assert len(created) == 2
    opinion = Opinion.objects.get(pk=created[0].pk)
    assert opinion.channel == "reception" and opinion.recorded_by == people["deputy"]
    assert opinion.state == OpinionState.SUBMITTED and opinion.masked_contact == "137****1111"
    session.refresh_from_db()
    assert session.state == SessionState.HELD
    verified_login(people["street_staff"])
    queue = client.get(reverse("opinions:queue")).content.decode()
    assert created[0].number in queue and created[1].number in queue
    with pytest.raises(PermissionDenied):  # a deputy not on duty
        services.record_matters(people["council_member"], session, resident_name="x",
                                resident_mobile="", matters=[])


def test_session_page_booking_and_recording(client, people, xihu, session):
    OpinionCategory.objects.create(code="noise", name="噪音扰民")
    client.force_login(people["resident"])
    client.post(reverse("deputies:book", args=[session.pk]), {"topic": "噪音"})
    assert client.get(reverse("deputies:session", args=[session.pk])).context["mine"].slot == 1
    client.force_login(people["deputy"])
    page = client.get(reverse("deputies:session", args=[session.pk])).content.decode()
    assert people["resident"].masked_mobile in page and people["resident"].mobile not in page
    bad = client.post(reverse("deputies:session", args=[session.pk]), {"resident_name": ""})
    assert bad.status_code == 400 and not Opinion.objects.exists()
    category = OpinionCategory.objects.get(code="noise")
    good = client.post(reverse("deputies:session", args=[session.pk]), {
        "resident_name": "居民甲", "title": "广场舞噪音", "text": "晚上九点后音响声音太大。",
        "category": category.pk, "community": xihu["xixi_community"].pk})
    assert good.status_code == 302, good.context["form"].errors
    assert Opinion.objects.filter(channel="reception").count() == 1
