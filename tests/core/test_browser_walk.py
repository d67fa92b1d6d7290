"""What a walk through the demo as each kind of user found, in a real browser: controls and
tables on a phone in large text, in both languages (the `page` fixture also fails the test on a
CSP violation, an axe finding or a table squeezed to a character a line)."""

import pytest
from playwright.sync_api import expect

from tests.core.test_browser_pages import set_cookies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


CONTROL_HEIGHTS = """sel => [...document.querySelectorAll(sel)].map(
    el => Math.round(el.getBoundingClientRect().height))"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_phone_large_text_search_time_and_tables(page, live_server, demo, language):
    """At 360 px in large text: the search box and the time fields are 44 px tall like every
    other field (they had no style: 21 and 24 px), and the tables of the finance index, the
    opinions queue and the ballots list become one card a row (the page fixture's check fails
    a table squeezed to a character a line: the street names were 北/山/街/道)."""
    from tests.projects.test_browser import staff_session
    from yishi.core.models import User

    set_cookies(page, live_server, yishi_text="large", django_language=language)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/opinions/")
    assert min(page.evaluate(CONTROL_HEIGHTS, "main input[type=search]")) >= 44
    page.goto("/finance/")
    expect(page.locator("main table.stack td[data-label]").first).to_be_visible()
    staff_session(page, live_server, User.objects.get(mobile="13900010201"))  # 西溪's staff
    set_cookies(page, live_server, yishi_text="large", django_language=language)
    page.goto("/deputies/schedule/")
    heights = page.evaluate(CONTROL_HEIGHTS, "main input[type=time]")
    assert heights and min(heights) >= 44, heights
    for url in ["/opinions/manage/", "/voting/manage/"]:
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url


def test_phone_large_text_staff_tables_cards_and_fields(page, live_server, demo):
    """The tables a sweep of every page at 360 px in large text still found squeezed or too
    wide become cards (the page fixture fails a squeezed table), the ballot form's date-time
    fields are 44 px tall, and the cards' title links are thumb-sized."""
    from tests.projects.test_browser import staff_session
    from yishi.core.models import User
    from yishi.voting.models import Ballot

    staff_session(page, live_server, User.objects.get(mobile="13900000001"))  # the district
    set_cookies(page, live_server, yishi_text="large")
    page.set_viewport_size({"width": 360, "height": 780})
    ballot = Ballot.objects.order_by("pk").first()
    for url in ["/deputies/evaluation/", "/oversight/reports/", "/oversight/guidance/",
                "/workspace/residents/", f"/voting/{ballot.public_id}/board/", "/finance/"]:
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
    links = page.evaluate(CONTROL_HEIGHTS, "main table.stack th[scope=row] a")
    assert links and min(links) >= 44, links
    page.goto("/voting/manage/new/")
    heights = page.evaluate(CONTROL_HEIGHTS, "main input[type=datetime-local]")
    assert heights and min(heights) >= 44, heights
    # On a desktop the residents' table keeps its columns; its last header was hidden text the
    # squeezed-cell check found wrapped a letter a line.
    from yishi.core.models import Unit

    community = Unit.objects.filter(kind="community").order_by("path").first()
    User.objects.create(mobile="13812340001", name="王阿姨", home_unit=community)  # unverified
    set_cookies(page, live_server, yishi_text="normal", django_language="en")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/workspace/residents/")
    expect(page.get_by_role("button", name="Verify")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
