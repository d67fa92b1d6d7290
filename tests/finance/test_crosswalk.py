"""The crosswalk between editions: a line renumbered this year is read under last year's code on
the year-over-year page, a line still unmatched is listed, and a bad crosswalk file is refused
whole with the row named."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from yishi.finance import crosswalk, services
from yishi.finance.models import BudgetLine, CodeMapping, LineKind

from .conftest import YEAR, csv_of, pass_review, rows_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_year(approved, review_item, fin, xihu):
    from yishi.councils import services as councils

    officer = fin["finance_staff"]
    budget = services.create_budget(officer, xihu["xixi"], YEAR - 1)
    services.import_budget(officer, budget, "b.csv", csv_of(rows_for(YEAR - 1, seed=2)))
    item = councils.add_item(fin["street_staff"], review_item.meeting, kind="budget_review",
                             title=f"{YEAR - 1}年预算")
    services.submit_for_review(officer, budget, item)
    pass_review(item)
    budget.refresh_from_db()
    services.approve_budget(fin["district_staff"], budget, decision="批复",
                            approved_on=timezone.localdate())
    return budget


def _sections(budget):
    return list(BudgetLine.objects.filter(budget=budget, kind=LineKind.FUNCTION, level=2)
                .order_by("code").values_list("code", flat=True))


def test_a_renumbered_line_is_compared_through_the_crosswalk(client, settings, approved,
                                                              last_year, fin):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    renamed, old = _sections(approved)[0], _sections(last_year)[1]
    # Last year's edition did not have this year's code: its spending sat under another code.
    BudgetLine.objects.filter(budget=last_year, kind=LineKind.FUNCTION,
                              code__startswith=renamed).delete()
    url = reverse("finance:compare", args=[approved.street.code, YEAR])
    page = client.get(url).content.decode()
    assert "could not be matched" in page and renamed in page.split("could not be matched")[1]
    lines = crosswalk.import_crosswalk(fin["district_staff"], YEAR,
                                       f"类型,旧编码,新编码\n功能,{old},{renamed}\n".encode())
    assert lines == 1
    page = client.get(url).content.decode()
    assert f"(last year&#x27;s code {old})" in page or f"(last year's code {old})" in page
    assert "could not be matched" not in page


@pytest.mark.parametrize("body,message", [
    ("类型,旧编码,新编码\n功能,9999999,201\n", "is not a code of the"),
    ("类型,旧编码,新编码\n功能,201,20101\n", "not at the same level"),
    ("类型,旧编码,新编码\n功能,201,204\n功能,201,207\n", "mapped twice"),
    ("类型,旧编码,新编码\n其他,201,204\n", "must be 功能 or 经济"),
    ("编码,名称\n201,x\n", "needs the columns"),
])
def test_a_bad_crosswalk_is_refused_whole(fin, editions, body, message):
    with pytest.raises(ValidationError, match=message):
        crosswalk.import_crosswalk(fin["district_staff"], YEAR, body.encode())
    assert not CodeMapping.objects.exists()


def test_only_the_district_imports_the_crosswalk(fin, editions):
    with pytest.raises(PermissionDenied):
        crosswalk.import_crosswalk(fin["finance_staff"], YEAR, "类型,旧编码,新编码\n".encode())


# --- the district's crosswalk page ---------------------------------------------------------------

def _upload(client, year, body: bytes, name="crosswalk.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("finance:crosswalk"),
                       {"year": year, "file": SimpleUploadedFile(name, body)})


def test_the_page_puts_a_crosswalk_in_force_and_lists_it(fin, editions, verified_login, settings):
    client = verified_login(fin["district_staff"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _upload(client, YEAR, "类型,旧编码,新编码\n功能,201,204\n功能,2010101,2040299\n"
                       .encode())
    assert response.status_code == 302
    assert CodeMapping.objects.filter(edition__year=YEAR).count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "2010101" in page and "2040299" in page and "2 lines" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "科目对照" in client.get(reverse("finance:crosswalk")).content.decode()


def test_a_refused_file_lists_every_row_at_fault_and_changes_nothing(fin, editions,
                                                                      verified_login, settings):
    crosswalk.import_crosswalk(fin["district_staff"], YEAR, "类型,旧编码,新编码\n功能,201,204\n"
                               .encode())
    client = verified_login(fin["district_staff"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = ("类型,旧编码,新编码\n功能,201,204\n功能,9999999,201\n其他,201,204\n"
            "功能,201,20101\n=HYPERLINK(\"http://x\"),201,204\n").encode()
    response = _upload(client, YEAR, body)
    page = response.content.decode()
    assert response.status_code == 422
    for row in ("row 3", "row 4", "row 5", "row 6"):
        assert row in page
    assert "Nothing was changed" in page
    assert list(CodeMapping.objects.values_list("old_code", "new_code")) == [("201", "204")]


@pytest.mark.parametrize("name, body, words", [
    ("crosswalk.xlsx", b"PK\x03\x04 not really", "CSV file"),
    ("crosswalk.csv", b"\x00\x01\x02binary", "not a CSV file"),
    ("crosswalk.csv", "类型,旧编码,新编码\n".encode("utf-16"), "not a CSV file"),
])
def test_a_wrong_file_type_is_named(fin, editions, verified_login, settings, name, body, words):
    client = verified_login(fin["district_staff"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _upload(client, YEAR, body, name)
    assert response.status_code == 422 and words in response.content.decode()
    assert not CodeMapping.objects.exists()


def test_street_staff_and_residents_are_refused_the_page(fin, editions, verified_login, client):
    client.force_login(fin["resident"])
    assert client.get(reverse("finance:crosswalk")).status_code == 403
    for person in ("finance_staff", "street_staff", "council_member"):
        staff = verified_login(fin[person])
        assert staff.get(reverse("finance:crosswalk")).status_code == 403
        assert _upload(staff, YEAR, "类型,旧编码,新编码\n功能,201,204\n".encode()).status_code == 403
    assert not CodeMapping.objects.exists()


def test_an_edition_without_last_years_is_not_offered(fin, editions, verified_login):
    client = verified_login(fin["district_staff"])
    response = _upload(client, YEAR - 1, "类型,旧编码,新编码\n功能,201,204\n".encode())
    assert response.status_code == 422
    assert not CodeMapping.objects.exists()
