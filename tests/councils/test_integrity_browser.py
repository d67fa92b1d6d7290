"""In a browser (issue 14): closing a vote before enough members have voted asks first, saying
how many voted of how many present and needed, and the record then shows the motion with the
counted outcome, in Chinese and in English, on the page and in the minutes; and a sign-in desk
at 360 px in large text signs in thirty members found by search, with one undo. Every page is
checked by axe."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import AccessibilityChecker, open_menu
from yishi.councils import meetings, roster, votes
from yishi.councils.models import Attendance, ItemKind, ItemState, Meeting

from .conftest import member_input, start_today
from .test_browser import staff_sign_in, step, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set YISHI_SHOTS to a directory to keep screenshots of the pages for a look.
SHOTS = os.environ.get("YISHI_SHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _context(browser, live_server, *, width, height, locale="zh-CN", large=False):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                  base_url=live_server.url)
    if large:
        context.add_cookies([{"name": "yishi_text", "value": "large", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    checker = AccessibilityChecker(page)
    page.on("load", lambda _page: checker.check())
    return context, page, checker


def _close(context, page, checker):
    page.wait_for_load_state()
    for _attempt in range(5):
        try:
            checker.check()
            break
        except Exception as exc:  # the load handler's run of axe may still be going
            if "already running" not in str(exc):
                raise
            page.wait_for_timeout(300)
    context.close()
    assert not checker.failures, "Accessibility violations:\n" + "\n".join(checker.failures)


def _council_in_session(people, xihu, n_members, present):
    staff = people["street_staff"]
    council = roster.create_council(staff, xihu["xixi"])
    term = council.current_term()
    members = [roster.add_member(staff, term, member_input(n, xihu["xixi_community"]))
               for n in range(1, n_members + 1)]
    roster.publish_roster(staff, term)
    meeting = meetings.create_meeting(staff, council, title="2026年第四次居民议事会议",
                                      starts_at=timezone.now() + timezone.timedelta(days=2),
                                      place="西溪街道办事处三楼议事厅")
    item = meetings.add_item(staff, meeting, kind=ItemKind.BUDGET_REVIEW,
                             title="2027年街道财政预算草案审查",
                             motion="审查批准2027年街道财政预算草案")
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    for m in members[:present]:
        meetings.sign_in(staff, meeting, m)
    return meeting, item, members


def test_early_close_asks_and_the_record_shows_the_count(browser, live_server, people, xihu):
    meeting, item, members = _council_in_session(people, xihu, 8, present=6)
    staff = people["street_staff"]
    item = votes.open_vote(staff, item)
    votes.cast_member_vote(members[0].user, item, "yes")

    context, page, checker = _context(browser, live_server, width=1366, height=768)
    staff_sign_in(page, staff.mobile)
    page.goto(f"/councils/manage/meetings/{meeting.pk}/#item-{item.pk}")
    panel = page.locator(f"#item-{item.pk} details.action-confirm")
    # Apart from the routine steps, in its own zone.
    assert page.locator(f"#item-{item.pk} .danger-zone details.action-confirm").count() == 1
    panel.locator("summary").click()
    warning = panel.locator("[role=alert]").inner_text()
    assert "1" in warning and "6" in warning and "5" in warning  # voted, present, needed
    shot(page, "close-vote-confirm-1366-zh")
    page.set_viewport_size({"width": 360, "height": 780})
    shot(page, "close-vote-confirm-360-zh")
    page.set_viewport_size({"width": 1366, "height": 768})
    submit(page, panel.locator("button[name=confirmed]"))
    item.refresh_from_db()
    assert item.state == ItemState.RESOLVED and item.closed_early and item.passed is False
    assert "未通过" in page.locator(f"#item-{item.pk} .outcome").inner_text()

    step(page, "close_meeting")
    step(page, "draft_minutes")
    minutes = page.locator("#minutes-text").input_value()
    assert "表决事项：审查批准2027年街道财政预算草案" in minutes
    assert "表决结果：未通过（赞成 1 票" in minutes and "提前截止" in minutes
    assert "通过（" not in minutes.replace("未通过（", "")  # nothing claims it passed
    _close(context, page, checker)

    # The public page, in English, large text on a phone: the motion and the counted outcome.
    context, page, checker = _context(browser, live_server, width=360, height=780,
                                      locale="en-US", large=True)
    page.goto(f"/councils/meetings/{meeting.pk}/")
    open_menu(page)
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    text = page.locator(f"#item-{item.pk}").inner_text()
    assert "审查批准2027年街道财政预算草案" in text and "Not adopted" in text
    assert "closed early" in text
    shot(page, "public-outcome-360-en-large")
    _close(context, page, checker)


def test_desk_signs_in_thirty_by_search_with_one_undo(browser, live_server, people, xihu):
    meeting, _item, members = _council_in_session(people, xihu, 32, present=0)
    staff = people["street_staff"]
    context, page, checker = _context(browser, live_server, width=360, height=780, large=True)
    staff_sign_in(page, staff.mobile)
    desk = f"/councils/manage/meetings/{meeting.pk}/desk/"
    page.goto(desk)
    for n, member in enumerate(members[:30], start=1):
        box = page.locator("#desk-q")
        row = page.locator(f"#member-{member.pk}")
        if n % 3 == 0:  # by the last digits of the mobile, searched on the server (no script)
            box.fill(member.user.mobile[-4:])
            submit(page, page.locator("#desk-search button[type=submit]"))
            assert page.locator("#desk-list li[data-name]").count() == 1
        else:  # by name, narrowed as one types (desk.js)
            if "?q=" in page.url:  # after a search on the server: everyone again
                submit(page, page.get_by_role("link", name="显示全部"))
            box.fill(member.user.name)
            expect(row).to_be_visible()
            visible = page.locator("#desk-list li[data-name]:visible")
            assert visible.count() <= 11  # "成员1" also matches 成员10…19
        submit(page, row.locator("button[value=sign_in]"))
        assert page.url.endswith(f"#member-{member.pk}")  # back at the same place
        expect(page.locator(f"#member-{member.pk} .signed")).to_be_visible()
        if n == 1:
            shot(page, "desk-360-zh-large")
    # One mistaken sign-in is undone.
    wrong = members[6]
    page.goto(desk)
    page.locator("#desk-q").fill(wrong.user.name)
    submit(page, page.locator(f"#member-{wrong.pk} button[value=undo]"))
    assert Attendance.objects.get(meeting=meeting, member=wrong).signed_in_at is None
    assert meetings.quorum(meeting)["present"] == 29
    # The live count follows another desk's sign-in without a reload.
    meetings.sign_in(staff, meeting, members[31])
    expect(page.locator("#desk-quorum")).to_contain_text("已签到 30 人", timeout=10000)
    assert Meeting.objects.get(pk=meeting.pk).state == "in_progress"
    shot(page, "desk-after-360-zh-large")
    _close(context, page, checker)


def test_district_meeting_without_typed_syntax(browser, live_server, people, xihu):
    staff = people["district_staff"]
    for n, street in enumerate((xihu["xixi"], xihu["beishan"])):
        council = roster.create_council(staff, street)
        for m in range(2):
            roster.add_member(staff, council.current_term(),
                              member_input(200 + 10 * n + m, street.children.first()))
    context, page, checker = _context(browser, live_server, width=360, height=780, large=True)
    staff_sign_in(page, staff.mobile)
    page.goto("/councils/manage/district/new/")
    open_menu(page)
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    page.locator("#id_title").fill("Third council meeting of 2026")
    when = timezone.localtime(timezone.now() + timezone.timedelta(days=9))
    page.locator("#id_starts_at").fill(f"{when:%Y-%m-%dT%H:%M}")
    page.locator("#id_place").fill("办事处议事厅")
    page.locator("#id_agenda-0-kind").select_option("budget_review")
    page.locator("#id_agenda-0-title").fill("预算执行情况审查")
    page.locator("#id_agenda-1-title").fill("电动车停放议案")  # a title without its kind
    submit(page, page.get_by_role("button", name="Preview each street"))
    expect(page.locator("#id_agenda-1-kind_error")).to_be_visible()  # beside the field
    assert page.locator("#id_agenda-1-title").input_value() == "电动车停放议案"
    page.locator("#id_agenda-1-kind").select_option("motion")
    submit(page, page.get_by_role("button", name="Preview each street"))
    preview = page.locator(".preview").inner_text()
    assert "西溪街道办事处议事厅" in preview and "北山街道办事处议事厅" in preview
    shot(page, "district-preview-360-en-large")
    submit(page, page.get_by_role("button", name="Convene in every street"))
    assert Meeting.objects.filter(state="convened").count() == 2
    _close(context, page, checker)
