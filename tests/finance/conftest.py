"""Finance fixtures: the demo edition for this year and last, a finance officer in 西溪 and one in
北山 (the other street), a council meeting of 西溪 with a budget review item, and budgets made
from consistent sample figures (yishi/finance/sample.py)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yishi.finance import sample, services
from yishi.finance.demo import DATA
from yishi.finance.exports import budget_workbook

YEAR = timezone.localdate().year
TOTAL = Decimal("150000000.00")


@pytest.fixture(autouse=True)
def _services_speak_english():
    """Service messages in English for the assertions, whatever a page before left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def editions(db):
    return {year: services.import_edition(None, year, DATA.read_bytes(), title=f"{year} 科目",
                                          is_demo=True)
            for year in (YEAR - 1, YEAR, YEAR + 1)}


@pytest.fixture
def fin(people, xihu, editions):
    """people plus a finance officer of 西溪 ("finance_staff") and one of 北山 ("beishan_finance")."""
    from yishi.core.models import Role, RoleAssignment, User

    for key, mobile, unit in (("finance_staff", "18600008001", xihu["xixi"]),
                              ("beishan_finance", "18600008002", xihu["beishan"])):
        user = User.objects.create_user(mobile, name=key, password="correct horse battery")
        RoleAssignment.objects.create(user=user, role=Role.FINANCE_STAFF, unit=unit)
        people[key] = user
    return people


def rows_for(year: int, total: Decimal = TOTAL, seed: int = 1, **kw) -> list[tuple]:
    from yishi.finance.models import Edition

    return sample.budget_rows(sample.edition_triples(Edition.objects.get(year=year)), total,
                              seed, **kw)


def csv_of(rows) -> bytes:
    return budget_workbook(rows, "csv")


def xlsx_of(rows) -> bytes:
    return budget_workbook(rows, "xlsx")


@pytest.fixture
def draft(fin, xihu):
    budget = services.create_budget(fin["finance_staff"], xihu["xixi"], YEAR)
    services.import_budget(fin["finance_staff"], budget, "budget.csv", csv_of(rows_for(YEAR)))
    return budget


@pytest.fixture
def review_item(fin, xihu):
    from yishi.councils import services as councils
    from yishi.councils.models import ItemKind

    council = councils.create_council(fin["street_staff"], xihu["xixi"],
                                      term_starts_on=date(YEAR, 1, 1))
    meeting = councils.create_meeting(fin["street_staff"], council, title="预算审查会议",
                                      place="会议室", starts_at=timezone.now() + timedelta(days=9))
    return councils.add_item(fin["street_staff"], meeting, kind=ItemKind.BUDGET_REVIEW,
                             title=f"{YEAR}年预算草案审查")


def pass_review(item) -> None:
    """The council's vote on the item passed (the councils app records it so when the vote
    closes; the vote itself is tested there and in the browser test)."""
    type(item).objects.filter(pk=item.pk).update(passed=True, resolved_at=timezone.now())


@pytest.fixture
def approved(draft, review_item, fin):
    services.submit_for_review(fin["finance_staff"], draft, review_item)
    pass_review(review_item)
    draft.refresh_from_db()
    services.approve_budget(fin["district_staff"], draft, decision="西财预〔2026〕8号",
                            approved_on=timezone.localdate())
    draft.refresh_from_db()
    return draft
