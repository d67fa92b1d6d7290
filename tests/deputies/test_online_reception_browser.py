"""Done means, on two phones: a resident books an online reception, talks with the deputy in
the platform's own room, the deputy records two matters that reach the opinions queue, and the
deputy's points go up — every page checked by axe."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.voting.test_ballot_browser import sign_in
from yishi.core.models import User
from yishi.deputies import services
from yishi.deputies.models import LiaisonStation, ReceptionSession
from yishi.opinions.models import Opinion, OpinionState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_online_reception_from_booking_to_the_opinions_queue(page, second_page,
                                                             transactional_db, demo):
    staff = User.objects.get(mobile="13900010201")
    deputy_user = User.objects.get(mobile="13900030201")
    resident = User.objects.get(mobile="13800000071")
    station = LiaisonStation.objects.get(code=f"station-{staff.role_assignments.get().unit.code}")
    start = timezone.now() + timedelta(days=station.notice_days + 1)
    session = services.schedule_session(staff, station, starts_at=start,
                                        ends_at=start + timedelta(hours=2), mode="online",
                                        deputies=[deputy_user.deputy_profile], slots=6)

    # The deputy's points before.
    deputy = second_page
    sign_in(deputy, deputy_user.mobile)
    deputy.goto("/deputies/my-duties/")
    points_before = float(re.search(r"今年积分：(-?[\d.]+)", deputy.content()).group(1))

    # The resident books and waits in the queue.
    sign_in(page, resident.mobile)
    page.goto(f"/deputies/sessions/{session.pk}/")
    page.locator("#topic").fill("小区停车难")
    page.get_by_role("button", name="预约").click()
    page.wait_for_load_state()
    assert "您的排队位置：第 1 位" in page.content()

    # The day of the reception comes.
    now = timezone.now()
    ReceptionSession.objects.filter(pk=session.pk).update(
        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2))

    # The deputy calls the resident in and greets them in the room.
    deputy.goto(f"/deputies/sessions/{session.pk}/")
    deputy.get_by_role("button", name="叫下一位居民").click()
    deputy.wait_for_load_state()
    deputy.get_by_label("您的留言").fill("您好，我是西溪街道的人大代表，请讲。")
    deputy.get_by_role("button", name="发送").click()
    deputy.wait_for_load_state()

    # The resident enters the room, reads the greeting and answers.
    page.goto(f"/deputies/sessions/{session.pk}/")
    page.get_by_role("link", name="轮到您了：进入接待室").click()
    page.wait_for_load_state()
    assert "请讲" in page.locator("ol.conversation").inner_text()
    page.get_by_label("您的留言").fill("晚上小区里车位不够，还有一盏路灯坏了。")
    page.get_by_role("button", name="发送").click()
    page.wait_for_load_state()

    # The deputy sees the answer and records two matters for this resident.
    deputy.reload()
    assert "路灯坏了" in deputy.locator("ol.conversation").inner_text()
    for title, text, category in (("小区停车位不足", "晚上车位不够，车辆乱停。", "道路交通"),
                                  ("路灯损坏", "小区一盏路灯坏了。", "社区服务")):
        deputy.get_by_role("link", name="记录事项").click()
        deputy.wait_for_load_state()
        assert deputy.get_by_label(re.compile("^居民姓名")).input_value() == resident.name
        deputy.get_by_label(re.compile("^标题")).fill(title)
        deputy.get_by_label(re.compile("^居民反映的内容")).fill(text)
        deputy.get_by_label(re.compile("^类别")).select_option(label=category)
        deputy.get_by_label(re.compile("^社区")).select_option(index=1)
        deputy.get_by_role("button", name="登记为选民意见").click()
        deputy.wait_for_load_state()
        deputy.goto(f"/deputies/sessions/{session.pk}/room/{session.bookings.get().pk}/")

    recorded = Opinion.objects.filter(recorded_by=deputy_user, channel="reception",
                                      author=resident).order_by("title")
    assert [(o.title, o.state) for o in recorded] == [
        ("小区停车位不足", OpinionState.SUBMITTED), ("路灯损坏", OpinionState.SUBMITTED)]
    from yishi.opinions.queries import staff_queue

    queue = set(staff_queue(staff, "all").values_list("number", flat=True))
    assert {o.number for o in recorded} <= queue

    # The resident follows both under "my opinions".
    page.goto("/opinions/mine/")
    for o in recorded:
        assert o.title in page.content()

    # The reception counted as a duty: the deputy's points went up by the reception rule.
    deputy.goto("/deputies/my-duties/")
    points_after = float(re.search(r"今年积分：(-?[\d.]+)", deputy.content()).group(1))
    assert points_after == points_before + 2
