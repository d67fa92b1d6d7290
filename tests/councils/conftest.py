from datetime import date, timedelta

import pytest
from django.utils import timezone

from yishi.councils import meetings, roster
from yishi.councils.models import ItemKind


@pytest.fixture
def council(people, xihu):
    staff = people["street_staff"]
    council = roster.create_council(staff, xihu["xixi"], term_starts_on=date(2026, 1, 1))
    return council


def member_input(n: int, community, **overrides):
    data = {"mobile": f"1371000{n:04d}", "name": f"成员{n}", "category": "resident",
            "community": community, "birth_date": date(1970, 1, 1),
            "in_street_since": date(2000, 1, 1)}
    data.update(overrides)
    return roster.MemberInput(**data)


@pytest.fixture
def members(council, people, xihu):
    term = council.current_term()
    return [roster.add_member(people["street_staff"], term,
                                member_input(n, xihu["xixi_community"]))
            for n in range(1, 6)]


@pytest.fixture
def meeting(council, members, people):
    staff = people["street_staff"]
    meeting = meetings.create_meeting(
        staff, council, title="2026年第三次居民议事会议",
        starts_at=timezone.now() + timedelta(days=2), place="西溪街道办事处三楼会议室")
    meetings.add_item(staff, meeting, kind=ItemKind.BUDGET_REVIEW, title="2026年街道预算审查")
    meetings.add_item(staff, meeting, kind=ItemKind.MAJOR_MATTER, title="文三路停车改造")
    return meeting


def start_today(staff, meeting):
    """Start a convened meeting as on its day: the meeting can start no earlier than its day
    (workflows._on_its_day), and the fixtures convene it for the days ahead."""
    from yishi.councils.models import Meeting

    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now())
    meeting.refresh_from_db()
    return meetings.start_meeting(staff, meeting)
