"""The tender with residents: versions (a published one is fixed), comments per version, the
bidding notice with weights, bids, the panel's scores (out of range refused), the award with
every score, a correction as a new version, objections only within the period."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yishi.projects import services, tender
from yishi.projects.models import Award, Project, ProjectState, Score, TenderState

pytestmark = pytest.mark.django_db


@pytest.fixture
def selected(people, xihu, cycle, categories):
    project = services.propose(people["resident"], cycle, services.ProposalInput(
        title="莫干山路79号加装电梯", description="老旧住宅加装电梯", category=categories["good"],
        community=xihu["xixi_community"], beneficiaries="79号全体住户",
        estimated_cost="600000", address="莫干山路79号"))
    Project.objects.filter(pk=project.pk).update(state=ProjectState.SELECTED)
    project.refresh_from_db()
    return project


def test_tender_from_draft_to_award(people, selected, client):
    staff, resident = people["street_staff"], people["resident"]
    t = tender.start_tender(staff, selected, "招标范围：电梯设备及安装。")
    v1 = t.versions.get()
    tender.edit_draft(staff, v1, "招标范围：电梯设备、安装及五年维保。", "加入维保")
    with pytest.raises(ValidationError):
        services.comment(resident, selected, "草稿还没公布", tender_version=v1)
    tender.publish_version(staff, v1)
    with pytest.raises(ValidationError, match="published"):
        tender.edit_draft(staff, v1, "偷偷改", "")
    v1.refresh_from_db()
    assert "五年维保" in v1.text
    services.comment(resident, selected, "希望增加低楼层住户补偿条款", tender_version=v1)
    v2 = tender.new_version(staff, t, "招标范围：电梯设备、安装及五年维保。\n低楼层补偿按协议执行。",
                            "采纳居民意见：增加低楼层补偿")
    tender.publish_version(staff, v2)
    page = client.get(f"/projects/tenders/{t.pk}/").content.decode()
    assert "低楼层住户补偿" in page and "采纳居民意见" in page and "+低楼层补偿按协议执行。" in page

    deadline = timezone.now() + timedelta(days=10)
    with pytest.raises(ValidationError, match="100"):
        tender.publish_bidding_notice(staff, t, "公告", deadline, [("价格", 50, 100)])
    tender.publish_bidding_notice(staff, t, "莫干山路79号加装电梯招标公告", deadline,
                                  [("价格", 40, 100), ("技术方案", 40, 100), ("服务承诺", 20, 10)])
    a = tender.register_bid(staff, t, "杭州甲电梯公司", "560000", "方案甲")
    b = tender.register_bid(staff, t, "杭州乙电梯公司", "590000", "方案乙")
    with pytest.raises(ValidationError):
        tender.register_bid(staff, t, "丙公司", "-1", "方案丙")
    with pytest.raises(ValidationError):
        tender.register_bid(staff, t, "杭州甲电梯公司", "500000", "again")
    expert, deputy = people["expert"], people["deputy"]
    tender.add_panelist(staff, t, expert, "expert")
    tender.add_panelist(staff, t, deputy, "deputy")
    tender.add_panelist(staff, t, resident, "resident")
    tender.close_bidding(staff, t)
    criteria = list(t.criteria.all())
    with pytest.raises(PermissionDenied):
        tender.score(people["council_member"], a, criteria[0], 80)
    with pytest.raises(ValidationError, match="0 to 10"):
        tender.score(expert, a, criteria[2], 11)
    with pytest.raises(ValidationError):
        tender.score(expert, a, criteria[0], -1)
    assert not Score.objects.exists()
    with pytest.raises(ValidationError, match="Every panel member"):
        tender.award(staff, t)
    marks = {a.pk: (90, 80, 9), b.pk: (80, 85, 8)}
    for person in (expert, deputy, resident):
        for bid in (a, b):
            for c, value in zip(criteria, marks[bid.pk], strict=True):
                tender.score(person, bid, c, value)
    first = tender.award(staff, t)
    assert first.winner == a
    assert first.table["bids"][0]["total"] == str(Decimal("36") + Decimal("32") + Decimal("18")
                                                  + Decimal("0.00"))
    with pytest.raises(ValidationError):
        tender.score(expert, a, criteria[0], 10)  # scores are fixed once the award is published
    with pytest.raises(ValidationError, match="note"):
        tender.award(staff, t)
    second = tender.award(staff, t, "更正：评分表中乙公司报价笔误")
    assert second.number == 2 and Award.objects.filter(tender=t).count() == 2
    objection = tender.object_to_award(resident, t, "乙公司售后更好")
    services.answer_objection(staff, objection, "评分按公布的标准进行")
    t.refresh_from_db()
    assert t.state == TenderState.AWARDED
    type(t).objects.filter(pk=t.pk).update(objections_until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="objection period"):
        tender.object_to_award(resident, t, "晚了")
    page = client.get(f"/projects/tenders/{t.pk}/").content.decode()
    assert "杭州甲电梯公司" in page and "86.00" in page and "更正" in page


def test_score_sheet_saves_all_or_nothing(people, selected, verified_login):
    staff = people["street_staff"]
    t = tender.start_tender(staff, selected, "文件")
    tender.publish_version(staff, t.versions.get())
    tender.publish_bidding_notice(staff, t, "公告", timezone.now() + timedelta(days=3),
                                  [("价格", 60, 100), ("方案", 40, 100)])
    bid = tender.register_bid(staff, t, "甲公司", "500000", "方案")
    tender.add_panelist(staff, t, people["expert"], "expert")
    tender.close_bidding(staff, t)
    client = verified_login(people["expert"])
    c1, c2 = t.criteria.all()
    response = client.post(f"/projects/tenders/{t.pk}/score/",
                           {f"s-{bid.pk}-{c1.pk}": "90", f"s-{bid.pk}-{c2.pk}": "101"})
    assert response.status_code == 400 and "0 to 100" in response.content.decode()
    assert "101" in response.content.decode()
    assert not Score.objects.exists()
    response = client.post(f"/projects/tenders/{t.pk}/score/",
                           {f"s-{bid.pk}-{c1.pk}": "90", f"s-{bid.pk}-{c2.pk}": "70"})
    assert response.status_code == 302 and Score.objects.count() == 2


def test_staff_tender_pages(people, selected, verified_login):
    staff = verified_login(people["street_staff"])
    response = staff.post(f"/projects/manage/projects/{selected.pk}/tender/",
                          {"tender-text": "招标范围：电梯", "tender-change_note": "初稿"})
    t = selected.tender
    assert response.status_code == 302 and t.versions.count() == 1
    url = f"/projects/manage/tenders/{t.pk}/"
    assert staff.get(url).status_code == 200
    v1 = t.versions.get()
    staff.post(url + "publish/", {"version": v1.pk})
    v1.refresh_from_db()
    assert v1.published_at is not None
    response = staff.post(url + "edit/", {"version": v1.pk, "edit-text": "偷偷改",
                                          "edit-change_note": ""})
    assert response.status_code == 400 and "cannot be changed" in response.content.decode()
    v1.refresh_from_db()
    assert v1.text == "招标范围：电梯"
    response = staff.post(url + "notice/", {
        "notice-notice": "公告", "notice-bid_deadline": "2099-01-01T10:00",
        "notice-criteria": "价格 | 60 | 100\n方案 | 30 | 100", "notice-objection_days": "5"})
    assert response.status_code == 400 and "100" in response.content.decode()
    response = staff.post(url + "notice/", {
        "notice-notice": "公告", "notice-bid_deadline": "2099-01-01T10:00",
        "notice-criteria": "价格 | 60 | 100\n方案 | 40 | 100", "notice-objection_days": "5"})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.state == TenderState.BIDDING and t.criteria.count() == 2
    response = staff.post(url + "bid/", {"bid-bidder": "甲", "bid-price": "0",
                                         "bid-proposal": "方案"})
    assert response.status_code == 400 and not t.bids.exists()
    assert staff.get(f"/projects/tenders/{t.pk}/").status_code == 200
