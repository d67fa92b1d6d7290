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
