"""Who may do what with livelihood projects. Each rule is a predicate on (person, unit); the
unit is the cycle's street (or district) or the proposal's community."""

from yishi.core.models import Role
from yishi.core.permissions import active_roles, holds, rule

STAFF = {Role.DISTRICT_STAFF, Role.STREET_STAFF}


@rule("projects.manage")
def can_manage(user, unit) -> bool:
    """Open a cycle, move its phases, decide on proposals, publish the notice, run the ballots,
    record the results, accept completion, run the tender."""
    return holds(user, STAFF, unit)


@rule("projects.propose")
def can_propose(user, unit) -> bool:
    """Residents, council members, deputies, departments and staff propose projects."""
    return holds(user, STAFF | {Role.RESIDENT, Role.COUNCIL_MEMBER, Role.DEPUTY,
                                Role.DEPARTMENT_HANDLER}, unit)


@rule("projects.review")
def can_review(user, unit) -> bool:
    """Assess a proposal: staff, the street's departments, invited experts."""
    return holds(user, STAFF | {Role.DEPARTMENT_HANDLER, Role.EXPERT}, unit)


@rule("projects.report")
def can_report(user, project) -> bool:
    """Milestones, progress, spending, completion, answers to residents on one project: the
    street's staff, and the handlers of the department implementing it — a handler of another
    department of the same street reports nothing on it. Takes the project, not a unit, because
    the street alone does not say which department's project it is."""
    unit = project.community
    if holds(user, STAFF, unit):
        return True
    if project.department_id is None:
        return False
    return any(role == Role.DEPARTMENT_HANDLER and unit.path.startswith(path)
               and department_id == project.department_id
               for role, path, department_id in active_roles(user))


@rule("projects.supervise")
def can_supervise(user, unit) -> bool:
    """Log a supervision visit (督查): deputies and council members."""
    return holds(user, {Role.DEPUTY, Role.COUNCIL_MEMBER}, unit)
