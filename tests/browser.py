"""Browser fixtures: Playwright driving Debian's Chromium, an axe-core check of every page the
test visits (WCAG 2.x A/AA, 2.2 included), and a watch on the console for anything our Content
Security Policy blocked (an inline style or script, a resource from elsewhere). A violation of
either fails the test.

Without a browser the browser tests are skipped on a developer's machine, but fail in CI
(CI=true), where .ci/run installs Chromium."""

import os
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = os.environ.get("YISHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _browser_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def _playwright():
    if not _browser_available():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must run the browser tests")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Table cells narrower than 2.5 characters whose text wraps onto several lines: the "one
# character a line" column a phone makes of a wide table. Checked with axe on every view.
SQUEEZED_CELLS = """() => [...document.querySelectorAll('th, td')].filter(cell => {
    const text = cell.innerText.trim();
    if (text.length < 3 || !cell.offsetParent) return false;
    for (let e = cell; e && e.tagName !== 'TABLE'; e = e.parentElement) {
        const s = getComputedStyle(e);  // a visually hidden header (table.stack on phones)
        if (s.clipPath !== 'none' || s.clip !== 'auto') return false;
    }
    const style = getComputedStyle(cell), size = parseFloat(style.fontSize);
    const width = cell.clientWidth - parseFloat(style.paddingLeft)
        - parseFloat(style.paddingRight);
    return width < 2.5 * size && cell.clientHeight > 2.5 * size;
}).map(cell => cell.innerText.trim().slice(0, 12)).slice(0, 5)"""


class AccessibilityChecker:
    """Runs axe on the page after every load; collects violations for the end of the test."""

    def __init__(self, page):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.axe = Axe()
        self.checked: list[str] = []
        self.views: set[tuple] = set()
        self.failures: list[str] = []

    def _view(self) -> tuple | None:
        """What makes two loads the same view for axe: the path, the query's keys (not their
        values), the width, the language and the text size. A desk signing in thirty people
        loads one view thirty times, and axe takes most of a browser test's time: each view is
        checked once per test."""
        page = self.page
        if page.url.startswith("about:"):
            return None
        url = urlsplit(page.url)
        try:
            mode = page.evaluate("() => [document.documentElement.lang, "
                                 "document.documentElement.className]")
        except PlaywrightError:  # navigating away: the next load is checked
            return None
        size = page.viewport_size or {}
        return (url.path, tuple(sorted(parse_qs(url.query, keep_blank_values=True))),
                size.get("width"), *mode)

    def check(self) -> None:
        page = self.page
        view = self._view()
        if view is None or view in self.views:
            return
        try:
            results = self.axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        except PlaywrightError as error:
            # The test moved on (a click navigated) while axe ran: the next page's load is
            # checked instead, and the test's final check covers the last one.
            if "navigat" in str(error) or "context was destroyed" in str(error):
                return
            raise
        self.checked.append(page.url)
        self.views.add(view)
        if results.violations_count:
            self.failures.append(f"{page.url}\n{results.generate_report()}")
        squeezed = page.evaluate(SQUEEZED_CELLS)
        if squeezed:
            self.failures.append(f"{page.url} at {view[2]} px: table cells squeezed to a "
                                 f"character or two a line: {squeezed}")


class CspWatch:
    """Collects what the browser refused under our CSP, on every page of the test: Chromium
    reports each refusal as an error in the console."""

    def __init__(self, page):
        self.page = page
        self.violations: list[str] = []
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def assert_clean(self) -> None:
        assert not self.violations, (
            f"{len(self.violations)} CSP violations:\n" + "\n".join(self.violations[:20]))


def _phone(browser, live_server):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", base_url=live_server.url,
        device_scale_factor=1,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    checker = AccessibilityChecker(page)
    page.on("load", lambda _page: checker.check())
    page.a11y = checker
    page.csp = CspWatch(page)
    return context, page


@pytest.fixture
def page(browser, live_server, request):
    """A phone-sized page (360 × 740) on the live server; every page it loads is checked by axe."""
    context, page = _phone(browser, live_server)
    yield page
    _finish(context, page)


@pytest.fixture
def second_page(browser, live_server):
    """Another person's phone, for tests where two people act at once."""
    context, page = _phone(browser, live_server)
    yield page
    _finish(context, page)


def _finish(context, page) -> None:
    checker = page.a11y
    try:
        checker.check()
    finally:
        context.close()
    if hasattr(page, "csp"):  # pages made by _phone; a test's own context has no watch
        page.csp.assert_clean()
    assert not checker.failures, "Accessibility violations:\n" + "\n".join(checker.failures)
    assert checker.checked, "the test visited no page"


def open_menu(page) -> None:
    """In large-text mode, and on a phone in normal text, the sections and the site's tools
    (language, text size, account) are behind the one Menu button: open it when it is there."""
    button = page.locator("summary.menu-button")
    if button.count() and button.is_visible():
        details = page.locator("details.site-menu")
        if not details.evaluate("d => d.open"):
            button.click()
