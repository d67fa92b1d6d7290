"""On a phone: an inventory from snapshot to report. The street takes the snapshot (confirming
first); the outside firm's account signs in on a phone and records a finding with a photo; the
street approves it with its document, closes the fieldwork and publishes the report; the public
reads the report by class. Every page is checked by axe and the CSP."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.core.test_attachments import real_pdf
from tests.councils.test_browser import staff_page, staff_sign_in, submit  # noqa: F401
from tests.voting.test_ballot_browser import sign_in
from yishi.finance import assets
from yishi.finance.asset_models import CampaignState, Finding, FindingState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _asset(code, name, cls):
    return {"code": code, "name": name, "asset_class": cls, "location": "街道办公楼",
            "department": "党政办", "acquired_on": date(2016, 1, 1),
            "original_value": "20000.00", "net_value": "5000.00"}


def test_inventory_from_snapshot_to_report_on_a_phone(page, staff_page, fin, xihu,  # noqa: F811
                                                      tmp_path):
    officer, street = fin["finance_staff"], xihu["xixi"]
    for code, name, cls in (("A1", "投影仪", "3"), ("A2", "会议桌", "6"), ("A3", "执法车", "5")):
        assets.register_asset(officer, street, _asset(code, name, cls))
    campaign = assets.open_campaign(officer, street, title="2026年资产清查",
                                    reference_date=timezone.localdate() - timedelta(days=1),
                                    firm="某会计师事务所")
    assets.add_supervisor(officer, campaign, fin["deputy"])
    member = assets.add_firm_account(officer, campaign, mobile="18600008811", name="事务所王")
    url = f"/finance/{street.code}/assets/campaigns/{campaign.pk}/"

    # The street takes the snapshot on its page, confirming first.
    staff_sign_in(staff_page, officer.mobile)
    staff_page.goto(url)
    staff_page.locator("summary", has_text="生成底册并开始清查").click()
    submit(staff_page, staff_page.get_by_role("button", name="确认生成底册并开始清查"))
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FIELDWORK and campaign.snapshot.count() == 3

    # The firm's account records on a phone that the projector was found elsewhere, with a photo.
    photo = tmp_path / "projector.png"
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "gray").save(out, format="PNG")
    photo.write_bytes(out.getvalue())
    sign_in(page, member.user.mobile)
    page.goto(url)
    form = page.locator("form[action$='/findings/']")
    form.get_by_label("清查结果").select_option("misplaced")
    form.get_by_label("底册中的资产").select_option(label="A1 投影仪")
    form.get_by_label("实际存放地点").fill("社区文化家园")
    form.get_by_label("照片").set_input_files(str(photo))
    submit(page, form.get_by_role("button", name="记录清查结果"))
    finding = Finding.objects.get(item__code="A1")
    assert finding.photos.count() == 1
    for item in campaign.snapshot.exclude(code="A1"):
        assets.record_finding(member.user, campaign, kind="match", item_id=item.pk)

    # The street approves it with its document, approves the rest, and closes the fieldwork.
    document = tmp_path / "approval.pdf"
    document.write_bytes(real_pdf())
    staff_page.goto(url)
    decision = staff_page.locator(f"form[action$='/findings/{finding.pk}/approve/']")
    decision.get_by_label("审批文件").set_input_files(str(document))
    decision.get_by_label("审核意见或退回理由").fill("同意调整存放地点")
    submit(staff_page, decision.get_by_role("button", name="确认并变更登记簿"))
    finding.refresh_from_db()
    assert finding.state == FindingState.APPROVED and finding.documents.count() == 1
    for other in Finding.objects.filter(state=FindingState.RECORDED):
        assets.approve_finding(officer, other)
    staff_page.goto(url)
    submit(staff_page, staff_page.get_by_role("button", name="结束现场清查"))
    staff_page.locator("summary", has_text="公布清查报告").click()
    staff_page.get_by_label("清查报告摘要").fill("清查资产3项，位置不符1项，已调整。")
    submit(staff_page, staff_page.get_by_role("button", name="确认公布清查报告"))
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.PUBLISHED

    # The public finds the report from the street's register and reads it by class.
    page.context.clear_cookies()
    page.goto(f"/finance/{street.code}/assets/")
    page.get_by_role("link", name="2026年资产清查").click()
    page.wait_for_load_state()
    content = page.content()
    assert "已公布" in content and "清查资产3项" in content and "分类清查报告" in content
    assert "社区文化家园" in content



def test_an_asset_is_disposed_of_on_a_phone_in_large_text(page, fin, xihu):
    """The street's finance officer, on a phone in large text, opens an asset whose disposal the
    district approved and records it through the confirmation panel; the asset's history then
    shows it disposed."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from playwright.sync_api import expect

    from yishi.finance import disposals

    officer, street = fin["finance_staff"], xihu["xixi"]
    asset = assets.register_asset(officer, street, _asset("V1", "旧执法车", "5"))
    disposal = disposals.request_disposal(officer, asset, method="sale",
                                          reason="车辆老旧，公开拍卖。")
    disposals.approve_disposal(fin["district_staff"], disposal, decision="西财资〔2026〕3号",
                               documents=[SimpleUploadedFile("批复.pdf", real_pdf(),
                                                             content_type="application/pdf")])
    staff_sign_in(page, officer.mobile)
    page.context.add_cookies([{"name": "yishi_text", "value": "large", "url": page.url}])
    page.goto(f"/finance/{street.code}/assets/{asset.pk}/")
    page.locator("summary", has_text="登记处置完成").click()
    panel = page.locator("form.action-confirm-panel")
    panel.get_by_label("处置日期").fill(timezone.localdate().isoformat())
    panel.get_by_label("处置收入", exact=False).fill("15000.00")
    submit(page, panel.get_by_role("button", name="登记处置完成"))
    expect(page.locator("#history-caption")).to_be_visible()
    expect(page.locator("main").get_by_text("已处置（出售）", exact=False).first).to_be_visible()
    disposal.refresh_from_db()
    assert disposal.state == "disposed" and disposal.proceeds == 15000
