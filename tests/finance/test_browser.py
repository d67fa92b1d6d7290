"""On a phone: a council member reads the draft budget and asks a question on a line; the street's
finance officer answers it; the council votes its review (through the councils app's services);
the district records its approval on the manage page, confirming first; the public reads the
published budget, opens a line, and downloads the data package. Every page is checked by axe."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.councils.conftest import member_input
from tests.councils.test_browser import staff_page, staff_sign_in, submit  # noqa: F401
from tests.voting.test_ballot_browser import sign_in
from yishi.councils import services as councils
from yishi.councils.models import ItemKind, Meeting
from yishi.finance import services
from yishi.finance.models import BudgetState, Question

from .conftest import YEAR, csv_of, rows_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_freeze_and_publish_on_a_phone(page, staff_page, fin, xihu, live_server):  # noqa: F811
    staff, officer = fin["street_staff"], fin["finance_staff"]
    budget = services.create_budget(officer, xihu["xixi"], YEAR)
    services.import_budget(officer, budget, "b.csv", csv_of(rows_for(YEAR)))
    council = councils.create_council(staff, xihu["xixi"])
    term = council.current_term()
    members = [councils.add_member(staff, term, member_input(n, xihu["xixi_community"]))
               for n in range(1, 4)]
    councils.publish_roster(staff, term)
    meeting = councils.create_meeting(staff, council, title="预算审查会议", place="会议室",
                                      starts_at=timezone.now() + timedelta(days=3))
    item = councils.add_item(staff, meeting, kind=ItemKind.BUDGET_REVIEW,
                             title=f"{YEAR}年街道预算草案审查")
    services.submit_for_review(officer, budget, item)
    councils.convene_meeting(staff, meeting)

    # A council member reads the draft on a phone and asks about a line.
    sign_in(page, members[0].user.mobile)
    page.goto(f"/finance/{xihu['xixi'].code}/{YEAR}/")
    assert "审查中" in page.content()
    page.get_by_role("link", name="208 社会保障和就业支出").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="20802 民政管理事务").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="2080208 基层政权建设和社区治理").first.click()
    page.wait_for_load_state()
    assert "名词解释" in page.content()
    page.get_by_label("您的询问").fill("社区治理经费今年为什么增加？")
    submit(page, page.get_by_role("button", name="提出书面询问"))
    question = Question.objects.get()

    # The finance officer answers on the line's page.
    staff_sign_in(staff_page, officer.mobile)
    staff_page.goto(f"/finance/{xihu['xixi'].code}/{YEAR}/lines/2080208/")
    answer = staff_page.locator("form[action$='/answer/']")
    answer.locator("textarea").fill("新增两个社区的工作经费。")
    submit(staff_page, answer.get_by_role("button"))
    question.refresh_from_db()
    assert question.answer == "新增两个社区的工作经费。"

    # The meeting's day comes; the council votes its review opinion through the voting engine.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now())
    meeting.refresh_from_db()
    councils.start_meeting(staff, meeting)
    for member in members:
        councils.sign_in(staff, meeting, member)
    councils.open_vote(staff, item)
    item.refresh_from_db()
    for member in members:
        councils.cast_member_vote(member.user, item, "yes")
    councils.close_vote(staff, item)
    item.refresh_from_db()
    assert item.passed is True

    # The district records its approval, confirming first; the budget freezes.
    staff_page.context.clear_cookies()
    staff_sign_in(staff_page, fin["district_staff"].mobile)
    staff_page.goto(f"/finance/{xihu['xixi'].code}/{YEAR}/manage/")
    staff_page.locator("summary", has_text="登记区级批复").click()
    staff_page.get_by_label("区级批复（文号或决定）").fill("西财预〔2026〕8号")
    staff_page.get_by_label("批准日期").fill(f"{timezone.localdate():%Y-%m-%d}")
    submit(staff_page, staff_page.get_by_role("button", name="确认登记区级批复"))
    budget.refresh_from_db()
    assert budget.state == BudgetState.APPROVED

    # The public sees the published budget and downloads its data package.
    page.context.clear_cookies()
    page.goto("/finance/")
    page.get_by_role("link", name=str(YEAR)).first.click()
    page.wait_for_load_state()
    assert "已批准" in page.content() and "社区治理经费今年为什么增加" not in page.content()
    page.goto(f"/finance/{xihu['xixi'].code}/{YEAR}/lines/2080208/")
    assert "新增两个社区的工作经费" in page.content()
    page.goto(f"/finance/{xihu['xixi'].code}/{YEAR}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="财政数据包（datapackage.json + CSV）").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert json.loads(archive.read("datapackage.json"))["resources"][0]["path"] == "budget.csv"
