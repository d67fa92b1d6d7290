"""Run one action for every role, inside and outside its scope, and compare with what should
happen. People come from the `people` fixture: district roles in the district, the rest in 西溪;
"in scope" is a community of 西溪, "out of scope" one of 北山."""

ALL_ROLES = [
    "district_staff", "sysadmin", "street_staff", "deputy", "council_member",
    "department_handler", "expert", "resident", "nobody",
]


def assert_matrix(people, xihu, action, *, in_scope: set[str], out_of_scope: set[str]) -> None:
    """`action(user, unit)` returns True when allowed. Every role × scope is asserted."""
    unknown = (in_scope | out_of_scope) - set(ALL_ROLES)
    assert not unknown, f"unknown roles in expectation: {unknown}"
    problems = []
    for role in ALL_ROLES:
        user = people[role]
        for scope, unit, allowed in (
            ("in scope", xihu["xixi_community"], in_scope),
            ("out of scope", xihu["beishan_community"], out_of_scope),
        ):
            for attr in ("_yishi_roles",):
                user.__dict__.pop(attr, None)
            got = bool(action(user, unit))
            if got != (role in allowed):
                problems.append(f"{role} {scope}: expected {'allow' if role in allowed else 'deny'}, got {'allow' if got else 'deny'}")
    assert not problems, "\n".join(problems)
