"""The state-asset demo (the seed's story): 转塘's register of a few dozen items, with its history
and leases, and its inventory by an outside firm from snapshot to published report — a decade of
unaccounted assets cleared: equipment scrapped years ago but still on the books (盘亏), items
moved without a record (位置不符), and facilities built with public money that were never entered
(盘盈). Everything goes through the services, as the street and the firm would do it; all of it
is made up and marked as demo (the register, the campaign, the firm's name)."""

import io
from datetime import date
from decimal import Decimal
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from yishi.core.demo import _person
from yishi.core.models import Role, RoleAssignment, Unit

from . import asset_queries, assets
from .asset_models import Asset, FindingKind

STREET = "转塘街道"
FIRM_MOBILE = "13900070101"
REFERENCE_DATE = date(2026, 6, 30)

# code, name, class, location, department, acquired, original value (元), net share, status
ITEMS = [
    ("ZT-TD-001", "转塘社区服务中心用地", "1", "转塘社区", "党政综合办", date(2006, 5, 1), 8600000, 1, "in_use"),
    ("ZT-FW-001", "街道办公楼", "2", "转塘街道办公楼", "党政综合办", date(2008, 9, 1), 21500000, Decimal("0.62"), "in_use"),
    ("ZT-FW-002", "转塘社区服务中心", "2", "转塘社区", "社会事务办", date(2012, 3, 1), 6200000, Decimal("0.70"), "in_use"),
    ("ZT-FW-003", "之江社区文化家园", "2", "之江社区", "社会事务办", date(2015, 7, 1), 3400000, Decimal("0.78"), "in_use"),
    ("ZT-FW-004", "沿街商铺（象山路12号）", "2", "象山路12号", "经济发展办", date(2010, 4, 1), 2100000, Decimal("0.60"), "in_use"),
    ("ZT-FW-005", "沿街商铺（象山路14号）", "2", "象山路14号", "经济发展办", date(2010, 4, 1), 1950000, Decimal("0.60"), "in_use"),
    ("ZT-FW-006", "原农机站仓库", "2", "狮子山路", "经济发展办", date(2003, 1, 1), 780000, Decimal("0.30"), "idle"),
    ("ZT-GZ-001", "社区停车场", "2", "转塘社区", "城市管理办", date(2018, 6, 1), 1150000, Decimal("0.80"), "in_use"),
    ("ZT-TY-001", "办公电脑（批次2019）", "3", "转塘街道办公楼", "党政综合办", date(2019, 3, 1), 486000, Decimal("0.20"), "in_use"),
    ("ZT-TY-002", "办公电脑（批次2023）", "3", "转塘街道办公楼", "党政综合办", date(2023, 3, 1), 512000, Decimal("0.65"), "in_use"),
    ("ZT-TY-003", "复印一体机", "3", "转塘街道办公楼", "党政综合办", date(2016, 8, 1), 68000, Decimal("0.05"), "in_use"),
    ("ZT-TY-004", "投影系统（大会议室）", "3", "转塘街道办公楼", "党政综合办", date(2014, 5, 1), 156000, Decimal("0.05"), "in_use"),
    ("ZT-TY-005", "中央空调机组", "3", "转塘街道办公楼", "党政综合办", date(2011, 7, 1), 920000, Decimal("0.15"), "in_use"),
    ("ZT-TY-006", "服务器及网络设备", "3", "转塘街道办公楼", "党政综合办", date(2017, 11, 1), 345000, Decimal("0.10"), "in_use"),
    ("ZT-TY-007", "电话交换机", "3", "转塘街道办公楼", "党政综合办", date(2009, 2, 1), 88000, Decimal("0.02"), "in_use"),
    ("ZT-TY-008", "档案室密集架", "3", "转塘街道办公楼", "党政综合办", date(2012, 10, 1), 132000, Decimal("0.20"), "in_use"),
    ("ZT-ZY-001", "应急发电机", "4", "转塘街道办公楼", "应急管理办", date(2015, 6, 1), 210000, Decimal("0.35"), "in_use"),
    ("ZT-ZY-002", "防汛抽水泵（4台）", "4", "防汛物资仓库", "应急管理办", date(2013, 5, 1), 96000, Decimal("0.10"), "in_use"),
    ("ZT-ZY-003", "消防器材", "4", "防汛物资仓库", "应急管理办", date(2020, 4, 1), 74000, Decimal("0.55"), "in_use"),
    ("ZT-ZY-004", "垃圾分类智能回收柜（6套）", "4", "各社区", "城市管理办", date(2021, 9, 1), 258000, Decimal("0.60"), "in_use"),
    ("ZT-ZY-005", "老年食堂厨房设备", "4", "转塘社区", "社会事务办", date(2022, 1, 1), 186000, Decimal("0.70"), "in_use"),
    ("ZT-CL-001", "公务用车（轿车）", "5", "转塘街道办公楼", "党政综合办", date(2016, 9, 1), 198000, Decimal("0.10"), "in_use"),
    ("ZT-CL-002", "执法巡查车", "5", "转塘街道办公楼", "城市管理办", date(2019, 5, 1), 165000, Decimal("0.40"), "in_use"),
    ("ZT-CL-003", "电动巡逻车（3辆）", "5", "转塘街道办公楼", "平安办", date(2021, 3, 1), 87000, Decimal("0.55"), "in_use"),
    ("ZT-CL-004", "洒水车", "5", "环卫停车场", "城市管理办", date(2012, 8, 1), 320000, Decimal("0.05"), "awaiting_disposal"),
    ("ZT-JJ-001", "会议桌椅（大会议室）", "6", "转塘街道办公楼", "党政综合办", date(2014, 5, 1), 142000, Decimal("0.20"), "in_use"),
    ("ZT-JJ-002", "办公家具（批次2008）", "6", "转塘街道办公楼", "党政综合办", date(2008, 9, 1), 410000, Decimal("0.05"), "in_use"),
    ("ZT-JJ-003", "办公家具（批次2020）", "6", "转塘街道办公楼", "党政综合办", date(2020, 6, 1), 236000, Decimal("0.55"), "in_use"),
    ("ZT-JJ-004", "社区阅览室书架", "6", "之江社区", "社会事务办", date(2015, 7, 1), 58000, Decimal("0.30"), "in_use"),
    ("ZT-JJ-005", "党群服务中心家具", "6", "转塘社区", "党建办", date(2018, 7, 1), 124000, Decimal("0.45"), "in_use"),
    ("ZT-WW-001", "转塘老街石碑（复制件）", "7", "转塘社区", "社会事务办", date(2011, 10, 1), 45000, 1, "in_use"),
    ("ZT-TS-001", "街道志及档案资料", "8", "转塘街道办公楼", "党政综合办", date(2010, 1, 1), 62000, 1, "in_use"),
    ("ZT-TS-002", "社区图书（约8,000册）", "8", "之江社区", "社会事务办", date(2015, 7, 1), 96000, Decimal("0.60"), "in_use"),
    ("ZT-WX-001", "基层治理信息系统", "9", "转塘街道办公楼", "党政综合办", date(2020, 12, 1), 380000, Decimal("0.50"), "in_use"),
    ("ZT-WX-002", "财务软件", "9", "转塘街道办公楼", "财政所", date(2017, 3, 1), 65000, Decimal("0.10"), "in_use"),
    ("ZT-WX-003", "办公正版软件授权", "9", "转塘街道办公楼", "党政综合办", date(2022, 2, 1), 118000, Decimal("0.60"), "in_use"),
]

# What the firm found (盘亏, 位置不符) on snapshot items, with its note; the rest matched.
DIFFERENCES = {
    "ZT-TY-007": (FindingKind.LOSS, "", "2014年更换为网络电话后旧交换机已拆除报废，未办理核销手续。"),
    "ZT-TY-003": (FindingKind.LOSS, "", "2019年损坏后由供应商回收，账面未核销。"),
    "ZT-JJ-002": (FindingKind.LOSS, "", "2015年办公楼改造时大部分旧家具已清运，现场仅余少量，按报废核销。"),
    "ZT-TY-004": (FindingKind.MISPLACED, "之江社区文化家园", "大会议室改造后投影系统移至文化家园使用，未登记调拨。"),
    "ZT-ZY-002": (FindingKind.MISPLACED, "之江社区防汛点", "抽水泵分散存放于之江社区防汛点。"),
}
# Items found that the register never held (盘盈): name, class, where, original, net, note.
SURPLUS = [
    ("社区健身路径器材（2016年建）", "4", "转塘社区公园", Decimal("135000.00"), Decimal("40500.00"),
     "2016年民生实事项目建成，竣工后未入账。"),
    ("便民服务亭（2处）", "2", "象山路公交站旁", Decimal("268000.00"), Decimal("160800.00"),
     "2017年由街道出资建设，产权归街道，一直未登记。"),
    ("社区监控摄像头（42个）", "3", "各社区", Decimal("210000.00"), Decimal("63000.00"),
     "平安建设项目采购，设备分散在各社区，原按费用列支未形成资产。"),
]


@cache
def _photo_bytes(shade: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120 + shade * 40, 110, 100)).save(out, format="PNG")
    return out.getvalue()


def _photo(seed: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"photo-{seed}.png", _photo_bytes(seed % 3),
                              content_type="image/png")


@cache
def _document_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "演示：街道主任办公会纪要（资产清查结果处理）"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _document() -> SimpleUploadedFile:
    return SimpleUploadedFile("demo-approval.pdf", _document_bytes(),
                              content_type="application/pdf")


def load(stdout=None) -> None:
    street = Unit.objects.filter(name=STREET).first()
    if street is None or Asset.objects.filter(street=street).exists():
        return
    officer = (RoleAssignment.objects.filter(role=Role.FINANCE_STAFF, unit=street)
               .select_related("user").first())
    if officer is None:
        return
    officer = officer.user
    with transaction.atomic():
        _register(street, officer)
        _inventory(street, officer)
    if stdout is not None:
        stdout.write(f"Finance: 转塘's state-asset register ({len(ITEMS)} items) and its inventory "
                     f"by an outside firm (firm account {FIRM_MOBILE}, SMS code), published.\n")


def _register(street, officer) -> None:
    for code, name, cls, where, dept, acquired, original, share, status in ITEMS:
        original = Decimal(original).quantize(Decimal("0.01"))
        assets.register_asset(officer, street, {
            "code": code, "name": name, "asset_class": cls, "location": where,
            "department": dept, "acquired_on": acquired, "original_value": original,
            "net_value": (original * Decimal(share)).quantize(Decimal("0.01")),
            "status": status}, is_demo=True)
    by_code = {a.code: a for a in Asset.objects.filter(street=street)}
    # The history: the shops leased out, the old warehouse lent, depreciation written down.
    assets.record_lease(officer, by_code["ZT-FW-004"], kind="lease", tenant="某连锁便利店（演示）",
                        starts_on=date(2023, 1, 1), ends_on=date(2027, 12, 31), rent="96000.00")
    assets.record_lease(officer, by_code["ZT-FW-005"], kind="lease", tenant="某社区药房（演示）",
                        starts_on=date(2024, 7, 1), ends_on=date(2029, 6, 30), rent="88000.00")
    assets.record_lease(officer, by_code["ZT-FW-006"], kind="loan", tenant="之江社区股份经济合作社",
                        starts_on=date(2025, 3, 1), ends_on=date(2026, 2, 28), rent="0")
    assets.change_asset(officer, by_code["ZT-FW-006"], {"status": "idle"},
                        reason="出借期满收回", effective_on=date(2026, 3, 1))
    assets.change_asset(officer, by_code["ZT-CL-001"], {"net_value": "9900.00"},
                        reason="2025年度折旧", effective_on=date(2025, 12, 31))


def _inventory(street, officer) -> None:
    from yishi.core.models import Role as R

    campaign = assets.open_campaign(officer, street, title="转塘街道2026年国有资产清查（演示）",
                                    reference_date=REFERENCE_DATE,
                                    firm="杭州某会计师事务所（演示）", is_demo=True)
    group = (RoleAssignment.objects.active()
             .filter(role__in=[R.DEPUTY, R.COUNCIL_MEMBER], unit=street)
             .select_related("user").order_by("role", "id"))
    for assignment in list(group)[:3]:
        assets.add_supervisor(officer, campaign, assignment.user)
    firm = _person(FIRM_MOBILE, 7001)
    assets.add_firm_account(officer, campaign, mobile=firm.mobile, name=firm.name)
    campaign = assets.start_inventory(officer, campaign)
    for n, item in enumerate(campaign.snapshot.order_by("code")):
        kind, where, note = DIFFERENCES.get(item.code, (FindingKind.MATCH, "", ""))
        # A missing item has no photo; one that was found elsewhere does, and so does a sample
        # of those that matched.
        photos = [_photo(n)] if kind == FindingKind.MISPLACED or (
            kind == FindingKind.MATCH and n % 4 == 0) else []
        finding = assets.record_finding(firm, campaign, kind=kind, item_id=item.pk,
                                        found_location=where, note=note, photos=photos)
        _approve(officer, finding)
    for n, (name, cls, where, original, net, note) in enumerate(SURPLUS):
        finding = assets.record_finding(firm, campaign, kind=FindingKind.SURPLUS, name=name,
                                        asset_class_code=cls, found_location=where, note=note,
                                        original_value=original, net_value=net,
                                        photos=[_photo(100 + n)])
        _approve(officer, finding)
    assets.close_fieldwork(officer, campaign)
    item = _agenda_item(street)
    if item is not None:
        assets.place_on_agenda(officer, campaign, item)
    assets.publish_report(officer, campaign, summary=(
        "演示数据。本次清查以2026年6月30日为基准日，由第三方会计师事务所逐项核查，街道人大代表和议事会"
        "成员组成的监督小组全程参与。清查资产36项；盘亏3项（多年前已报废或回收、一直未核销），位置不符2项"
        "（调拨未登记），盘盈3项（民生实事和平安建设形成、长期未入账的资产）。以上差异经街道主任办公会"
        "审议同意后调整入账，理清了十多年来的资产“家底”。"))


def _approve(officer, finding) -> None:
    documents = [_document()] if finding.changes_register else []
    assets.approve_finding(officer, finding, documents=documents,
                           note="经街道主任办公会审议同意（演示）" if documents else "")


def _agenda_item(street):
    return asset_queries.report_items(street).first()
