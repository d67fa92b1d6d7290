"""Who may do what with opinions."""

from yishi.core.models import Role
from yishi.core.permissions import holds, rule


@rule("opinions.manage")
def can_manage(user, unit) -> bool:
    """Accept, refuse, assign, merge, decide extensions, close after supervision."""
    return holds(user, {Role.DISTRICT_STAFF, Role.STREET_STAFF}, unit)


@rule("opinions.record")
def can_record(user, unit) -> bool:
    """Record an opinion on a resident's behalf (reception, phone, letter)."""
    return holds(user, {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPUTY}, unit)



@rule("opinions.connect_case_system")
def can_connect_case_system(user, unit) -> bool:
    """Connect a street's departments to outside case systems; send a failed delivery again."""
    return holds(user, {Role.STREET_STAFF}, unit)
