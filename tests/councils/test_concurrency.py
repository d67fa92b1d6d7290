"""Two sign-ins of the same member at once count once (the attendance row is unique and the
sign-in is a conditional update)."""

import pytest

from tests.core.test_concurrency import run_together
from yishi.core.models import AuditRecord
from yishi.councils import meetings
from yishi.councils.models import Attendance

from .conftest import start_today

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_sign_ins_count_once(meeting, members, people):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    Attendance.objects.filter(meeting=meeting, member=members[0]).delete()  # joined late
    outcomes = run_together(lambda i: meetings.sign_in(staff, meeting, members[0]), count=6)
    assert all(kind == "ok" for kind, _v in outcomes), outcomes
    assert sum(1 for _k, signed in outcomes if signed) == 1
    assert Attendance.objects.filter(meeting=meeting, member=members[0]).count() == 1
    assert meetings.quorum(meeting)["present"] == 1
    assert AuditRecord.objects.filter(action="councils.sign_in").count() == 1
