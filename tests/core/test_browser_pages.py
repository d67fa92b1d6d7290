"""The main public pages in a real browser, in both languages: no CSP violation in the console
(the `page` fixture fails the test on any), axe clean, a plain-text tab title; a refused form
moves focus to its error summary; and large-text mode measured as an elderly reader meets it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC = ["/", "/streets/330106002/", "/opinions/", "/projects/", "/councils/",
          "/deputies/stations/", "/voting/", "/accounts/login/", "/accounts/signup/",
          "/no-such-page/"]


def set_cookies(page, live_server, **values):
    page.context.add_cookies([{"name": k, "value": v, "url": live_server.url}
                              for k, v in values.items()])


def sign_in(page, live_server, mobile):
    from django.test import Client

    from yishi.core.models import User

    client = Client()
    client.force_login(User.objects.get(mobile=mobile))
    set_cookies(page, live_server, sessionid=client.cookies["sessionid"].value)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_public_pages_have_no_csp_violation_and_a_text_title(page, live_server, demo, language):
    set_cookies(page, live_server, django_language=language)
    for url in PUBLIC:
        page.goto(url)
        title = page.title()
        assert title and "<" not in title and ">" not in title, (url, title)
        assert page.locator("h1").count() >= 1, url


def test_csp_watch_catches_an_inline_style(page, live_server, demo):
    """The watch itself: an element with a style= attribute added by the page is refused."""
    page.goto("/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    page.wait_for_timeout(200)
    assert page.csp.violations
    page.csp.violations.clear()


def test_a_refused_form_moves_focus_to_its_summary(page, live_server, demo):
    page.goto("/accounts/signup/")
    page.locator("#id_mobile").fill("12")
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    page.locator("[data-error-summary] a[data-field='id_mobile']").click()
    assert page.evaluate("document.activeElement.id") == "id_mobile"


# --- large-text mode ------------------------------------------------------------------------

MEASURE = """() => {
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && getComputedStyle(el).visibility !== 'hidden'; };
  const small = [];
  for (const el of document.querySelectorAll(
      'header a, header button, header summary, main button, main select, main textarea, '
      + 'main summary, main .button, main input:not([type=hidden])')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 44 || r.height < 44) small.push(`${el.outerHTML.slice(0, 80)} ${r.width}x${r.height}`);
  }
  const cramped = [];
  for (const el of document.querySelectorAll('main p, main li, main td, main dd')) {
    if (!visible(el) || !el.textContent.trim()) continue;
    const s = getComputedStyle(el);
    if (parseFloat(s.lineHeight) / parseFloat(s.fontSize) < 1.5) cramped.push(el.outerHTML.slice(0, 60));
  }
  return {
    small, cramped,
    titleTop: document.querySelector('main h1').getBoundingClientRect().top,
    bodySize: parseFloat(getComputedStyle(document.body).fontSize),
  };
}"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_large_text_mode_on_a_phone(page, live_server, demo, language):
    set_cookies(page, live_server, yishi_text="large", django_language=language)
    sign_in(page, live_server, "13800000070")  # the demo's resident
    page.set_viewport_size({"width": 360, "height": 780})
    for url in ["/", "/projects/", "/accounts/"]:
        page.goto(url)
        m = page.evaluate(MEASURE)
        assert m["bodySize"] >= 20, url
        # Header, menu and breadcrumb take far less than half the screen: the title is in view.
        assert m["titleTop"] < 780 / 3, (url, m["titleTop"])
        assert not m["small"], (url, m["small"])
        assert not m["cramped"], (url, m["cramped"])
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
    # The menu is one button; behind it, the sections and the account.
    page.locator("summary.menu-button").click()
    expect(page.locator(".site-menu-panel nav.main-nav a").first).to_be_visible()
    m = page.evaluate(MEASURE)
    assert not m["small"], m["small"]


def test_large_text_menu_opens_without_javascript(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url,
                                  viewport={"width": 360, "height": 780})
    context.add_cookies([{"name": "yishi_text", "value": "large", "url": live_server.url}])
    page = context.new_page()
    page.goto("/projects/")
    expect(page.locator(".site-menu-panel")).to_be_hidden()
    page.locator("summary.menu-button").click()
    expect(page.get_by_role("link", name=re.compile("意见")).first).to_be_visible()
    context.close()


def test_large_text_desktop_stays_centred(page, live_server, demo):
    set_cookies(page, live_server, yishi_text="large")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/projects/")
    left, right = page.evaluate("""() => { const r = document.querySelector('main')
        .getBoundingClientRect(); return [r.left, window.innerWidth - r.right]; }""")
    assert left > 50 and abs(left - right) <= 20, (left, right)


# --- the title on a phone in normal text ----------------------------------------------------

def common_pages():
    """Pages a resident opens most, one of each kind (the demo's)."""
    from yishi.councils.models import Meeting
    from yishi.finance.models import Budget
    from yishi.voting.models import Ballot

    ballot = Ballot.objects.exclude(result=None).order_by("pk").first()
    meeting = Meeting.objects.order_by("pk").first()
    budget = Budget.objects.filter(state="approved").order_by("pk").first()
    return ["/", "/voting/", f"/voting/{ballot.public_id}/", "/opinions/new/",
            f"/councils/meetings/{meeting.pk}/",
            f"/finance/{budget.street.code}/{budget.year}/"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_title_is_near_the_top_of_a_phone_in_either_text_size(page, live_server, demo,
                                                                   language):
    """On a 360 × 780 phone the header is the brand and one Menu button, and the breadcrumb is
    Home and the page above: the title starts within the top 200 px (under five rows of
    buttons and links it started at 280-500 px), and the sections are one tap away."""
    set_cookies(page, live_server, django_language=language)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/accounts/login/")  # signed out
    assert page.evaluate(MEASURE)["titleTop"] <= 200
    sign_in(page, live_server, "13800000070")  # the demo's resident
    urls = common_pages()
    for size, limit in (("normal", 200), ("large", 780 / 4)):
        set_cookies(page, live_server, yishi_text=size)
        for url in urls:
            page.goto(url)
            m = page.evaluate(MEASURE)
            assert m["titleTop"] <= limit, (size, url, m["titleTop"])
            # (Normal text's checkboxes are 20 px boxes in a 44 px label: not measured here.)
            assert not [s for s in m["small"] if size == "large" or "<summary" in s], m["small"]
            box = page.locator("summary.menu-button").bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44, (size, url, box)
            expect(page.locator("nav.main-nav").first).to_be_hidden()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # Behind the menu: every section, the language and text-size switches, the account.
        page.locator("summary.menu-button").click()
        panel = page.locator(".site-menu-panel")
        expect(panel.locator("nav.main-nav a")).to_have_count(7)
        expect(panel.get_by_role("button", name=re.compile("English|中文"))).to_be_visible()
        small = page.evaluate(MEASURE)["small"]
        assert not [s for s in small if size == "large" or "<input" not in s], small
    # The breadcrumb still leads up: Home and the page above (the meeting's council), the
    # level between them one tap away on the council's page.
    page.goto(urls[4])
    expect(page.locator("nav.breadcrumb a")).to_have_count(3)
    expect(page.locator("nav.breadcrumb a:visible")).to_have_count(2)
    assert "/councils/" in page.locator("nav.breadcrumb a:visible").last.get_attribute("href")
    # A long link above (a ballot's title, in large text) wraps beside its "›", which is never
    # left alone on a line of its own.
    from yishi.voting.models import Ballot, BallotState

    ballot = Ballot.objects.filter(state=BallotState.PUBLISHED).order_by("-pk").first()
    page.goto(f"/voting/{ballot.public_id}/results/")
    tops = page.evaluate("""() => [...document.querySelectorAll('nav.breadcrumb li')]
        .filter(li => li.getClientRects().length && li.querySelector('a'))
        .map(li => [li.getBoundingClientRect().top, li.querySelector('a').getBoundingClientRect().top])""")
    assert len(tops) == 2 and all(abs(li - a) < 4 for li, a in tops), tops


def test_the_full_header_stays_on_a_desktop_in_normal_text(page, live_server, demo):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/voting/")
    expect(page.locator("summary.menu-button")).to_be_hidden()
    expect(page.locator("header > nav.main-nav")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_visible()
    expect(page.locator("nav.breadcrumb [aria-current=page]")).to_be_visible()
