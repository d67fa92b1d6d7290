"""The assets API: the register as open data as of a date, the firm's findings with photos as a
multipart form, the street's decisions and steps, one error shape, and the attacks: another
street's staff, another campaign's firm, amounts with more than two decimals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yishi.finance.asset_models import CampaignState, Finding, FindingState

from .test_assets import campaign, firm, pdf, png, register  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_register_is_open_data_as_of_a_date(client, xihu, register):  # noqa: F811
    code = xihu["xixi"].code
    today = client.get(f"/api/finance/assets/{code}").json()
    assert [i["code"] for i in today["items"]] == ["A001", "A002", "A003", "A004"]
    assert today["classes"][0]["original"] == "48000.00"
    assert client.get(f"/api/finance/assets/{code}?on=2014-01-01").json()["items"] == []
    future = client.get(f"/api/finance/assets/{code}?on=2999-01-01")
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "on"
    assert client.get("/api/finance/assets/nowhere").status_code == 404


def test_staff_enter_an_asset_and_bad_amounts_are_named(client, verified_login, fin, xihu):
    staff = verified_login(fin["finance_staff"])
    code = xihu["xixi"].code
    body = {"code": "C1", "name": "电脑", "asset_class": "3", "location": "办公楼",
            "department": "党政办", "acquired_on": "2020-01-01", "original_value": "5000.00",
            "net_value": "1000.001"}
    response = staff.post(f"/api/finance/assets/{code}/items", body,
                          content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "net_value"
    assert "two decimals" in response.json()["errors"][0]["message"]
    body["net_value"] = "1000.00"
    assert staff.post(f"/api/finance/assets/{code}/items", body,
                      content_type="application/json").status_code == 201
    other = verified_login(fin["beishan_finance"])
    body["code"] = "C2"
    assert other.post(f"/api/finance/assets/{code}/items", body,
                      content_type="application/json").status_code == 403
    assert not xihu["xixi"].assets.filter(code="C2").exists()


def test_firm_records_and_street_decides_through_the_api(client, verified_login, fin, xihu,
                                                         campaign, firm):  # noqa: F811
    url = f"/api/finance/assets/campaigns/{campaign.pk}"
    assert client.get(url).status_code == 404  # not published yet
    client.force_login(firm)
    item = campaign.snapshot.get(code="A002")
    response = client.post(f"{url}/findings", {"kind": "misplaced", "item": item.pk,
                                               "found_location": "仓库", "photos": [png()]})
    assert response.status_code == 201, response.content
    finding = response.json()
    assert finding["item"] == "A002" and len(finding["photos"]) == 1
    response = client.post(f"{url}/findings", {"kind": "surplus", "name": "柜子",
                                               "asset_class": "6", "original_value": "1.234",
                                               "net_value": "1", "photos": [png()]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "original_value"
    staff = verified_login(fin["finance_staff"])
    detail = staff.get(url).json()
    names = {a["name"] for a in detail["findings"][0]["actions"]}
    assert names == {"approve", "reject"}
    response = staff.post(f"/api/finance/assets/findings/{finding['id']}/approve",
                          {"note": "同意", "documents": [pdf()]})
    assert response.status_code == 200 and response.json()["state"] == FindingState.APPROVED
    response = staff.post(f"{url}/close_fieldwork")
    assert response.status_code == 422 and "no finding yet" in response.json()["detail"]


def test_other_streets_and_other_campaigns_get_404(client, verified_login, fin, xihu,
                                                   campaign, firm):  # noqa: F811
    from yishi.core.models import User

    url = f"/api/finance/assets/campaigns/{campaign.pk}"
    outsider = User.objects.create_user("18600008804", name="别家事务所")
    client.force_login(outsider)
    item = campaign.snapshot.first()
    assert client.post(f"{url}/findings", {"kind": "match", "item": item.pk}).status_code == 404
    staff = verified_login(fin["beishan_finance"])
    assert staff.post(f"{url}/close_fieldwork").status_code == 404
    assert not Finding.objects.exists()
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FIELDWORK
    # The supervision group follows it, but may not move it.
    client.force_login(fin["deputy"])
    assert client.get(url).status_code == 200
    assert client.post(f"{url}/reopen").status_code in (403, 422)
    assert timezone.now()


def test_an_asset_and_its_disposal_through_the_api(client, verified_login, fin, xihu,
                                                    register):  # noqa: F811
    from yishi.finance import assets

    asset, code = register[0], xihu["xixi"].code
    url = f"/api/finance/assets/{code}/items/{asset.pk}"
    detail = client.get(url).json()
    assert detail["history"][0]["status"] == "in_use" and detail["disposals"] == []
    theirs = assets.register_asset(fin["beishan_finance"], xihu["beishan"], {
        "code": "B1", "name": "桌", "asset_class": "6", "location": "x", "department": "y",
        "acquired_on": "2020-01-01", "original_value": "10", "net_value": "1"})
    assert client.get(f"/api/finance/assets/{code}/items/{theirs.pk}").status_code == 404
    other = verified_login(fin["beishan_finance"])
    body = {"method": "scrap", "reason": "损坏"}
    assert other.post(f"{url}/disposal", body, content_type="application/json").status_code \
        == 403
    staff = verified_login(fin["finance_staff"])
    response = staff.post(f"{url}/disposal", body, content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == "awaiting_disposal"
    disposal = response.json()["disposals"][0]
    assert disposal["actions"] == []  # the street does not approve its own disposal
    step = f"/api/finance/assets/disposals/{disposal['id']}"
    assert staff.post(f"{step}/approve", {"decision": "自批", "documents": pdf()}).status_code \
        == 403
    district = verified_login(fin["district_staff"])
    missing = district.post(f"{step}/approve", {"decision": "西财资〔2026〕3号"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "documents"
    approved = district.post(f"{step}/approve", {"decision": "西财资〔2026〕3号",
                                                 "documents": pdf()})
    assert approved.status_code == 200
    staff = verified_login(fin["finance_staff"])
    today = timezone.localdate().isoformat()
    bad = staff.post(f"{step}/dispose", {"disposed_on": today, "proceeds": "1.001"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "proceeds"
    done = staff.post(f"{step}/dispose", {"disposed_on": today, "proceeds": "0"})
    assert done.status_code == 200 and done.json()["status"] == "disposed"
    assert done.json()["disposals"][0]["state"] == "disposed"
    assert staff.post(f"{step}/burn", {}).status_code == 404


def test_change_an_asset_and_record_a_contract_through_the_api(client, verified_login, fin,
                                                                xihu, register):  # noqa: F811
    """The page's two actions, through the API: only the given fields change and the old entry
    stays in the history; a contract sets the status and is refused the second time; another
    street's staff, bad amounts and a loan with rent are refused with nothing changed."""
    from yishi.finance.asset_models import Asset, LeaseContract

    asset, code = register[0], xihu["xixi"].code
    url = f"/api/finance/assets/{code}/items/{asset.pk}"
    other = verified_login(fin["beishan_finance"])
    assert other.patch(url, {"location": "别处", "reason": "x"},
                       content_type="application/json").status_code == 403
    # Their own street's address with our asset's id: not found, nothing changed.
    theirs = f"/api/finance/assets/{xihu['beishan'].code}/items/{asset.pk}"
    assert other.patch(theirs, {"location": "别处", "reason": "x"},
                       content_type="application/json").status_code == 404
    assert other.post(f"{theirs}/contracts", {"kind": "loan", "tenant": "x",
                                              "starts_on": "2026-01-01",
                                              "ends_on": "2026-12-31", "rent": "0"},
                      content_type="application/json").status_code == 404
    staff = verified_login(fin["finance_staff"])
    bad = staff.patch(url, {"net_value": "1.001", "reason": "评估"},
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "net_value"
    no_reason = staff.patch(url, {"location": "二楼"}, content_type="application/json")
    assert no_reason.status_code == 422
    assert Asset.objects.get(pk=asset.pk).location == asset.location
    moved = staff.patch(url, {"location": "二楼会议室", "reason": "搬迁"},
                        content_type="application/json")
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["location"] == "二楼会议室" and body["name"] == asset.name
    assert [v["location"] for v in body["history"][:2]] == ["二楼会议室", asset.location]
    again = staff.patch(url, {"location": "二楼会议室", "reason": "搬迁"},
                        content_type="application/json")
    assert again.status_code == 422  # nothing to change: no second version
    disposed = staff.patch(url, {"status": "disposed", "reason": "报废"},
                           content_type="application/json")
    assert disposed.status_code == 422 and disposed.json()["errors"][0]["field"] == "status"

    today = timezone.localdate()
    contract = {"kind": "lease", "tenant": "某便利店", "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=3 * 365)).isoformat(), "rent": "36000.00"}
    loan_with_rent = staff.post(f"{url}/contracts", {**contract, "kind": "loan"},
                                content_type="application/json")
    assert loan_with_rent.status_code == 422
    assert loan_with_rent.json()["errors"][0]["field"] == "rent"

    # The same contract sent 20 times (retries, double taps) is recorded once; 20 at once are
    # in test_concurrency.py (the service's lock).
    codes = [staff.post(f"{url}/contracts", contract, content_type="application/json")
             .status_code for _n in range(20)]
    assert codes.count(201) == 1 and set(codes) <= {201, 409, 422}
    assert LeaseContract.objects.filter(asset=asset).count() == 1
    assert Asset.objects.get(pk=asset.pk).status == "leased"
    assert client.get(url).json()["history"][0]["status"] == "leased"
