"""Who may do what at the liaison stations."""

from yishi.core.models import Role
from yishi.core.permissions import holds, rule


@rule("deputies.schedule")
def can_schedule(user, unit) -> bool:
    """Publish reception sessions: the station's street staff, or the district."""
    return holds(user, {Role.DISTRICT_STAFF, Role.STREET_STAFF}, unit)
