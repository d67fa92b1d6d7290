"""The budget's phases: submitted to the council's review item, frozen only when the council
passed it and the district's approval is recorded; questions and answers; final accounts."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from yishi.core.models import AuditRecord, Notification
from yishi.core.workflow import allowed_names
from yishi.finance import services
from yishi.finance.models import BudgetLine, BudgetState, LineKind, QuestionState

from .conftest import YEAR, csv_of, pass_review, rows_for

pytestmark = pytest.mark.django_db


def test_the_draft_goes_to_the_councils_review_item(draft, review_item, fin):
    assert allowed_names(draft, fin["finance_staff"]) == ["submit_review"]
    assert allowed_names(draft, fin["beishan_finance"]) == []
    services.submit_for_review(fin["finance_staff"], draft, review_item)
    draft.refresh_from_db()
    assert draft.state == BudgetState.REVIEW and draft.review_item == review_item
    assert Notification.objects.filter(recipient=fin["council_member"]).exists()


def test_only_an_open_review_item_of_the_streets_own_council_is_accepted(draft, review_item, fin):
    from yishi.councils.models import ItemKind

    other = review_item.meeting.items.create(kind=ItemKind.WORK_REPORT, title="工作报告")
    with pytest.raises(services.FinanceError) as refused:
        services.submit_for_review(fin["finance_staff"], draft, other)
    assert "review_item" in refused.value.message_dict
    pass_review(review_item)  # already resolved
    with pytest.raises(services.FinanceError):
        services.submit_for_review(fin["finance_staff"], draft, review_item)
    draft.refresh_from_db()
    assert draft.state == BudgetState.DRAFT


def test_the_budget_freezes_only_after_the_council_passed_it(draft, review_item, fin):
    services.submit_for_review(fin["finance_staff"], draft, review_item)
    draft.refresh_from_db()
    with pytest.raises(services.FinanceError) as refused:
        services.approve_budget(fin["district_staff"], draft, decision="西财预〔2026〕8号",
                                approved_on=timezone.localdate())
    assert "not yet passed" in refused.value.messages[0]
    pass_review(review_item)
    for person in ("finance_staff", "street_staff", "council_member"):
        with pytest.raises(PermissionDenied):
            services.approve_budget(fin[person], draft, decision="x",
                                    approved_on=timezone.localdate())
    with pytest.raises(services.FinanceError) as refused:
        services.approve_budget(fin["district_staff"], draft, decision=" ",
                                approved_on=timezone.localdate())
    assert "decision" in refused.value.message_dict
    services.approve_budget(fin["district_staff"], draft, decision="西财预〔2026〕8号",
                            approved_on=timezone.localdate())
    draft.refresh_from_db()
    assert draft.state == BudgetState.APPROVED and draft.published_at is not None
    record = AuditRecord.objects.get(action="finance.budget.approve")
    assert record.after["district_decision"] == "西财预〔2026〕8号"


def test_withdrawn_for_corrections_and_reimported(draft, review_item, fin):
    services.submit_for_review(fin["finance_staff"], draft, review_item)
    draft.refresh_from_db()
    with pytest.raises(services.FinanceError):  # under review: not editable
        services.import_budget(fin["finance_staff"], draft, "b.csv", csv_of(rows_for(YEAR)))
    services.withdraw_budget(fin["finance_staff"], draft)
    draft.refresh_from_db()
    services.import_budget(fin["finance_staff"], draft, "b.csv", csv_of(rows_for(YEAR, seed=5)))


def test_council_members_ask_and_the_street_answers_publicly(draft, review_item, fin):
    line = BudgetLine.objects.get(budget=draft, kind=LineKind.FUNCTION, code="2080208")
    with pytest.raises(services.FinanceError):  # a draft not yet before the council
        services.ask_question(fin["council_member"], line, "社区治理经费主要用于哪些方面？")
    services.submit_for_review(fin["finance_staff"], draft, review_item)
    for person in ("resident", "finance_staff", "deputy"):
        with pytest.raises(PermissionDenied):
            services.ask_question(fin[person], line, "社区治理经费主要用于哪些方面？")
    with pytest.raises(services.FinanceError):
        services.ask_question(fin["council_member"], line, "短")
    question = services.ask_question(fin["council_member"], line, "社区治理经费主要用于哪些方面？")
    assert Notification.objects.filter(recipient=fin["finance_staff"]).exists()
    with pytest.raises(PermissionDenied):
        services.answer_question(fin["beishan_finance"], question, "用于社区工作者报酬。")
    services.answer_question(fin["finance_staff"], question, "用于社区工作者报酬和居民议事。")
    question.refresh_from_db()
    assert question.state == QuestionState.ANSWERED and question.answered_by == fin["finance_staff"]
    with pytest.raises(services.FinanceError):  # answered once
        services.answer_question(fin["finance_staff"], question, "再答一次。。。")


def test_final_accounts_close_last_years_budget(fin, xihu, review_item):
    budget = services.create_budget(fin["finance_staff"], xihu["xixi"], YEAR - 1)
    rows = rows_for(YEAR - 1)
    services.import_budget(fin["finance_staff"], budget, "b.csv", csv_of(rows))
    services.submit_for_review(fin["finance_staff"], budget, review_item)
    pass_review(review_item)
    budget.refresh_from_db()
    services.approve_budget(fin["district_staff"], budget, decision="批复",
                            approved_on=timezone.localdate() - timedelta(days=1))
    budget.refresh_from_db()
    with pytest.raises(services.FinanceError) as refused:
        services.finalize_budget(fin["finance_staff"], budget)
    assert "final accounts first" in refused.value.messages[0]
    final_rows = rows_for(YEAR - 1, seed=1, three_public_actual=True)
    services.import_final_accounts(fin["finance_staff"], budget, "f.csv", csv_of(final_rows))
    assert BudgetLine.objects.filter(budget=budget, final__isnull=True,
                                     kind=LineKind.FUNCTION).count() == 0
    services.finalize_budget(fin["finance_staff"], budget)
    budget.refresh_from_db()
    assert budget.state == BudgetState.FINAL
    with pytest.raises(services.FinanceError):  # closed: no adjustments
        services.record_adjustment(fin["finance_staff"], budget.lines.get(code="2120399"),
                                   amount="1", reason="x", approved_by="y",
                                   approved_on=date(YEAR - 1, 3, 1))


def test_this_years_budget_cannot_be_finalized_yet(approved, fin):
    assert "finalize" not in allowed_names(approved, fin["finance_staff"])
    with pytest.raises(services.FinanceError) as refused:
        services.finalize_budget(fin["finance_staff"], approved)
    assert "after the end of the year" in refused.value.messages[0]
