from tests.permission_matrix import assert_matrix
from yishi.core.permissions import RULES, has_perm


def test_rules_are_these():
    assert {r for r in RULES if r.startswith("councils.")} == {
        "councils.manage", "councils.convene_district", "councils.raise_call"}


def test_manage(people, xihu):
    assert_matrix(people, xihu, lambda u, unit: has_perm(u, "councils.manage", unit),
                  in_scope={"district_staff", "street_staff"}, out_of_scope={"district_staff"})


def test_convene_district(people, xihu):
    assert_matrix(people, xihu, lambda u, unit: has_perm(u, "councils.convene_district", unit),
                  in_scope={"district_staff"}, out_of_scope={"district_staff"})


def test_raise_call(people, xihu):
    everyone_in_street = {"district_staff", "street_staff", "deputy", "council_member",
                          "department_handler", "expert", "resident"}
    assert_matrix(people, xihu, lambda u, unit: has_perm(u, "councils.raise_call", unit),
                  in_scope=everyone_in_street, out_of_scope={"district_staff"})
