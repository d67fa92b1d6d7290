"""The moderation item's graph (审核流程): pending → approved / edited and approved / hidden; a
public report sends a published text back to the queue."""

from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import SYSTEM, Transition, Workflow

from .models import ModerationItem, ModerationState

S = ModerationState


def _error(message, code):
    from .services import ModerationError

    return ModerationError(message, code=code)


def _moderates(actor, item) -> bool:
    return has_perm(actor, "moderation.moderate", item.street)


def _may_report(actor, item) -> bool:
    """Anyone signed in, except the author (visitors report through the platform's own step)."""
    return bool(getattr(actor, "is_authenticated", False) and actor.pk != item.author_id)


MODERATION = Workflow(
    ModerationItem, "moderation", unit=lambda i: i.street, error=_error,
    state_message=_("This cannot be done while the text is “%(state)s”."),
    conflict_message=_("Another moderator decided on this text first; please reload."),
    transitions=[
        Transition("approve", {S.PENDING}, S.APPROVED, _("Approve"), rule=_moderates),
        Transition("edit", {S.PENDING}, S.EDITED, _("Edit and approve"), rule=_moderates),
        Transition("hide", {S.PENDING, S.APPROVED, S.EDITED}, S.HIDDEN, _("Hide"),
                   rule=_moderates,
                   confirm=_("The public no longer sees the text; the author sees your "
                             "reason.")),
        Transition("reconsider", {S.HIDDEN}, S.PENDING, _("Moderate again"), rule=_moderates),
        # A clean text when the district lets clean texts through (YISHI_MODERATION_AUTO_APPROVE).
        Transition("auto_approve", {S.PENDING}, S.APPROVED, _("Approve automatically"),
                   rule=SYSTEM),
        Transition("reopen", {S.APPROVED, S.EDITED}, S.PENDING, _("Report this"),
                   rule=_may_report, system=True),
    ])
