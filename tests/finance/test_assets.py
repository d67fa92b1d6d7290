"""The state-asset register (its history: the register as of any date) and an inventory campaign
from snapshot to published report, with the bad input each step refuses."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.core.test_attachments import real_pdf
from yishi.core.models import AuditRecord
from yishi.core.workflow import allowed_names
from yishi.finance import asset_queries, assets
from yishi.finance.asset_models import (
    Asset,
    AssetStatus,
    AssetVersion,
    CampaignState,
    Finding,
    FindingKind,
    FindingState,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
LONG_AGO = date(2015, 3, 1)


def png(name="photo.png"):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf(name="approval.pdf"):
    return SimpleUploadedFile(name, real_pdf(), content_type="application/pdf")


def item(code, **kw):
    return {"code": code, "name": kw.pop("name", f"资产{code}"), "asset_class": kw.pop("cls", "3"),
            "location": "街道办公楼", "department": "党政办", "acquired_on": LONG_AGO,
            "original_value": "12000.00", "net_value": "3000.50", **kw}


@pytest.fixture
def register(fin, xihu):
    officer = fin["finance_staff"]
    return [assets.register_asset(officer, xihu["xixi"], item(f"A{n:03d}"))
            for n in range(1, 5)]


@pytest.fixture
def firm(xihu):
    from yishi.core.models import User

    return User.objects.create_user("18600008801", name="审计所张")


@pytest.fixture
def campaign(fin, xihu, register, firm):
    officer = fin["finance_staff"]
    c = assets.open_campaign(officer, xihu["xixi"], title="2026年资产清查",
                             reference_date=TODAY - timedelta(days=1), firm="某会计师事务所")
    assets.add_supervisor(officer, c, fin["deputy"])
    assets.add_firm_account(officer, c, mobile=firm.mobile, name=firm.name)
    return assets.start_inventory(officer, c)


def test_register_as_of_any_date_keeps_history(fin, xihu, register):
    officer, asset = fin["finance_staff"], register[0]
    assets.change_asset(officer, asset, {"location": "社区服务中心", "net_value": "2000.00"},
                        reason="搬迁", effective_on=date(2020, 6, 1))
    assets.change_asset(officer, asset, {"status": AssetStatus.IDLE}, reason="停用",
                        effective_on=date(2023, 1, 1))
    on = {v.code: v for v in asset_queries.register_as_of(xihu["xixi"], date(2021, 1, 1))}
    assert on["A001"].location == "社区服务中心" and on["A001"].status == AssetStatus.IN_USE
    assert on["A001"].net_value == Decimal("2000.00")
    before = {v.code: v for v in asset_queries.register_as_of(xihu["xixi"], date(2019, 1, 1))}
    assert before["A001"].location == "街道办公楼" and before["A001"].net_value == Decimal("3000.50")
    assert asset_queries.register_as_of(xihu["xixi"], date(2014, 1, 1)) == []
    rows, total = asset_queries.class_totals(
        asset_queries.register_as_of(xihu["xixi"], TODAY))
    assert total.count == 4 and total.idle_count == 1
    assert total.original == Decimal("48000.00")
    assert AuditRecord.objects.filter(action="finance.change_asset").count() == 2


def test_a_change_cannot_be_dated_before_the_last(fin, register):
    with pytest.raises(ValidationError, match="cannot take effect before"):
        assets.change_asset(fin["finance_staff"], register[0], {"name": "x"}, reason="r",
                            effective_on=date(2010, 1, 1))


@pytest.mark.parametrize("field,value,message", [
    ("original_value", "100.005", "at most two decimals"),
    ("original_value", "abc", "is not a number"),
    ("net_value", "-1", "must be from 0"),
    ("asset_class", "99", "is not a class of GB/T 14885-2022"),
    ("acquired_on", "2999-01-01", "cannot be in the future"),
    ("code", "A001", "already in the register"),
])
def test_bad_register_input_names_the_problem(fin, xihu, register, field, value, message):
    count = Asset.objects.count()
    with pytest.raises(ValidationError, match=message) as refused:
        assets.register_asset(fin["finance_staff"], xihu["xixi"], {**item("B1"), field: value})
    assert field in refused.value.message_dict
    assert Asset.objects.count() == count


def test_lease_sets_the_status_and_keeps_the_contract(fin, register):
    contract = assets.record_lease(fin["finance_staff"], register[1], kind="lease",
                                   tenant="某便利店", starts_on=date(2024, 1, 1),
                                   ends_on=date(2026, 12, 31), rent="36000.00")
    register[1].refresh_from_db()
    assert register[1].status == AssetStatus.LEASED and contract.rent == Decimal("36000.00")
    with pytest.raises(ValidationError, match="ends before it starts"):
        assets.record_lease(fin["finance_staff"], register[2], kind="lease", tenant="x",
                            starts_on=date(2024, 1, 1), ends_on=date(2023, 1, 1), rent="1")


def test_another_streets_staff_cannot_touch_the_register(fin, xihu, register):
    with pytest.raises(PermissionDenied):
        assets.register_asset(fin["beishan_finance"], xihu["xixi"], item("Z1"))
    with pytest.raises(PermissionDenied):
        assets.change_asset(fin["beishan_finance"], register[0], {"name": "x"}, reason="r")
    with pytest.raises(PermissionDenied):
        assets.open_campaign(fin["beishan_finance"], xihu["xixi"], title="t",
                             reference_date=TODAY, firm="f")
    assert not AssetVersion.objects.filter(reason="r").exists()


def test_inventory_from_snapshot_to_published_report(fin, xihu, register, campaign, firm):
    officer = fin["finance_staff"]
    assert campaign.state == CampaignState.FIELDWORK
    snap = {s.code: s for s in campaign.snapshot.all()}
    assert set(snap) == {"A001", "A002", "A003", "A004"}
    # The register is frozen while the inventory runs: only findings change it.
    with pytest.raises(ValidationError, match="inventory is under way"):
        assets.change_asset(officer, register[0], {"name": "x"}, reason="r")
    f1 = assets.record_finding(firm, campaign, kind=FindingKind.MATCH, item_id=snap["A001"].pk,
                               photos=[png()])
    f2 = assets.record_finding(firm, campaign, kind=FindingKind.LOSS, item_id=snap["A002"].pk,
                               note="多年前报废未核销")
    f3 = assets.record_finding(firm, campaign, kind=FindingKind.MISPLACED,
                               item_id=snap["A003"].pk, found_location="文化站", photos=[png()])
    f4 = assets.record_finding(firm, campaign, kind=FindingKind.MATCH, item_id=snap["A004"].pk)
    f5 = assets.record_finding(firm, campaign, kind=FindingKind.SURPLUS, name="投影仪",
                               asset_class_code="3", original_value="8000", net_value="1000",
                               found_location="会议室", photos=[png()])
    assert f1.photos.count() == 1
    # A change of the register needs its documents; without them the approval is refused.
    with pytest.raises(ValidationError, match="Attach the documents"):
        assets.approve_finding(officer, f2)
    assert Finding.objects.get(pk=f2.pk).state == FindingState.RECORDED
    for f in (f1, f4):
        assets.approve_finding(officer, f)
    for f in (f2, f3, f5):
        assets.approve_finding(officer, f, documents=[pdf()], note="街道主任办公会同意")
    assets.close_fieldwork(officer, campaign)
    register[1].refresh_from_db()
    register[2].refresh_from_db()
    assert register[1].status == AssetStatus.DISPOSED
    assert register[2].location == "文化站"
    new = Asset.objects.get(street=xihu["xixi"], name="投影仪")
    assert new.original_value == Decimal("8000.00")
    rows, total = asset_queries.campaign_report(campaign)
    assert total.count == 4 and total.original == Decimal("48000.00")
    assert (total.loss_count, total.surplus_count, total.misplaced_count) == (1, 1, 1)
    assert total.surplus_original == Decimal("8000.00")
    assert [r.asset_class.code for r in rows] == ["3"]
    assert len(rows[0].explanations) == 3
    # The register before the approvals is still there, as of the reference date.
    before = {v.code: v for v in asset_queries.register_as_of(xihu["xixi"],
                                                               campaign.reference_date)}
    assert before["A002"].status == AssetStatus.IN_USE and "投影仪" not in {
        v.name for v in before.values()}
    assert "publish" in allowed_names(campaign, officer)
    with pytest.raises(ValidationError, match="summary first"):
        assets.publish_report(officer, campaign, summary="  ")
    assets.publish_report(officer, campaign, summary="清查资产4项，盘亏1项，盘盈1项。")
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.PUBLISHED and campaign.published_at
    assert asset_queries.may_view_campaign(fin["nobody"], campaign)
    # After the campaign closed, the firm records nothing.
    with pytest.raises(ValidationError, match="fieldwork is closed"):
        assets.record_finding(firm, campaign, kind=FindingKind.MATCH, item_id=snap["A001"].pk)


def test_finding_bad_input(fin, xihu, register, campaign, firm):
    officer = fin["finance_staff"]
    other = assets.register_asset(fin["beishan_finance"], xihu["beishan"], item("B001"))
    before = Finding.objects.count()
    # An asset outside the campaign's snapshot (another street's).
    with pytest.raises(ValidationError, match="not in this inventory's snapshot"):
        assets.record_finding(firm, campaign, kind=FindingKind.MATCH, item_id=other.pk)
    with pytest.raises(ValidationError, match="not in this inventory's snapshot"):
        assets.record_finding(firm, campaign, kind=FindingKind.MATCH, item_id="x")
    # Amounts with more than two decimals on a 盘盈.
    with pytest.raises(ValidationError, match="at most two decimals"):
        assets.record_finding(firm, campaign, kind=FindingKind.SURPLUS, name="桌", found_location="x",
                              asset_class_code="6", original_value="10.001", net_value="1",
                              photos=[png()])
    # The street's own staff and another street's staff are not the firm.
    for person in (officer, fin["beishan_finance"], fin["deputy"]):
        with pytest.raises(PermissionDenied):
            assets.record_finding(person, campaign, kind=FindingKind.MATCH,
                                  item_id=campaign.snapshot.first().pk)
    # Twice on one item.
    first = campaign.snapshot.first()
    assets.record_finding(firm, campaign, kind=FindingKind.MATCH, item_id=first.pk)
    with pytest.raises(ValidationError, match="already has a finding"):
        assets.record_finding(firm, campaign, kind=FindingKind.LOSS, item_id=first.pk)
    assert Finding.objects.count() == before + 1
    # Another street's staff cannot decide this street's findings.
    finding = Finding.objects.get()
    with pytest.raises(PermissionDenied):
        assets.approve_finding(fin["beishan_finance"], finding)
    assert Finding.objects.get().state == FindingState.RECORDED


def test_firm_account_of_another_campaign(fin, xihu, campaign, firm):
    from yishi.core.models import User

    officer = fin["beishan_finance"]
    assets.register_asset(officer, xihu["beishan"], item("B001"))
    other = assets.open_campaign(officer, xihu["beishan"], title="北山清查",
                                 reference_date=TODAY, firm="另一事务所")
    other_firm = User.objects.create_user("18600008802", name="另所李")
    assets.add_firm_account(officer, other, mobile=other_firm.mobile, name="另所李")
    with pytest.raises(PermissionDenied):
        assets.record_finding(other_firm, campaign, kind=FindingKind.MATCH,
                              item_id=campaign.snapshot.first().pk)
    assert not asset_queries.may_view_campaign(other_firm, campaign)
    assert not asset_queries.may_view_campaign(firm, other)
    assert asset_queries.may_view_campaign(firm, campaign)
    assert not Finding.objects.exists()


def test_supervision_group_is_deputies_and_council_members(fin, xihu, register):
    officer = fin["finance_staff"]
    c = assets.open_campaign(officer, xihu["xixi"], title="t", reference_date=TODAY, firm="f")
    with pytest.raises(ValidationError, match="deputies and council members"):
        assets.add_supervisor(officer, c, fin["resident"])
    assets.add_supervisor(officer, c, fin["council_member"])
    # Without the firm's account the snapshot cannot be taken.
    with pytest.raises(ValidationError, match="outside firm an account"):
        assets.start_inventory(officer, c)
    assert not c.snapshot.exists()


def test_rejected_finding_can_be_recorded_again(fin, campaign, firm):
    target = campaign.snapshot.first()
    f = assets.record_finding(firm, campaign, kind=FindingKind.LOSS, item_id=target.pk)
    with pytest.raises(ValidationError, match="Say why"):
        assets.reject_finding(fin["finance_staff"], f, note=" ")
    assets.reject_finding(fin["finance_staff"], f, note="请再到仓库核实")
    again = assets.record_finding(firm, campaign, kind=FindingKind.MATCH, item_id=target.pk)
    assert again.state == FindingState.RECORDED


def test_report_goes_on_the_councils_agenda(fin, xihu, campaign, review_item):
    officer = fin["finance_staff"]
    with pytest.raises(ValidationError, match="once the fieldwork is closed"):
        assets.place_on_agenda(officer, campaign, review_item)
    for s in campaign.snapshot.all():
        from yishi.finance.asset_models import Finding as F

        F.objects.create(campaign=campaign, item=s, kind="match", recorded_by=officer)
    assets.close_fieldwork(officer, campaign)
    assets.place_on_agenda(officer, campaign, review_item)
    campaign.refresh_from_db()
    assert campaign.agenda_item == review_item
