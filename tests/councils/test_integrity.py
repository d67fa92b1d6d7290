"""A council's record cannot say two things at once (issue 14): the outcome comes from the count
alone, an early close is confirmed and recorded, a kind voted on its own ballot never becomes
yes/no, a meeting starts on its day and its minutes go out after it closed, and every staff page
offers exactly the steps allowed now."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tests.voting import helpers
from yishi.core.models import AuditRecord, Role, RoleAssignment
from yishi.core.workflow import may
from yishi.councils import meetings, votes
from yishi.councils import minutes as council_minutes
from yishi.councils.models import ItemKind, ItemState, Meeting, MeetingState, Minutes
from yishi.councils.workflows import ITEM, MEETING, MINUTES
from yishi.voting.models import Ballot

from .conftest import start_today

pytestmark = pytest.mark.django_db


def _in_session(meeting, members, people, present=3):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    for m in members[:present]:
        meetings.sign_in(staff, meeting, m)
    return staff


def test_early_close_asks_first_and_is_recorded(verified_login, client, meeting, members,
                                                people):
    staff = _in_session(meeting, members, people)
    item = meeting.items.get(kind=ItemKind.MAJOR_MATTER)
    item = votes.open_vote(staff, item)
    votes.cast_member_vote(members[0].user, item, "yes")
    # 1 of 3 present voted; the council's rule (more than half of all 5) needs 3 to carry.
    with pytest.raises(ValidationError) as asked:
        votes.close_vote(staff, item)
    assert asked.value.code == "confirm" and "1" in asked.value.messages[0]
    item.refresh_from_db()
    assert item.state == ItemState.VOTING and item.ballot.state == "open"
    votes.close_vote(staff, item, confirmed=True)
    item.refresh_from_db()
    assert item.state == ItemState.RESOLVED and item.closed_early and item.votes_cast == 1
    assert item.passed is False  # 1 yes of 5 members: the count, not anyone's wording
    record = AuditRecord.objects.get(action="councils.close_vote")
    assert record.after["closed_early"] == "True" and record.after["needed"] == 3
    page = client.get(f"/councils/meetings/{meeting.pk}/").content.decode()
    assert "closed-early" in page and "文三路停车改造" in page
    meetings.close_meeting(staff, meeting)
    with translation.override("en"):
        text = council_minutes.draft_minutes(staff, meeting).text
    assert "Outcome: Not adopted (1 yes, 0 no, 0 abstaining)." in text
    assert "The vote was closed early: 1 votes had been cast." in text


def test_the_motion_is_fixed_and_the_outcome_is_the_count(verified_login, client, meeting,
                                                          members, people):
    staff = people["street_staff"]
    item = meetings.add_item(staff, meeting, kind=ItemKind.BUDGET_REVIEW,
                             title="2027年街道财政预算草案审查",
                             motion="批准2027年街道财政预算草案")
    # A long motion is refused with the field named, and nothing is added.
    with pytest.raises(ValidationError) as exc:
        meetings.add_item(staff, meeting, kind=ItemKind.MOTION, title="x", motion="长" * 2001)
    assert "motion" in exc.value.message_dict
    _in_session(meeting, members, people)
    item = votes.open_vote(staff, item)
    for m in members[:3]:
        votes.cast_member_vote(m.user, item, "no")
    manage = verified_login(staff).get(f"/councils/manage/meetings/{meeting.pk}/").content.decode()
    assert 'name="resolution"' not in manage  # nobody types what the vote decided
    votes.close_vote(staff, item)
    item.refresh_from_db()
    assert item.passed is False and item.motion == "批准2027年街道财政预算草案"
    client.logout()
    with translation.override("en"):
        page = client.get(f"/councils/meetings/{meeting.pk}/",
                          HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "批准2027年街道财政预算草案" in page and "status-cancelled" in page


def test_a_kind_voted_on_its_own_ballot_never_becomes_yes_no(verified_login, meeting, members,
                                                             people):
    staff = people["street_staff"]
    item = meetings.add_item(staff, meeting, kind=ItemKind.PROJECT_SELECTION,
                             title="2027年民生实事候选项目票选")
    _in_session(meeting, members, people, present=4)
    offered = may(item, staff, workflow=ITEM)
    assert "open_vote" not in offered
    with pytest.raises(ValidationError) as exc:
        votes.open_vote(staff, item)
    assert exc.value.code == "guard" and "ballot" in str(exc.value.messages[0]).lower() or (
        exc.value.code == "guard")
    item.refresh_from_db()
    assert item.state == ItemState.PENDING and item.ballot_id is None
    assert Ballot.objects.count() == 0


def test_a_meeting_starts_on_its_day_not_before(meeting, members, people):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)  # two days ahead
    assert "start_meeting" not in may(meeting, staff, workflow=MEETING)
    with pytest.raises(ValidationError) as exc:
        meetings.start_meeting(staff, meeting)
    assert exc.value.code == "guard"
    assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.CONVENED
    # Later the same day as its start (Asia/Shanghai), it may start.
    local = timezone.localtime()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=local.replace(hour=23, minute=59, second=0, microsecond=0))
    meeting.refresh_from_db()
    assert "start_meeting" in may(meeting, staff, workflow=MEETING)
    meetings.start_meeting(staff, meeting)
    assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.IN_PROGRESS


def test_minutes_are_approved_and_published_only_after_the_meeting_closed(meeting, members,
                                                                          people):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    with pytest.raises(ValidationError):
        council_minutes.draft_minutes(staff, meeting)
    minutes = Minutes.objects.create(meeting=meeting, text="提前写好的纪要")  # e.g. an import
    assert may(minutes, staff, workflow=MINUTES) == {}
    with pytest.raises(ValidationError) as exc:
        council_minutes.approve_minutes(staff, minutes)
    assert exc.value.code == "guard"
    Minutes.objects.filter(pk=minutes.pk).update(state="approved")
    minutes.refresh_from_db()
    with pytest.raises(ValidationError):
        council_minutes.publish_minutes(staff, minutes)
    assert Minutes.objects.get(pk=minutes.pk).published_at is None


def test_the_notice_line_says_what_is_true_now(verified_login, council, members, people):
    staff = people["street_staff"]
    starts = timezone.now() + timedelta(days=20)
    meeting = meetings.create_meeting(staff, council, title="第五次会议", starts_at=starts,
                                      place="会议室")
    meetings.add_item(staff, meeting, kind=ItemKind.OTHER, title="其他事项")
    meetings.convene_meeting(staff, meeting)
    client = verified_login(staff)
    due = f"{timezone.localtime(meeting.notice_due_at):%Y-%m-%d}"
    url = f"/councils/manage/meetings/{meeting.pk}/"
    assert due in client.get(url).content.decode()
    meetings.cancel_meeting(staff, meeting, "场地冲突")
    page = client.get(url).content.decode()
    assert due not in page  # no "goes out on …" for a meeting that will not be held
    assert "/do/start_meeting/" not in page and "/do/cancel_meeting/" not in page


def test_each_state_offers_exactly_its_steps(verified_login, meeting, members, people, xihu):
    staff = people["street_staff"]
    client = verified_login(staff)
    url = f"/councils/manage/meetings/{meeting.pk}/"

    def offered():
        page = client.get(url).content.decode()
        return {name for name in ("convene_meeting", "start_meeting", "close_meeting",
                                  "cancel_meeting", "draft_minutes", "approve_minutes",
                                  "publish_minutes", "open_vote", "close_vote")
                if f"/do/{name}/" in page}, page

    steps, page = offered()
    assert steps == {"convene_meeting", "cancel_meeting"}
    assert page.index("/do/cancel_meeting/") > page.index('class="danger-zone"')
    meetings.convene_meeting(staff, meeting)
    assert offered()[0] == {"cancel_meeting"}  # its day has not come: no start yet
    start_today(staff, meeting)
    for m in members[:3]:
        meetings.sign_in(staff, meeting, m)
    assert offered()[0] == {"close_meeting", "open_vote"}
    item = meeting.items.get(kind=ItemKind.MAJOR_MATTER)
    item = votes.open_vote(staff, item)
    steps, page = offered()
    assert steps == {"close_meeting", "open_vote", "close_vote"}
    assert 'name="confirmed"' in page  # closing a vote asks first
    votes.cast_member_vote(members[0].user, item, "yes")
    votes.close_vote(staff, item, confirmed=True)
    meetings.close_meeting(staff, meeting)
    assert offered()[0] == {"draft_minutes"}
    council_minutes.draft_minutes(staff, meeting)
    assert offered()[0] == {"approve_minutes"}
    # A step posted although the page does not offer it is refused and changes nothing.
    response = client.post(f"{url}do/start_meeting/", follow=True)
    assert "message-error" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.CLOSED


def test_steps_of_another_street_or_role_are_refused(verified_login, client, meeting, members,
                                                     people, xihu):
    other = people["nobody"]
    RoleAssignment.objects.create(user=other, role=Role.STREET_STAFF, unit=xihu["beishan"])
    outsider = verified_login(other)
    for url in (f"/councils/manage/meetings/{meeting.pk}/do/convene_meeting/",
                f"/councils/manage/meetings/{meeting.pk}/items/"
                f"{meeting.items.first().pk}/do/open_vote/",
                f"/councils/manage/meetings/{meeting.pk}/desk/count.json"):
        assert outsider.post(url).status_code in (403, 405), url
    assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.DRAFT
    with pytest.raises(PermissionDenied):
        meetings.convene_meeting(people["council_member"], meeting)
    staff = verified_login(people["street_staff"])
    # Hostile ids and names: an item of another meeting, an unknown step.
    assert staff.post(f"/councils/manage/meetings/{meeting.pk}/items/999999/do/open_vote/"
                      ).status_code == 404
    assert staff.post(f"/councils/manage/meetings/{meeting.pk}/do/drop_tables/").status_code == 404
    assert staff.get(f"/councils/manage/meetings/{meeting.pk}/do/convene_meeting/"
                     ).status_code == 405


def test_the_ballot_of_a_project_selection_is_attached_on_the_page(verified_login, meeting,
                                                                   members, people, xihu):
    from yishi.voting import services as voting

    staff = people["street_staff"]
    item = meetings.add_item(staff, meeting, kind=ItemKind.PROJECT_SELECTION, title="票选")
    client = verified_login(staff)
    url = f"/councils/manage/meetings/{meeting.pk}/"
    assert f'id="ballot-{item.pk}"' in client.get(url).content.decode()
    client.post(url, {"action": "attach_ballot", "item": item.pk, "ballot": "99999"})
    client.post(url, {"action": "attach_ballot", "item": item.pk, "ballot": "1 OR 1=1"})
    item.refresh_from_db()
    assert item.ballot_id is None
    other = voting.create_ballot(people["district_staff"], xihu["beishan"], title="别处票选",
                                 method="choose", options=[voting.OptionInput("A", "甲")],
                                 tellers=helpers.teller_people(people), threshold=2)
    client.post(url, {"action": "attach_ballot", "item": item.pk, "ballot": str(other.pk)})
    item.refresh_from_db()
    assert item.ballot_id is None  # another street's ballot
    ballot = voting.create_ballot(staff, xihu["xixi"], title="民生实事票选", method="choose",
                                  options=[voting.OptionInput("A", "加装电梯")],
                                  tellers=helpers.teller_people(people), threshold=2)
    client.post(url, {"action": "attach_ballot", "item": item.pk, "ballot": str(ballot.pk)})
    item.refresh_from_db()
    assert item.ballot_id == ballot.pk
    assert AuditRecord.objects.filter(action="councils.attach_ballot").count() == 1
    assert f'id="ballot-{item.pk}"' not in client.get(url).content.decode()
