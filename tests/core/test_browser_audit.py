"""The audit trail in a real browser: each action in words in the reader's language, its code in
small type under it, and on a phone in large text one card a record (it was a table squeezed
to a character a line). The `page` fixture also fails on a CSP violation or an axe finding."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.core.test_browser_pages import set_cookies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(settings.VAR_DIR) / "screens"
VIEWS = [(360, "large"), (360, "normal"), (1366, "normal"), (1366, "large")]
WORDS = {"zh-hans": ("审计日志", "操作", "全部操作"), "en": ("Audit trail", "Action", "All actions")}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_audit_trail_names_actions_in_words_on_every_screen(page, live_server, demo, language):
    from tests.projects.test_browser import staff_session
    from yishi.core.models import User

    heading, action, everything = WORDS[language]
    staff_session(page, live_server, User.objects.get(mobile="13900010201"))  # 西溪's staff
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width, size in VIEWS:
        set_cookies(page, live_server, yishi_text=size, django_language=language)
        page.set_viewport_size({"width": width, "height": 780 if width == 360 else 768})
        page.goto("/workspace/audit/")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_label(action, exact=True)).to_have_value("")
        assert page.locator("#id_action option").first.inner_text() == everything
        first = page.locator("main table.audit-trail tbody tr").first
        cell = first.locator(f'td[data-label="{action}"]')
        code = cell.locator(".audit-code").inner_text()
        words = cell.inner_text().replace(code, "").strip()
        assert "." in code and words and "." not in words and "_" not in words, (words, code)
        # The code is secondary: smaller than the words.
        sizes = cell.evaluate("""td => [getComputedStyle(td).fontSize,
            getComputedStyle(td.querySelector('.audit-code')).fontSize].map(parseFloat)""")
        assert sizes[1] < sizes[0]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if width == 360:
            # One card a record: each cell on its own line, its column named beside it.
            assert cell.evaluate("td => getComputedStyle(td).display") == "block"
            assert cell.evaluate("td => getComputedStyle(td, '::before').content") == f'"{action}"'
        page.screenshot(path=str(SCREENS / f"audit-trail-{language}-{width}-{size}.png"),
                        full_page=False)
    # Filtering by one action, chosen by its label, shows only its records.
    page.locator("#id_action").select_option(index=1)
    chosen = page.locator("#id_action").input_value()
    page.get_by_role("button", name={"zh-hans": "筛选", "en": "Filter"}[language]).click()
    page.wait_for_load_state()
    codes = page.locator("main .audit-code").all_inner_texts()
    assert codes and set(codes) == {chosen}
