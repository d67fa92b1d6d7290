"""In a browser: the district configures the year's evaluation (a computed and an assessed
indicator), opens it; 西溪 scores itself on a phone with evidence; the district reviews (changing
the score, with a reason), publishes, and a computed score opens the records behind it. Every
page is checked by axe."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.councils.test_browser import staff_page, staff_sign_in, submit  # noqa: F401
from yishi.oversight import services
from yishi.oversight.models import EvaluationScheme, StreetScore

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(out, format="PNG")
    return out.getvalue()


def test_configure_compute_review_publish(page, staff_page, people, xihu):  # noqa: F811
    from django.utils import timezone

    year = timezone.localdate().year
    # A record for the computed indicator: 西溪 reports an assignment back in time.
    task = services.assign_task(people["district_staff"], services.TaskInput(
        title="摸排", description="摸排需求", streets=[xihu["xixi"]], workdays=5))
    assignment = task.assignments.get()
    services.sign_for(people["street_staff"], assignment)
    services.report_back(people["street_staff"], assignment, "已完成")

    staff_sign_in(staff_page, people["district_staff"].mobile)
    staff_page.goto("/oversight/evaluation/")
    staff_page.get_by_role("textbox", name="年度").fill(str(year))
    staff_page.get_by_label("沿用上一年度的指标体系").uncheck()
    submit(staff_page, staff_page.get_by_role("button", name="创建"))
    for name, weight, method, measure, target in (
            ("交办事项按时反馈", "60", "ratio", "assignments_on_time", "100"),
            ("特色工作", "40", "assessed", "", "")):
        form = staff_page.locator("#indicator-form")
        form.get_by_role("textbox", name="指标").fill(name)
        form.get_by_label("权重（%）").fill(weight)
        form.get_by_label("计分方法").select_option(method)
        if measure:
            form.get_by_label("计算依据").select_option(measure)
            form.get_by_label("目标值").fill(target)
        submit(staff_page, form.get_by_role("button", name="添加"))
    expect(staff_page.locator("#tree")).to_contain_text("特色工作")
    submit(staff_page, staff_page.get_by_role("button", name="开放街道自评"))
    scheme = EvaluationScheme.objects.get()
    assert scheme.state == "assessing" and scheme.computed_at

    # 西溪 scores itself on a phone, with evidence; it sees its own card only.
    staff_sign_in(page, people["street_staff"].mobile)
    page.goto("/oversight/evaluation/")
    submit(page, page.get_by_role("link", name=xihu["xixi"].display_name))
    form = page.get_by_role("form", name="特色工作")
    form.get_by_label("自评分").fill("35")
    form.get_by_label("自评说明").fill("打造“议事厅”品牌，获市级推广。")
    form.locator("input[type=file]").set_input_files(files=[
        {"name": "佐证.png", "mimeType": "image/png", "buffer": _png()}])
    submit(page, form.get_by_role("button", name="保存自评分"))
    expect(page.get_by_role("link", name="佐证.png")).to_be_visible()

    # The district closes self-assessment, reviews 西溪's score down with a reason, publishes.
    staff_page.goto(f"/oversight/evaluation/{year}/")
    submit(staff_page, staff_page.get_by_role("button", name="结束自评，进入审核"))
    submit(staff_page, staff_page.locator("#ranking").get_by_role(
        "link", name=xihu["xixi"].display_name))
    form = staff_page.get_by_role("form", name="特色工作")
    form.get_by_label("审核分").fill("30")
    form.get_by_label("调整理由").fill("推广材料不全")
    submit(staff_page, form.get_by_role("button", name="保存审核结果"))
    row = StreetScore.objects.get(indicator__name="特色工作", street=xihu["xixi"])
    assert (row.self_score, row.reviewed_score, row.review_reason) == (35, 30, "推广材料不全")
    expect(staff_page.locator("#card-total")).to_have_text("90.00")
    staff_page.goto(f"/oversight/evaluation/{year}/")
    staff_page.locator("summary", has_text="公布考评结果").click()
    submit(staff_page, staff_page.locator("details.action-confirm button[name=confirmed]"))
    expect(staff_page.locator("#scheme-state")).to_have_text("已公布")

    # A computed score opens the records behind it: the list is as long as the count.
    staff_page.goto(f"/oversight/evaluation/{year}/streets/{xihu['xixi'].code}/")
    submit(staff_page, staff_page.locator("#card a[data-indicator]").first)
    expect(staff_page.locator("#counted li")).to_have_count(1)
    expect(staff_page.locator("#counted")).to_contain_text("摸排")
    expect(staff_page.locator("#due li")).to_have_count(1)

    # The district's board on a phone in large text: each street a card, no column squeezed to
    # a character a line (the page fixture's check), every figure a link to its list.
    staff_page.set_viewport_size({"width": 360, "height": 780})
    staff_page.context.add_cookies([{"name": "yishi_text", "value": "large",
                                     "url": staff_page.url}])
    staff_page.goto("/oversight/dashboard/")
    expect(staff_page.get_by_role("heading", level=1)).to_be_in_viewport()
    expect(staff_page.locator("#board a[data-figure]").first).to_be_visible()
