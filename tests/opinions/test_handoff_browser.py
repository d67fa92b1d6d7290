"""On a phone: street staff connect a department to the reference case system, assign an
opinion to it; the outside system accepts and replies over HTTP; the staff page shows the
delivery and the reply; the resident rates it. Every page checked by axe."""

import re

import pytest
from playwright.sync_api import expect

from tests.councils.test_browser import staff_sign_in, submit
from tests.voting.test_ballot_browser import sign_in
from yishi.core.models import RoleAssignment
from yishi.opinions import services
from yishi.opinions.fake_case_system import FakeCaseSystem
from yishi.opinions.handoff_models import CaseDelivery, DeliveryState
from yishi.opinions.models import Opinion, OpinionState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hand_off_to_the_fake_case_system_on_a_phone(page, live_server, settings, people,
                                                     xihu, category):
    settings.YISHI_SITE_URL = live_server.url
    fake = FakeCaseSystem("", auto=("accepted", "replied"),
                          reply_text="已派员清理楼道电动车，并加装充电桩。").start()
    try:
        _run(page, fake, people, xihu, category)
    finally:
        fake.stop()


def _run(page, fake, people, xihu, category):
    staff, resident = people["street_staff"], people["resident"]
    handler = RoleAssignment.objects.get(user=people["department_handler"])
    department = handler.department
    opinion = services.submit_opinion(resident, services.Intake(
        title="楼道电动车堵塞", text="5 幢楼道里停满电动车，晚上还在充电，很危险。",
        category=category, community=xihu["xixi_community"], is_public=True))
    services.accept_opinion(staff, opinion)

    staff_sign_in(page, staff.mobile)
    page.goto("/opinions/case-systems/")
    page.get_by_label(re.compile("^对接名称")).fill("西溪街道“四个平台”")
    page.get_by_label(re.compile("^系统类型")).select_option("four_platforms")
    page.get_by_label(re.compile("^科室及其回报所用的账号")).select_option(str(handler.pk))
    page.get_by_label(re.compile("^接收意见的地址")).fill(fake.url)
    submit(page, page.get_by_role("button", name="对接", exact=True))
    expect(page.locator("#case-secret")).to_be_visible()
    fake.secret = page.locator("#case-secret").inner_text().strip()
    page.screenshot(path="/tmp/handoff-shots/case-systems-360.png", full_page=True)

    page.goto(f"/opinions/manage/{opinion.number}/")
    page.locator("select[name=lead]").select_option(str(department.pk))
    submit(page, page.get_by_role("button", name="交办", exact=True))
    fake.wait_for_reports(2)
    assert [(status, code) for status, code, _a in fake.reports] == [("accepted", 200),
                                                                     ("replied", 200)]
    page.reload()
    deliveries = page.locator("#actions-heading ~ h3:has-text('已推送到外部系统') + ul")
    expect(deliveries).to_contain_text("已送达")
    expect(deliveries).to_contain_text("外部系统已答复")
    expect(page.locator("main")).to_contain_text("已派员清理楼道电动车")
    page.screenshot(path="/tmp/handoff-shots/manage-360.png", full_page=True)
    # Large text (适老化): the delivery lines and the buttons still fit a phone.
    page.context.add_cookies([{"name": "yishi_text", "value": "large", "url": page.url}])
    page.reload()
    expect(deliveries).to_contain_text("已送达")
    page.screenshot(path="/tmp/handoff-shots/manage-360-large.png", full_page=True)
    page.goto("/opinions/case-systems/")
    page.screenshot(path="/tmp/handoff-shots/case-systems-360-large.png", full_page=True)
    assert CaseDelivery.objects.get(opinion=opinion).state == DeliveryState.DELIVERED
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.REPLIED
    assert fake.deliveries[0]["opinion"]["resident"]["mobile"] is None

    page.context.clear_cookies()
    sign_in(page, resident.mobile)
    page.goto(f"/opinions/{opinion.number}/")
    expect(page.locator("main")).to_contain_text("已派员清理楼道电动车")
    page.get_by_label("满意", exact=True).check()
    submit(page, page.get_by_role("button", name="提交评价"))
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.CLOSED
