"""One-click calls: raising, supporting once, the threshold making a round table due (once,
under concurrency), staff deciding, overdue flags, and the round table's outcome."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.core.test_concurrency import run_together
from yishi.core.models import AuditRecord, Role, RoleAssignment, User
from yishi.councils import roster, roundtables
from yishi.councils.models import Call, CallState, CallSupport, Council, Outcome, RoundTable


def _neighbours(xihu, count, start=0):
    people = []
    for n in range(start, start + count):
        user = User.objects.create_user(f"1372000{n:04d}", name=f"居民{n}",
                                        home_unit=xihu["xixi_community"])
        RoleAssignment.objects.create(user=user, role=Role.RESIDENT, unit=xihu["xixi_community"])
        people.append(user)
    return people


@pytest.mark.django_db
def test_threshold_makes_round_table_due(council, people, xihu):
    Council.objects.filter(pk=council.pk).update(call_threshold=3, round_table_days=10)
    call = roundtables.raise_call(people["resident"], xihu["xixi_community"], "楼道堆物清理")
    a, b = _neighbours(xihu, 2)
    roundtables.support_call(a, call)
    with pytest.raises(ValidationError):
        roundtables.support_call(a, call)
    with pytest.raises(ValidationError):
        roundtables.support_call(people["resident"], call)  # the raiser supports by raising
    call.refresh_from_db()
    assert call.state == CallState.OPEN and call.supports == 2
    roundtables.support_call(b, call)
    call.refresh_from_db()
    assert call.state == CallState.DUE and call.supports == 3
    assert (call.due_at - timezone.now()).days in (9, 10)
    assert people["street_staff"].notifications.filter(url=f"/councils/calls/{call.pk}/").exists()
    assert not call.overdue
    Call.objects.filter(pk=call.pk).update(due_at=timezone.now() - timedelta(days=1))
    assert list(roundtables.overdue_calls()) == [call]


@pytest.mark.django_db
def test_bad_calls_are_refused(council, people, xihu):
    with pytest.raises(ValidationError) as exc:
        roundtables.raise_call(people["resident"], xihu["xixi_community"], "   ")
    assert "description" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # lives in 西溪, not in 北山
        roundtables.raise_call(people["resident"], xihu["beishan_community"], "北山的事")
    with pytest.raises(ValidationError):
        roundtables.raise_call(people["resident"], xihu["xixi"], "街道不是社区")
    assert Call.objects.count() == 0


@pytest.mark.django_db
def test_staff_decide_and_round_table_becomes_an_opinion(council, people, xihu):
    from yishi.opinions.models import Opinion, OpinionCategory

    staff = people["street_staff"]
    call = roundtables.raise_call(people["resident"], xihu["xixi_community"], "菜场噪音扰民")
    roundtables.decide_round_table(staff, call)
    call.refresh_from_db()
    assert call.state == CallState.DUE and call.triggered_by_staff
    with pytest.raises(ValidationError):
        roundtables.convene_round_table(staff, xihu["xixi"], title="菜场噪音", place="议事厅",
                                        held_at=timezone.now() - timedelta(hours=1),
                                        participants=[], call=call)
    table = roundtables.convene_round_table(
        staff, xihu["xixi"], title="菜场噪音", place="议事厅",
        held_at=timezone.now() + timedelta(days=2), call=call,
        participants=[roundtables.Person("resident", "提议居民", people["resident"]),
                      roundtables.Person("deputy", "代表", people["deputy"])])
    category = OpinionCategory.objects.create(code="env", name="环境卫生")
    with pytest.raises(ValidationError):
        roundtables.record_round_table(staff, table, summary="", actions=[])
    roundtables.record_round_table(
        staff, table, summary="商户同意早七点后营业。", outcome=Outcome.OPINION,
        outcome_text="请市场监管所督促落实营业时间。", category=category,
        actions=[roundtables.AgreedAction("张贴营业时间告示", "菜场管理方",
                                          timezone.localdate() + timedelta(days=7))])
    table.refresh_from_db()
    call.refresh_from_db()
    assert call.state == CallState.CLOSED
    assert table.opinion is not None and Opinion.objects.get(pk=table.opinion.pk).title == "菜场噪音"
    with pytest.raises(ValidationError):
        roundtables.record_round_table(staff, table, summary="again", actions=[])
    assert RoundTable.objects.get().actions.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_supports_count_once_each_and_trigger_once(people, xihu):
    staff = people["street_staff"]
    roster.create_council(staff, xihu["xixi"], call_threshold=5)
    call = roundtables.raise_call(people["resident"], xihu["xixi_community"], "增设休息座椅")
    neighbours = _neighbours(xihu, 8, start=100)
    outcomes = run_together(lambda i: roundtables.support_call(neighbours[i], call))
    assert all(kind == "ok" for kind, _value in outcomes), outcomes
    call.refresh_from_db()
    assert call.supports == 9 == CallSupport.objects.filter(call=call).count()
    assert call.state == CallState.DUE
    assert AuditRecord.objects.filter(action="councils.call_due").count() == 1
    # the same person twice at once: one support
    again = run_together(lambda i: roundtables.support_call(neighbours[0], call), count=4)
    assert all(kind == "error" for kind, _v in again)
    assert CallSupport.objects.filter(call=call).count() == 9


@pytest.mark.django_db
def test_overdue_calls_are_flagged_once(council, people, xihu):
    call = roundtables.raise_call(people["resident"], xihu["xixi_community"], "路灯不亮")
    roundtables.decide_round_table(people["street_staff"], call)
    later = timezone.now() + timedelta(days=council.round_table_days + 1)
    assert roundtables.flag_overdue_calls(timezone.now()) == 0
    assert roundtables.flag_overdue_calls(later) == 1
    assert roundtables.flag_overdue_calls(later) == 0
    assert people["district_staff"].notifications.filter(url=f"/councils/calls/{call.pk}/").exists()
