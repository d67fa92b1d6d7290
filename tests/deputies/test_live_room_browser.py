"""The online room updates by itself, measured in two browsers: the resident waits in the room;
the deputy calls them in and writes; the resident's page shows "your turn" and the deputy's
words within 3 s without a reload, and the deputy's page shows the resident's answer the same
way. axe and the CSP are checked on every page (the `page` fixture)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.voting.test_ballot_browser import sign_in
from yishi.core.models import User
from yishi.deputies import bookings, services
from yishi.deputies.models import LiaisonStation, ReceptionSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def online_reception_now(staff_mobile="13900010201", deputy_mobile="13900030201", slots=6):
    staff = User.objects.get(mobile=staff_mobile)
    deputy = User.objects.get(mobile=deputy_mobile)
    station = LiaisonStation.objects.get(code=f"station-{staff.role_assignments.get().unit.code}")
    start = timezone.now() + timedelta(days=station.notice_days + 1)
    session = services.schedule_session(staff, station, starts_at=start,
                                        ends_at=start + timedelta(hours=2), mode="online",
                                        deputies=[deputy.deputy_profile], slots=slots)
    return session, deputy


def start_now(session):
    now = timezone.now()
    ReceptionSession.objects.filter(pk=session.pk).update(
        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2))


def test_the_room_updates_by_itself(page, second_page, transactional_db, demo):
    session, deputy_user = online_reception_now()
    first = User.objects.get(mobile="13800000072")
    resident = User.objects.get(mobile="13800000071")
    before = bookings.book_slot(first, session, "路灯")
    booking = bookings.book_slot(resident, session, "小区停车难")
    start_now(session)

    sign_in(page, resident.mobile)
    page.goto(f"/deputies/sessions/{session.pk}/room/{booking.pk}/")
    status = page.locator("[data-live-status]")
    expect(status).to_contain_text("您的排队位置：第 2 位")
    assert page.locator("[data-live-form]").is_hidden()

    # Someone before them is called in elsewhere: their place moves, no reload.
    bookings.call_next(deputy_user, ReceptionSession.objects.get(pk=session.pk))
    expect(status).to_contain_text("您的排队位置：第 1 位", timeout=3000)

    # The deputy, in the other browser, calls the next resident: "your turn" within 3 s.
    sign_in(second_page, deputy_user.mobile)
    second_page.goto(f"/deputies/sessions/{session.pk}/")
    second_page.get_by_role("button", name="叫下一位居民").click()
    expect(second_page).to_have_url(re.compile(f"/room/{booking.pk}/$"))
    expect(status.get_by_text("轮到您了：代表正在等您")).to_be_visible(timeout=3000)
    expect(page.locator("[data-live-form]")).to_be_visible(timeout=3000)

    # The deputy writes; the resident reads it within 3 s.
    second_page.get_by_label("您的留言").fill("您好，请讲。")
    second_page.get_by_role("button", name="发送").click()
    expect(page.locator("ol.conversation").get_by_text("您好，请讲。")).to_be_visible(timeout=3000)

    # The resident answers; the deputy's page shows it within 3 s.
    page.get_by_label("您的留言").fill("晚上小区里车位不够。")
    page.get_by_role("button", name="发送").click()
    expect(second_page.locator("ol.conversation").get_by_text("晚上小区里车位不够。")
           ).to_be_visible(timeout=3000)
    assert before.pk != booking.pk
