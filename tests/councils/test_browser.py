"""In a browser: staff convene a meeting, a member confirms attendance, the sign-in desk brings
the meeting to quorum, two items are voted (one by the member on a phone), resolutions are
recorded and the minutes published. Then a one-click call reaches its threshold and becomes a
round table. Every page of both people is checked by axe."""

import re
from base64 import b32decode
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser import AccessibilityChecker
from tests.voting.test_ballot_browser import sign_in
from yishi.councils import meetings, roster, roundtables, votes
from yishi.councils.models import (
    Call,
    CallState,
    Meeting,
    MeetingState,
    Minutes,
    MinutesState,
    RoundTable,
)

from .conftest import member_input

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN",
                                  base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    checker = AccessibilityChecker(page)
    page.on("load", lambda _page: checker.check())
    yield page
    checker.check()
    context.close()
    assert not checker.failures, "Accessibility violations:\n" + "\n".join(checker.failures)


def staff_sign_in(page, mobile, password="correct horse battery"):
    page.goto("/accounts/staff/")
    page.locator("input[name=mobile]").fill(mobile)
    page.locator("input[type=password]").fill(password)
    submit(page, page.locator("button[type=submit]").last)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("6 位", exact=False).fill(f"{TOTP(b32decode(secret)).token():06d}")
    submit(page, page.locator("main button[type=submit]").last)


def submit(page, locator):
    """Click and wait for the page the server answers with."""
    with page.expect_navigation():
        locator.click()


def post(page, action, **fields):
    """Press the button that sends `action` (optionally the one for a given item)."""
    selector = f"button[name=action][value={action}]"
    if "item" in fields:
        submit(page, page.locator(f"#item-{fields['item']} {selector}"))
    else:
        submit(page, page.locator(selector).first)


def step(page, name, item=None):
    """Take a workflow step the page offers (includes/action.html): a plain button, or for one
    that cannot be undone, open its panel, read what will happen, and confirm."""
    scope = f"#item-{item} " if item else ""
    form = page.locator(f"{scope}form[action$='/do/{name}/']")
    panel = page.locator(f"{scope}details.action-confirm:has(form[action$='/do/{name}/'])")
    if panel.count():
        panel.locator("summary").click()
        expect(form.locator("[role=note]")).to_be_visible()
        submit(page, form.locator("button[name=confirmed]"))
    else:
        submit(page, form.locator("button"))


def test_full_meeting_in_the_browser(page, staff_page, people, xihu):
    staff = people["street_staff"]
    council = roster.create_council(staff, xihu["xixi"])
    term = council.current_term()
    members = [roster.add_member(staff, term, member_input(n, xihu["xixi_community"]))
               for n in range(1, 6)]
    roster.publish_roster(staff, term)

    # Staff convene the meeting and write its agenda.
    staff_sign_in(staff_page, staff.mobile)
    staff_page.goto("/councils/manage/")
    staff_page.goto(f"/councils/manage/{xihu['xixi'].code}/meetings/new/")
    staff_page.locator("#id_title").fill("2026年第三次居民议事会议")
    when = timezone.localtime(timezone.now() + timedelta(days=3))
    staff_page.locator("#id_starts_at").fill(f"{when:%Y-%m-%dT%H:%M}")
    staff_page.locator("#id_place").fill("西溪街道办事处三楼会议室")
    submit(staff_page, staff_page.locator("main form button[type=submit]"))
    meeting = Meeting.objects.get()
    for kind, title in (("budget_review", "2026年街道预算审查"), ("major_matter", "文三路停车改造")):
        staff_page.locator("#id_kind").select_option(kind)
        staff_page.locator("#id_title").fill(title)
        staff_page.locator("#id_presenter").fill("街道财政办")
        post(staff_page, "add_item")
    assert meeting.items.count() == 2
    step(staff_page, "convene_meeting")
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CONVENED and meeting.notice_sent_at

    # A member, on a phone, confirms attendance from "My council meetings".
    sign_in(page, members[0].user.mobile)
    page.goto("/councils/my-meetings/")
    submit(page, page.get_by_role("link", name="2026年第三次居民议事会议", exact=False))
    submit(page, page.locator("button[name=answer][value=attend]"))

    # On its day the meeting starts; the sign-in desk brings it to quorum.
    assert staff_page.locator("form[action$='/do/start_meeting/']").count() == 0
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now())
    staff_page.reload()
    step(staff_page, "start_meeting")
    staff_page.goto(f"/councils/manage/meetings/{meeting.pk}/desk/")
    quorum = staff_page.locator("p.quorum")
    assert "0" in quorum.inner_text()
    for m in members[:3]:
        submit(staff_page, staff_page.locator(
            f"form:has(input[name=member][value='{m.pk}']) button[value=sign_in]"))
    assert "3" in staff_page.locator("p.quorum").inner_text()
    assert meetings.quorum(meeting)["met"]

    first, second = meeting.items.order_by("position")
    staff_page.goto(f"/councils/manage/meetings/{meeting.pk}/")
    step(staff_page, "open_vote", item=first.pk)
    first.refresh_from_db()
    assert first.ballot.state == "open"

    page.goto(f"/councils/meetings/{meeting.pk}/")
    page.locator(f"#item-{first.pk} input[value=yes]").check()
    submit(page, page.locator(f"#item-{first.pk} button[type=submit]").first)
    # The receipt is a page of its own (axe-checked), with the way back to the meeting.
    expect(page.locator("#receipt-code")).to_be_visible()
    expect(page.get_by_role("link", name="返回投票页面")).to_have_attribute(
        "href", re.compile(f"/councils/meetings/{meeting.pk}/#item-{first.pk}$"))
    votes.cast_member_vote(members[1].user, first, "yes")
    votes.cast_member_vote(members[2].user, first, "yes")

    staff_page.goto(f"/councils/manage/meetings/{meeting.pk}/")
    assert staff_page.locator(f"#item-{first.pk} textarea").count() == 0  # no typed outcome
    step(staff_page, "close_vote", item=first.pk)
    step(staff_page, "open_vote", item=second.pk)
    second.refresh_from_db()
    for m in members[:3]:
        votes.cast_member_vote(m.user, second, "yes" if m != members[2] else "no")
    staff_page.goto(f"/councils/manage/meetings/{meeting.pk}/")
    step(staff_page, "close_vote", item=second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.votes_yes, first.passed) == (3, True)
    assert (second.votes_yes, second.votes_no, second.passed) == (2, 1, False)

    step(staff_page, "close_meeting")
    step(staff_page, "draft_minutes")
    text = staff_page.locator("#minutes-text")
    assert "文三路停车改造" in text.input_value()
    text.fill(text.input_value() + "\n会议圆满结束。")
    post(staff_page, "edit_minutes")
    step(staff_page, "approve_minutes")
    assert staff_page.locator("#minutes-text").count() == 0  # no editing after approval
    step(staff_page, "publish_minutes")
    assert Minutes.objects.get().state == MinutesState.PUBLISHED

    page.goto(f"/councils/meetings/{meeting.pk}/")
    assert "会议圆满结束" in page.content()
    page.goto(f"/councils/{xihu['xixi'].code}/")
    assert members[0].user.name in page.content()
    assert members[0].user.mobile not in page.content()


def test_call_reaches_threshold_and_becomes_a_round_table(page, staff_page, people, xihu):
    from yishi.core.models import Role, RoleAssignment, User

    staff = people["street_staff"]
    council = roster.create_council(staff, xihu["xixi"], call_threshold=3)
    assert council.call_threshold == 3
    neighbour = User.objects.create_user("13710009001", name="邻居甲",
                                         home_unit=xihu["xixi_community"])
    RoleAssignment.objects.create(user=neighbour, role=Role.RESIDENT,
                                  unit=xihu["xixi_community"])

    # A resident raises the matter with one action.
    sign_in(page, people["resident"].mobile)
    page.goto("/councils/calls/new/")
    page.locator("#id_community").select_option(str(xihu["xixi_community"].pk))
    page.locator("#id_description").fill("小区门口人行道被电动车占满，老人出行不便")
    submit(page, page.locator("main form button[type=submit]"))
    call = Call.objects.get()
    assert call.supports == 1

    # Two neighbours support it: the threshold is reached and the round table is due.
    roundtables.support_call(people["council_member"], call)
    roundtables.support_call(neighbour, call)
    call.refresh_from_db()
    assert call.state == CallState.DUE and call.due_at

    staff_sign_in(staff_page, staff.mobile)
    staff_page.goto(f"/councils/calls/{call.pk}/")
    submit(staff_page, staff_page.locator("main a.button-primary").last)
    when = timezone.localtime(timezone.now() + timedelta(days=5))
    staff_page.locator("#id_held_at").fill(f"{when:%Y-%m-%dT%H:%M}")
    staff_page.locator("#id_place").fill("求是社区议事厅")
    staff_page.locator("#id_participants").fill("张科长, 城管科")
    submit(staff_page, staff_page.locator("main form button[type=submit]"))
    table = RoundTable.objects.get()
    assert table.participants.count() == 4
    staff_page.locator("#id_summary").fill("各方同意划定电动车停放区，并加装充电桩。")
    staff_page.locator("#id_actions").fill(
        f"划定停放区 | 城管科 | {timezone.localdate() + timedelta(days=30):%Y-%m-%d}")
    staff_page.locator("#id_outcome").select_option("project")
    staff_page.locator("#id_outcome_text").fill("加装充电桩列入民生实事候选项目")
    submit(staff_page, staff_page.locator("main form button[type=submit]"))
    table.refresh_from_db()
    call.refresh_from_db()
    assert table.state == "held" and call.state == CallState.CLOSED
    assert table.actions.count() == 1

    page.goto(f"/councils/round-tables/{table.pk}/")
    assert "划定电动车停放区" in page.content()
    assert people["resident"].notifications.filter(url=f"/councils/round-tables/{table.pk}/"
                                                   ).exists()
