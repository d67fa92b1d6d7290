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
