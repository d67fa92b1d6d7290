"""On a phone: the reception desk finds a resident among thirty by search, calls them in and
comes back to the same row, undoes a mistaken tap, and its live count follows a tap made at
another desk without a reload (desk.js polling desk.json) — every page checked by axe."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.councils.test_browser import staff_sign_in, submit
from yishi.core.models import AuditRecord, User
from yishi.deputies import bookings
from yishi.deputies.models import Booking, BookingState, ReceptionSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_desk_search_call_undo_and_live_count(page, people, station, deputy):
    start = timezone.now() + timedelta(minutes=10)
    session = ReceptionSession.objects.create(station=station, starts_at=start,
                                              ends_at=start + timedelta(hours=2), slots=40)
    session.deputies.add(deputy)
    rows = [Booking.objects.create(session=session, slot=i + 1, resident=User.objects
                                   .create_user(f"1357700{i:04d}", name=f"居民{i:02d}"))
            for i in range(30)]
    staff = people["street_staff"]
    staff_sign_in(page, staff.mobile)
    page.goto(f"/deputies/sessions/{session.pk}/desk/")
    page.locator("#q").fill("居民17")
    submit(page, page.get_by_role("button", name="搜索"))
    row = page.locator(f"#booking-{rows[17].pk}")
    assert page.locator(".desk-row").count() == 1
    submit(page, row.get_by_role("button", name="叫号"))
    assert page.url.endswith(f"#booking-{rows[17].pk}") and "q=" in page.url  # same place
    assert "已叫号" in page.locator(f"#booking-{rows[17].pk}").inner_text()
    submit(page, page.locator(f"#booking-{rows[17].pk}").get_by_role("button",
                                                                     name="撤销：未叫号"))
    assert Booking.objects.get(pk=rows[17].pk).state == BookingState.BOOKED
    assert list(AuditRecord.objects.filter(action__in=["deputies.call_in", "deputies.undo_call"])
                .values_list("action", flat=True)) == ["deputies.call_in", "deputies.undo_call"]

    # Another desk calls someone in: this page's count follows without a reload.
    assert page.locator("[data-count=called]").inner_text() == "0"
    bookings.desk_step(staff, Booking.objects.select_related("session").get(pk=rows[3].pk),
                       "call")
    expect(page.locator("[data-count=called]")).to_have_text("1", timeout=12000)
    expect(page.locator("[data-count=waiting]")).to_have_text("29")
