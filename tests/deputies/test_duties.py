"""Duty registration (履职登记), confirmation, points from rules in force, and the reception
registered automatically."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from yishi.deputies import services
from yishi.deputies.models import ActivityState, DutyActivity, PointsRule
from yishi.opinions.models import OpinionCategory


def test_register_confirm_and_points(people, deputy):
    today = timezone.localdate()
    PointsRule.objects.create(kind="inspection", points=Decimal(3), valid_from=date(2020, 1, 1))
    PointsRule.objects.create(kind="inspection", points=Decimal(5), valid_from=today)
    older = services.register_activity(people["deputy"], deputy, kind="inspection",
                                       date=today - timedelta(days=1), description="调研电梯加装")
    newer = services.register_activity(people["deputy"], deputy, kind="inspection", date=today,
                                       description="视察老旧小区改造")
    with pytest.raises(ValidationError):
        services.register_activity(people["deputy"], deputy, kind="inspection",
                                   date=today + timedelta(days=1), description="未来")
    with pytest.raises(PermissionDenied):  # another person's register
        services.register_activity(people["council_member"], deputy, kind="training",
                                   date=today, description="x")
    assert services.score(deputy, date(today.year, 1, 1), today)["total"] == 0
    services.decide_activity(people["street_staff"], older, confirm=True)
    services.decide_activity(people["street_staff"], newer, confirm=True)
    # 3 points under the old rule, 5 under the rule in force from today.
    assert services.score(deputy, today - timedelta(days=7), today)["total"] == Decimal(8)
    with pytest.raises(ValidationError):
        services.decide_activity(people["street_staff"], newer, confirm=True)


def test_return_needs_a_reason_and_outsiders_cannot_decide(people, xihu, deputy):
    activity = services.register_activity(people["deputy"], deputy, kind="training",
                                          date=timezone.localdate(), description="参加培训")
    with pytest.raises(ValidationError):
        services.decide_activity(people["street_staff"], activity, confirm=False, reason=" ")
    from yishi.core.models import Role, RoleAssignment, User

    other = User.objects.create_user("13844440000", name="北山工委")
    RoleAssignment.objects.create(user=other, role=Role.STREET_STAFF, unit=xihu["beishan"])
    with pytest.raises(PermissionDenied):
        services.decide_activity(other, activity, confirm=True)
    services.decide_activity(people["street_staff"], activity, confirm=False, reason="缺少证明材料")
    assert DutyActivity.objects.get(pk=activity.pk).state == ActivityState.RETURNED


def test_a_held_reception_registers_itself(people, xihu, session, deputy):
    category = OpinionCategory.objects.create(code="noise", name="噪音扰民")
    services.record_matters(people["deputy"], session, resident_name="甲", resident_mobile="",
                            matters=[services.Matter("噪音", "夜间噪音", category,
                                                     xihu["xixi_community"])])
    services.record_matters(people["deputy"], session, resident_name="乙", resident_mobile="",
                            matters=[services.Matter("噪音2", "夜间噪音", category,
                                                     xihu["xixi_community"])])
    auto = DutyActivity.objects.filter(deputy=deputy, kind="reception", automatic=True)
    assert auto.count() == 1 and auto.get().state == ActivityState.CONFIRMED


def test_pages(client, people, deputy, verified_login):
    client.force_login(people["deputy"])
    bad = client.post(reverse("deputies:my_duties"), {"kind": "inspection", "date": "2999-01-01",
                                                      "description": "x"})
    assert bad.status_code == 400 and not DutyActivity.objects.exists()
    client.post(reverse("deputies:my_duties"), {"kind": "inspection",
                                                "date": timezone.localdate().isoformat(),
                                                "description": "视察"})
    activity = DutyActivity.objects.get()
    verified_login(people["street_staff"])
    assert "视察" in client.get(reverse("deputies:confirm_queue")).content.decode()
    client.post(reverse("deputies:confirm_queue"), {"activity": activity.pk,
                                                    "decision": "confirm"})
    assert DutyActivity.objects.get().state == ActivityState.CONFIRMED


def test_duty_performed_elsewhere_is_registered_once_for_deputies_only(people):
    """Councils and projects announce duties through a core signal; the deputies app registers
    them as confirmed activities, once per source, and ignores people who are not deputies."""
    from datetime import date

    from yishi.core.signals import duty_performed
    from yishi.deputies.models import DeputyProfile, DutyActivity

    the_deputy = people["deputy"]
    DeputyProfile.objects.get_or_create(user=the_deputy)
    for _ in range(2):
        for person in (the_deputy, people["resident"]):
            duty_performed.send(None, user=person, kind="meeting", date=date(2026, 3, 2),
                                description="第三次居民议事会议", source_key="councils.meeting:7")
    activities = DutyActivity.objects.filter(source_key="councils.meeting:7")
    assert [(a.deputy.user, a.kind, a.state, a.automatic) for a in activities] == [
        (the_deputy, "meeting", "confirmed", True)]
