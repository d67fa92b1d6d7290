"""Who may do what in the district's oversight: the district assigns, guides and closes; a
street's committee signs for, handles and reports back on its own assignments only; deputies
read their street's."""

from yishi.core.models import Role
from yishi.core.permissions import active_roles, holds, rule

READERS = {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPUTY}


@rule("oversight.assign")
def can_assign(user, unit) -> bool:
    """Assign tasks, close or send back assignments, define report types: the district."""
    return holds(user, {Role.DISTRICT_STAFF}, unit)


@rule("oversight.handle")
def can_handle(user, unit) -> bool:
    """Sign for, handle and report back on an assignment: that street's committee staff."""
    return unit is not None and holds(user, {Role.STREET_STAFF}, unit)


@rule("oversight.guide")
def can_guide(user, unit) -> bool:
    """Link leaders to streets and record guidance visits: the district."""
    return holds(user, {Role.DISTRICT_STAFF}, unit)


@rule("oversight.view_board")
def can_view_board(user, unit) -> bool:
    """The district dashboard, every street side by side: the district."""
    return holds(user, {Role.DISTRICT_STAFF}, unit)


@rule("oversight.view")
def can_view(user, unit) -> bool:
    """Read a street's assignments, visits and figures: the district, that street's staff and
    deputies."""
    return unit is not None and holds(user, READERS, unit)


def reader_paths(user) -> list[str] | None:
    """The unit paths under which `user` may read oversight records; None: everywhere."""
    paths = [path for role, path, _d in active_roles(user) if role in READERS]
    if any(role == Role.DISTRICT_STAFF for role, _p, _d in active_roles(user)):
        return None
    return paths


def is_district(user) -> bool:
    return holds(user, {Role.DISTRICT_STAFF})


# --- evaluation (考评激励) --------------------------------------------------------------------

@rule("oversight.evaluate")
def can_evaluate(user, unit) -> bool:
    """Configure the year's indicator tree, compute, review and publish the scorecards: the
    district."""
    return holds(user, {Role.DISTRICT_STAFF}, unit)


@rule("oversight.self_assess")
def can_self_assess(user, unit) -> bool:
    """Score the street's assessed indicators with evidence (自评): that street's committee."""
    return unit is not None and holds(user, {Role.STREET_STAFF}, unit)
