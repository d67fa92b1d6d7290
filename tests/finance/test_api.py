"""The finance API: public reads, staff writes through the services, one error shape, and every
rule of finance/permissions.py for every role in and out of its street."""

import pytest
from django.utils import timezone

from tests.permission_matrix import ALL_ROLES
from yishi.core.permissions import has_perm
from yishi.finance.models import Adjustment, BudgetState, Question

from .conftest import YEAR, csv_of, rows_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _api(budget, tail=""):
    return f"/api/finance/budgets/{budget.street.code}/{budget.year}{tail}"


def test_published_budgets_are_open_data(client, approved):
    listing = client.get("/api/finance/budgets").json()
    assert [(b["street"], b["year"]) for b in listing] == [(approved.street.code, YEAR)]
    detail = client.get(_api(approved)).json()
    assert detail["state"] == "approved" and detail["actions"] == []
    assert {ln["code"] for ln in detail["lines"]} >= {"201", "20101", "2010101"}
    assert len(detail["three_public"]) == 4
    line = client.get(_api(approved, "/lines/2010101")).json()
    assert line["explanation"] and line["questions"] == []


def test_a_draft_is_not_open_data(client, draft):
    assert client.get("/api/finance/budgets").json() == []
    response = client.get(_api(draft))
    assert response.status_code == 404 and "detail" in response.json()


def test_actions_list_what_the_person_may_do(draft, fin, verified_login):
    client = verified_login(fin["finance_staff"])
    assert [a["name"] for a in client.get(_api(draft)).json()["actions"]] == ["submit_review"]


def test_staff_write_through_the_api(approved, fin, verified_login):
    client = verified_login(fin["finance_staff"])
    response = client.post(_api(approved, "/adjustments"), {
        "line": "2120399", "amount": "5000.00", "reason": "追加", "approved_by": "第二次会议",
        "approved_on": str(timezone.localdate())}, content_type="application/json")
    assert response.status_code == 201 and Adjustment.objects.count() == 1
    response = client.post(_api(approved, "/adjustments"), {
        "line": "2120399", "amount": "5000.001", "reason": "追加", "approved_by": ""},
        content_type="application/json")
    body = response.json()
    assert response.status_code == 422
    assert {e["field"] for e in body["errors"]} == {"amount", "approved_by", "approved_on"}
    response = client.post(_api(approved, "/import/budget"),
                           {"file": _upload(csv_of(rows_for(YEAR)))})
    assert response.status_code == 422 and "can no longer be changed" in response.json()["detail"]


def _upload(data, name="budget.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_import_report_errors_come_back_as_422(draft, fin, verified_login):
    client = verified_login(fin["finance_staff"])
    rows = [(t, c, n, "abc" if c == "201" else a, x, e) for t, c, n, a, x, e in rows_for(YEAR)]
    response = client.post(_api(draft, "/import/budget"), {"file": _upload(csv_of(rows))})
    assert response.status_code == 422 and "is not a number" in response.json()["detail"]
    response = client.post(_api(draft, "/import/budget"),
                           {"file": _upload(b"x", "budget.docx")})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_the_review_cycle_through_the_api(draft, review_item, fin, verified_login, client):
    staff = verified_login(fin["finance_staff"])
    assert staff.post(_api(draft, "/submit"), {"review_item_id": review_item.pk},
                      content_type="application/json").status_code == 200
    client.force_login(fin["council_member"])
    response = client.post(_api(draft, "/lines/2080208/questions"),
                           {"text": "社区治理经费包括哪些？"}, content_type="application/json")
    assert response.status_code == 201
    question = Question.objects.get()
    staff = verified_login(fin["finance_staff"])
    response = staff.post(f"/api/finance/questions/{question.pk}/answer",
                          {"text": "社区工作者报酬等。"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "answered"
    other = verified_login(fin["beishan_finance"])
    response = other.post(_api(draft, "/withdraw"))
    assert response.status_code == 404  # another street's draft is not even visible
    draft.refresh_from_db()
    assert draft.state == BudgetState.REVIEW


RULES = {
    # rule: (in scope, out of scope)
    "finance.manage": ({"finance_staff"}, set()),
    "finance.approve": ({"district_staff"}, {"district_staff"}),
    "finance.view_draft": ({"finance_staff", "street_staff", "council_member", "deputy",
                            "district_staff"}, {"district_staff"}),
    "finance.ask": ({"council_member"}, set()),
    "finance.edit_classification": ({"district_staff"}, {"district_staff"}),
    "finance.edit_rules": ({"district_staff"}, {"district_staff"}),
    "finance.manage_assets": ({"finance_staff"}, set()),
    "finance.approve_disposal": ({"district_staff"}, {"district_staff"}),
    "finance.view_inventory": ({"finance_staff", "street_staff", "district_staff"},
                               {"district_staff"}),
    "finance.supervise_inventory": ({"deputy", "council_member"}, set()),
}


def test_every_finance_rule_is_in_the_matrix():
    from yishi.core.permissions import RULES as ALL

    assert {name for name in ALL if name.startswith("finance.")} == set(RULES)


@pytest.mark.parametrize("name", sorted(RULES))
def test_permission_matrix(name, fin, xihu):
    in_scope, out_of_scope = RULES[name]
    problems = []
    for role in [*ALL_ROLES, "finance_staff"]:
        user = fin[role]
        for scope, unit, allowed in (("in scope", xihu["xixi"], in_scope),
                                     ("out of scope", xihu["beishan"], out_of_scope)):
            user.__dict__.pop("_yishi_roles", None)
            if has_perm(user, name, unit) != (role in allowed):
                problems.append(f"{role} {scope}")
    assert not problems, problems
