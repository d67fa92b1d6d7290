"""In a browser, on a phone: a resident searches the rules library, opens the street budget
review rule and compares its two versions; the comparison marks what changed in words as well
as by underline and strike-through. Every page is checked by axe and for CSP violations."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.councils.test_browser import submit
from yishi.oversight import rules
from yishi.oversight.rules_models import RuleGroup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

V1 = "第一条 为规范街道预算审查，制定本办法。\n第二条 预算草案提前三十日送审。\n第三条 本办法自发布之日起施行。"
V2 = ("第一条 为规范街道预算审查，制定本办法。\n第二条 预算草案提前四十五日送审。\n"
      "第三条 审查意见书面答复。\n第四条 本办法自发布之日起施行。")


def test_search_open_and_compare_on_a_phone(page, people, xihu, tmp_path):
    rule = rules.create_rule(people["district_staff"], rules.RuleInput(
        key="street-budget-review", group=RuleGroup.RULE, title="街道预算审查监督办法",
        issuing_body="西湖区人大常委会", effective_on=date(2024, 3, 1), text=V1,
        summary="街道预算草案的审查。"), is_demo_text=True)
    rules.create_rule(people["district_staff"], rules.RuleInput(
        key="council-rules", group=RuleGroup.RULE, title="街道居民议事会议事规则",
        issuing_body="西湖区人大常委会", effective_on=date(2024, 3, 1), text="议事会议事规则。"))
    rules.amend_rule(people["district_staff"], rule, text=V2, effective_on=date(2025, 7, 1),
                     note="提前送审时间")

    page.goto("/oversight/rules/")
    page.get_by_label("检索制度库").fill("预算审查")
    submit(page, page.get_by_role("button", name="搜索"))
    expect(page.locator("#rules-found")).to_contain_text("1")
    expect(page.get_by_role("link", name="街道居民议事会议事规则")).to_have_count(0)
    submit(page, page.get_by_role("link", name="街道预算审查监督办法"))
    expect(page.get_by_role("heading", level=1)).to_have_text("街道预算审查监督办法")
    expect(page.get_by_role("note").first).to_contain_text("演示")
    page.screenshot(path=str(tmp_path / "rule.png"), full_page=True)

    submit(page, page.get_by_role("button", name="比较两个版本"))
    expect(page.locator("#diff-summary")).to_contain_text("2")
    table = page.locator("#diff")
    expect(table.locator("del").first).to_contain_text("三十日")
    expect(table.locator("ins").first).to_contain_text("四十五日")
    expect(table).to_contain_text("新增")
    # On a phone the table stacks: no cell is squeezed to a column of single characters.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    cell = table.locator("tbody tr").nth(1).locator("td").nth(1)
    assert cell.bounding_box()["width"] > 200
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)
