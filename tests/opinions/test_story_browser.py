"""Issue 15's whole story on a phone, in one browser walk: a resident raises an opinion with a
phone number in its text; the street's moderator sees it masked and approves it; street staff
connect a department to the reference case system and assign the opinion to it; the outside
system accepts and replies over HTTP; the resident rates the reply; the public board shows it
with the number masked (and its words find it); the statistics count it, in large text too.
Every page is checked by axe and the CSP watcher. Screenshots in /tmp/story-shots.

(It replaces the per-part walks of moderation, the hand-off and the statistics on a phone;
their non-browser tests stay.)"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.core.test_browser_pages import set_cookies
from tests.core.test_browser_pages import sign_in as session_for
from tests.councils.test_browser import submit
from tests.projects.test_browser import staff_session
from tests.voting.test_ballot_browser import sign_in
from yishi.core.models import Role, RoleAssignment, User
from yishi.moderation.models import ModerationItem, ModerationState
from yishi.opinions import services, stats
from yishi.opinions.fake_case_system import FakeCaseSystem
from yishi.opinions.handoff_models import CaseDelivery, DeliveryState
from yishi.opinions.models import Opinion, OpinionState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "13812345678"
MASKED = f"{NUMBER[:3]} **** {NUMBER[7:]}"
SHOTS = Path("/tmp/story-shots")
REPLY = "已派员加固井盖，并在路口加装了警示灯。"


def test_an_opinion_from_the_resident_to_the_statistics(page, live_server, settings, demo):
    SHOTS.mkdir(exist_ok=True)
    settings.YISHI_SITE_URL = live_server.url
    settings.YISHI_QUIET_HOURS_START = settings.YISHI_QUIET_HOURS_END = 0
    # As the district installs it: every text waits for a moderator (the opinions tests
    # otherwise let clean texts through, tests/conftest.py).
    settings.YISHI_MODERATION_AUTO_APPROVE = False
    fake = FakeCaseSystem("", auto=("accepted", "replied"), reply_text=REPLY).start()
    try:
        _story(page, live_server, fake)
    finally:
        fake.stop()


def _story(page, live_server, fake):
    staff = User.objects.get(mobile="13900010201")
    xixi = staff.role_assignments.get().unit
    handler = RoleAssignment.objects.filter(role=Role.DEPARTMENT_HANDLER, unit=xixi).first()
    department = handler.department
    before = {r.key: r for r in stats.by_department(xixi)}[str(department.pk)]

    # A resident raises it, with a phone number in the text.
    sign_in(page, "13800000071")
    page.goto("/opinions/new/")
    page.get_by_role("textbox", name=re.compile("^标题")).fill("翠柏路口井盖松动")
    page.get_by_role("textbox", name=re.compile("^反映的问题")).fill(
        f"翠柏路口井盖松动，晚上骑车很危险。联系电话 {NUMBER[:3]} {NUMBER[3:7]} {NUMBER[7:]}。")
    page.get_by_label(re.compile("^类别")).select_option(label="社区服务")
    page.get_by_label(re.compile("^社区")).select_option(label="西溪街道 · 求是社区")
    page.get_by_label(re.compile("^在公开栏展示")).check()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("内容审核中：审核通过前")).to_be_visible()
    opinion = Opinion.objects.get(title="翠柏路口井盖松动")
    services.accept_opinion(staff, opinion)

    # Held: the board lists it under review, and its words do not find it.
    page.context.clear_cookies()
    page.goto("/opinions/?q=%E4%BA%95%E7%9B%96")  # 井盖
    expect(page.get_by_role("heading", name="选民意见", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="内容审核中")).to_have_count(0)

    # The moderator sees the number masked and approves.
    staff_session(page, live_server, staff)
    page.goto("/moderation/")
    expect(page.get_by_text(MASKED).first).to_be_visible()
    assert f"{NUMBER[:3]} {NUMBER[3:7]}" not in page.locator("main").inner_text()
    page.get_by_role("link", name=re.compile(f"#{opinion.pk}$")).click()
    page.get_by_role("button", name="批准", exact=True).click()
    expect(page.get_by_role("heading", name="审核队列")).to_be_visible()
    item = ModerationItem.objects.get(object_id=opinion.pk, content_type__model="opinion")
    assert item.state == ModerationState.APPROVED

    # Staff connect the department to the case system and assign the opinion to it.
    page.goto("/opinions/case-systems/")
    page.get_by_label(re.compile("^对接名称")).fill("西溪街道“四个平台”")
    page.get_by_label(re.compile("^系统类型")).select_option("four_platforms")
    page.get_by_label(re.compile("^科室及其回报所用的账号")).select_option(str(handler.pk))
    page.get_by_label(re.compile("^接收意见的地址")).fill(fake.url)
    submit(page, page.get_by_role("button", name="对接", exact=True))
    expect(page.locator("#case-secret")).to_be_visible()
    fake.secret = page.locator("#case-secret").inner_text().strip()
    page.goto(f"/opinions/manage/{opinion.number}/")
    page.locator("select[name=lead]").select_option(str(department.pk))
    submit(page, page.get_by_role("button", name="交办", exact=True))
    fake.wait_for_reports(2)  # accepted, then replied, over HTTP
    assert [(status, code) for status, code, _a in fake.reports] == [("accepted", 200),
                                                                     ("replied", 200)]
    assert fake.deliveries[0]["opinion"]["resident"]["mobile"] is None
    page.reload()
    deliveries = page.locator("#actions-heading ~ h3:has-text('已推送到外部系统') + ul")
    expect(deliveries).to_contain_text("外部系统已答复")
    page.screenshot(path=str(SHOTS / "manage.png"), full_page=True)
    assert CaseDelivery.objects.get(opinion=opinion).state == DeliveryState.DELIVERED

    # The resident rates the reply.
    page.context.clear_cookies()
    # A session, not a second SMS code: the platform sends one code a minute per number.
    session_for(page, live_server, "13800000071")
    page.goto(f"/opinions/{opinion.number}/")
    expect(page.locator("main")).to_contain_text(REPLY[:8])
    page.get_by_label("满意", exact=True).check()
    submit(page, page.get_by_role("button", name="提交评价"))
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.CLOSED

    # The public: found by its words, the number masked.
    page.context.clear_cookies()
    page.goto("/opinions/?q=%E4%BA%95%E7%9B%96+%E9%AA%91%E8%BD%A6")  # 井盖 骑车
    page.get_by_role("link", name="翠柏路口井盖松动").click()
    expect(page.get_by_text(MASKED)).to_be_visible()
    expect(page.locator("main")).to_contain_text(REPLY[:8])
    assert NUMBER[3:7] not in page.content()
    page.screenshot(path=str(SHOTS / "public.png"), full_page=True)

    # The statistics count it: the street's page per department, in large text.
    after = {r.key: r for r in stats.by_department(xixi)}[str(department.pk)]
    assert (after.received, after.replied, after.satisfied) == (
        before.received + 1, before.replied + 1, before.satisfied + 1)
    set_cookies(page, live_server, yishi_text="large")
    page.goto("/opinions/statistics/")
    expect(page.get_by_role("heading", name="按街道")).to_be_visible()
    page.get_by_label("街道", exact=True).select_option(label="西溪街道")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name="按科室")).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("rowheader", name=str(department),
                                                  exact=True))
    expect(row).to_contain_text(f"{after.received}{after.replied}{after.on_time_percent}")
    expect(row).to_contain_text(after.satisfaction_percent)
    expect(page.get_by_role("link", name="下载明细记录（CSV）")).to_be_visible()
    page.screenshot(path=str(SHOTS / "statistics-large.png"), full_page=True)
    page.goto("/opinions/statistics/?month=13")
    expect(page.locator(".error-summary")).to_be_visible()
