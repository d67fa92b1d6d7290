"""The closed loop through its services: every transition, its permission, its timeline and
audit record, deadlines in working days, and bad input that changes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from tests.permission_matrix import assert_matrix
from yishi.core.models import Notification, Role, RoleAssignment, User
from yishi.core.permissions import has_perm
from yishi.opinions import services, tasks
from yishi.opinions.models import (
    Assignment,
    AssignmentState,
    Opinion,
    OpinionState,
    Rating,
    TimelineEntry,
)


def intake(xihu, category, **changes):
    values = dict(title="电动车乱停放", text="12 幢楼道口停满电动车，堵塞消防通道。",
                  category=category, community=xihu["xixi_community"], is_public=True)
    values.update(changes)
    return services.Intake(**values)


@pytest.fixture
def opinion(people, xihu, category):
    return services.submit_opinion(people["resident"], intake(xihu, category))


def states(opinion):
    return list(opinion.timeline.values_list("action", flat=True))


def test_the_whole_loop(people, xihu, opinion, platform, handler):
    staff, resident = people["street_staff"], people["resident"]
    assert opinion.state == OpinionState.SUBMITTED and opinion.number.startswith(
        f"{timezone.now():%Y}002")
    assert opinion.accept_deadline > opinion.created_at
    services.accept_opinion(staff, opinion)
    services.assign_opinion(staff, opinion, [platform])
    assert Notification.objects.filter(recipient=handler, subject__contains=opinion.number).exists()
    services.start_handling(handler, opinion)
    services.reply_to_opinion(handler, opinion, "已规划新建充电棚，下月开工。")
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.REPLIED and opinion.rating_deadline
    services.rate_opinion(resident, opinion, Rating.SATISFIED, "谢谢")
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.CLOSED and opinion.rating == Rating.SATISFIED
    assert states(opinion) == ["submit", "accept", "assign", "start", "reply", "rate"]
    call_command("verify_audit")


def test_unsatisfied_twice_goes_to_supervision(people, xihu, opinion, platform, handler):
    staff, resident = people["street_staff"], people["resident"]
    services.accept_opinion(staff, opinion)
    services.assign_opinion(staff, opinion, [platform])
    services.reply_to_opinion(handler, opinion, "第一次答复")
    services.rate_opinion(resident, opinion, Rating.UNSATISFIED, "没有解决")
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.HANDLING and opinion.reopen_count == 1
    services.reply_to_opinion(handler, opinion, "第二次答复")
    assert opinion.replies.last().round == 2
    services.rate_opinion(resident, opinion, Rating.UNSATISFIED, "还是没有解决")
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.ESCALATED
    assert Notification.objects.filter(recipient=people["deputy"],
                                       subject__contains=opinion.number).exists()
    services.close_supervised(staff, opinion, "代表督办后已整改到位")
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.CLOSED


def test_refused_with_a_reason(people, opinion):
    with pytest.raises(ValidationError):
        services.refuse_opinion(people["street_staff"], opinion, "   ")
    services.refuse_opinion(people["street_staff"], opinion, "该事项已进入诉讼程序")
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.NOT_ACCEPTED
    assert opinion.timeline.last().note == "该事项已进入诉讼程序"


def test_manage_permission_matrix(people, xihu):
    assert_matrix(people, xihu, lambda u, unit: has_perm(u, "opinions.manage", unit),
                  in_scope={"district_staff", "street_staff"}, out_of_scope={"district_staff"})
    assert_matrix(people, xihu, lambda u, unit: has_perm(u, "opinions.record", unit),
                  in_scope={"district_staff", "street_staff", "deputy"},
                  out_of_scope={"district_staff"})


def test_staff_of_another_street_cannot_act(people, xihu, opinion):
    other = User.objects.create_user("13822220000", name="北山工委")
    RoleAssignment.objects.create(user=other, role=Role.STREET_STAFF, unit=xihu["beishan"])
    with pytest.raises(PermissionDenied):
        services.accept_opinion(other, opinion)
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.SUBMITTED


@pytest.mark.parametrize("changes, field", [
    ({"text": ""}, "text"),
    ({"text": "长" * 20000}, "text"),
    ({"title": ""}, "title"),
    ({"latitude": 39.9, "longitude": 116.4}, "latitude"),     # Beijing: outside the district
    ({"latitude": 30.25}, "latitude"),                         # half a point
])
def test_bad_input_changes_nothing(people, xihu, category, changes, field):
    with pytest.raises(ValidationError) as info:
        services.submit_opinion(people["resident"], intake(xihu, category, **changes))
    assert field in info.value.message_dict
    assert not Opinion.objects.exists() and not TimelineEntry.objects.exists()


def test_a_street_is_not_a_community(people, xihu, category):
    with pytest.raises(ValidationError):
        services.submit_opinion(people["resident"], intake(xihu, category,
                                                           community=xihu["xixi"]))


def test_wrong_person_or_wrong_moment(people, xihu, opinion, platform, handler):
    staff = people["street_staff"]
    with pytest.raises(ValidationError):  # not accepted yet
        services.assign_opinion(staff, opinion, [platform])
    services.accept_opinion(staff, opinion)
    with pytest.raises(ValidationError):  # a department of another street
        services.assign_opinion(staff, opinion, [xihu["beishan"].departments.first()])
    services.assign_opinion(staff, opinion, [platform])
    with pytest.raises(PermissionDenied):  # a handler of another department
        services.reply_to_opinion(people["department_handler"], opinion, "x")
    services.reply_to_opinion(handler, opinion, "答复")
    with pytest.raises(PermissionDenied):  # someone else's opinion
        services.rate_opinion(people["deputy"], opinion, Rating.SATISFIED)
    services.rate_opinion(people["resident"], opinion, Rating.SATISFIED)
    with pytest.raises(ValidationError):  # a reply to a closed opinion
        services.reply_to_opinion(handler, opinion, "再答复")
    assert opinion.replies.count() == 1


def test_recorded_on_behalf_by_a_deputy(people, xihu, category):
    opinion = services.submit_opinion(
        people["deputy"], intake(xihu, category, contact_name="张大伯", contact_mobile="13912341234"),
        channel="reception")
    assert opinion.recorded_by == people["deputy"] and opinion.author is None
    assert opinion.public_name == "张**" and opinion.masked_contact == "139****1234"
    with pytest.raises(PermissionDenied):
        services.submit_opinion(people["expert"], intake(xihu, category, contact_name="x"),
                                channel="phone")


def test_transfer_extension_and_merge(people, xihu, opinion, platform, handler, category):
    staff = people["street_staff"]
    services.accept_opinion(staff, opinion)
    services.assign_opinion(staff, opinion, [platform])
    office = xihu["xixi"].departments.exclude(pk=platform.pk).first()
    services.transfer_assignment(handler, opinion, office, "属于城管职责")
    assert list(opinion.assignments.values_list("department", "state")) == [
        (platform.pk, AssignmentState.TRANSFERRED), (office.pk, AssignmentState.ASSIGNED)]
    request = services.request_extension(staff, opinion, 5, "需要协调供电部门")
    before = Assignment.objects.get(opinion=opinion, department=office).deadline
    services.decide_extension(staff, request, approve=True)
    after = Assignment.objects.get(opinion=opinion, department=office).deadline
    assert after > before
    with pytest.raises(ValidationError):
        services.decide_extension(staff, request, approve=False)
    duplicate = services.submit_opinion(people["council_member"], intake(xihu, category))
    services.merge_opinion(staff, duplicate, opinion)
    duplicate.refresh_from_db()
    assert duplicate.state == OpinionState.MERGED and duplicate.merged_into == opinion
    assert Notification.objects.filter(recipient=people["council_member"],
                                       subject__contains=opinion.number).exists()


def test_unrated_replies_close_as_not_rated_not_satisfied(people, opinion, platform, handler):
    staff = people["street_staff"]
    services.accept_opinion(staff, opinion)
    services.assign_opinion(staff, opinion, [platform])
    services.reply_to_opinion(handler, opinion, "答复")
    opinion.refresh_from_db()
    later = opinion.rating_deadline + timedelta(minutes=1)
    assert tasks.run_deadlines(later)[0] == 1
    assert tasks.run_deadlines(later)[0] == 0
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.CLOSED and opinion.rating == Rating.NOT_RATED


def test_overdue_is_escalated_once_and_reminders_sent(people, opinion, platform, handler):
    staff = people["street_staff"]
    late = opinion.accept_deadline + timedelta(hours=1)
    assert tasks.run_deadlines(late)[1] == 1
    assert tasks.run_deadlines(late)[1] == 0
    services.accept_opinion(staff, opinion)
    services.assign_opinion(staff, opinion, [platform],
                            deadline=timezone.now() + timedelta(days=1))
    assert tasks.run_deadlines()[2] == 1
    assert Notification.objects.filter(recipient=handler, subject__startswith="Due soon").exists() \
        or Notification.objects.filter(recipient=handler, subject__contains="即将").exists()


def test_me_too_once_each(people, opinion):
    assert services.support_opinion(people["deputy"], opinion) == 1
    with pytest.raises(ValidationError):
        services.support_opinion(people["deputy"], opinion)
    with pytest.raises(ValidationError):
        services.support_opinion(people["resident"], opinion)  # the author
    assert Opinion.objects.get(pk=opinion.pk).supports == 1
