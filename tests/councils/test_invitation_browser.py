"""At 360 × 780 with large text: the staff roster shows a pending invitation masked and without
the account's name; the invited person accepts on their phone. axe checks every page; the
screenshots are kept in the test's temporary folder for review."""

import pytest

from tests.browser import AccessibilityChecker
from tests.voting.test_ballot_browser import sign_in
from yishi.core.models import User
from yishi.councils import roster
from yishi.councils.models import Invitation, InvitationState

from .conftest import member_input
from .test_browser import staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _large_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN",
                                  base_url=live_server.url)
    context.add_cookies([{"name": "yishi_text", "value": "large", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    checker = AccessibilityChecker(page)
    page.on("load", lambda _page: checker.check())
    return context, page, checker


def test_roster_and_acceptance_on_a_large_text_phone(browser, live_server, council, people,
                                                     xihu, tmp_path):
    staff = people["street_staff"]
    staff.set_password("correct horse battery")
    staff.save()
    person = User.objects.create_user("13800000020", name="王真名",
                                      home_unit=xihu["xixi_community"])
    invitation = roster.invite_member(staff, council.current_term(), member_input(
        1, xihu["xixi_community"], mobile="13800000020", name="王阿姨"))
    context, page, checker = _large_phone(browser, live_server)
    staff_sign_in(page, staff.mobile)
    page.goto(f"/councils/manage/{xihu['xixi'].code}/members/")
    pending = page.locator("#pending-heading + .table-wrap")
    assert "138****0020" in pending.inner_text() and "王阿姨" in pending.inner_text()
    assert "王真名" not in page.content()
    page.screenshot(path=tmp_path / "roster.png", full_page=True)
    context.close()
    context, page, more = _large_phone(browser, live_server)
    sign_in(page, person.mobile)
    page.goto(f"/councils/invitations/{invitation.pk}/")
    page.screenshot(path=tmp_path / "invitation.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="接受并加入").click()
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ACCEPTED
    context.close()
    print("screenshots:", tmp_path)
    failures = checker.failures + more.failures
    assert not failures, "Accessibility violations:\n" + "\n".join(failures)
    assert Invitation.objects.get().member.user == person
