"""In a browser: a page of a long drill-down (rows 1001-1050, numbers four digits wide) on a phone (360 × 780) and a desktop
(1366 × 768), in normal and large text, in Chinese and English: the title is on the first screen,
the pager's links are at least 44 px both ways, nothing scrolls sideways; axe and the CSP watch
check every view. Set YISHI_SHOTS to a directory to keep screenshots of them."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.core.test_browser_pages import set_cookies
from tests.projects.test_browser import staff_session
from yishi.core.models import User
from yishi.oversight import dashboard, queries

from .test_dashboard_drill import _add_opinions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("YISHI_SHOTS")


def test_the_pager_on_phones_and_desktops(page, live_server, demo):
    year = timezone.localdate().year
    street = queries.streets().first()
    _add_opinions(street, year, 21 * dashboard.DRILL_PER_PAGE)
    staff_session(page, live_server, User.objects.get(mobile="13900000001"))  # the district
    url = f"/oversight/dashboard/{year}/opinions_received/{street.code}/?page=21"
    for language, heading in (("zh-hans", "收到意见"), ("en", "Opinions received")):
        for large in (False, True):
            for width, height in ((360, 780), (1366, 768)):
                set_cookies(page, live_server, django_language=language,
                            yishi_text="large" if large else "normal")
                page.set_viewport_size({"width": width, "height": height})
                page.goto(url)
                view = f"{language} {width} {'large' if large else 'normal'}"
                title = page.get_by_role("heading", level=1)
                expect(title).to_contain_text(heading)
                box = title.bounding_box()
                assert box["y"] + box["height"] <= height, view  # on the first screen
                pager = page.locator("nav.pagination a")
                expect(pager).to_have_count(2)  # previous and next
                for link in pager.all():
                    size = link.bounding_box()
                    assert size["height"] >= 44 and size["width"] >= 44, (view, size)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, view
                assert page.locator("#drill li").count() == dashboard.DRILL_PER_PAGE
                if SHOTS:
                    Path(SHOTS).mkdir(parents=True, exist_ok=True)
                    suffix = f"{language}-{width}-{'large' if large else 'normal'}"
                    page.screenshot(path=f"{SHOTS}/drill-{suffix}.png")
                    page.screenshot(path=f"{SHOTS}/drill-{suffix}-full.png", full_page=True)
