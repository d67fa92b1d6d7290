"""The asset register's history (资产变动记录) reads in the reader's language: why the register
changed is stored as data (reason_kind, reason_params, the person's own words) and written as a
sentence when it is read — on the page, in the API and in the history download alike — whatever
language the person who acted used. What a person typed stays exactly as typed. The migration
turns the sentences stored before, in either language, into that data and keeps what it does not
recognise; and another street's asset is still not found by its id."""

import csv
import importlib
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone, translation

from yishi.finance import assets, disposals
from yishi.finance.asset_models import Asset, AssetVersion, FindingKind, ReasonKind

from .test_assets import campaign, firm, item, pdf, register  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
START, END = date(2024, 1, 1), date(2025, 12, 31)
TYPED = "出借期满收回 <b>50%</b> %(kind)s"
SALE_REASON = "车辆老旧，公开拍卖。"
REFUSAL = "缺少评估报告 — missing the valuation"
DOCUMENT = "西财资〔2026〕3号"

# What each reader must read, and what the other language wrote (never on the reader's page).
SENTENCES = {
    "en": ["Entered in the register", "Lease from Jan. 1, 2024 to Dec. 31, 2025",
           f"Disposal requested (Sale): {SALE_REASON}", f"Disposal refused: {REFUSAL}",
           f"Disposed (Sale), approved by {DOCUMENT}"],
    "zh-hans": ["登记入账", "出租，自2024年1月1日至2025年12月31日",
                f"申请处置（出售）：{SALE_REASON}", f"处置未获批准：{REFUSAL}",
                f"已处置（出售），批复：{DOCUMENT}"],
}
OTHER = {"en": "zh-hans", "zh-hans": "en"}


def _history_by_an_actor_speaking(language, fin, xihu):
    """Every kind of change the system describes, done with the actor's language active (as
    the page and the API would have it), and one change with a typed reason."""
    officer, district = fin["finance_staff"], fin["district_staff"]
    with translation.override(language):
        asset = assets.register_asset(officer, xihu["xixi"], item("R001"))
        assets.record_lease(officer, asset, kind="lease", tenant="某某商贸公司", starts_on=START,
                            ends_on=END, rent="36000")
        assets.change_asset(officer, asset, {"status": "idle"}, reason=TYPED)
        first = disposals.request_disposal(officer, asset, method="sale", reason=SALE_REASON)
        disposals.refuse_disposal(district, first, note=REFUSAL)
        again = disposals.request_disposal(officer, asset, method="sale", reason=SALE_REASON)
        disposals.approve_disposal(district, again, decision=DOCUMENT, documents=[pdf()])
        disposals.record_disposal(officer, again, disposed_on=TODAY, proceeds="15000.00")
    return Asset.objects.get(pk=asset.pk)


def _read(client, settings, asset, language):
    """The history as a reader in `language` gets it: the page, the API, the download."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("finance:asset", args=[asset.street.code, asset.pk]))
    api = client.get(f"/api/finance/assets/{asset.street.code}/items/{asset.pk}")
    download = client.get(reverse("finance:asset_history",
                                  args=[asset.street.code, asset.pk, "csv"]))
    assert page.status_code == api.status_code == download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    return page.content.decode(), [h["reason"] for h in api.json()["history"]], rows


@pytest.mark.parametrize("actor", ["zh-hans", "en"])
@pytest.mark.parametrize("reader", ["zh-hans", "en"])
def test_the_history_reads_in_the_readers_language_whoever_acted(client, settings, fin, xihu,
                                                                 actor, reader):
    asset = _history_by_an_actor_speaking(actor, fin, xihu)
    page, api, rows = _read(client, settings, asset, reader)
    expected = SENTENCES[reader]
    # The API and the download carry the sentences exactly, latest first, the typed one as is.
    assert api == [expected[4], expected[2], expected[3], expected[2], TYPED, expected[1],
                   expected[0]]
    assert [r[1] for r in rows[1:]] == api
    assert rows[0][1] == ("Reason" if reader == "en" else "理由")
    for sentence in expected[:2] + [expected[4]]:
        assert sentence in page
    # Escaped on the page like any text: the typed words are shown, not run.
    assert "出借期满收回 &lt;b&gt;50%&lt;/b&gt; %(kind)s" in page
    for sentence in SENTENCES[OTHER[reader]][:2]:
        assert sentence not in page and sentence not in api


def test_an_inventory_finding_reads_in_the_readers_language(client, settings, fin, campaign,  # noqa: F811
                                                             firm):  # noqa: F811
    snapshot = campaign.snapshot.order_by("code").first()
    with translation.override("zh-hans"):
        finding = assets.record_finding(firm, campaign, kind=FindingKind.LOSS,
                                        item_id=snapshot.pk)
        assets.approve_finding(fin["finance_staff"], finding, documents=[pdf()])
    version = AssetVersion.objects.filter(asset=snapshot.asset).latest("id")
    assert version.reason_kind == ReasonKind.INVENTORY and version.reason == ""
    assert version.reason_params == {"title": "2026年资产清查", "finding": "loss",
                                     "campaign": campaign.pk}
    _page, english, _rows = _read(client, settings, snapshot.asset, "en")
    assert english[0] == "Inventory “2026年资产清查”: Missing"
    _page, chinese, _rows = _read(client, settings, snapshot.asset, "zh-hans")
    assert chinese[0] == "资产清查“2026年资产清查”：盘亏"


def test_what_a_person_typed_is_kept_exactly_and_never_read_as_a_sentence(
        client, settings, fin, register):  # noqa: F811
    officer, asset = fin["finance_staff"], register[0]
    # A typed reason that happens to read like one the system writes is still the person's.
    with translation.override("en"):
        assets.change_asset(officer, asset, {"location": "文化家园"},
                            reason="  Entered in the register  ")
    version = asset.versions.latest("id")
    assert (version.reason_kind, version.reason, version.reason_params) == (
        ReasonKind.TEXT, "Entered in the register", {})
    for language, entered in (("zh-hans", "登记入账"), ("en", "Entered in the register")):
        _page, api, rows = _read(client, settings, asset, language)
        assert api == [r[1] for r in rows[1:]] == ["Entered in the register", entered]


def test_a_typed_reason_too_long_is_refused_not_cut(fin, register):  # noqa: F811
    from django.core.exceptions import ValidationError

    before = register[0].versions.count()
    with pytest.raises(ValidationError) as refused:
        assets.change_asset(fin["finance_staff"], register[0], {"location": "x"},
                            reason="长" * 301)
    assert "reason" in refused.value.message_dict
    assert register[0].versions.count() == before
    register[0].refresh_from_db()
    assert register[0].location == "街道办公楼"


def test_a_disposal_reason_goes_into_the_history_whole(fin, register):  # noqa: F811
    reason = "理由" * 600  # 1,200 characters, within the disposal's 2,000
    disposals.request_disposal(fin["finance_staff"], register[0], method="scrap", reason=reason)
    version = register[0].versions.latest("id")
    assert version.reason == reason and version.reason_params == {"method": "scrap"}
    with translation.override("en"):
        assert version.reason_text == f"Disposal requested (Scrapping): {reason}"


def test_the_api_names_the_kind_and_the_audit_keeps_the_data(client, settings, fin, xihu):
    from yishi.core.models import AuditRecord

    asset = _history_by_an_actor_speaking("zh-hans", fin, xihu)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    history = client.get(f"/api/finance/assets/{asset.street.code}/items/{asset.pk}").json()[
        "history"]
    assert [(h["reason_kind"], h["reason_kind_label"]) for h in history][-2:] == [
        ("lease", "Lease or loan"), ("entered", "Entered in the register")]
    lease = AuditRecord.objects.filter(action="finance.change_asset").order_by("seq").first()
    assert lease.after["reason_kind"] == "lease" and lease.after["start"] == "2024-01-01"
    assert "某某商贸公司" not in str(lease.after)  # the tenant stays on the contract


def test_another_streets_asset_is_still_not_found(client, fin, xihu):
    theirs = assets.register_asset(fin["beishan_finance"], xihu["beishan"], item("B001"))
    xixi = xihu["xixi"].code
    assert client.get(reverse("finance:asset", args=[xixi, theirs.pk])).status_code == 404
    assert client.get(reverse("finance:asset_history",
                              args=[xixi, theirs.pk, "csv"])).status_code == 404
    assert client.get(f"/api/finance/assets/{xixi}/items/{theirs.pk}").status_code == 404
    ours = reverse("finance:asset_history", args=[xihu["beishan"].code, theirs.pk, "xlsx"])
    assert client.get(ours).status_code == 200
    assert client.get(ours.replace(".xlsx", ".exe")).status_code == 404


def test_the_demo_writes_data_not_sentences(fin, xihu):
    from yishi.core.models import Role, RoleAssignment, Unit
    from yishi.finance import asset_demo

    street = Unit.objects.get(name=asset_demo.STREET)
    RoleAssignment.objects.create(user=fin["finance_staff"], role=Role.FINANCE_STAFF, unit=street)
    RoleAssignment.objects.create(user=fin["deputy"], role=Role.DEPUTY, unit=street)
    asset_demo.load()
    versions = AssetVersion.objects.filter(asset__street=street)
    kinds = set(versions.values_list("reason_kind", flat=True))
    assert {"entered", "lease", "inventory", "text"} <= kinds
    assert set(versions.filter(reason_kind="text").values_list("reason", flat=True)) == {
        "出借期满收回", "2025年度折旧"}
    with translation.override("en"):
        loan = versions.get(asset__code="ZT-FW-006", reason_kind="lease").reason_text
    assert loan == "Loan from March 1, 2025 to Feb. 28, 2026"


# --- the migration ---------------------------------------------------------------------------

MIGRATION = importlib.import_module("yishi.finance.migrations.0007_asset_reason_kind")

KNOWN = [
    # Each sentence as the code wrote it in Chinese, in English, and in English with the labels
    # the catalogs held before the English labels were cleaned.
    ("登记入账", "entered", {}, ""),
    ("Entered in the register", "entered", {}, ""),
    ("出租，自2024-01-01至2025-12-31", "lease",
     {"kind": "lease", "start": "2024-01-01", "end": "2025-12-31"}, ""),
    ("Loan from 2025-03-01 to 2026-02-28", "lease",
     {"kind": "loan", "start": "2025-03-01", "end": "2026-02-28"}, ""),
    ("Lease (出租) from 2024-01-01 to 2025-12-31", "lease",
     {"kind": "lease", "start": "2024-01-01", "end": "2025-12-31"}, ""),
    ("申请处置（出售）：车辆老旧：公开拍卖", "disposal_requested", {"method": "sale"}, "车辆老旧：公开拍卖"),
    ("Disposal requested (Scrapping): broken\nbeyond repair", "disposal_requested",
     {"method": "scrap"}, "broken\nbeyond repair"),
    ("Disposal requested (Transfer without charge (无偿划转)): to 之江", "disposal_requested",
     {"method": "transfer"}, "to 之江"),
    ("处置未获批准：缺少评估报告", "disposal_refused", {}, "缺少评估报告"),
    ("Disposal refused: no valuation", "disposal_refused", {}, "no valuation"),
    ("已处置（对外捐赠），批复：西财资〔2026〕3号", "disposed",
     {"method": "donation", "decision": "西财资〔2026〕3号"}, ""),
    ("Disposed (Sale), approved by doc 7", "disposed", {"method": "sale", "decision": "doc 7"}, ""),
    ("资产清查“2026年清查”：盘亏", "inventory", {"title": "2026年清查", "finding": "loss"}, ""),
    ("Inventory “2026 check”: Not in the register (surplus)", "inventory",
     {"title": "2026 check", "finding": "surplus"}, ""),
    ("Inventory “2026 check”: Found elsewhere (位置不符)", "inventory",
     {"title": "2026 check", "finding": "misplaced"}, ""),
]
UNKNOWN = ["2025年度折旧", "Lease from next spring", "出租，自明年至后年",
           "Disposal requested (Burning): x", "Inventory “x”: Lost at sea", ""]


@pytest.mark.parametrize(("text", "kind", "params", "words"), KNOWN)
def test_the_migration_recognises_each_sentence_the_code_wrote(text, kind, params, words):
    assert MIGRATION.recognise(text) == (kind, params, words)


@pytest.mark.parametrize("text", UNKNOWN)
def test_the_migration_keeps_what_it_does_not_recognise(text):
    assert MIGRATION.recognise(text) is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_stored_rows_and_goes_back_without_loss(fin, register):  # noqa: F811
    asset = register[0]
    executor = MigrationExecutor(connection)
    executor.migrate([("finance", "0006_asset_disposal")])
    old = executor.loader.project_state(("finance", "0006_asset_disposal")).apps
    OldVersion = old.get_model("finance", "AssetVersion")
    values = {f: getattr(asset, f) for f in ("code", "name", "location", "department",
                                             "acquired_on", "original_value", "net_value",
                                             "status", "asset_class_id")}
    texts = [text for text, *_ in KNOWN] + UNKNOWN[:-1]
    ids = [OldVersion.objects.create(asset_id=asset.pk, effective_on=TODAY, reason=text,
                                     **values).pk for text in texts]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("finance"))
    rows = AssetVersion.objects.in_bulk(ids)
    for pk, (_text, kind, params, words) in zip(ids, KNOWN, strict=False):
        assert (rows[pk].reason_kind, rows[pk].reason_params, rows[pk].reason) == (
            kind, params, words)
    for pk, text in zip(ids[len(KNOWN):], UNKNOWN, strict=False):
        assert (rows[pk].reason_kind, rows[pk].reason_params, rows[pk].reason) == (
            "text", {}, text)
    with translation.override("en"):
        assert rows[ids[0]].reason_text == "Entered in the register"
        assert rows[ids[2]].reason_text == "Lease from Jan. 1, 2024 to Dec. 31, 2025"
    # Going back writes the Chinese sentence again; the unknown rows are as they were.
    executor = MigrationExecutor(connection)
    executor.migrate([("finance", "0006_asset_disposal")])
    old = executor.loader.project_state(("finance", "0006_asset_disposal")).apps
    back = old.get_model("finance", "AssetVersion").objects.in_bulk(ids)
    assert back[ids[0]].reason == back[ids[1]].reason == "登记入账"
    assert back[ids[2]].reason == "出租，自2024-01-01至2025-12-31"
    assert back[ids[6]].reason == "申请处置（报废报损）：broken\nbeyond repair"
    assert back[ids[10]].reason == KNOWN[10][0]
    assert [back[pk].reason for pk in ids[len(KNOWN):]] == UNKNOWN[:-1]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("finance"))
    assert AssetVersion.objects.get(pk=ids[2]).reason_kind == "lease"


def test_going_back_cuts_a_long_sentence_as_the_code_before_did():
    text = MIGRATION.sentence("disposal_requested", {"method": "sale"}, "理" * 1000)
    assert text == "申请处置（出售）：" + "理" * 200
    assert len(MIGRATION.sentence("inventory", {"title": "题" * 400, "finding": "loss"}, "")) \
        == 300


def test_the_lease_days_in_the_sentence_are_in_the_readers_format(fin, register):  # noqa: F811
    assets.record_lease(fin["finance_staff"], register[1], kind="loan", tenant="x",
                        starts_on=TODAY - timedelta(days=3), ends_on=TODAY + timedelta(days=30),
                        rent="0")
    version = register[1].versions.latest("id")
    assert version.reason_params["start"] == (TODAY - timedelta(days=3)).isoformat()
    with translation.override("zh-hans"):
        day = TODAY - timedelta(days=3)
        assert f"自{day.year}年{day.month}月{day.day}日" in version.reason_text
