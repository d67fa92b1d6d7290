"""The statistics page on a desktop in English: axe-clean, per month; screenshots in
/tmp/opyear-shots. (The phone, large text, the street filter and the error summary are walked
in tests/opinions/test_story_browser.py.)"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.core.test_browser_pages import set_cookies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/opyear-shots")


def test_statistics_page_on_a_desktop_in_english(page, live_server, transactional_db, demo):
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    set_cookies(page, live_server, django_language="en")
    page.goto("/opinions/statistics/")
    expect(page.get_by_role("heading", name="Per month")).to_be_visible()
    page.screenshot(path=str(SHOTS / "desktop-en.png"), full_page=True)
