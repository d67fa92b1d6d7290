import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.permission_matrix import assert_matrix
from yishi.core import services
from yishi.core.models import Role, RoleAssignment
from yishi.core.permissions import RULES, has_perm

DISTRICT = {"district_staff"}
STREET_AND_DISTRICT = {"district_staff", "street_staff"}


def rule(name):
    return lambda user, unit: has_perm(user, name, unit)


@pytest.mark.parametrize("name, in_scope, out_of_scope", [
    ("voting.manage_ballot", STREET_AND_DISTRICT, DISTRICT),
    ("voting.count_paper", STREET_AND_DISTRICT, DISTRICT),
    ("opinions.manage", STREET_AND_DISTRICT, DISTRICT),
    ("opinions.record", STREET_AND_DISTRICT | {"deputy"}, DISTRICT),
    ("opinions.connect_case_system", {"street_staff"}, set()),
    ("deputies.schedule", STREET_AND_DISTRICT, DISTRICT),
    ("deputies.view_evaluation", STREET_AND_DISTRICT, DISTRICT),
    ("deputies.declare_week", DISTRICT, DISTRICT),
    ("oversight.assign", DISTRICT, DISTRICT),
    ("oversight.guide", DISTRICT, DISTRICT),
    ("oversight.view_board", DISTRICT, DISTRICT),
    ("oversight.handle", {"street_staff"}, set()),
    ("oversight.view", STREET_AND_DISTRICT | {"deputy"}, DISTRICT),
    ("oversight.evaluate", DISTRICT, DISTRICT),
    ("oversight.self_assess", {"street_staff"}, set()),
    ("core.verify_resident", STREET_AND_DISTRICT, DISTRICT),
    ("core.assign_role", STREET_AND_DISTRICT | {"sysadmin"}, DISTRICT | {"sysadmin"}),
    ("core.view_audit", STREET_AND_DISTRICT | {"sysadmin"}, DISTRICT | {"sysadmin"}),
    ("core.upload_attachment", {r for r in
                                ["district_staff", "sysadmin", "street_staff", "deputy",
                                 "council_member", "department_handler", "expert", "resident",
                                 "nobody"]},
     {"district_staff", "sysadmin", "street_staff", "deputy", "council_member",
      "department_handler", "expert", "resident", "nobody"}),
    ("core.view_workspace",
     {"district_staff", "sysadmin", "street_staff", "deputy", "council_member",
      "department_handler", "expert"},
     {"district_staff", "sysadmin", "street_staff", "deputy", "council_member",
      "department_handler", "expert"}),
])
def test_rule_matrix(people, xihu, name, in_scope, out_of_scope):
    assert_matrix(people, xihu, rule(name), in_scope=in_scope, out_of_scope=out_of_scope)


def test_every_rule_is_covered_by_the_matrix():
    """A new permission rule must be added to the matrix above (the councils, projects and
    finance apps pin theirs in their own tests, and so does moderation)."""
    covered = {"core.verify_resident", "core.assign_role", "core.view_audit",
               "core.upload_attachment", "core.view_workspace", "voting.manage_ballot",
               "voting.count_paper", "opinions.manage", "opinions.record", "deputies.schedule",
               "deputies.view_evaluation", "deputies.declare_week", "oversight.assign",
               "oversight.guide", "oversight.view_board", "oversight.handle", "oversight.view",
               "oversight.evaluate", "oversight.self_assess", "opinions.connect_case_system"}
    pinned_elsewhere = {"councils", "projects", "finance", "moderation"}
    assert {r for r in RULES if r.split(".")[0] not in pinned_elsewhere} == covered


def test_ended_role_grants_nothing(people, xihu):
    from datetime import date, timedelta

    staff = people["street_staff"]
    RoleAssignment.objects.filter(user=staff).update(ends_on=date.today() - timedelta(days=1))
    staff.__dict__.pop("_yishi_roles", None)
    assert not has_perm(staff, "core.verify_resident", xihu["xixi_community"])


def test_assign_role_service_matrix(people, xihu):
    """The service enforces the same rule, for every role in and out of scope."""
    from yishi.core.models import User

    target = User.objects.create_user("18700000001", name="Target")

    def action(user, unit):
        try:
            with __import__("django.db").db.transaction.atomic():
                services.assign_role(user, target, Role.COUNCIL_MEMBER, unit.parent)
                raise _Rollback
        except _Rollback:
            return True
        except PermissionDenied:
            return False

    assert_matrix(people, xihu, action,
                  in_scope={"district_staff", "sysadmin", "street_staff"},
                  out_of_scope={"district_staff", "sysadmin"})


class _Rollback(Exception):
    pass


def test_street_staff_cannot_hand_out_district_roles(people, xihu):
    from yishi.core.models import User

    target = User.objects.create_user("18700000002", name="Target")
    with pytest.raises(PermissionDenied):
        services.assign_role(people["street_staff"], target, Role.STREET_STAFF, xihu["xixi"])
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_handler_needs_a_department_of_the_same_street(people, xihu):
    from yishi.core.models import User

    target = User.objects.create_user("18700000003", name="Target")
    with pytest.raises(ValidationError):
        services.assign_role(people["district_staff"], target, Role.DEPARTMENT_HANDLER,
                             xihu["xixi"], xihu["beishan"].departments.first())
    with pytest.raises(ValidationError):
        services.assign_role(people["district_staff"], target, Role.DEPARTMENT_HANDLER,
                             xihu["xixi"])
    assert not RoleAssignment.objects.filter(user=target).exists()
    services.assign_role(people["district_staff"], target, Role.DEPARTMENT_HANDLER, xihu["xixi"],
                         xihu["xixi"].departments.first())


def test_duplicate_role_is_refused_cleanly(people, xihu):
    with pytest.raises(ValidationError):
        services.assign_role(people["district_staff"], people["deputy"], Role.DEPUTY, xihu["xixi"])
    assert RoleAssignment.objects.filter(user=people["deputy"], role=Role.DEPUTY).count() == 1


def test_verify_resident(people, xihu):
    from django.utils import timezone

    from yishi.core.models import AuditRecord, User

    person = User.objects.create_user("13755550000", name="新居民", home_unit=xihu["xixi_community"])
    with pytest.raises(PermissionDenied):
        services.verify_resident(people["deputy"], person)
    other = User.objects.create_user("13755550001", name="北山居民",
                                     home_unit=xihu["beishan_community"])
    with pytest.raises(PermissionDenied):
        services.verify_resident(people["street_staff"], other)
    services.verify_resident(people["street_staff"], person)
    person.refresh_from_db()
    assert person.verified_at and person.verified_at <= timezone.now()
    with pytest.raises(ValidationError):
        services.verify_resident(people["street_staff"], person)
    assert AuditRecord.objects.filter(action="core.verify_resident").count() == 1
