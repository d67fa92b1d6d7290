from datetime import date, timedelta

import pytest
from django.utils import timezone

from yishi.councils import services
from yishi.councils.models import ItemKind


@pytest.fixture
def council(people, xihu):
    staff = people["street_staff"]
    council = services.create_council(staff, xihu["xixi"], term_starts_on=date(2026, 1, 1))
    return council


def member_input(n: int, community, **overrides):
    data = {"mobile": f"1371000{n:04d}", "name": f"成员{n}", "category": "resident",
            "community": community, "birth_date": date(1970, 1, 1),
            "in_street_since": date(2000, 1, 1)}
    data.update(overrides)
    return services.MemberInput(**data)


@pytest.fixture
def members(council, people, xihu):
    term = council.current_term()
    return [services.add_member(people["street_staff"], term,
                                member_input(n, xihu["xixi_community"]))
            for n in range(1, 6)]


@pytest.fixture
def meeting(council, members, people):
    staff = people["street_staff"]
    meeting = services.create_meeting(
        staff, council, title="2026年第三次居民议事会议",
        starts_at=timezone.now() + timedelta(days=2), place="西溪街道办事处三楼会议室")
    services.add_item(staff, meeting, kind=ItemKind.BUDGET_REVIEW, title="2026年街道预算审查")
    services.add_item(staff, meeting, kind=ItemKind.MAJOR_MATTER, title="文三路停车改造")
    return meeting
