"""Who may do what at the liaison stations."""

from yishi.core.models import Role
from yishi.core.permissions import holds, rule


@rule("deputies.schedule")
def can_schedule(user, unit) -> bool:
    """Publish reception sessions: the station's street staff, or the district."""
    return holds(user, {Role.DISTRICT_STAFF, Role.STREET_STAFF}, unit)


@rule("deputies.declare_week")
def can_declare_week(user, unit) -> bool:
    """Declare a deputies' activity week: the district."""
    return holds(user, {Role.DISTRICT_STAFF}, unit)


@rule("deputies.view_evaluation")
def can_view_evaluation(user, unit) -> bool:
    """See the evaluation tables (考评) of a street's deputies and stations."""
    return holds(user, {Role.DISTRICT_STAFF, Role.STREET_STAFF}, unit)


def may_confirm_activities(user, deputy) -> bool:
    """Confirm or return a deputy's duty activities (and see their evidence): the staff who may
    schedule at one of the deputy's stations. Reads `deputy.stations` (prefetch it for lists)."""
    return any(can_schedule(user, station.unit) for station in deputy.stations.all())
