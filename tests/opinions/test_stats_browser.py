"""The statistics page on a phone and a desktop, normal and large text, Chinese and English:
axe-clean, tables stacked on the phone, filters usable; screenshots in /tmp/opyear-shots."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.core.test_browser_pages import set_cookies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/opyear-shots")


def test_statistics_page_on_a_phone(page, live_server, transactional_db, demo):
    SHOTS.mkdir(exist_ok=True)
    page.goto("/opinions/statistics/")
    expect(page.get_by_role("heading", name="按街道")).to_be_visible()
    page.screenshot(path=str(SHOTS / "phone-zh.png"), full_page=True)
    page.get_by_label("街道", exact=True).select_option(label="西溪街道")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name="按科室")).to_be_visible()
    expect(page.get_by_role("link", name="下载明细记录（CSV）")).to_be_visible()
    set_cookies(page, live_server, yishi_text="large")
    page.goto("/opinions/statistics/?month=13")
    expect(page.locator(".error-summary")).to_be_visible()
    page.screenshot(path=str(SHOTS / "phone-large-error.png"), full_page=True)


def test_statistics_page_on_a_desktop_in_english(page, live_server, transactional_db, demo):
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    set_cookies(page, live_server, django_language="en")
    page.goto("/opinions/statistics/")
    expect(page.get_by_role("heading", name="Per month")).to_be_visible()
    page.screenshot(path=str(SHOTS / "desktop-en.png"), full_page=True)
