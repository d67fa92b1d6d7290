"""The foundation in a real browser (Chromium, phone-sized), every page checked by axe."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser import open_menu
from yishi.core.sms import LocmemBackend

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_home_in_both_languages(page, demo):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", level=1).inner_text().startswith("西湖区")
    expect(page.get_by_role("link", name="西溪街道", exact=True)).to_be_visible()
    assert fits_phone(page)
    open_menu(page)  # on a phone the site's tools are behind the menu
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("link", name="Xixi Street", exact=True)).to_be_visible()
    page.goto("/streets/330106004/")  # remembered on the next page
    assert page.get_by_role("heading", level=1).inner_text() == "Cuiyuan Street"
    open_menu(page)
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "翠苑街道"


def test_large_text_mode_persists(page, demo):
    page.goto("/")
    body_size = "parseFloat(getComputedStyle(document.body).fontSize)"
    assert page.evaluate(body_size) == 16
    open_menu(page)
    page.get_by_role("button", name="大字模式").click()
    page.wait_for_load_state()
    assert page.evaluate(body_size) >= 20
    page.goto("/streets/330106002/")
    assert page.evaluate(body_size) >= 20
    open_menu(page)
    assert page.get_by_role("button", name=re.compile("大字模式")).get_attribute("aria-pressed") == "true"
    assert fits_phone(page)


def test_keyboard_skip_link(page, demo):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "跳到主要内容"
    # Shown, it covers nothing: axe checks the page while the link has the focus.
    page.a11y.views.clear()
    page.a11y.check()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def code_for(mobile):
    message = [m for m in LocmemBackend.outbox if m.mobile == mobile][-1]
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def test_resident_signs_up_and_logs_in_with_code(page, demo):
    page.goto("/accounts/signup/")
    page.get_by_role("textbox", name=re.compile("^您的姓名")).fill("李阿姨")
    page.get_by_role("textbox", name=re.compile("^手机号码")).fill("13712345678")
    page.get_by_label("您居住的社区").select_option(label="西溪街道 · 求是社区")
    page.get_by_label(re.compile("我同意")).check()
    page.get_by_role("button", name="发送验证码").click()
    page.get_by_label(re.compile("验证码")).fill(code_for("13712345678"))
    page.get_by_role("button", name="继续").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "我的账户"
    assert "137****5678" in page.content()
    open_menu(page)
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name=re.compile("^手机号码")).fill("13712345678")
    LocmemBackend.outbox.clear()
    page.get_by_role("button", name="发送验证码").click()
    page.get_by_label(re.compile("验证码")).fill("000000" if code_for("13712345678") != "000000" else "111111")
    page.get_by_role("button", name="继续").click()
    expect(page.get_by_role("alert").first).to_be_visible()  # wrong code: a clear error
    page.get_by_label(re.compile("验证码")).fill(code_for("13712345678"))
    page.get_by_role("button", name="继续").click()
    page.wait_for_load_state()
    assert "李阿姨" in page.content()


def test_staff_log_in_with_password_and_totp(page, demo):
    page.goto("/accounts/staff/")
    page.get_by_role("textbox", name=re.compile("^手机号码")).fill("13900010201")
    page.get_by_label(re.compile("^密码")).fill("yishi-demo-2026")
    page.get_by_role("button", name="继续").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "设置身份验证器"
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = TOTP(b32decode(secret))
    page.get_by_label(re.compile("6 位")).fill(f"{totp.token():06d}")
    page.get_by_role("button", name=re.compile("确认")).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "工作台"
    expect(page.get_by_role("link", name="审计日志")).to_be_visible()
    page.get_by_role("link", name="审计日志").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "审计日志"
    page.goto("/workspace/residents/")
    assert page.get_by_role("heading", level=1).inner_text() == "待核验的居民"


def test_accessibility_check_catches_violations(browser):
    """The axe fixture is only worth something if it fails on a bad page."""
    from tests.browser import AccessibilityChecker

    context = browser.new_context()
    bad = context.new_page()
    bad.goto('data:text/html,<html><body><img src="x.png"><input type="text"></body></html>')
    checker = AccessibilityChecker(bad)
    checker.check()
    context.close()
    assert checker.failures and "image-alt" in checker.failures[0]
