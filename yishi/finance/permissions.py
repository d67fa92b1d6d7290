"""Who may do what with a street's finances. The street's finance staff (街道财政人员) keep its
budget; the district approves it and edits the classification editions; council members read the
draft and ask questions; everyone reads a budget once it is approved."""

from yishi.core.models import Role
from yishi.core.permissions import holds, rule


@rule("finance.manage")
def can_manage(user, unit) -> bool:
    """Import the budget, execution and final accounts, record adjustments, answer questions."""
    return holds(user, {Role.FINANCE_STAFF}, unit)


@rule("finance.approve")
def can_approve(user, unit) -> bool:
    """Record the district's approval (区级批复), which freezes the original budget."""
    return holds(user, {Role.DISTRICT_STAFF}, unit)


@rule("finance.view_draft")
def can_view_draft(user, unit) -> bool:
    """Read a budget before it is approved: the street's finance and committee staff, its
    council members and deputies, and the district."""
    return holds(user, {Role.FINANCE_STAFF, Role.STREET_STAFF, Role.COUNCIL_MEMBER, Role.DEPUTY,
                        Role.DISTRICT_STAFF}, unit)


@rule("finance.ask")
def can_ask(user, unit) -> bool:
    """Ask a written question on a line: the street's council members."""
    return holds(user, {Role.COUNCIL_MEMBER}, unit)


@rule("finance.edit_classification")
def can_edit_classification(user, unit=None) -> bool:
    return holds(user, {Role.DISTRICT_STAFF}, unit)


@rule("finance.edit_rules")
def can_edit_rules(user, unit=None) -> bool:
    """Set the execution-warning rules: the district."""
    return holds(user, {Role.DISTRICT_STAFF}, unit)


# --- state assets (国有资产) -----------------------------------------------------------------------

@rule("finance.manage_assets")
def can_manage_assets(user, unit) -> bool:
    """Keep the street's asset register and run its inventory campaigns: the street's finance
    staff. (The outside firm's accounts act in one campaign only: see asset_queries.)"""
    return holds(user, {Role.FINANCE_STAFF}, unit)


@rule("finance.approve_disposal")
def can_approve_disposal(user, unit) -> bool:
    """Approve or refuse a street's disposal of a state asset, with the approval document
    (处置批复): the district."""
    return holds(user, {Role.DISTRICT_STAFF}, unit)


@rule("finance.view_inventory")
def can_view_inventory(user, unit) -> bool:
    """Follow an inventory before its report is published: the street's finance and committee
    staff and the district (the supervision group and the firm through their campaign)."""
    return holds(user, {Role.FINANCE_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF}, unit)


@rule("finance.supervise_inventory")
def can_supervise_inventory(user, unit) -> bool:
    """May sit on an inventory's supervision group (监督小组): the street's deputies and council
    members."""
    return holds(user, {Role.DEPUTY, Role.COUNCIL_MEMBER}, unit)
