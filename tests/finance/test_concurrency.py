"""Twenty requests at once: one approval freezes the budget, the others are told; twenty
adjustments that each would take the line below zero together cannot."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.core.test_concurrency import run_together
from yishi.core.models import AuditRecord, User
from yishi.finance import services
from yishi.finance.models import Adjustment, Budget, BudgetLine, BudgetState, LineKind
from yishi.finance.queries import adjusted_of

from .conftest import YEAR

pytestmark = pytest.mark.django_db(transaction=True)
COUNT = 20


def test_twenty_approvals_at_once_freeze_once(draft, review_item, fin):
    from .conftest import pass_review

    services.submit_for_review(fin["finance_staff"], draft, review_item)
    pass_review(review_item)
    staff = fin["district_staff"]
    outcomes = run_together(lambda i: services.approve_budget(
        User.objects.get(pk=staff.pk), Budget.objects.get(pk=draft.pk), decision=f"批复{i}",
        approved_on=timezone.localdate()), COUNT)
    assert sum(1 for kind, _v in outcomes if kind == "ok") == 1
    assert Budget.objects.get(pk=draft.pk).state == BudgetState.APPROVED
    assert AuditRecord.objects.filter(action="finance.budget.approve").count() == 1


def test_concurrent_cuts_never_take_a_line_below_zero(approved, fin):
    line = BudgetLine.objects.get(budget=approved, kind=LineKind.FUNCTION, code="2120399")
    cut = (line.original / 3).quantize(Decimal("0.01"))
    officer = fin["finance_staff"]
    outcomes = run_together(lambda i: services.record_adjustment(
        User.objects.get(pk=officer.pk), BudgetLine.objects.get(pk=line.pk), amount=f"-{cut}",
        reason="压减", approved_by="会议", approved_on=date(YEAR, 1, 1)), COUNT)
    assert sum(1 for kind, _v in outcomes if kind == "ok") == 3
    assert Adjustment.objects.count() == 3
    assert adjusted_of(line) >= 0


def test_twenty_approvals_of_one_finding_change_the_register_once(fin, xihu):
    from tests.finance.test_assets import item, pdf
    from yishi.core.attachments import store_attachment
    from yishi.finance import assets
    from yishi.finance.asset_models import Asset, AssetVersion, Finding, FindingState

    officer = fin["finance_staff"]
    assets.register_asset(officer, xihu["xixi"], item("A1"))
    campaign = assets.open_campaign(officer, xihu["xixi"], title="清查", firm="事务所",
                                    reference_date=timezone.localdate())
    assets.add_supervisor(officer, campaign, fin["deputy"])
    member = assets.add_firm_account(officer, campaign, mobile="18600008899", name="张")
    campaign = assets.start_inventory(officer, campaign)
    finding = assets.record_finding(member.user, campaign, kind="loss",
                                    item_id=campaign.snapshot.get().pk)
    # The document is attached once beforehand, so that each request only approves.
    Finding.objects.get(pk=finding.pk).documents.add(store_attachment(officer, pdf()))
    outcomes = run_together(lambda i: assets.approve_finding(
        User.objects.get(pk=officer.pk), Finding.objects.get(pk=finding.pk), note=f"同意{i}"),
        COUNT)
    assert sum(1 for kind, _v in outcomes if kind == "ok") == 1
    assert Finding.objects.get(pk=finding.pk).state == FindingState.APPROVED
    asset = Asset.objects.get(code="A1")
    assert AssetVersion.objects.filter(asset=asset).count() == 2  # entered, then written off
    assert AuditRecord.objects.filter(action="finance.finding.approve").count() == 1


def test_twenty_final_account_imports_at_once_each_see_the_last(fin, xihu, review_item):
    """Identical imports one after the other under the budget's row lock: the figures are the
    file's, once, and each import is audited."""
    from tests.finance.test_final_accounts import final_rows

    from .conftest import csv_of, pass_review, rows_for

    officer = fin["finance_staff"]
    budget = services.create_budget(officer, xihu["xixi"], YEAR - 1)
    services.import_budget(officer, budget, "b.csv", csv_of(rows_for(YEAR - 1, seed=3)))
    services.submit_for_review(officer, budget, review_item)
    pass_review(review_item)
    budget.refresh_from_db()
    services.approve_budget(fin["district_staff"], budget, decision="批复",
                            approved_on=timezone.localdate() - timedelta(days=1))
    data = csv_of(final_rows())
    outcomes = run_together(lambda i: services.import_final_accounts(
        User.objects.get(pk=officer.pk), Budget.objects.get(pk=budget.pk), "f.csv", data), COUNT)
    assert [kind for kind, _v in outcomes] == ["ok"] * COUNT
    assert not BudgetLine.objects.filter(budget=budget, kind=LineKind.FUNCTION,
                                         final__isnull=True).exists()
    assert AuditRecord.objects.filter(action="finance.import_final_accounts").count() == COUNT


def _asset(fin, xihu, code="C1"):
    from tests.finance.test_assets import item
    from yishi.finance import assets

    return assets.register_asset(fin["finance_staff"], xihu["xixi"], item(code))


def test_twenty_identical_asset_posts_at_once_record_once(fin, xihu):
    """Twenty identical edits, contracts and disposal requests at once: one of each lands, the
    others are told; the history holds one version for each."""
    from yishi.finance import assets, disposals
    from yishi.finance.asset_models import Asset, AssetVersion, Disposal, LeaseContract

    officer = fin["finance_staff"]
    edited, leased, disposed = (_asset(fin, xihu, c) for c in ("C1", "C2", "C3"))
    user = lambda: User.objects.get(pk=officer.pk)  # noqa: E731
    outcomes = run_together(lambda i: assets.change_asset(
        user(), Asset.objects.get(pk=edited.pk), {"location": "新址"}, reason="搬迁"), COUNT)
    assert sum(1 for kind, _v in outcomes if kind == "ok") == 1
    assert AssetVersion.objects.filter(asset=edited).count() == 2
    outcomes = run_together(lambda i: assets.record_lease(
        user(), Asset.objects.get(pk=leased.pk), kind="lease", tenant="某公司",
        starts_on=date(YEAR, 1, 1), ends_on=date(YEAR, 12, 31), rent="1000"), COUNT)
    assert sum(1 for kind, _v in outcomes if kind == "ok") == 1
    assert LeaseContract.objects.filter(asset=leased).count() == 1
    outcomes = run_together(lambda i: disposals.request_disposal(
        user(), Asset.objects.get(pk=disposed.pk), method="scrap", reason="损坏"), COUNT)
    assert sum(1 for kind, _v in outcomes if kind == "ok") == 1
    assert Disposal.objects.filter(asset=disposed).count() == 1
    assert AssetVersion.objects.filter(asset=disposed).count() == 2


def test_twenty_approvals_of_one_disposal_approve_once(fin, xihu):
    from tests.finance.test_assets import pdf
    from yishi.finance import disposals
    from yishi.finance.asset_models import Disposal, DisposalState

    disposal = disposals.request_disposal(fin["finance_staff"], _asset(fin, xihu),
                                          method="scrap", reason="损坏")
    staff = fin["district_staff"]
    outcomes = run_together(lambda i: disposals.approve_disposal(
        User.objects.get(pk=staff.pk), Disposal.objects.get(pk=disposal.pk),
        decision=f"批复{i}", documents=[pdf()]), COUNT)
    assert sum(1 for kind, _v in outcomes if kind == "ok") == 1
    assert Disposal.objects.get(pk=disposal.pk).state == DisposalState.APPROVED
    assert AuditRecord.objects.filter(action="finance.disposal.approve").count() == 1
