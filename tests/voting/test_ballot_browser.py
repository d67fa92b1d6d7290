"""A council member votes on a phone: a budget ballot with a running total, the confirmation
step, the receipt; then the results and the bulletin board, where the receipt is found."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.voting import helpers
from yishi.core.models import User
from yishi.core.sms import LocmemBackend
from yishi.voting import services
from yishi.voting.demo import demo_tellers
from yishi.voting.services import OptionInput

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, mobile):
    LocmemBackend.outbox.clear()
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name=re.compile("^手机号码")).fill(mobile)
    page.get_by_role("button", name="发送验证码").click()
    code = re.search(r"\b(\d{6})\b", LocmemBackend.outbox[-1].text).group(1)
    page.get_by_label(re.compile("验证码")).fill(code)
    page.get_by_role("button", name="继续").click()
    page.wait_for_load_state()


def test_budget_ballot_on_a_phone(page, live_server, transactional_db, demo):
    staff = User.objects.get(mobile="13900010201")
    xixi = staff.role_assignments.get().unit
    ballot = services.create_ballot(
        staff, xixi, title="2027 年西溪街道民生实事票选", method="budget",
        budget=Decimal("1000000"), budget_rule="mes-greedy", roll_roles="council_member",
        tellers=demo_tellers(), threshold=2,
        options=[OptionInput("A", "莫干山路79号加装电梯", Decimal("600000")),
                 OptionInput("B", "求是社区老年食堂", Decimal("300000")),
                 OptionInput("C", "文三路口袋公园", Decimal("250000"))])
    helpers.open_ballot(staff, ballot)

    sign_in(page, "13900040201")
    page.goto(f"/voting/{ballot.public_id}/")
    total = page.locator("#budget-total")
    page.get_by_label(re.compile("加装电梯")).check()
    page.get_by_label(re.compile("老年食堂")).check()
    page.get_by_label(re.compile("口袋公园")).check()
    assert "超出预算" in total.inner_text()
    page.get_by_label(re.compile("老年食堂")).uncheck()
    assert "850,000.00" in total.inner_text() and "超出" not in total.inner_text()
    page.get_by_role("button", name="检查我的选票").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "核对您的选票"
    page.get_by_role("button", name="确认投票").click()
    page.wait_for_load_state()
    code = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", code)

    helpers.publish(staff, ballot)  # closed, decrypted by two tellers, published
    page.goto(f"/voting/{ballot.public_id}/results/")
    expect(page.get_by_role("table")).to_be_visible()
    assert page.locator("svg.chart:visible").count() == 1  # the layout for normal text
    page.goto(f"/voting/{ballot.public_id}/board/")
    page.get_by_label("用回执码查找我的选票").fill(code)
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    assert "您的选票在公告板上" in page.get_by_role("status").inner_text()
    # In large text too, nothing on the results or the board runs off a phone's screen (the
    # draw seed and the keys are long unbroken codes).
    page.context.add_cookies([{"name": "yishi_text", "value": "large", "url": live_server.url}])
    for path in ("results", "board"):
        page.goto(f"/voting/{ballot.public_id}/{path}/")
        assert page.evaluate("document.cookie").count("yishi_text=large") == 1
        widest = page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(e => e.getClientRects().length)
            .map(e => [Math.round(e.getBoundingClientRect().right), e.tagName + ' ' +
                       e.textContent.slice(0, 20)])
            .reduce((a, b) => (b[0] > a[0] ? b : a), [0, ''])""")
        assert widest[0] <= 360, (path, widest)
