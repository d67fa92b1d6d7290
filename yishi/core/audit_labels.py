"""What each audit action is called in words (审计动作名称), in the reader's language.

An audit record stores its action as a code (`opinions.accept`, `finance.register_asset`): the
code is what the hash chain covers and what an auditor searches by, so it never changes. Pages,
the admin and exports show this module's label instead, with the code at most as secondary text.

Three sources, each action declared once:

- workflow transitions (yishi/core/workflow.py) are labelled from the workflow registry: an
  action `f"{wf.audit_prefix}.{t.action}"` reads "<the model's name>: <the transition's label>";
- actions recorded directly with `audit.record(actor, "<action>", …)` are declared by the app
  that records them, as `LABELS` in its `audit_labels.py` (found by discover() at start);
- the admin's own records (`admin.<add|change|delete>.<app>.<model>`, yishi/core/admin_audit.py)
  read "Admin: added <the model's name>".

tests/core/test_audit_labels.py walks the source for every action string recorded anywhere and
fails when one has no label here."""

import functools
from collections.abc import Mapping

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .workflow import REGISTRY

_DECLARED: dict[str, Promise | str] = {}

ADMIN_VERBS = {
    "add": gettext_lazy("Admin: added %(model)s"),
    "change": gettext_lazy("Admin: changed %(model)s"),
    "delete": gettext_lazy("Admin: deleted %(model)s"),
}


def declare(labels: Mapping[str, Promise | str]) -> None:
    """Declare the labels of actions an app records directly (once each, at its ready())."""
    for action, label in labels.items():
        if action in _DECLARED:
            raise ValueError(f"audit action {action} declared twice")
        if action.startswith("admin."):
            raise ValueError(f"audit action {action}: admin.* actions are labelled by pattern")
        _DECLARED[action] = label


def discover() -> None:
    """Declare the LABELS of every installed app's audit_labels module (core's is this one)."""
    from importlib import import_module

    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "audit_labels"):
            declare(import_module(f"{config.name}.audit_labels").LABELS)


def declared() -> dict[str, Promise | str]:
    return dict(_DECLARED)


def check_declarations(app_configs=None, **kwargs) -> list:
    """System check: an action is labelled by its workflow or declared, never both (once all
    apps, and so all workflows, are loaded)."""
    from django.core.checks import Error

    workflow = workflow_actions()
    return [Error(f"audit action {action} is a workflow transition; its label comes from the "
                  f"workflow, not from declare()", id="yishi.E101")
            for action in sorted(set(_DECLARED) & set(workflow))]


def workflow_actions() -> dict[str, tuple]:
    """Every action a workflow transition records → (workflow, transition), the first declared
    transition where several share an action (kept for existing records). Built once for the
    registry as it stands: a page of records and the filter's choices look up hundreds."""
    return _workflow_actions(len(REGISTRY))


@functools.lru_cache(maxsize=1)
def _workflow_actions(_registered: int) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    for wf in REGISTRY.values():
        for t in wf.transitions:
            found.setdefault(f"{wf.audit_prefix}.{t.action}", (wf, t))
    return found


def _workflow_label(wf, t) -> str:
    return _("%(thing)s: %(step)s") % {"thing": _capfirst(str(wf.model._meta.verbose_name)),
                                       "step": t.label}


def _admin_label(action: str) -> str | None:
    parts = action.split(".")
    if len(parts) != 4 or parts[0] != "admin" or parts[1] not in ADMIN_VERBS:
        return None
    try:
        model = apps.get_model(parts[2], parts[3])
    except LookupError:
        return None
    return str(ADMIN_VERBS[parts[1]]) % {"model": model._meta.verbose_name}


def _capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def label_or_none(action: str) -> str | None:
    """The action's label in the active language, or None when nothing declares it."""
    if action in _DECLARED:
        return str(_DECLARED[action])
    found = workflow_actions().get(action)
    if found is not None:
        return _workflow_label(*found)
    return _admin_label(action)


def label(action: str) -> str:
    """The action's label in the active language; an action no code declares any more (a record
    older than the code that wrote it) reads as such, never as its bare code."""
    found = label_or_none(action)
    return found if found is not None else _("Other action")


def choices(actions=None) -> list[tuple[str, str]]:
    """(action, label) for every known action, or for `actions`, sorted by label: the choices
    of a filter by action."""
    if actions is None:
        actions = set(_DECLARED) | set(workflow_actions())
    return sorted(((a, label(a)) for a in set(actions)), key=lambda pair: (pair[1], pair[0]))


# Core's own actions (the other apps declare theirs in their own audit_labels.py).
LABELS = {
    "core.sign_up": gettext_lazy("Resident signed up"),
    "core.assign_role": gettext_lazy("Role assigned"),
    "core.end_role": gettext_lazy("Role ended"),
    "core.verify_resident": gettext_lazy("Resident's address verified"),
    "core.confirm_email": gettext_lazy("E-mail address confirmed"),
    "core.remove_email": gettext_lazy("E-mail address removed"),
    "core.delete_account": gettext_lazy("Account deleted by its owner"),
    "core.upload_attachment": gettext_lazy("File uploaded"),
}
