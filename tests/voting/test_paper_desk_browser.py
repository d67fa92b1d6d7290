"""The paper-ballot desk on a phone, without typed syntax: a row ticked without a number is
refused beside the field with the ticks kept; counts per content go in, the page comes back to
the desk; the teller undoes a mistaken batch of paper voters; a second teller confirms the
counts behind a confirmation step; closing asks first. Axe checks every page."""

import re

import pytest
from playwright.sync_api import expect

from tests.projects.test_browser import staff_session
from yishi.core.models import User
from yishi.voting import services
from yishi.voting.demo import demo_tellers
from yishi.voting.models import PaperBatch, PaperTally, Participation
from yishi.voting.services import OptionInput

from . import helpers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_paper_desk_on_a_phone(page, live_server, transactional_db, demo):
    staff = User.objects.get(mobile="13900010201")
    xixi = staff.role_assignments.get().unit
    ballot = helpers.open_ballot(staff, services.create_ballot(
        staff, xixi, title="社区议事厅选址（纸质票）", method="choose", max_choices=2,
        roll_roles="council_member", tellers=demo_tellers(), threshold=2,
        options=[OptionInput("A", "文三路"), OptionInput("B", "学院路"),
                 OptionInput("C", "古墩路")]))
    members = list(User.objects.filter(mobile__startswith="1390004020").order_by("mobile"))
    staff_session(page, live_server, staff)
    page.context.add_cookies([{"name": "yishi_text", "value": "large", "url": live_server.url}])
    page.goto(f"/voting/manage/{ballot.public_id}/")

    desk = page.locator("form.paper-desk")
    desk.locator("fieldset.paper-row").nth(0).get_by_label("文三路").check()
    desk.get_by_role("button").click()
    page.wait_for_load_state()
    assert page.url.endswith("#paper")
    first_row = page.locator("form.paper-desk fieldset.paper-row").nth(0)
    assert first_row.locator(".error").count() == 1
    assert first_row.get_by_label("文三路").is_checked()  # nothing ticked is lost
    assert not PaperTally.objects.filter(ballot=ballot).exists()
    first_row.get_by_label("学院路").check()
    first_row.get_by_label(re.compile("选票张数")).fill("12")
    second_row = page.locator("form.paper-desk fieldset.paper-row").nth(1)
    second_row.get_by_label("古墩路").check()
    second_row.get_by_label(re.compile("选票张数")).fill("3")
    page.locator("form.paper-desk").get_by_role("button").click()
    page.wait_for_load_state()
    assert page.url.endswith("#paper")
    assert PaperTally.objects.get(ballot=ballot).lines == [
        {"content": {"choices": ["A", "B"]}, "count": 12},
        {"content": {"choices": ["C"]}, "count": 3}]

    voters = page.get_by_label(re.compile("纸质投票人的手机号"))
    voters.fill("\n".join(m.mobile for m in members[:5]))
    page.get_by_role("button", name="登记这些纸质投票人").click()
    page.wait_for_load_state()
    assert Participation.objects.filter(ballot=ballot, channel="paper").count() == 5
    page.get_by_role("button", name=re.compile("撤销我最近登记的一批")).click()
    page.wait_for_load_state()
    assert not PaperBatch.objects.filter(ballot=ballot).exists()
    assert not Participation.objects.filter(ballot=ballot).exists()

    # A second teller (district staff) confirms the counts.
    district = User.objects.get(mobile="13900000001")
    staff_session(page, live_server, district)
    # (A new page load, not a jump to the fragment of the page already shown.)
    page.goto(f"/voting/manage/{ballot.public_id}/")
    page.get_by_role("button", name="确认计票").click()
    page.wait_for_load_state()
    assert PaperTally.objects.get(ballot=ballot).state == "confirmed"
    # Closing is irreversible: the first click only opens the panel that says so.
    page.locator("details.action-confirm summary", has_text="截止投票").click()
    expect(page.locator(".action-confirm-panel").first).to_be_visible()
    assert ballot.__class__.objects.get(pk=ballot.pk).state == "open"
    page.get_by_role("button", name="确认截止投票").click()
    page.wait_for_load_state()
    assert ballot.__class__.objects.get(pk=ballot.pk).state == "closed"
    # Let the accessibility check of this last page finish before the fixture's own.
    page.wait_for_timeout(500)
