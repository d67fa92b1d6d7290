"""The pages issue 17 changed, on a phone in large-text mode (适老化), checked by axe: the code
page's one answer for every number with the attempts left, and the public audit checkpoints."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from yishi.core import checkpoints

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(settings.VAR_DIR) / "screens"


def _large_text(page, live_server):
    page.set_viewport_size({"width": 360, "height": 780})
    page.context.add_cookies([{"name": "yishi_text", "value": "large", "url": live_server.url}])


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_code_page_tells_attempts_left_and_nothing_about_the_number(page, live_server, people):
    _large_text(page, live_server)
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name=re.compile("^手机号码")).fill("13700000000")
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_load_state()
    assert "如果 137****0000 是居民账户的号码" in page.content()
    page.get_by_label(re.compile("验证码")).fill("123456")
    page.get_by_role("button", name="继续").click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert "验证码不正确或已过期" in page.content() and "还可尝试 4 次" in page.content()
    assert _fits(page)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "enter-code-large.png"), full_page=True)


def test_checkpoints_page_on_a_phone(page, live_server, people, tmp_path, settings):
    settings.YISHI_AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    checkpoints.publish_checkpoint()
    _large_text(page, live_server)
    page.goto("/audit/checkpoints/")
    assert page.get_by_role("heading", level=1).inner_text() == "审计检查点"
    assert checkpoints.public_key_text() in page.content()
    assert _fits(page)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "audit-checkpoints-large.png"), full_page=True)
