"""On a phone: a resident raises an opinion with a phone number in it; the street's moderator
sees it masked in the queue and approves it; the public board shows it with the number masked.
Every page checked by axe and the CSP watcher."""

import re

import pytest
from playwright.sync_api import expect

from tests.projects.test_browser import staff_session
from tests.voting.test_ballot_browser import sign_in
from yishi.core.models import User
from yishi.moderation.models import ModerationItem, ModerationState
from yishi.opinions import services
from yishi.opinions.models import Opinion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "13812345678"
MASKED = "138****5678"
SHOTS = "/tmp/moderation-shots"


def test_phone_number_is_masked_from_submission_to_the_board(page, live_server, demo):
    sign_in(page, "13800000071")
    page.goto("/opinions/new/")
    page.get_by_role("textbox", name=re.compile("^标题")).fill("小区门口井盖松动")
    page.get_by_role("textbox", name=re.compile("^反映的问题")).fill(
        f"小区门口井盖松动，晚上很危险。联系电话 {NUMBER[:3]} {NUMBER[3:7]} {NUMBER[7:]}。")
    page.get_by_label(re.compile("^类别")).select_option(label="社区服务")
    page.get_by_label(re.compile("^社区")).select_option(label="西溪街道 · 求是社区")
    page.get_by_label(re.compile("^在公开栏展示")).check()
    page.get_by_role("button", name="提交").click()
    opinion = Opinion.objects.get(title="小区门口井盖松动")
    # The author reads their own text, told that it is under review.
    expect(page.get_by_text("内容审核中：审核通过前")).to_be_visible()
    expect(page.get_by_text(f"{NUMBER[:3]} {NUMBER[3:7]}", exact=False)).to_be_visible()
    page.screenshot(path=f"{SHOTS}/author.png", full_page=True)

    staff = User.objects.get(mobile="13900010201")
    services.accept_opinion(staff, opinion)
    page.context.clear_cookies()
    page.goto("/opinions/")
    expect(page.get_by_role("link", name="内容审核中").first).to_be_visible()
    assert NUMBER[3:7] not in page.content()

    staff_session(page, live_server, staff)
    page.goto("/moderation/")
    masked = f"{NUMBER[:3]} **** {NUMBER[7:]}"
    expect(page.get_by_text(masked).first).to_be_visible()
    assert f"{NUMBER[:3]} {NUMBER[3:7]}" not in page.locator("main").inner_text()
    page.screenshot(path=f"{SHOTS}/queue.png", full_page=True)
    item = ModerationItem.objects.get(object_id=opinion.pk, content_type__model="opinion")
    page.get_by_role("link", name=re.compile(f"#{opinion.pk}$")).click()
    expect(page.get_by_role("heading", name="审核内容")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/item.png", full_page=True)
    page.get_by_role("button", name="批准", exact=True).click()
    expect(page.get_by_role("heading", name="审核队列")).to_be_visible()
    item.refresh_from_db()
    assert item.state == ModerationState.APPROVED

    page.context.clear_cookies()
    page.goto("/opinions/")
    page.get_by_role("link", name="小区门口井盖松动").click()
    expect(page.get_by_text(masked)).to_be_visible()
    assert f"{NUMBER[3:7]}" not in page.content()
    expect(page.get_by_role("link", name="举报")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/public.png", full_page=True)
