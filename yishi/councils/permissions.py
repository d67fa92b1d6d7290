"""Who may do what with councils, meetings, calls and round tables. Members' own actions
(answering a notice, a written opinion, voting) are checked against the roster, not by role."""

from yishi.core.models import Role
from yishi.core.permissions import holds, rule

COUNCIL_STAFF = {Role.DISTRICT_STAFF, Role.STREET_STAFF}


@rule("councils.manage")
def can_manage(user, unit) -> bool:
    """Roster, meetings, agenda, sign-in desk, votes, minutes, follow-ups, round tables: the
    street committee in its street, the district everywhere."""
    return holds(user, COUNCIL_STAFF, unit)


@rule("councils.convene_district")
def can_convene_district(user, unit) -> bool:
    """Convene the same meeting in every street at once."""
    return holds(user, {Role.DISTRICT_STAFF}, unit)


@rule("councils.raise_call")
def can_raise_call(user, unit) -> bool:
    """Raise or support a one-click call: anyone who lives or works in the street."""
    return holds(user, set(Role.values) - {Role.SYSADMIN}, unit)
