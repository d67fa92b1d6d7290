"""The asset pages: the register as of a date picked on the page, its download with Chinese
headers, an inventory through its pages (the firm records with a photo, the street approves with a
document and publishes), who sees a campaign before it is published, and the attacks from another
street or another campaign."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yishi.core.models import User
from yishi.finance import assets
from yishi.finance.asset_models import CampaignState, Finding, FindingState

from .test_assets import campaign, firm, item, pdf, png, register  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _register_url(street, **params):
    url = reverse("finance:assets", args=[street.code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_register_as_of_a_picked_date(client, fin, xihu, register):  # noqa: F811
    assets.change_asset(fin["finance_staff"], register[0], {"location": "文化家园"}, reason="搬迁",
                        effective_on=date(2022, 5, 1))
    page = client.get(_register_url(xihu["xixi"], on="2021-01-01")).content.decode()
    assert "The register on 2021-01-01" in page and "街道办公楼" in page
    assert "文化家园" not in page
    page = client.get(_register_url(xihu["xixi"])).content.decode()
    assert "文化家园" in page and "48,000.00" in page
    page = client.get(_register_url(xihu["xixi"], on="2014-01-01")).content.decode()
    assert "0 items" in page
    # A date that is not one, or in the future, is named on the page.
    response = client.get(_register_url(xihu["xixi"], on="2021-13-01"))
    assert response.status_code == 422 and "Enter a valid date" in response.content.decode()
    future = (TODAY + timedelta(days=30)).isoformat()
    response = client.get(_register_url(xihu["xixi"], on=future))
    assert response.status_code == 422
    assert "cannot be shown for a future date" in response.content.decode()


def test_register_download_has_chinese_headers_and_the_pages_figures(client, xihu, register):  # noqa: F811
    response = client.get(reverse("finance:assets_download", args=[xihu["xixi"].code, "csv"])
                          + "?on=" + TODAY.isoformat())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["资产编号", "资产名称", "资产分类"]
    assert [r[0] for r in rows[1:]] == ["A001", "A002", "A003", "A004"]
    assert rows[1][6] == "12000.00" and rows[1][8] == "在用"
    xlsx = client.get(reverse("finance:assets_download", args=[xihu["xixi"].code, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_inventory_through_its_pages(client, verified_login, fin, xihu, campaign, firm):  # noqa: F811
    street = xihu["xixi"].code
    url = reverse("finance:campaign", args=[street, campaign.pk])
    # Before publication the public does not see it; the supervision group does.
    assert client.get(url).status_code == 404
    client.force_login(fin["deputy"])
    assert client.get(url).status_code == 200
    # The firm records a finding with a photo on the page.
    client.force_login(firm)
    page = client.get(url).content.decode()
    assert "Record a finding" in page
    target = campaign.snapshot.get(code="A003")
    response = client.post(reverse("finance:record_finding", args=[street, campaign.pk]), {
        "kind": "misplaced", "item": target.pk, "found_location": "社区仓库", "photos": png()})
    assert response.status_code == 302
    finding = Finding.objects.get(item=target)
    assert finding.photos.count() == 1
    # The firm cannot decide its own finding.
    client.post(reverse("finance:decide", args=[street, campaign.pk, finding.pk, "approve"]))
    assert Finding.objects.get(pk=finding.pk).state == FindingState.RECORDED
    # A photo-less 盘盈 is refused on the form, naming the problem.
    response = client.post(reverse("finance:record_finding", args=[street, campaign.pk]), {
        "kind": "surplus", "name": "打印机", "asset_class": "3", "original_value": "1.005",
        "net_value": "1"})
    assert response.status_code == 422 and "at most two decimals" in response.content.decode()
    # The street approves with a document, then the rest match, closes and publishes.
    staff = verified_login(fin["finance_staff"])
    staff.post(reverse("finance:decide", args=[street, campaign.pk, finding.pk, "approve"]),
               {f"finding-{finding.pk}-note": "同意调整存放地点",
                f"finding-{finding.pk}-documents": pdf()})
    assert Finding.objects.get(pk=finding.pk).state == FindingState.APPROVED
    for s in campaign.snapshot.exclude(pk=target.pk):
        assets.record_finding(firm, campaign, kind="match", item_id=s.pk)
    for f in Finding.objects.filter(state=FindingState.RECORDED):
        assets.approve_finding(fin["finance_staff"], f)
    staff.post(reverse("finance:campaign_step", args=[street, campaign.pk, "close_fieldwork"]))
    response = staff.post(reverse("finance:publish_campaign", args=[street, campaign.pk]),
                          {"summary": "", "confirmed": "1"})
    assert response.status_code == 422
    staff.post(reverse("finance:publish_campaign", args=[street, campaign.pk]),
               {"summary": "清查完毕，位置不符1项。", "confirmed": "1"})
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.PUBLISHED
    client.logout()
    client.cookies["django_language"] = "en"
    page = client.get(url).content.decode()
    assert "清查完毕" in page and "Report by class" in page
    photo = finding.photos.get()
    assert client.get(reverse("core:attachment", args=[photo.pk])).status_code == 200
    report = client.get(reverse("finance:campaign_report", args=[street, campaign.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0][0] == "资产分类" and rows[-1][0] == "合计" and rows[-1][15] == "1"


def test_another_street_and_another_campaign_get_404(client, verified_login, fin, xihu,
                                                     campaign, firm):  # noqa: F811
    street = xihu["xixi"].code
    url = reverse("finance:campaign", args=[street, campaign.pk])
    other_firm = User.objects.create_user("18600008803", name="别家")
    client.force_login(other_firm)
    assert client.get(url).status_code == 404
    staff = verified_login(fin["beishan_finance"])
    assert staff.get(url).status_code == 404
    response = staff.post(reverse("finance:campaign_step", args=[street, campaign.pk,
                                                                 "close_fieldwork"]))
    assert response.status_code == 404
    # The campaign's id under another street's address is not found either.
    assert staff.get(reverse("finance:campaign", args=[xihu["beishan"].code,
                                                       campaign.pk])).status_code == 404
    response = staff.post(reverse("finance:add_asset", args=[street]), item("X9"))
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FIELDWORK
    assert not campaign.street.assets.filter(code="X9").exists()


def test_staff_open_a_campaign_and_enter_assets_on_the_register_page(verified_login, fin, xihu):
    staff = verified_login(fin["finance_staff"])
    street = xihu["xixi"]
    page = staff.get(_register_url(street)).content.decode()
    assert "Open an inventory" in page
    staff.post(reverse("finance:add_asset", args=[street.code]), {
        **item("N1"), "acquired_on": "2020-01-01", "status": "in_use"})
    assert street.assets.filter(code="N1").exists()
    response = staff.post(reverse("finance:open_campaign", args=[street.code]), {
        "title": "清查", "reference_date": TODAY.isoformat(), "firm": "事务所"})
    assert response.status_code == 302 and "/campaigns/" in response["Location"]
