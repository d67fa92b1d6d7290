"""Who may do what with ballots."""

from yishi.core.models import Role
from yishi.core.permissions import holds, rule

BALLOT_STAFF = {Role.DISTRICT_STAFF, Role.STREET_STAFF}


@rule("voting.manage_ballot")
def can_manage_ballot(user, unit) -> bool:
    """Create, open, close, publish: the district anywhere, a street's staff in their street."""
    return holds(user, BALLOT_STAFF, unit)


@rule("voting.count_paper")
def can_count_paper(user, unit) -> bool:
    """Tellers: the same staff; a second teller must confirm what the first entered."""
    return holds(user, BALLOT_STAFF, unit)
