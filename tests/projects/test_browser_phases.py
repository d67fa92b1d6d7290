"""Issue 14 and 13 in a real browser on a phone: the cycle page offers only the current phase's
steps ("发布候选名单" not before the notice phase, "通过审核" only in review), irreversible steps
ask first; the projects' tables stay readable at 360 px, in large text and in English."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.projects.test_browser import confirm, staff_session, submit
from yishi.core.models import Unit, User
from yishi.projects import services
from yishi.projects.models import Category, CycleStage, Project, ProjectState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def offered(page, label):
    """Buttons and confirmation panels with this label (not the list of steps not possible)."""
    return page.locator("main button, details.action-confirm summary", has_text=label).count()


def test_cycle_page_offers_only_the_current_phase_steps(page, live_server, transactional_db,
                                                        demo):
    staff = User.objects.get(mobile="13900010201")
    xixi = Unit.objects.get(name="西溪街道")
    year = timezone.localdate().year + 1
    cycle = services.open_cycle(staff, services.CycleInput(
        unit=xixi, year=year, title=f"西溪街道{year}年民生实事项目", budget="3000000",
        starts_at=timezone.now() - timedelta(days=1), seats=1, min_support=0))
    community = xixi.children.first()
    project = services.propose(User.objects.get(mobile="13800000071"), cycle,
                               services.ProposalInput(
                                   title="社区老年食堂", description="助餐",
                                   category=Category.objects.exclude(excluded=True).first(),
                                   community=community, beneficiaries="老人",
                                   estimated_cost="300000"))
    staff_session(page, live_server, staff)

    # Nomination: neither the candidate list nor a review decision is offered.
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    assert offered(page, "发布候选名单") == 0
    assert page.locator("form[action$='/open_ballot/']").count() == 0
    page.locator("details:has-text('当前不能进行的步骤及原因') summary").click()
    assert "公示阶段" in page.locator("details.card").inner_text()
    page.goto(f"/projects/manage/projects/{project.pk}/")
    assert page.locator("form[action$='/approve/']").count() == 0

    # Review: the decision is offered, the list still is not.
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    page.locator("[name='close_phase-reason']").fill("征集结束")
    submit(page, "form[action$='/close_phase/']")
    page.goto(f"/projects/manage/projects/{project.pk}/")
    page.locator("[name='approve-note']").fill("经论证可行")
    submit(page, "form[action$='/approve/']")
    assert Project.objects.get(pk=project.pk).state == ProjectState.APPROVED
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    assert offered(page, "发布候选名单") == 0

    # Notice: the list is offered, asks first, and is then replaced by its correction.
    page.locator("[name='close_phase-reason']").fill("审核结束")
    submit(page, "form[action$='/close_phase/']")
    page.goto(f"/projects/manage/cycles/{cycle.pk}/")
    summary = page.locator("details.action-confirm summary", has_text="发布候选名单")
    assert summary.count() == 1
    summary.click()
    assert "公示" in page.locator("details.action-confirm[open] [role=note]").inner_text()
    page.screenshot(path="/tmp/var-projects-shots/cycle-notice-360.png", full_page=True)
    confirm(page, "publish_notice")
    cycle.refresh_from_db()
    assert cycle.stage == CycleStage.ON_NOTICE
    assert page.locator("form[action$='/publish_notice/']").count() == 0
    assert page.locator("form[action$='/correct_notice/']").count() == 1
    assert page.locator("form[action$='/open_ballot/']").count() == 0  # not the ballot phase
    assert page.a11y.failures == []


@pytest.mark.parametrize("language,text", [("zh-hans", "large"), ("en", "")])
def test_project_tables_stay_readable_on_a_phone(page, live_server, transactional_db, demo,
                                                 language, text):
    page.context.add_cookies([{"name": "django_language", "value": language,
                               "url": live_server.url}])
    if text:
        page.context.add_cookies([{"name": "yishi_text", "value": text, "url": live_server.url}])
    for url in ("/projects/", "/projects/list/"):
        page.goto(url)
        cells = page.locator("table.stack td")
        assert cells.count() > 5
        widths = [cells.nth(n).bounding_box()["width"] for n in range(min(cells.count(), 40))]
        assert min(widths) > 200, (url, min(widths))  # one card per row, no squeezed column
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=f"/tmp/var-projects-shots/list-{language}-360.png", full_page=False)
    assert page.a11y.failures == []
