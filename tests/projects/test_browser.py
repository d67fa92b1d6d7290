"""On a phone, one street's whole cycle: staff open it, a resident proposes (a bad cost is
refused first), staff review and publish the notice, the resident objects and staff answer,
the council votes on the voting page, staff count and confirm, the elevator's tender document
is commented on by a resident and scored by the expert, a deputy logs a supervision visit, the
project is accepted and rated, and the district overview shows it — axe on every page."""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from tests.voting import helpers
from tests.voting.test_ballot_browser import sign_in
from yishi.core.models import Unit, User
from yishi.projects import services, tender
from yishi.projects.models import Cycle, Project, ProjectState
from yishi.voting import services as voting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_session(page, live_server, user):
    """Staff sign in with a password and TOTP; the test hands the browser a verified session."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(user=user, name="browser",
                                                        defaults={"confirmed": True})
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["otp_device_id"] = device.persistent_id
    session.create()
    page.context.clear_cookies()
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                               "value": session.session_key, "url": live_server.url}])


def as_person(page, mobile):
    page.context.clear_cookies()
    sign_in(page, mobile)


def submit(page, form_selector):
    page.locator(f"{form_selector} button").first.click()
    page.wait_for_load_state()


def confirm(page, action):
    """An irreversible step (includes/action.html): open its panel, then say yes."""
    panel = page.locator(f"details.action-confirm:has(form[action$='/{action}/'])")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    panel.locator("button[name=confirmed]").click()
    page.wait_for_load_state()


def close_phase(page, cycle, reason):
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    page.locator("[name='close_phase-reason']").fill(reason)
    submit(page, "form[action$='/close_phase/']")


def test_one_street_from_proposal_to_satisfaction(page, live_server, transactional_db, demo,
                                                  settings):
    settings.YISHI_CODE_RESEND_SECONDS = 0  # the same resident signs in again within a minute
    staff = User.objects.get(mobile="13900010201")
    xixi = Unit.objects.get(name="西溪街道")
    year = timezone.localdate().year + 1
    members = list(User.objects.filter(mobile__startswith="1390004020").order_by("mobile"))

    # Staff open next year's cycle.
    staff_session(page, live_server, staff)
    page.goto("/projects/manage/")
    page.locator("[name=unit]").select_option(label="西溪街道")
    page.locator("[name=year]").fill(str(year))
    page.locator("[name=title]").fill(f"西溪街道{year}年民生实事项目")
    page.locator("[name=budget]").fill("3000000")
    page.locator("[name=starts_on]").fill(str(timezone.localdate() - timedelta(days=1)))
    page.locator("[name=method]").select_option("choose")
    page.locator("[name=seats]").fill("2")
    page.locator("[name=min_support]").fill("1")
    page.locator("[name=voter_kind]").select_option("council_member")
    submit(page, "main form")
    cycle = Cycle.objects.get(unit=xixi, year=year)
    # Its secret ballots are sealed to three tellers, named on the cycle's page.
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    teller_people = [User.objects.get(mobile=m)
                     for m in ("13900010201", "13900030201", "13900040210")]
    for teller in teller_people:
        page.locator(f"#tellers input[name='tellers-tellers'][value='{teller.pk}']").check()
    page.locator("[name='tellers-threshold']").fill("2")
    submit(page, "#tellers form")
    assert set(cycle.tellers.all()) == set(teller_people)

    # A resident proposes the elevator; a negative cost is refused and the text kept.
    as_person(page, "13800000071")
    page.goto(f"/projects/cycles/{cycle.pk}/propose/")
    page.locator("[name=title]").fill("文三路12号加装电梯")
    page.locator("[name=description]").fill("6层老楼无电梯，老人上下楼困难。")
    page.locator("[name=category]").select_option(label="加装电梯")
    page.locator("[name=community]").select_option(label="求是社区")
    page.locator("[name=beneficiaries]").fill("12号楼24户")
    page.locator("[name=estimated_cost]").fill("-5")
    submit(page, "main form")
    assert page.locator("[name=description]").input_value() == "6层老楼无电梯，老人上下楼困难。"
    assert page.locator(".field-invalid [name=estimated_cost]").count() == 1
    page.locator("[name=estimated_cost]").fill("600000")
    submit(page, "main form")
    elevator = Project.objects.get(cycle=cycle, title="文三路12号加装电梯")
    assert page.get_by_role("heading", level=1).inner_text() == elevator.title
    community = elevator.community
    food = services.propose(members[0], cycle, services.ProposalInput(
        title="求是社区老年食堂", description="助餐", category=elevator.category,
        community=community, beneficiaries="老人", estimated_cost="300000"))
    park = services.propose(members[1], cycle, services.ProposalInput(
        title="求是社区口袋公园", description="闲置地改造", category=elevator.category,
        community=community, beneficiaries="居民", estimated_cost="250000"))

    # Staff review: nomination closed early, proposals accepted, notice published.
    staff_session(page, live_server, staff)
    close_phase(page, cycle, "征集到足够项目")
    for project in (elevator, food, park):
        page.goto(f"/projects/manage/projects/{project.pk}/")
        page.locator("[name='approve-note']").fill("经论证可行")
        submit(page, "form[action$='/approve/']")
    close_phase(page, cycle, "审核完成")
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    confirm(page, "publish_notice")

    # The resident objects during the notice; staff answer publicly.
    as_person(page, "13800000071")
    page.goto(f"/projects/cycles/{cycle.pk}/")
    page.locator("[name=text]").fill("口袋公园选址请再听取周边居民意见")
    submit(page, "form[action$='/object/']")
    staff_session(page, live_server, staff)
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    page.locator("textarea[name='answer-answer']").fill("已组织周边居民座谈，选址获多数同意")
    submit(page, "form[action$='/answer/']")
    close_phase(page, cycle, "公示期满无新异议")
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    confirm(page, "open_ballot")
    cycle.refresh_from_db()
    assert cycle.ballot.state == "open" and cycle.ballot.is_sealed
    helpers.take_shares(cycle.ballot)  # each teller keeps their share until the count

    # A council member votes on the voting engine's page, reached from the cycle page.
    as_person(page, members[2].mobile)
    page.goto(f"/projects/cycles/{cycle.pk}/")
    page.locator(f"a[href='/voting/{cycle.ballot.public_id}/']").first.click()
    page.wait_for_load_state()
    page.get_by_label(re.compile("文三路12号加装电梯")).check()
    page.get_by_label(re.compile("老年食堂")).check()
    page.get_by_role("button", name="检查我的选票").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="确认投票").click()
    page.wait_for_load_state()
    keys = {p.title: p.option_key for p in cycle.projects.all()}
    for member in members[3:6]:
        voting.cast_vote(member, cycle.ballot, {"choices": [keys["文三路12号加装电梯"]]})

    staff_session(page, live_server, staff)
    close_phase(page, cycle, "投票结束")
    helpers.count(staff, cycle.ballot)  # closed; two tellers bring their shares
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    confirm(page, "record_result")
    page.locator("details.action-confirm:has(form[action$='/confirm/']) summary").click()
    page.locator("[name='confirm-note']").fill("街道党工委会议确认")
    page.locator("form[action$='/confirm/'] button[name=confirmed]").click()
    page.wait_for_load_state()
    elevator.refresh_from_db()
    assert elevator.state == ProjectState.SELECTED and elevator.votes == 4

    # Implementation with a tender drafted with residents.
    services.start_implementation(staff, elevator, xixi.departments.first(), "600000")
    t = tender.start_tender(staff, elevator, "招标范围：电梯设备及安装。")
    tender.publish_version(staff, t.versions.get())
    as_person(page, "13800000071")
    page.goto(f"/projects/tenders/{t.pk}/")
    page.locator("[name='c-text']").fill("请把质保期写成五年")
    submit(page, "form[action$='/comment/']")
    tender.new_version(staff, t, "招标范围：电梯设备及安装。质保五年。", "采纳居民意见：质保五年")
    tender.publish_version(staff, t.versions.get(number=2))
    tender.publish_bidding_notice(staff, t, "招标公告", timezone.now() + timedelta(days=5),
                                  [("报价", 60, 100), ("方案", 40, 100)])
    for name, price in (("甲电梯公司", "580000"), ("乙电梯公司", "560000")):
        tender.register_bid(staff, t, name, price, "技术方案")
    expert = User.objects.get(mobile="13900050001")
    tender.add_panelist(staff, t, expert, "expert")
    tender.close_bidding(staff, t)
    as_person(page, expert.mobile)
    page.goto(f"/projects/tenders/{t.pk}/score/")
    inputs = page.locator("input[type=number]")
    for n in range(inputs.count()):
        inputs.nth(n).fill("120" if n == 0 else str(80 + n))
    submit(page, "main form")
    assert page.locator(".form-errors").count() == 1  # out of range: nothing saved
    inputs.nth(0).fill("90")
    submit(page, "main form")
    award = tender.award(staff, t)
    assert award.winner.bidder == "甲电梯公司"

    deputy = User.objects.get(mobile="13900030201")
    as_person(page, deputy.mobile)
    page.goto(f"/projects/{elevator.pk}/")
    page.locator("[name=findings]").fill("施工围挡规范，提醒注意噪声")
    submit(page, "form[action$='/visit/']")
    assert "施工围挡规范" in page.content()

    services.report_progress(staff, elevator, 100, "电梯安装调试完成")
    services.complete(staff, elevator)
    services.accept_completion(staff, elevator, "竣工验收合格", timezone.localdate())
    services.close_phase_early(staff, cycle.current_phase(), "实施完成")
    satisfaction = services.open_satisfaction(staff, cycle)
    helpers.take_shares(satisfaction)
    as_person(page, members[2].mobile)
    page.goto(f"/voting/{satisfaction.public_id}/")
    page.get_by_label("满意", exact=True).first.check()
    page.get_by_role("button", name="检查我的选票").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="确认投票").click()
    page.wait_for_load_state()
    staff_session(page, live_server, staff)
    helpers.count(staff, satisfaction)
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    confirm(page, "record_satisfaction")
    elevator.refresh_from_db()
    assert elevator.satisfaction["rating"] == "satisfied"

    # The public sees it all: the timeline, the tender's scores, the overview for the year.
    page.context.clear_cookies()
    page.goto(f"/projects/{elevator.pk}/")
    timeline = page.locator("ol.timeline").inner_text()
    assert timeline.count("\n") >= 8
    assert "13800000071" not in page.content()
    page.goto(f"/projects/tenders/{t.pk}/")
    assert "甲电梯公司" in page.content() and "请把质保期写成五年" in page.content()
    page.goto(f"/projects/?year={year}")
    row = page.locator("tbody tr", has_text="西溪街道").locator("td").all_inner_texts()
    assert row[-2:] == ["1", "2"]  # one accepted; two selected in all
