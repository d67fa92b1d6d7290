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
    ("projects.supervise", {"deputy", "council_member"}, set()),
])
def test_matrix(people, xihu, name, in_scope, out_of_scope):
    assert_matrix(people, xihu, lambda user, unit: has_perm(user, name, unit),
                  in_scope=in_scope, out_of_scope=out_of_scope)


def test_report_is_decided_on_the_project(people, xihu):
    """projects.report takes the project: the street's staff, and only the handlers of the
    department implementing it (tests/projects/test_scope.py carries out the attack)."""
    from yishi.projects.models import Project

    mine, other = list(xihu["xixi"].departments.order_by("pk")[:2])

    def report(user, unit, department=mine):
        return has_perm(user, "projects.report", Project(community=unit, department=department))

    assert_matrix(people, xihu, report, in_scope=STAFF | {"department_handler"},
                  out_of_scope={"district_staff"})
    assert_matrix(people, xihu, lambda u, unit: report(u, unit, other), in_scope=STAFF,
                  out_of_scope={"district_staff"})
