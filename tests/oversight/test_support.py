"""Service guarantee (服务保障): a street asks the district for support; the district accepts and
answers or declines; the street closes or asks again. Scope, bad input, concurrency."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.core.test_concurrency import run_together
from tests.permission_matrix import assert_matrix
from yishi.core.models import AuditRecord, User
from yishi.core.permissions import has_perm
from yishi.oversight import support
from yishi.oversight.support_models import SupportRequest, SupportState

pytestmark = pytest.mark.django_db
S = SupportState


@pytest.fixture
def asked(people, xihu):
    return support.request_support(people["street_staff"], xihu["xixi"], kind="funding",
                                   title="联络站设备", description="更新设备",
                                   amount=Decimal("36000.50"))


def test_asked_accepted_answered_reopened_and_closed(asked, people):
    district, street = people["district_staff"], people["street_staff"]
    assert asked.amount == Decimal("36000.50") and asked.answer_by > asked.submitted_at
    support.accept(district, asked)
    support.answer(district, asked, "分两批拨付")
    support.reopen(street, asked, "第二批未到位")
    support.answer(district, asked, "第二批已拨付")
    support.close(street, asked)
    asked.refresh_from_db()
    assert asked.state == S.CLOSED and asked.answer == "第二批已拨付"
    assert [e.action for e in asked.events.all()] == [
        "submit", "accept", "answer", "reopen", "answer", "close"]
    assert AuditRecord.objects.filter(action__startswith="oversight.support.").count() == 6


@pytest.mark.parametrize("changes, field", [
    ({"amount": None}, "amount"), ({"amount": "0"}, "amount"), ({"amount": "1.005"}, "amount"),
    ({"amount": "abc"}, "amount"), ({"kind": "car"}, "kind"), ({"title": ""}, "title"),
], ids=["no-amount", "zero", "sub-fen", "not-a-number", "kind", "title"])
def test_bad_request(changes, field, people, xihu):
    data = {"kind": "funding", "title": "经费", "description": "说明", "amount": "100"} | changes
    with pytest.raises(ValidationError) as refused:
        support.request_support(people["street_staff"], xihu["xixi"], **data)
    assert field in refused.value.message_dict
    assert SupportRequest.objects.count() == 0


def test_another_street_cannot_ask_for_or_touch_it(asked, people, xihu, beishan_staff,
                                                   own_login):
    with pytest.raises(PermissionDenied):
        support.request_support(beishan_staff, xihu["xixi"], kind="training", title="x",
                                description="x")
    with pytest.raises(PermissionDenied):
        support.accept(people["street_staff"], asked)  # the asking street cannot accept
    client = own_login(beishan_staff)
    assert client.get(f"/api/oversight/support/{asked.pk}").status_code == 404
    assert client.post(f"/api/oversight/support/{asked.pk}/close").status_code == 404
    assert client.get(f"/oversight/support/{asked.pk}/").status_code == 404
    assert client.get("/api/oversight/support").json() == []
    asked.refresh_from_db()
    assert asked.state == S.SUBMITTED


def test_request_rule_matrix(people, xihu):
    """Who may ask for support for a street: its own staff only."""
    assert_matrix(people, xihu, lambda user, unit: has_perm(user, "oversight.handle", unit.parent),
                  in_scope={"street_staff"}, out_of_scope=set())


def test_api_and_pages(people, xihu, own_login):
    street = own_login(people["street_staff"])
    bad = street.post("/api/oversight/support", {"street": xihu["xixi"].code, "kind": "funding",
                                                 "title": "经费", "description": "x"},
                      content_type="application/json")
    assert bad.status_code in (400, 422) and bad.json()["errors"][0]["field"] == "amount"
    made = street.post("/api/oversight/support", {"street": xihu["xixi"].code,
                                                  "kind": "training", "title": "培训",
                                                  "description": "新任干部培训"},
                       content_type="application/json")
    assert made.status_code == 201 and made.json()["actions"] == []
    pk = made.json()["id"]
    district = own_login(people["district_staff"])
    names = [a["name"] for a in district.get(f"/api/oversight/support/{pk}").json()["actions"]]
    assert names == ["accept", "decline"]
    assert district.post(f"/api/oversight/support/{pk}/accept").json()["state"] == "accepted"
    assert district.post(f"/oversight/support/{pk}/answer/", {"text": ""}).status_code == 400
    assert district.post(f"/oversight/support/{pk}/answer/", {"text": "已安排"}).status_code == 302
    assert "已安排" in street.get(f"/oversight/support/{pk}/").content.decode()
    page = street.post("/oversight/support/", {"kind": "premises", "title": "场地",
                                               "description": "会议场地"})
    assert page.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_accepts_exactly_one(people, xihu):
    asked = support.request_support(people["street_staff"], xihu["xixi"], kind="training",
                                    title="培训", description="x")
    outcomes = run_together(lambda _i: support.accept(
        User.objects.get(pk=people["district_staff"].pk),
        SupportRequest.objects.get(pk=asked.pk)), 20)
    assert [kind for kind, _value in outcomes].count("ok") == 1, outcomes
    assert asked.events.filter(action="accept").count() == 1
    assert AuditRecord.objects.filter(action="oversight.support.accept").count() == 1


def test_a_request_past_its_answer_date_tells_the_district_once(asked, people, settings):
    from datetime import timedelta

    from yishi.core.models import Notification
    from yishi.core.periodic import JOBS

    settings.YISHI_QUIET_HOURS_START = settings.YISHI_QUIET_HOURS_END = 0
    assert JOBS["oversight.support_overdue"] is support.remind_overdue
    district = people["district_staff"]
    before = Notification.objects.filter(recipient=district).count()
    assert support.remind_overdue(asked.answer_by - timedelta(minutes=1)) == 0
    late = asked.answer_by + timedelta(minutes=1)
    assert support.remind_overdue(late) == 1
    assert support.remind_overdue(late + timedelta(days=30)) == 0  # once, not every run
    told = Notification.objects.filter(recipient=district).order_by("-id")
    assert told.count() == before + 1 and asked.title in told.first().subject
    assert asked.events.filter(action="overdue").count() == 1
    assert AuditRecord.objects.filter(action="oversight.support.overdue").count() == 1
    # Answered in time, or declined: nothing to remind of.
    answered = support.request_support(people["street_staff"], asked.street, kind="training",
                                       title="培训", description="x")
    support.accept(district, answered)
    support.answer(district, answered, "已安排")
    declined = support.request_support(people["street_staff"], asked.street, kind="staff",
                                       title="人员", description="x")
    support.decline(district, declined, "暂无编制")
    assert support.remind_overdue(answered.answer_by + timedelta(days=1)) == 0


@pytest.mark.django_db(transaction=True)
def test_several_workers_tell_the_district_once(people, xihu, settings):
    from datetime import timedelta

    from yishi.core.models import Notification

    settings.YISHI_QUIET_HOURS_START = settings.YISHI_QUIET_HOURS_END = 0
    asked = support.request_support(people["street_staff"], xihu["xixi"], kind="training",
                                    title="培训", description="x")
    before = Notification.objects.filter(recipient=people["district_staff"]).count()
    moment = asked.answer_by + timedelta(hours=1)
    outcomes = run_together(lambda _i: support.remind_overdue(moment), 4)
    support.remind_overdue(moment)  # whatever a failed worker left is done now, still once
    assert sum(value for kind, value in outcomes if kind == "ok") <= 1, outcomes
    assert asked.events.filter(action="overdue").count() == 1
    assert AuditRecord.objects.filter(action="oversight.support.overdue").count() == 1
    assert Notification.objects.filter(recipient=people["district_staff"]).count() == before + 1
