"""A full meeting through the services: convene, notice, answers, sign-in to quorum, votes on
two items through the voting engine, resolutions, minutes, follow-up actions; and each bad
input the issue lists refused with nothing changed."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.voting import helpers
from yishi.core.models import Notification, Role, RoleAssignment
from yishi.councils import services
from yishi.councils.models import (
    Attendance,
    ItemKind,
    Meeting,
    MeetingState,
    MemberStatus,
    Minutes,
    MinutesState,
    Response,
)
from yishi.voting.models import Ballot, BallotState, Participation

pytestmark = pytest.mark.django_db


def test_full_meeting(meeting, members, people):
    staff = people["street_staff"]
    services.convene_meeting(staff, meeting)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CONVENED
    # Two days out with a seven-day notice period: the notice goes at once.
    assert meeting.notice_sent_at is not None
    assert Notification.objects.filter(recipient=members[0].user).count() == 1
    services.answer_notice(members[0].user, meeting, attending=True)
    services.answer_notice(members[4].user, meeting, attending=False, reason="出差")
    assert Attendance.objects.get(meeting=meeting, member=members[4]).response == Response.LEAVE

    services.start_meeting(staff, meeting)
    first, second = meeting.items.all()
    services.sign_in(staff, meeting, members[0])
    services.sign_in(staff, meeting, members[1])
    with pytest.raises(ValidationError):
        services.open_vote(staff, first)
    assert Ballot.objects.count() == 0
    services.sign_in(staff, meeting, members[2], "online")
    assert services.quorum(meeting) == {"present": 3, "entitled": 5, "needed": 3,
                                        "fraction": "1/2", "met": True}
    services.open_vote(staff, first)
    first.refresh_from_db()
    assert first.ballot.state == BallotState.OPEN and first.ballot.present_count == 3
    for m, answer in zip(members[:3], ["yes", "yes", "no"], strict=True):
        services.cast_member_vote(m.user, first, answer)
    # Present but not signed in: refused; someone outside the council: refused.
    with pytest.raises(ValidationError):
        services.cast_member_vote(members[3].user, first, "yes")
    with pytest.raises(PermissionDenied):
        services.cast_member_vote(people["resident"], first, "yes")
    services.close_vote(staff, first, "同意2026年街道预算。")
    first.refresh_from_db()
    assert (first.votes_yes, first.votes_no, first.votes_abstain, first.passed) == (2, 1, 0, False)
    # pass rule: more than half of all five members → 2 yes is not enough

    services.sign_in(staff, meeting, members[3])
    services.open_vote(staff, second)
    second.refresh_from_db()
    for m in members[:4]:
        services.cast_member_vote(m.user, second, "yes")
    services.close_vote(staff, second)
    second.refresh_from_db()
    assert second.passed is True and second.votes_yes == 4 and second.resolution

    action = services.add_follow_up(staff, second, title="完成停车位划线", owner="城管科",
                                    deadline=timezone.localdate() + timedelta(days=30))
    services.submit_item_opinion(members[0].user, second, "建议夜间增加巡查。")
    services.close_meeting(staff, meeting)
    minutes = services.draft_minutes(staff, meeting)
    assert "建议夜间增加巡查" in minutes.text and "文三路停车改造" in minutes.text
    minutes = services.edit_minutes(staff, minutes, minutes.text + "\n会议圆满结束。", 1)
    assert minutes.version == 2 and minutes.versions.count() == 2
    services.approve_minutes(staff, minutes)
    with pytest.raises(ValidationError):
        services.edit_minutes(staff, minutes, "改写")
    minutes.refresh_from_db()
    assert "会议圆满结束" in minutes.text and minutes.version == 2
    services.publish_minutes(staff, minutes)
    assert Minutes.objects.get(pk=minutes.pk).state == MinutesState.PUBLISHED
    services.report_progress(staff, action, state="done", progress="已完成")


def test_convening_in_the_past_is_refused(council, members, people):
    with pytest.raises(ValidationError) as exc:
        services.create_meeting(people["street_staff"], council, title="补开会议",
                                starts_at=timezone.now() - timedelta(hours=1), place="会议室")
    assert "starts_at" in exc.value.message_dict
    assert Meeting.objects.count() == 0


def test_street_staff_of_another_street_cannot_convene(council, members, people, xihu):
    other = RoleAssignment.objects.create(user=people["nobody"], role=Role.STREET_STAFF,
                                          unit=xihu["beishan"])
    assert other
    with pytest.raises(PermissionDenied):
        services.create_meeting(people["nobody"], council, title="x",
                                starts_at=timezone.now() + timedelta(days=3), place="y")


def test_a_member_outside_the_term_cannot_vote(meeting, members, people):
    staff = people["street_staff"]
    services.convene_meeting(staff, meeting)
    services.start_meeting(staff, meeting)
    for m in members[:4]:
        services.sign_in(staff, meeting, m)
    services.end_membership(staff, members[2], MemberStatus.RESIGNED)
    members[2].refresh_from_db()
    assert members[2].role.ends_on is not None
    item = meeting.items.first()
    services.open_vote(staff, item)
    item.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.cast_member_vote(members[2].user, item, "yes")
    assert Participation.objects.filter(ballot=item.ballot).count() == 0
    with pytest.raises(ValidationError):
        services.sign_in(staff, meeting, members[2])


def test_sign_in_twice_counts_once(meeting, members, people):
    staff = people["street_staff"]
    services.convene_meeting(staff, meeting)
    services.start_meeting(staff, meeting)
    assert services.sign_in(staff, meeting, members[0]) is True
    assert services.sign_in(staff, meeting, members[0]) is False
    assert services.quorum(meeting)["present"] == 1


def test_convene_needs_an_agenda(council, members, people):
    staff = people["street_staff"]
    meeting = services.create_meeting(staff, council, title="空议程",
                                      starts_at=timezone.now() + timedelta(days=20), place="x")
    with pytest.raises(ValidationError):
        services.convene_meeting(staff, meeting)
    services.add_item(staff, meeting, kind=ItemKind.OTHER, title="其他事项")
    services.convene_meeting(staff, meeting)
    meeting.refresh_from_db()
    # Twenty days out with seven days' notice: the periodic job sends it later, once.
    assert meeting.notice_sent_at is None
    assert services.send_due_notices(timezone.now() + timedelta(days=14)) == 5
    assert services.send_due_notices(timezone.now() + timedelta(days=14)) == 0


def test_attach_an_existing_project_ballot(meeting, members, people):
    from yishi.voting import services as voting

    staff = people["street_staff"]
    ballot = voting.create_ballot(staff, meeting.council.street, title="民生实事票选",
                                  method="choose", max_choices=1, roll_roles="council_member",
                                  options=[voting.OptionInput("A", "加装电梯"),
                                           voting.OptionInput("B", "老年食堂")],
                                  tellers=[staff, people["deputy"], people["expert"]])
    with pytest.raises(ValidationError):
        services.add_item(staff, meeting, kind=ItemKind.OTHER, title="x", ballot=ballot)
    item = services.add_item(staff, meeting, kind=ItemKind.PROJECT_SELECTION, title="票选",
                             ballot=ballot)
    services.convene_meeting(staff, meeting)
    services.start_meeting(staff, meeting)
    with pytest.raises(ValidationError):
        services.open_vote(staff, item)
    # The ballot's own roll (every council-member role in the street, six people) decides its
    # quorum: four of the five members signed in are more than half of six.
    for m in members[:4]:
        services.sign_in(staff, meeting, m)
    services.open_vote(staff, item)
    ballot.refresh_from_db()
    assert ballot.state == BallotState.OPEN and ballot.quorum_required
    helpers.take_shares(ballot)
    voting.cast_vote(members[0].user, ballot, {"choices": ["A"]})
    services.close_vote(staff, item)
    # Sealed: resolved once the ballot's tellers have decrypted it.
    helpers.count(staff, ballot)
    services.close_vote(staff, item)
    item.refresh_from_db()
    assert item.passed is True and item.resolved_at


@pytest.mark.django_db(transaction=True)
def test_a_deputy_signing_in_performs_a_duty(meeting, members, people):
    from yishi.core.signals import duty_performed

    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    duty_performed.connect(receiver, dispatch_uid="test-councils-duty")
    try:
        staff = people["street_staff"]
        services.convene_meeting(staff, meeting)
        services.start_meeting(staff, meeting)
        services.sign_in(staff, meeting, members[0])
        services.sign_in(staff, meeting, members[0])
    finally:
        duty_performed.disconnect(dispatch_uid="test-councils-duty")
    assert len(sent) == 1
    assert sent[0]["kind"] == "meeting" and sent[0]["source_key"] == f"councils.meeting:{meeting.pk}"


def test_online_sign_in_by_the_member(meeting, members, people):
    staff = people["street_staff"]
    with pytest.raises(ValidationError):
        services.sign_in_online(members[0].user, meeting)  # not started, no online link
    Meeting.objects.filter(pk=meeting.pk).update(online_url="https://meet.example.cn/r/1")
    meeting.refresh_from_db()
    services.convene_meeting(staff, meeting)
    services.start_meeting(staff, meeting)
    with pytest.raises(PermissionDenied):
        services.sign_in_online(people["resident"], meeting)
    for m in members[:2]:
        services.sign_in(staff, meeting, m)
    services.sign_in_online(members[2].user, meeting)
    item = meeting.items.first()
    services.open_vote(staff, item)
    services.sign_in_online(members[3].user, meeting)  # arrives online while the vote is open
    item.refresh_from_db()
    assert item.ballot.present_count == 3
    services.cast_member_vote(members[3].user, item, "yes")
    services.close_vote(staff, item)
    item.ballot.refresh_from_db()
    assert item.ballot.present_count == 4
    assert Attendance.objects.get(meeting=meeting, member=members[2]).mode == "online"


def test_a_member_added_after_the_notice_counts(meeting, members, people, xihu):
    from .conftest import member_input

    staff = people["street_staff"]
    services.convene_meeting(staff, meeting)
    assert services.quorum(meeting)["entitled"] == 5
    late = services.add_member(staff, meeting.term, member_input(9, xihu["xixi_community"]))
    assert services.quorum(meeting)["entitled"] == 6
    services.answer_notice(late.user, meeting, attending=True)
