"""Two sign-ins of the same member at once count once (the attendance row is unique and the
sign-in is a conditional update)."""

import pytest

from tests.core.test_concurrency import run_together
from yishi.core.models import AuditRecord
from yishi.councils import services
from yishi.councils.models import Attendance

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_sign_ins_count_once(meeting, members, people):
    staff = people["street_staff"]
    services.convene_meeting(staff, meeting)
    services.start_meeting(staff, meeting)
    Attendance.objects.filter(meeting=meeting, member=members[0]).delete()  # joined late
    outcomes = run_together(lambda i: services.sign_in(staff, meeting, members[0]), count=6)
    assert all(kind == "ok" for kind, _v in outcomes), outcomes
    assert sum(1 for _k, signed in outcomes if signed) == 1
    assert Attendance.objects.filter(meeting=meeting, member=members[0]).count() == 1
    assert services.quorum(meeting)["present"] == 1
    assert AuditRecord.objects.filter(action="councils.sign_in").count() == 1
