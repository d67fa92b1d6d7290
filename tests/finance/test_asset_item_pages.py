"""An asset's page: its history for everyone, the staff's change, lease and disposal forms, the
district's decision with its document; the attacks: another street's asset by id, another
street's staff, the outside firm, hostile input."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yishi.finance import assets
from yishi.finance.asset_models import AssetStatus, Disposal, DisposalState, LeaseContract

from .test_assets import firm, item, pdf, register  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(asset, name="finance:asset", *more):
    return reverse(name, args=[asset.street.code, asset.pk, *more])


def _change(asset, **kw):
    data = {"name": asset.name, "location": asset.location, "department": asset.department,
            "net_value": str(asset.net_value), "status": asset.status,
            "effective_on": TODAY.isoformat(), "reason": "调整"}
    data.update(kw)
    return {f"change-{k}": v for k, v in data.items()}


def test_the_page_shows_the_history_to_everyone_but_contracts_to_staff(client, fin, register,  # noqa: F811
                                                                      settings):
    assets.change_asset(fin["finance_staff"], register[0], {"location": "文化家园"}, reason="搬迁")
    assets.record_lease(fin["finance_staff"], register[0], kind="lease", tenant="某某商贸公司",
                        starts_on=TODAY, ends_on=TODAY + timedelta(days=365), rent="36000")
    page = client.get(_url(register[0])).content.decode()
    assert "History in the register" in page and "搬迁" in page and "街道办公楼" in page
    assert "某某商贸公司" not in page and "Change the entry" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "资产处置" in client.get(_url(register[0])).content.decode()
    register_page = client.get(reverse("finance:assets", args=[register[0].street.code]))
    assert _url(register[0]) in register_page.content.decode()


def test_another_streets_asset_by_id_is_not_found(client, fin, xihu):
    theirs = assets.register_asset(fin["beishan_finance"], xihu["beishan"], item("B001"))
    wrong = reverse("finance:asset", args=[xihu["xixi"].code, theirs.pk])
    assert client.get(wrong).status_code == 404
    assert client.get(_url(theirs)).status_code == 200


def test_staff_change_the_entry_and_the_old_one_stays(fin, register, verified_login):  # noqa: F811
    client = verified_login(fin["finance_staff"])
    asset = register[0]
    response = client.post(_url(asset, "finance:change_asset"),
                           _change(asset, location="社区服务中心", net_value="2500.00"))
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.location == "社区服务中心" and asset.versions.count() == 2
    again = client.post(_url(asset, "finance:change_asset"),
                        _change(asset, location="社区服务中心", net_value="2500.00"))
    assert again.status_code == 422 and "Nothing to change" in again.content.decode()
    assert asset.versions.count() == 2


@pytest.mark.parametrize("field, value, words", [
    ("net_value", "100.001", "at most two decimals"),
    ("net_value", "=1+1", "not a number"),
    ("net_value", "99999999", "cannot exceed the original value"),
    ("status", "disposed", "Select a valid choice"),
    ("effective_on", "2999-01-01", "cannot be in the future"),
    ("reason", "", "This field is required"),
])
def test_bad_changes_are_named_and_change_nothing(fin, register, verified_login, field,  # noqa: F811
                                                  value, words):
    client = verified_login(fin["finance_staff"])
    asset = register[0]
    response = client.post(_url(asset, "finance:change_asset"),
                           _change(asset, location="别处", **{field: value}))
    assert response.status_code == 422 and words in response.content.decode()
    asset.refresh_from_db()
    assert asset.location == "街道办公楼" and asset.versions.count() == 1


def test_hostile_text_is_shown_as_text(client, fin, register, verified_login):  # noqa: F811
    staff = verified_login(fin["finance_staff"])
    staff.post(_url(register[0], "finance:change_asset"),
               _change(register[0], name="<script>alert(1)</script>", reason="=HYPERLINK(\"x\")"))
    page = staff.get(_url(register[0])).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    download = staff.get(reverse("finance:assets_download", args=[register[0].street.code, "csv"]))
    assert "\"'<script>" not in download.content.decode("utf-8-sig")


def test_a_lease_through_the_page(fin, register, verified_login):  # noqa: F811
    client = verified_login(fin["finance_staff"])
    data = {"lease-kind": "lease", "lease-tenant": "某某商贸公司",
            "lease-starts_on": TODAY.isoformat(),
            "lease-ends_on": (TODAY + timedelta(days=365)).isoformat(), "lease-rent": "36000.00"}
    assert client.post(_url(register[1], "finance:lease_asset"), data).status_code == 302
    register[1].refresh_from_db()
    assert register[1].status == AssetStatus.LEASED
    twice = client.post(_url(register[1], "finance:lease_asset"), data)
    assert twice.status_code == 422 and "already recorded" in twice.content.decode()
    bad = client.post(_url(register[2], "finance:lease_asset"), {**data, "lease-rent": "1.234"})
    assert bad.status_code == 422 and "two decimals" in bad.content.decode()
    assert LeaseContract.objects.count() == 1
    page = client.get(_url(register[1])).content.decode()
    assert "某某商贸公司" in page


def test_outsiders_cannot_change_lease_or_dispose(fin, xihu, register, verified_login,  # noqa: F811
                                                  firm):  # noqa: F811
    asset = register[0]
    campaign = assets.open_campaign(fin["finance_staff"], xihu["xixi"], title="清查",
                                    firm="事务所", reference_date=TODAY)
    member = assets.add_firm_account(fin["finance_staff"], campaign, mobile="18600008897",
                                     name="李")
    for person in (fin["beishan_finance"], fin["district_staff"], fin["street_staff"],
                   member.user):
        client = verified_login(person)
        client.post(_url(asset, "finance:change_asset"), _change(asset, location="别处"))
        client.post(_url(asset, "finance:request_disposal"),
                    {"disposal-method": "scrap", "disposal-reason": "x"})
        client.post(_url(asset, "finance:lease_asset"),
                    {"lease-kind": "loan", "lease-tenant": "x", "lease-starts_on": TODAY,
                     "lease-ends_on": TODAY, "lease-rent": "0"})
    asset.refresh_from_db()
    assert asset.location == "街道办公楼" and asset.status == AssetStatus.IN_USE
    assert not Disposal.objects.exists() and not LeaseContract.objects.exists()
    assert asset.versions.count() == 1


def test_a_disposal_through_the_pages(fin, register, verified_login):  # noqa: F811
    import importlib

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    from yishi.finance import asset_item_views

    # As if a Chinese reader's request had loaded the views first: the English reader below
    # must still get the steps' messages in English.
    with translation.override("zh-hans"):
        importlib.reload(asset_item_views)

    asset = register[0]
    staff = verified_login(fin["finance_staff"])
    response = staff.post(_url(asset, "finance:request_disposal"),
                          {"disposal-method": "sale", "disposal-reason": "车辆老旧"})
    assert response.status_code == 302
    disposal = Disposal.objects.get()
    page = staff.get(_url(asset)).content.decode()
    assert "Awaiting approval" in page and "Approve the disposal" not in page
    approve = _url(asset, "finance:decide_disposal", disposal.pk, "approve")
    # The street cannot approve its own disposal.
    staff.post(approve, {"approve-decision": "自批", "approve-documents": pdf()})
    disposal.refresh_from_db()
    assert disposal.state == DisposalState.AWAITING
    district = verified_login(fin["district_staff"])
    assert "Approve the disposal" in district.get(_url(asset)).content.decode()
    wrong_type = district.post(approve, {"approve-decision": "西财资〔2026〕3号",
                                         "approve-documents": SimpleUploadedFile(
                                             "批复.exe", b"MZ\x90\x00", "application/pdf")})
    assert wrong_type.status_code == 422
    disposal.refresh_from_db()
    assert disposal.state == DisposalState.AWAITING
    ok = district.post(approve, {"approve-decision": "西财资〔2026〕3号",
                                 "approve-documents": pdf()}, follow=True)
    assert ok.redirect_chain[-1][1] == 302
    # The step's message is in the reader's language, not the one the server started in.
    assert "The disposal is approved." in ok.content.decode()
    staff = verified_login(fin["finance_staff"])
    dispose = _url(asset, "finance:decide_disposal", disposal.pk, "dispose")
    bad = staff.post(dispose, {"dispose-disposed_on": TODAY.isoformat(),
                               "dispose-proceeds": "15000.001"})
    assert bad.status_code == 422 and "two decimals" in bad.content.decode()
    done = staff.post(dispose, {"dispose-disposed_on": TODAY.isoformat(),
                                "dispose-proceeds": "15000.00"}, follow=True)
    assert done.redirect_chain[-1][1] == 302
    assert "The disposal is recorded" in done.content.decode()
    asset.refresh_from_db()
    assert asset.status == AssetStatus.DISPOSED
    page = staff.get(_url(asset)).content.decode()
    assert "西财资〔2026〕3号" in page and "15,000.00" in page and "Change the entry" not in page
    assert staff.post(_url(asset, "finance:decide_disposal", disposal.pk, "burn"),
                      {}).status_code == 404
    other = assets.Asset.objects.get(code="A002")
    assert staff.post(_url(other, "finance:decide_disposal", disposal.pk, "dispose"),
                      {}).status_code == 404
