"""On a phone: a resident raises an opinion, a handler replies, the resident rates it, and the
public board shows its timeline — every page checked by axe."""

import re

import pytest

from tests.browser import open_menu
from tests.voting.test_ballot_browser import sign_in
from yishi.core.models import User
from yishi.opinions import services
from yishi.opinions.models import Opinion, OpinionState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_opinion_round_trip(page, transactional_db, demo):
    sign_in(page, "13800000071")
    page.goto("/opinions/new/")
    page.get_by_role("textbox", name=re.compile("^标题")).fill("楼道灯坏了")
    page.get_by_role("textbox", name=re.compile("^反映的问题")).fill("3 幢 2 单元楼道灯坏了一周，老人上下楼看不见。")
    page.get_by_label(re.compile("^类别")).select_option(label="社区服务")
    page.get_by_label(re.compile("^社区")).select_option(label="西溪街道 · 求是社区")
    page.get_by_label(re.compile("^在公开栏展示")).check()
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    opinion = Opinion.objects.get(title="楼道灯坏了")
    assert opinion.number in page.content()

    staff = User.objects.get(mobile="13900010201")
    handler = User.objects.get(mobile="13900020201")
    services.accept_opinion(staff, opinion)
    services.assign_opinion(staff, opinion, [handler.role_assignments.get().department])
    services.reply_to_opinion(handler, opinion, "已更换楼道灯，感谢反映。")

    page.goto(f"/opinions/{opinion.number}/")
    assert "已更换楼道灯" in page.content()
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.CLOSED

    open_menu(page)  # on a phone, Sign out is behind the menu
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    page.goto("/opinions/")
    page.get_by_role("link", name="楼道灯坏了").click()
    page.wait_for_load_state()
    timeline = page.locator("ol.timeline").inner_text()
    for step in ("受理", "交办", "答复"):
        assert step in timeline
    assert "13800000071" not in page.content()
