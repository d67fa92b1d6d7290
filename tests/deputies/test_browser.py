"""A resident on a phone finds a themed station and one of its deputies (axe on every page)."""

import pytest
from playwright.sync_api import expect

from tests.browser import open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_a_station_and_a_deputy(page, transactional_db, demo):
    page.goto("/")
    open_menu(page)  # on a phone, the sections are behind the menu
    page.get_by_role("link", name="联络站", exact=True).click()
    page.wait_for_load_state()
    page.get_by_role("link", name="云栖小镇代表联络站").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "云栖小镇代表联络站"
    expect(page.get_by_role("img", name="打开 云栖小镇代表联络站 页面的二维码")).to_be_visible()
    page.locator("main ul.plain-list a").first.click()
    page.wait_for_load_state()
    assert "区人民代表大会" in page.content()
