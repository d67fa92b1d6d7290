"""The public pages and downloads, the draft's visibility, the staff's forms, and the Fiscal Data
Package validated by frictionless."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yishi.finance import services
from yishi.finance.models import BudgetState, Question

from .conftest import YEAR, csv_of, rows_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Pages in English, so that the assertions read; the Chinese pages are checked below."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(budget, name="finance:budget", *more):
    return reverse(name, args=[budget.street.code, budget.year, *more])


def test_a_draft_is_hidden_from_the_public_and_shown_to_reviewers(client, draft, fin,
                                                                   verified_login):
    assert client.get(_url(draft)).status_code == 404
    assert client.get(_url(draft, "finance:line", "201")).status_code == 404
    assert client.get(_url(draft, "finance:download", "function", "csv")).status_code == 404
    client.force_login(fin["resident"])
    assert client.get(_url(draft)).status_code == 404
    client.force_login(fin["council_member"])
    page = client.get(_url(draft))
    assert page.status_code == 200 and "shown only to" in page.content.decode()
    other = verified_login(fin["beishan_finance"])  # another street's staff
    assert other.get(_url(draft)).status_code == 404


def test_published_budget_pages_in_both_languages(client, approved, settings):
    for language, words in (("zh-hans", ["支出功能分类", "一般公共服务支出", "名词解释"]),
                            ("en", ["Spending by function", "General public services",
                                    "What this is"])):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        budget_page = client.get(_url(approved)).content.decode()
        line_page = client.get(_url(approved, "finance:line", "201")).content.decode()
        assert words[0] in budget_page and words[1] in budget_page
        assert words[2] in line_page and "<svg" in line_page and "<table" in line_page
        for name in ("finance:economic", "finance:three_public", "finance:compare"):
            assert client.get(_url(approved, name)).status_code == 200
        assert client.get(reverse("finance:index")).status_code == 200
        assert client.get(reverse("finance:street", args=[approved.street.code])).status_code == 200
    assert client.get(_url(approved, "finance:line", "9999999")).status_code == 404


def test_the_svg_chart_is_labelled_and_the_table_has_the_same_figures(client, approved):
    page = client.get(_url(approved)).content.decode()
    assert 'role="img"' in page and "<title" in page
    from yishi.finance.queries import tree
    from yishi.finance.templatetags.finance import wan

    for fig in tree(approved):
        assert wan(fig.original) in page


def test_csv_and_excel_downloads_have_chinese_headers_and_the_page_figures(client, approved):
    response = client.get(_url(approved, "finance:download", "function", "csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["科目编码", "科目名称", "级次", "年初预算数（元）"]
    top = {r[0]: r[3] for r in rows[1:]}
    from yishi.finance.queries import figures

    assert top["201"] == str(figures(approved)["201"].original)
    response = client.get(_url(approved, "finance:download", "three-public", "xlsx"))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "项目" and sheet.max_row == 5


def test_the_fiscal_data_package_is_valid(client, approved, tmp_path):
    from frictionless import Package

    response = client.get(_url(approved, "finance:datapackage"))
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["resources"][0]["path"] == "budget.csv"
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # The Fiscal Data Package's model: every measure and attribute names a column, in CNY.
    columns = {f["name"] for f in descriptor["resources"][0]["schema"]["fields"]}
    for measure in descriptor["model"]["measures"].values():
        assert measure["source"] in columns and measure["currency"] == "CNY"
    for dimension in descriptor["model"]["dimensions"].values():
        assert {a["source"] for a in dimension["attributes"].values()} <= columns
    rows = list(csv.DictReader(io.StringIO((tmp_path / "budget.csv").read_text())))
    assert any(r["code"] == "2010101" and r["parent"] == "20101" for r in rows)


def test_templates_download(client):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(reverse("finance:template",
                                                       args=["budget", "xlsx"])).content))
    assert book.sheetnames[:4] == ["收支总表", "支出功能分类", "基本支出经济分类", "三公经费"]
    assert client.get(reverse("finance:template", args=["execution", "csv"])).status_code == 200
    assert client.get(reverse("finance:template", args=["other", "csv"])).status_code == 404


def test_the_import_form_shows_the_row_by_row_report(draft, fin, verified_login):
    client = verified_login(fin["finance_staff"])
    rows = [(t, c, n, "1.234" if c == "201" else a, x, e) for t, c, n, a, x, e in rows_for(YEAR)]
    upload = io.BytesIO(csv_of(rows))
    upload.name = "budget.csv"
    response = client.post(_url(draft, "finance:upload", "budget"), {"file": upload})
    body = response.content.decode()
    assert response.status_code == 422 and "more than two decimals" in body
    assert "Row by row" in body or "逐行" in body or "OK" in body
    upload = io.BytesIO(csv_of(rows_for(YEAR, seed=4)))
    upload.name = "budget.csv"
    assert client.post(_url(draft, "finance:upload", "budget"), {"file": upload}).status_code == 302


def test_ask_and_answer_through_the_pages(draft, review_item, fin, verified_login, client):
    services.submit_for_review(fin["finance_staff"], draft, review_item)
    client.force_login(fin["council_member"])
    page = client.get(_url(draft, "finance:line", "2080208")).content.decode()
    assert "Ask in writing" in page or "书面询问" in page
    client.post(_url(draft, "finance:ask", "2080208"), {"text": "社区治理经费包括哪些？"})
    question = Question.objects.get()
    staff = verified_login(fin["finance_staff"])
    page = staff.get(_url(draft, "finance:line", "2080208")).content.decode()
    assert reverse("finance:answer", args=[question.pk]) in page
    staff.post(reverse("finance:answer", args=[question.pk]), {"text": "社区工作者报酬等。"})
    question.refresh_from_db()
    assert question.answer == "社区工作者报酬等。"


def test_approval_through_the_manage_page_asks_for_confirmation(draft, review_item, fin,
                                                                verified_login):
    from .conftest import pass_review

    services.submit_for_review(fin["finance_staff"], draft, review_item)
    pass_review(review_item)
    client = verified_login(fin["district_staff"])
    page = client.get(_url(draft, "finance:manage")).content.decode()
    assert "action-confirm" in page and "frozen" in page
    response = client.post(_url(draft, "finance:approve"), {
        "decision": "西财预〔2026〕8号", "approved_on": (timezone.localdate() + timedelta(days=2))})
    assert response.status_code == 422  # a date in the future
    draft.refresh_from_db()
    assert draft.state == BudgetState.REVIEW
    client.post(_url(draft, "finance:approve"), {"decision": "西财预〔2026〕8号",
                                                 "approved_on": timezone.localdate()})
    draft.refresh_from_db()
    assert draft.state == BudgetState.APPROVED


def test_other_streets_finance_staff_cannot_open_the_manage_page(draft, fin, verified_login):
    before = list(draft.lines.values_list("code", "original"))
    client = verified_login(fin["beishan_finance"])
    assert client.get(_url(draft, "finance:manage")).status_code == 404
    upload = io.BytesIO(csv_of(rows_for(YEAR, seed=7)))
    upload.name = "budget.csv"
    response = client.post(_url(draft, "finance:upload", "budget"), {"file": upload})
    assert response.status_code == 404
    assert list(draft.lines.values_list("code", "original")) == before


def test_the_workspace_starts_a_year_and_is_closed_to_others(fin, xihu, verified_login, client):
    staff = verified_login(fin["finance_staff"])
    page = staff.get(reverse("finance:workspace"))
    assert page.status_code == 200 and "Start a year's budget" in page.content.decode()
    response = staff.post(reverse("finance:workspace"), {"street": xihu["xixi"].pk, "year": YEAR})
    assert response.status_code == 302
    from yishi.finance.models import Budget

    assert Budget.objects.filter(street=xihu["xixi"], year=YEAR).exists()
    staff.post(reverse("finance:workspace"), {"street": xihu["beishan"].pk, "year": YEAR})
    assert not Budget.objects.filter(street=xihu["beishan"]).exists()  # not their street
    client.force_login(fin["resident"])
    assert client.get(reverse("finance:workspace")).status_code == 403


def test_each_import_form_on_the_manage_page_has_its_own_ids(approved, fin, verified_login):
    """The execution and final-accounts imports share one form class: without ids of their own
    the page had two `id_file` inputs, and a label could point a screen reader at the wrong
    one. A refused import shows its error in its own section."""
    import re

    client = verified_login(fin["finance_staff"])
    page = client.get(_url(approved, "finance:manage")).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert "execution-file" in ids and "final-file" in ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    upload = io.BytesIO(b"\x00\x01binary")
    upload.name = "final.xlsx"
    response = client.post(_url(approved, "finance:upload", "final"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="final-file_error"' in page or 'aria-describedby="final-file' in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
