"""Disposal of a state asset (资产处置) as a declared workflow: the street asks (待处置), the district
approves with its document or refuses, the street records the disposal (已处置); the register as
of a date shows each step, every step is audited, and the bad input each step refuses."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yishi.core.models import AuditRecord
from yishi.finance import asset_queries, assets, disposals
from yishi.finance.asset_models import AssetStatus, Disposal, DisposalState

from .test_assets import firm, item, pdf, register  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def requested(fin, register):  # noqa: F811
    return disposals.request_disposal(fin["finance_staff"], register[0], method="sale",
                                      reason="车辆老旧，公开拍卖。")


def _on(street, day):
    return {v.code: v for v in asset_queries.register_as_of(street, day)}


def test_request_approve_dispose_and_the_register_on_each_day(fin, xihu, requested):
    asset = requested.asset
    asset.refresh_from_db()
    assert asset.status == AssetStatus.AWAITING_DISPOSAL
    approved = disposals.approve_disposal(fin["district_staff"], requested,
                                          decision="西财资〔2026〕3号", documents=[pdf()])
    assert approved.state == DisposalState.APPROVED and approved.documents.count() == 1
    done = disposals.record_disposal(fin["finance_staff"], approved, disposed_on=TODAY,
                                     proceeds="15000.00")
    assert done.state == DisposalState.DISPOSED and done.proceeds == Decimal("15000.00")
    asset.refresh_from_db()
    assert asset.status == AssetStatus.DISPOSED
    assert _on(xihu["xixi"], TODAY - timedelta(days=1))["A001"].status == AssetStatus.IN_USE
    assert _on(xihu["xixi"], TODAY)["A001"].status == AssetStatus.DISPOSED
    assert list(asset.versions.order_by("id").values_list("status", flat=True)) == [
        AssetStatus.IN_USE, AssetStatus.AWAITING_DISPOSAL, AssetStatus.DISPOSED]
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"finance.request_disposal", "finance.disposal.approve",
            "finance.disposal.dispose"} <= actions
    rows, total = asset_queries.class_totals(asset_queries.register_as_of(xihu["xixi"], TODAY))
    assert total.disposed_count == 1


def test_refusal_gives_back_the_former_status(fin, register):  # noqa: F811
    officer = fin["finance_staff"]
    assets.change_asset(officer, register[1], {"status": AssetStatus.IDLE}, reason="停用")
    disposal = disposals.request_disposal(officer, register[1], method="scrap", reason="损坏")
    with pytest.raises(ValidationError):
        disposals.refuse_disposal(fin["district_staff"], disposal, note="  ")
    disposals.refuse_disposal(fin["district_staff"], disposal, note="尚可修复使用。")
    register[1].refresh_from_db()
    assert register[1].status == AssetStatus.IDLE
    # Refused, the asset may be put up for disposal again.
    again = disposals.request_disposal(officer, register[1], method="scrap", reason="再次申请")
    assert again.state == DisposalState.AWAITING


def test_one_open_disposal_per_asset(fin, requested):
    with pytest.raises(ValidationError, match="already"):
        disposals.request_disposal(fin["finance_staff"], requested.asset, method="scrap",
                                   reason="重复")
    assert Disposal.objects.count() == 1


def test_who_may_take_each_step(fin, xihu, requested):
    asset = requested.asset
    for person in ("beishan_finance", "district_staff", "council_member", "resident"):
        with pytest.raises(PermissionDenied):
            disposals.request_disposal(fin[person], assets.Asset.objects.get(code="A002"),
                                       method="scrap", reason="x")
    for person in ("finance_staff", "beishan_finance", "street_staff", "deputy"):
        with pytest.raises(PermissionDenied):
            disposals.approve_disposal(fin[person], requested, decision="x", documents=[pdf()])
    approved = disposals.approve_disposal(fin["district_staff"], requested, decision="批复",
                                          documents=[pdf()])
    for person in ("district_staff", "beishan_finance"):
        with pytest.raises(PermissionDenied):
            disposals.record_disposal(fin[person], approved, disposed_on=TODAY, proceeds="1")
    assert asset.disposals.get().state == DisposalState.APPROVED


@pytest.mark.parametrize("kwargs, field", [
    ({"proceeds": "100.005"}, "proceeds"),
    ({"proceeds": "-1"}, "proceeds"),
    ({"proceeds": "abc"}, "proceeds"),
    ({"proceeds": ""}, "proceeds"),  # a sale without its price
    ({"proceeds": "1", "disposed_on": TODAY + timedelta(days=1)}, "disposed_on"),
    ({"proceeds": "1", "disposed_on": TODAY - timedelta(days=3)}, "disposed_on"),
])
def test_bad_disposal_records_change_nothing(fin, requested, kwargs, field):
    approved = disposals.approve_disposal(fin["district_staff"], requested, decision="批复",
                                          documents=[pdf()])
    kwargs = {"disposed_on": TODAY, **kwargs}
    with pytest.raises(ValidationError) as refused:
        disposals.record_disposal(fin["finance_staff"], approved, **kwargs)
    assert field in refused.value.message_dict
    approved.refresh_from_db()
    assert approved.state == DisposalState.APPROVED
    assert approved.asset.status == AssetStatus.AWAITING_DISPOSAL


def test_approval_needs_its_document_and_a_real_file(fin, requested):
    with pytest.raises(ValidationError) as refused:
        disposals.approve_disposal(fin["district_staff"], requested, decision="批复")
    assert "documents" in refused.value.message_dict
    with pytest.raises(ValidationError):
        disposals.approve_disposal(fin["district_staff"], requested, decision="",
                                   documents=[pdf()])
    fake = SimpleUploadedFile("批复.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError):
        disposals.approve_disposal(fin["district_staff"], requested, decision="批复",
                                   documents=[fake])
    requested.refresh_from_db()
    assert requested.state == DisposalState.AWAITING and not requested.documents.exists()


def test_bad_requests_are_refused(fin, register):  # noqa: F811
    officer = fin["finance_staff"]
    with pytest.raises(ValidationError):
        disposals.request_disposal(officer, register[0], method="burn", reason="x")
    with pytest.raises(ValidationError):
        disposals.request_disposal(officer, register[0], method="scrap", reason=" ")
    assert not Disposal.objects.exists()
    register[0].refresh_from_db()
    assert register[0].status == AssetStatus.IN_USE


def test_an_edit_cannot_dispose_and_a_disposed_asset_no_longer_changes(fin, requested):
    officer = fin["finance_staff"]
    other = assets.Asset.objects.get(code="A002")
    with pytest.raises(ValidationError, match="through a disposal"):
        assets.change_asset(officer, other, {"status": AssetStatus.DISPOSED}, reason="x")
    with pytest.raises(ValidationError):
        assets.change_asset(officer, requested.asset, {"name": "新名"}, reason="x")
    with pytest.raises(ValidationError):
        assets.record_lease(officer, requested.asset, kind="lease", tenant="某公司",
                            starts_on=TODAY, ends_on=TODAY + timedelta(days=30), rent="100")


def test_no_request_or_disposal_during_an_inventory(fin, xihu, requested):
    officer = fin["finance_staff"]
    approved = disposals.approve_disposal(fin["district_staff"], requested, decision="批复",
                                          documents=[pdf()])
    campaign = assets.open_campaign(officer, xihu["xixi"], title="清查", firm="事务所",
                                    reference_date=TODAY)
    assets.add_supervisor(officer, campaign, fin["deputy"])
    assets.add_firm_account(officer, campaign, mobile="18600008898", name="张")
    assets.start_inventory(officer, campaign)
    with pytest.raises(ValidationError, match="inventory"):
        disposals.record_disposal(officer, approved, disposed_on=TODAY, proceeds="10")
    with pytest.raises(ValidationError, match="inventory"):
        disposals.request_disposal(officer, assets.Asset.objects.get(code="A003"),
                                   method="scrap", reason="x")
