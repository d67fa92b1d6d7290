"""Who may moderate (审核) and who edits the word list."""

from yishi.core.models import Role
from yishi.core.permissions import holds, rule


@rule("moderation.moderate")
def can_moderate(user, unit) -> bool:
    """Approve, edit and approve, or hide what residents publish: a street's committee staff in
    their street, the district's staff everywhere."""
    return holds(user, {Role.DISTRICT_STAFF, Role.STREET_STAFF}, unit)


@rule("moderation.edit_words")
def can_edit_words(user, unit=None) -> bool:
    """The sensitive-word list is the district's: only district staff edit it."""
    return holds(user, {Role.DISTRICT_STAFF})
