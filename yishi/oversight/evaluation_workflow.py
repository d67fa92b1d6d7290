"""The year's evaluation as a workflow (考评流程): configured by the district, opened for the
streets' self-assessment, reviewed by the district, published. evaluation.py does the work
around each step (computing the scores before review and publication)."""

from django.utils.translation import gettext_lazy as _

from yishi.core.permissions import has_perm
from yishi.core.workflow import Transition, Workflow

from .evaluation_models import EvaluationScheme, SchemeState

S = SchemeState


def _error(message, code):
    from .services import OversightError

    return OversightError(message, code=code)


def _district(actor, scheme) -> bool:
    return has_perm(actor, "oversight.evaluate", scheme.district)


def _tree_complete(scheme):
    from .evaluation import tree_problems

    problems = tree_problems(scheme)
    return " ".join(problems) if problems else None


def _computed(scheme):
    if scheme.computed_at is None:
        return _("Compute the scores first.")
    return None


SCHEME = Workflow(
    EvaluationScheme, "oversight.evaluation", audit_prefix="oversight.evaluation",
    unit=lambda s: s.district, repr=lambda s: s.title, error=_error,
    state_message=_("This cannot be done while the evaluation is “%(state)s”."),
    conflict_message=_("The evaluation was changed by someone else; please reload."),
    transitions=[
        Transition("open", {S.CONFIGURING}, S.ASSESSING, _("Open for self-assessment"),
                   rule=_district, guards=[_tree_complete]),
        Transition("review", {S.ASSESSING}, S.REVIEWING, _("Close self-assessment and review"),
                   rule=_district, guards=[_computed]),
        Transition("reopen", {S.REVIEWING}, S.ASSESSING, _("Reopen self-assessment"),
                   rule=_district),
        Transition("publish", {S.REVIEWING}, S.PUBLISHED, _("Publish the scorecards"),
                   rule=_district, guards=[_computed],
                   confirm=_("The scores are published to the streets and can no longer be "
                             "changed or recomputed.")),
    ],
)
