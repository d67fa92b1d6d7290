"""The "886" rules library: versions, search with the project's Chinese search, comparison of
two versions, the governing-rule link other pages render, public pages and the API."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import Client

from yishi.core.models import AuditRecord
from yishi.oversight import rules
from yishi.oversight.queries import governing_rule
from yishi.oversight.rules_models import Rule, RuleGroup, RuleVersion

pytestmark = pytest.mark.django_db

V1 = "第一条 为规范街道预算审查，制定本办法。\n第二条 预算草案提前三十日送审。\n第三条 本办法自发布之日起施行。"
V2 = "第一条 为规范街道预算审查，制定本办法。\n第二条 预算草案提前四十五日送审。\n第三条 审查意见书面答复。\n第四条 本办法自发布之日起施行。"


@pytest.fixture
def rule(people, xihu):
    return rules.create_rule(people["district_staff"], rules.RuleInput(
        key="street-budget-review", group=RuleGroup.RULE, title="街道预算审查监督办法",
        issuing_body="西湖区人大常委会", effective_on=date(2024, 3, 1), text=V1,
        summary="街道预算草案的审查。", governs=["finance.budget_review"]))


def test_an_amendment_is_a_new_version_and_the_old_one_stays(rule, people):
    version = rules.amend_rule(people["district_staff"], rule, text=V2,
                               effective_on=date(2025, 7, 1), note="提前送审时间")
    assert version.number == 2
    assert list(rule.versions.values_list("number", "text")) == [(1, V1), (2, V2)]
    assert AuditRecord.objects.filter(action="oversight.rule.amend").count() == 1
    assert AuditRecord.objects.filter(action="oversight.rule.create").count() == 1


@pytest.mark.parametrize("changes, field", [
    ({"text": V1}, "text"),                               # nothing amended
    ({"text": "  "}, "text"),                             # empty
    ({"note": ""}, "note"),                               # no note
    ({"effective_on": date(2020, 1, 1)}, "effective_on"),  # before the version it amends
], ids=["unchanged", "empty", "no-note", "before-previous"])
def test_bad_amendment_is_refused_and_changes_nothing(rule, people, changes, field):
    data = {"text": V2, "effective_on": date(2025, 7, 1), "note": "修订"} | changes
    with pytest.raises(ValidationError) as refused:
        rules.amend_rule(people["district_staff"], rule, **data)
    assert field in refused.value.message_dict
    assert rule.versions.count() == 1


@pytest.mark.parametrize("role", ["street_staff", "deputy", "resident", "nobody"])
def test_only_the_district_amends(rule, people, role):
    with pytest.raises(PermissionDenied):
        rules.amend_rule(people[role], rule, text=V2, effective_on=date(2025, 7, 1), note="x")
    assert rule.versions.count() == 1


def test_bad_rule_input(people, rule):
    base = dict(key="x-rule", group=RuleGroup.DOCUMENT, title="文件", issuing_body="区人大",
                effective_on=date(2024, 1, 1), text="正文。")
    for changes, field in (({"key": "street-budget-review"}, "key"), ({"key": "Bad Key"}, "key"),
                           ({"group": "law"}, "group"), ({"governs": ["Not a key!"]}, "governs"),
                           ({"title": ""}, "title")):
        with pytest.raises(ValidationError) as refused:
            rules.create_rule(people["district_staff"], rules.RuleInput(**(base | changes)))
        assert field in refused.value.message_dict
    assert Rule.objects.count() == 1


def test_search_uses_the_chinese_words(rule, people):
    assert list(rules.search("预算审查")) == [rule]
    assert list(rules.search("街道 预算")) == [rule]
    assert list(rules.search("加装电梯")) == []
    assert list(rules.search("   ")) == []
    # The current text is indexed: an amendment's new words are found.
    rules.amend_rule(people["district_staff"], rule, text=V2 + "\n第五条 议事会成员列席。",
                     effective_on=date(2025, 7, 1), note="列席")
    assert list(rules.search("列席")) == [rule]


def test_compare_marks_changed_removed_and_added_sentences():
    rows = rules.compare(V1, V2)
    kinds = [r.kind for r in rows]
    assert kinds == ["same", "changed", "added", "changed"]
    changed = rows[1]
    assert [p.text for p in changed.old if p.mark == "del"] == ["三十日"]
    assert [p.text for p in changed.new if p.mark == "ins"] == ["四十五日"]
    assert rules.change_counts(rows) == {"changed": 2, "removed": 0, "added": 1}
    assert [r.kind for r in rules.compare(V2, V1)] == ["same", "changed", "removed", "changed"]
    assert all(r.kind == "same" for r in rules.compare(V1, V1))


def test_governing_rule_lookup_and_tag(rule):
    assert governing_rule("finance.budget_review") == rule
    assert governing_rule("finance") is None  # a key, not a prefix
    html = Template('{% load oversight_rules %}{% governing_rule "finance.budget_review" %}'
                    ).render(Context({}))
    assert "/oversight/rules/street-budget-review/" in html and rule.title in html
    assert Template('{% load oversight_rules %}{% governing_rule "councils" %}').render(
        Context({})).strip() == ""


def test_public_pages(rule, people):
    rules.amend_rule(people["district_staff"], rule, text=V2, effective_on=date(2025, 7, 1),
                     note="提前送审时间")
    anonymous = Client()
    page = anonymous.get("/oversight/rules/?q=预算审查").content.decode()
    assert rule.title in page
    assert rule.title not in anonymous.get("/oversight/rules/?q=加装电梯").content.decode()
    assert "第二条" in anonymous.get("/oversight/rules/street-budget-review/").content.decode()
    page = anonymous.get("/oversight/rules/street-budget-review/compare/?a=1&b=2").content.decode()
    assert "<del>" in page and "<ins>" in page and "三十" in page and "四十五" in page
    assert anonymous.get("/oversight/rules/nothing/").status_code == 404
    assert anonymous.get("/oversight/rules/street-budget-review/amend/").status_code == 302


def test_amend_page(rule, people, own_login):
    street = own_login(people["street_staff"])
    assert street.get("/oversight/rules/street-budget-review/amend/").status_code == 403
    client = own_login(people["district_staff"])
    url = "/oversight/rules/street-budget-review/amend/"
    response = client.post(url, {"text": V1, "effective_on": "2025-07-01", "note": "x"})
    assert response.status_code == 400 and rule.versions.count() == 1
    response = client.post(url, {"text": V2, "effective_on": "2025-07-01", "note": "提前"})
    assert response.status_code == 302 and rule.versions.count() == 2


def test_api(rule, people, own_login):
    anonymous = Client()
    found = anonymous.get("/api/oversight/rules?q=预算审查").json()
    assert [r["key"] for r in found] == ["street-budget-review"]
    assert anonymous.get("/api/oversight/rules?q=加装电梯").json() == []
    body = {"text": V2, "effective_on": "2025-07-01", "note": "提前送审时间"}
    url = "/api/oversight/rules/street-budget-review/versions"
    street = own_login(people["street_staff"])
    assert street.post(url, body, content_type="application/json").status_code == 403
    district = own_login(people["district_staff"])
    bad = district.post(url, body | {"text": V1}, content_type="application/json")
    assert bad.status_code in (400, 422)
    assert bad.json()["errors"][0]["field"] == "text"
    assert district.post(url, body, content_type="application/json").status_code == 201
    detail = anonymous.get("/api/oversight/rules/street-budget-review").json()
    assert [v["number"] for v in detail["versions"]] == [1, 2]
    compared = anonymous.get("/api/oversight/rules/street-budget-review/compare?a=2&b=1").json()
    assert [r["kind"] for r in compared["rows"]] == ["same", "changed", "added", "changed"]
    assert RuleVersion.objects.count() == 2


def test_demo_library(people, xihu):
    from io import StringIO

    from yishi.oversight import rules_demo

    rules_demo.load(StringIO())
    rules_demo.load(StringIO())  # idempotent
    assert Rule.objects.count() == 22
    assert {g: Rule.objects.filter(group=g).count() for g in RuleGroup.values} == {
        "rule": 8, "document": 8, "mechanism": 6}
    assert Rule.objects.filter(is_demo_text=False).count() == 0
    assert [r.key for r in Rule.objects.all() if r.versions.count() == 2] == [
        "street-budget-review"]
    assert governing_rule("oversight.assignments").title == "委托交办机制"
    assert list(rules.search("预算")) != []
