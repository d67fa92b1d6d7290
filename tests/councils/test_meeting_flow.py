"""A full meeting through the services: convene, notice, answers, sign-in to quorum, votes on
two items through the voting engine, resolutions, minutes, follow-up actions; and each bad
input the issue lists refused with nothing changed."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tests.voting import helpers
from yishi.core.models import Notification, Role, RoleAssignment
from yishi.councils import meetings, roster, votes
from yishi.councils import minutes as council_minutes
from yishi.councils.models import (
    Attendance,
    ItemKind,
    ItemState,
    Meeting,
    MeetingState,
    MemberStatus,
    Minutes,
    MinutesState,
    Response,
)
from yishi.voting.models import Ballot, BallotState, Participation

from .conftest import start_today

pytestmark = pytest.mark.django_db


def test_full_meeting(meeting, members, people):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CONVENED
    # Two days out with a seven-day notice period: the notice goes at once.
    assert meeting.notice_sent_at is not None
    assert Notification.objects.filter(recipient=members[0].user).count() == 1
    meetings.answer_notice(members[0].user, meeting, attending=True)
    meetings.answer_notice(members[4].user, meeting, attending=False, reason="出差")
    assert Attendance.objects.get(meeting=meeting, member=members[4]).response == Response.LEAVE

    start_today(staff, meeting)
    first, second = meeting.items.all()
    meetings.sign_in(staff, meeting, members[0])
    meetings.sign_in(staff, meeting, members[1])
    with pytest.raises(ValidationError):
        votes.open_vote(staff, first)
    assert Ballot.objects.count() == 0
    meetings.sign_in(staff, meeting, members[2], "online")
    assert meetings.quorum(meeting) == {"present": 3, "entitled": 5, "needed": 3,
                                        "fraction": "1/2", "met": True}
    votes.open_vote(staff, first)
    first.refresh_from_db()
    assert first.ballot.state == BallotState.OPEN and first.ballot.present_count == 3
    for m, answer in zip(members[:3], ["yes", "yes", "no"], strict=True):
        votes.cast_member_vote(m.user, first, answer)
    # Present but not signed in: refused; someone outside the council: refused.
    with pytest.raises(ValidationError):
        votes.cast_member_vote(members[3].user, first, "yes")
    with pytest.raises(PermissionDenied):
        votes.cast_member_vote(people["resident"], first, "yes")
    votes.close_vote(staff, first)  # all three present have voted: no confirmation needed
    first.refresh_from_db()
    assert (first.votes_yes, first.votes_no, first.votes_abstain, first.passed) == (2, 1, 0, False)
    assert first.state == ItemState.RESOLVED and not first.closed_early and first.votes_cast == 3
    # pass rule: more than half of all five members → 2 yes is not enough

    meetings.sign_in(staff, meeting, members[3])
    votes.open_vote(staff, second)
    second.refresh_from_db()
    for m in members[:4]:
        votes.cast_member_vote(m.user, second, "yes")
    votes.close_vote(staff, second)
    second.refresh_from_db()
    assert second.passed is True and second.votes_yes == 4
    assert second.motion_text == "文三路停车改造"

    action = council_minutes.add_follow_up(staff, second, title="完成停车位划线", owner="城管科",
                                    deadline=timezone.localdate() + timedelta(days=30))
    meetings.submit_item_opinion(members[0].user, second, "建议夜间增加巡查。")
    meetings.close_meeting(staff, meeting)
    with translation.override("en"):
        minutes = council_minutes.draft_minutes(staff, meeting)
    assert "建议夜间增加巡查" in minutes.text and "文三路停车改造" in minutes.text
    # The minutes carry the counted outcome of each item, never a typed one.
    assert minutes.text.count("Outcome: Not adopted (2 yes, 1 no, 0 abstaining).") == 1
    assert minutes.text.count("Outcome: Adopted (4 yes, 0 no, 0 abstaining).") == 1
    minutes = council_minutes.edit_minutes(staff, minutes, minutes.text + "\n会议圆满结束。", 1)
    assert minutes.version == 2 and minutes.versions.count() == 2
    council_minutes.approve_minutes(staff, minutes)
    with pytest.raises(ValidationError):
        council_minutes.edit_minutes(staff, minutes, "改写")
    minutes.refresh_from_db()
    assert "会议圆满结束" in minutes.text and minutes.version == 2
    council_minutes.publish_minutes(staff, minutes)
    assert Minutes.objects.get(pk=minutes.pk).state == MinutesState.PUBLISHED
    council_minutes.report_progress(staff, action, state="done", progress="已完成")


def test_convening_in_the_past_is_refused(council, members, people):
    with pytest.raises(ValidationError) as exc:
        meetings.create_meeting(people["street_staff"], council, title="补开会议",
                                starts_at=timezone.now() - timedelta(hours=1), place="会议室")
    assert "starts_at" in exc.value.message_dict
    assert Meeting.objects.count() == 0


def test_street_staff_of_another_street_cannot_convene(council, members, people, xihu):
    other = RoleAssignment.objects.create(user=people["nobody"], role=Role.STREET_STAFF,
                                          unit=xihu["beishan"])
    assert other
    with pytest.raises(PermissionDenied):
        meetings.create_meeting(people["nobody"], council, title="x",
                                starts_at=timezone.now() + timedelta(days=3), place="y")


def test_a_member_outside_the_term_cannot_vote(meeting, members, people):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    for m in members[:4]:
        meetings.sign_in(staff, meeting, m)
    roster.end_membership(staff, members[2], MemberStatus.RESIGNED)
    members[2].refresh_from_db()
    assert members[2].role.ends_on is not None
    item = meeting.items.first()
    votes.open_vote(staff, item)
    item.refresh_from_db()
    with pytest.raises(PermissionDenied):
        votes.cast_member_vote(members[2].user, item, "yes")
    assert Participation.objects.filter(ballot=item.ballot).count() == 0
    with pytest.raises(ValidationError):
        meetings.sign_in(staff, meeting, members[2])


def test_sign_in_twice_counts_once(meeting, members, people):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    assert meetings.sign_in(staff, meeting, members[0]) is True
    assert meetings.sign_in(staff, meeting, members[0]) is False
    assert meetings.quorum(meeting)["present"] == 1


def test_convene_needs_an_agenda(council, members, people):
    staff = people["street_staff"]
    meeting = meetings.create_meeting(staff, council, title="空议程",
                                      starts_at=timezone.now() + timedelta(days=20), place="x")
    with pytest.raises(ValidationError):
        meetings.convene_meeting(staff, meeting)
    meetings.add_item(staff, meeting, kind=ItemKind.OTHER, title="其他事项")
    meetings.convene_meeting(staff, meeting)
    meeting.refresh_from_db()
    # Twenty days out with seven days' notice: the periodic job sends it later, once.
    assert meeting.notice_sent_at is None
    assert meetings.send_due_notices(timezone.now() + timedelta(days=14)) == 5
    assert meetings.send_due_notices(timezone.now() + timedelta(days=14)) == 0


def test_attach_an_existing_project_ballot(meeting, members, people):
    from yishi.voting import services as voting

    staff = people["street_staff"]
    ballot = voting.create_ballot(staff, meeting.council.street, title="民生实事票选",
                                  method="choose", max_choices=1, roll_roles="council_member",
                                  options=[voting.OptionInput("A", "加装电梯"),
                                           voting.OptionInput("B", "老年食堂")],
                                  tellers=[staff, people["deputy"], people["expert"]])
    with pytest.raises(ValidationError):
        meetings.add_item(staff, meeting, kind=ItemKind.OTHER, title="x", ballot=ballot)
    item = meetings.add_item(staff, meeting, kind=ItemKind.PROJECT_SELECTION, title="票选",
                             ballot=ballot)
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    with pytest.raises(ValidationError):
        votes.open_vote(staff, item)
    # The ballot's own roll (every council-member role in the street, six people) decides its
    # quorum: four of the five members signed in are more than half of six.
    for m in members[:4]:
        meetings.sign_in(staff, meeting, m)
    votes.open_vote(staff, item)
    ballot.refresh_from_db()
    assert ballot.state == BallotState.OPEN and ballot.quorum_required
    helpers.take_shares(ballot)
    voting.cast_vote(members[0].user, ballot, {"choices": ["A"]})
    with pytest.raises(ValidationError) as early:  # 1 of 4 present: asks first
        votes.close_vote(staff, item)
    assert early.value.code == "confirm"
    votes.close_vote(staff, item, confirmed=True)
    # Sealed: resolved once the ballot's tellers have decrypted it.
    helpers.count(staff, ballot)
    votes.close_vote(staff, item, confirmed=True)
    item.refresh_from_db()
    assert item.passed is True and item.resolved_at and item.closed_early


@pytest.mark.django_db(transaction=True)
def test_a_deputy_signing_in_performs_a_duty(meeting, members, people):
    from yishi.core.signals import duty_performed

    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    duty_performed.connect(receiver, dispatch_uid="test-councils-duty")
    try:
        staff = people["street_staff"]
        meetings.convene_meeting(staff, meeting)
        start_today(staff, meeting)
        meetings.sign_in(staff, meeting, members[0])
        meetings.sign_in(staff, meeting, members[0])
    finally:
        duty_performed.disconnect(dispatch_uid="test-councils-duty")
    assert len(sent) == 1
    assert sent[0]["kind"] == "meeting" and sent[0]["source_key"] == f"councils.meeting:{meeting.pk}"


def test_online_sign_in_by_the_member(meeting, members, people):
    staff = people["street_staff"]
    with pytest.raises(ValidationError):
        meetings.sign_in_online(members[0].user, meeting)  # not started, no online link
    Meeting.objects.filter(pk=meeting.pk).update(online_url="https://meet.example.cn/r/1")
    meeting.refresh_from_db()
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    with pytest.raises(PermissionDenied):
        meetings.sign_in_online(people["resident"], meeting)
    for m in members[:2]:
        meetings.sign_in(staff, meeting, m)
    meetings.sign_in_online(members[2].user, meeting)
    item = meeting.items.first()
    votes.open_vote(staff, item)
    meetings.sign_in_online(members[3].user, meeting)  # arrives online while the vote is open
    item.refresh_from_db()
    assert item.ballot.present_count == 3
    votes.cast_member_vote(members[3].user, item, "yes")
    votes.close_vote(staff, item, confirmed=True)
    item.ballot.refresh_from_db()
    assert item.ballot.present_count == 4
    assert Attendance.objects.get(meeting=meeting, member=members[2]).mode == "online"


def test_a_member_added_after_the_notice_counts(meeting, members, people, xihu):
    from .conftest import member_input

    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    assert meetings.quorum(meeting)["entitled"] == 5
    late = roster.add_member(staff, meeting.term, member_input(9, xihu["xixi_community"]))
    assert meetings.quorum(meeting)["entitled"] == 6
    meetings.answer_notice(late.user, meeting, attending=True)


@pytest.mark.django_db(transaction=True)
def test_undoing_a_deputys_sign_in_takes_back_the_duty_it_registered(meeting, members, people):
    from yishi.core.models import AuditRecord
    from yishi.deputies.models import DeputyProfile, DutyActivity

    staff, member = people["street_staff"], members[0]
    DeputyProfile.objects.create(user=member.user)
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    key = f"councils.meeting:{meeting.pk}"
    meetings.sign_in(staff, meeting, member)
    assert DutyActivity.objects.filter(deputy__user=member.user, source_key=key).count() == 1
    meetings.undo_sign_in(staff, meeting, member)
    assert not DutyActivity.objects.filter(deputy__user=member.user, source_key=key).exists()
    assert AuditRecord.objects.filter(action="deputies.withdraw_automatic_activity").count() == 1
    meetings.sign_in(staff, meeting, member)  # signed in again: the duty counts again
    assert DutyActivity.objects.get(deputy__user=member.user, source_key=key).state == "confirmed"
