"""Every projects rule for every role, in and out of scope."""

import pytest

from tests.permission_matrix import assert_matrix
from yishi.core.permissions import RULES, has_perm

pytestmark = pytest.mark.django_db

STAFF = {"district_staff", "street_staff"}


def test_the_rules_are_these():
    assert {r for r in RULES if r.startswith("projects.")} == {
        "projects.manage", "projects.propose", "projects.review", "projects.report",
        "projects.supervise"}


@pytest.mark.parametrize("name, in_scope, out_of_scope", [
    ("projects.manage", STAFF, {"district_staff"}),
    ("projects.propose", STAFF | {"resident", "council_member", "deputy", "department_handler"},
     {"district_staff"}),
    ("projects.review", STAFF | {"department_handler", "expert"}, {"district_staff"}),
    ("projects.report", STAFF | {"department_handler"}, {"district_staff"}),
    ("projects.supervise", {"deputy", "council_member"}, set()),
])
def test_matrix(people, xihu, name, in_scope, out_of_scope):
    assert_matrix(people, xihu, lambda user, unit: has_perm(user, name, unit),
                  in_scope=in_scope, out_of_scope=out_of_scope)
