"""One way to write a workflow (流程): its states, its transitions and, per transition, who may take
it and what must hold first, declared once and read by services, pages, the API and the tests.

A service function does the domain work around a transition (cleaning input, notifying,
writing the timeline) and moves the state only through `transition()`, which

- checks the transition's permission rule for the actor and its guards (phase, quorum, dates),
  each refusal with a reason in the user's language;
- moves the state with a conditional update (`UPDATE … WHERE pk = … AND state = <state read>`),
  so of two concurrent requests or workers exactly one makes the move and the other is told;
- writes the hash-chained audit record in the same transaction;
- sends `transitioned` so that notifications can follow without the workflow importing them.

`allowed(obj, actor)` answers, for each transition out of the object's current state, whether
this person may take it now and, if not, why: pages render exactly the allowed ones as buttons
and the API lists them per object.

Worked example (yishi/opinions/workflows.py declares the opinion's graph):

    OPINION = Workflow(Opinion, "opinions", unit=lambda o: o.street, transitions=[
        Transition("accept", {S.SUBMITTED}, S.ACCEPTED, _("Accept"), rule="opinions.manage"),
        ...])
    before = transition(opinion, "accept", actor, accepted_at=timezone.now())
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction as db_transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .permissions import has_perm

# Sent after every transition, inside its database transaction (use transaction.on_commit in a
# receiver for side effects that must not happen if the change rolls back).
# Arguments: workflow, obj, name, source, target, actor.
transitioned = Signal()

# A permission rule: a named rule of core.permissions (checked in the workflow's unit for the
# object) or a predicate (actor, obj) -> bool. SYSTEM: taken by the platform's own workers
# only (actor None), never offered to a person.
SYSTEM = "system"
Rule = str | Callable[[object, object], bool] | None
# A guard: obj -> the reason it cannot move now (translated), or None when it can.
Guard = Callable[[object], str | None]


class WorkflowError(ValidationError):
    """A transition refused for the object's state, a guard or a concurrent change; `code` says
    which ("state", "guard", "conflict")."""


@dataclass(frozen=True, init=False)
class Transition:
    name: str
    sources: frozenset
    target: str
    label: str
    rule: Rule = None
    guards: tuple[Guard, ...] = ()
    # Irreversible or destructive: pages ask for confirmation, with this text, before taking it.
    confirm: str = ""
    # The audit action's last part when it differs from the name (kept for existing records).
    action: str = ""
    # The platform's own workers may take it too (actor None), besides the people of `rule`.
    system: bool = False

    def __init__(self, name, sources, target, label, *, rule: Rule = None,
                 guards: Iterable[Guard] = (), confirm: str = "", action: str = "",
                 system: bool = False):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "sources", frozenset(sources))
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "guards", tuple(guards))
        object.__setattr__(self, "confirm", confirm)
        object.__setattr__(self, "action", action or name)
        object.__setattr__(self, "system", system)

    @property
    def irreversible(self) -> bool:
        return bool(self.confirm)


@dataclass
class Choice:
    """One transition out of the current state as one person sees it."""

    transition: Transition
    allowed: bool
    reason: str = ""

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> str:
        return str(self.transition.label)


REGISTRY: dict[str, Workflow] = {}


@dataclass
class Workflow:
    """A model's state graph. `name` is the registry key ("councils.meeting") and, unless
    `audit_prefix` says otherwise, the audit actions' prefix; `unit` gives the unit a named
    permission rule is checked in and the audit record's unit."""

    model: type
    name: str
    transitions: list[Transition]
    audit_prefix: str = ""
    unit: Callable[[object], object] = lambda obj: None
    state_field: str = "state"
    # Messages, with %(state)s (current state's label), %(old)s and %(new)s available.
    state_message: str = gettext_lazy("This cannot be done while it is “%(state)s”.")
    conflict_message: str = gettext_lazy("It was changed by someone else; please reload.")
    error: Callable[[str, str], Exception] = lambda message, code: WorkflowError(message,
                                                                                 code=code)
    # Record the changed fields next to the state in the audit record.
    audit_changes: bool = False
    repr: Callable[[object], str] | None = None
    by_name: dict = field(init=False, repr=False)

    def __post_init__(self):
        self.audit_prefix = self.audit_prefix or self.name
        self.by_name = {}
        states = {value for value, _label in self.states_choices()}
        for t in self.transitions:
            if t.name in self.by_name:
                raise ValueError(f"{self.name}: transition {t.name} declared twice")
            unknown = (set(t.sources) | {t.target}) - states
            if unknown:
                raise ValueError(f"{self.name}.{t.name}: unknown states {sorted(unknown)}")
            self.by_name[t.name] = t
        if self.name in REGISTRY:
            raise ValueError(f"workflow {self.name} declared twice")
        REGISTRY[self.name] = self

    def states_choices(self):
        return self.model._meta.get_field(self.state_field).choices

    @property
    def states(self) -> list[str]:
        return [value for value, _label in self.states_choices()]

    def label_of(self, state: str) -> str:
        return str(dict(self.states_choices()).get(state, state))

    def out_of(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def __getitem__(self, name: str) -> Transition:
        try:
            return self.by_name[name]
        except KeyError:
            raise LookupError(f"{self.name} has no transition {name}") from None

    # --- checks --------------------------------------------------------------------------

    def permits(self, t: Transition, actor, obj) -> bool:
        if actor is None:
            # The platform's own workers take only the transitions declared for them.
            return t.rule == SYSTEM or t.system
        if t.rule is None:
            return True
        if t.rule == SYSTEM:
            return False
        if isinstance(t.rule, str):
            return has_perm(actor, t.rule, self.unit(obj))
        return bool(t.rule(actor, obj))

    def refusal(self, t: Transition, actor, obj, state: str) -> tuple[str, str] | None:
        """(code, reason) why `actor` cannot take `t` on `obj` in `state`, or None."""
        if state not in t.sources:
            return "state", self._format(self.state_message, state, t.target)
        if not self.permits(t, actor, obj):
            return "permission", _("You are not allowed to do this here.")
        for guard in t.guards:
            reason = guard(obj)
            if reason:
                return "guard", str(reason)
        return None

    def _format(self, message, state, target) -> str:
        return str(message) % {"state": self.label_of(state), "old": self.label_of(state),
                               "new": self.label_of(target)}

    def current_state(self, obj) -> str:
        return (self.model._default_manager.filter(pk=obj.pk)
                .values_list(self.state_field, flat=True).get())


def workflow_of(obj) -> Workflow:
    for wf in REGISTRY.values():
        if isinstance(obj, wf.model):
            return wf
    raise LookupError(f"no workflow declared for {type(obj).__name__}")


def transition(obj, name: str, actor, *, workflow: Workflow | None = None, after=None,
               **changes) -> str:
    """Take transition `name` on `obj` for `actor`, setting `changes` with the state; return the
    state it left. Raises PermissionDenied or the workflow's error, and changes nothing then."""
    wf = workflow or workflow_of(obj)
    t = wf[name]
    with db_transaction.atomic():
        # Decide on the state as stored now, not as the caller last saw it.
        seen, current = getattr(obj, wf.state_field), wf.current_state(obj)
        if seen != current and seen in t.sources and current not in t.sources:
            raise wf.error(str(wf.conflict_message), "conflict")
        refused = wf.refusal(t, actor, obj, current)
        if refused:
            code, reason = refused
            if code == "permission":
                raise PermissionDenied(reason)
            raise wf.error(reason, code)
        updated = wf.model._default_manager.filter(
            pk=obj.pk, **{wf.state_field: current}).update(**{wf.state_field: t.target},
                                                            **changes)
        if not updated:
            raise wf.error(str(wf.conflict_message), "conflict")
        obj.refresh_from_db()
        audit_after = {wf.state_field: t.target}
        if wf.audit_changes:
            audit_after.update({k: str(v) for k, v in changes.items()})
        audit_after.update(after or {})
        audit.record(actor, f"{wf.audit_prefix}.{t.action}", obj, before={wf.state_field: current},
                     after=audit_after, unit=wf.unit(obj),
                     repr_=wf.repr(obj) if wf.repr else None)
        transitioned.send(sender=wf.model, workflow=wf, obj=obj, name=name, source=current,
                          target=t.target, actor=actor)
    return current


def allowed(obj, actor, *, workflow: Workflow | None = None) -> list[Choice]:
    """Each transition out of the object's current state: may `actor` take it now, and if not,
    why. Transitions the platform takes by itself (SYSTEM) are not listed for a person."""
    wf = workflow or workflow_of(obj)
    state = getattr(obj, wf.state_field)
    choices = []
    for t in wf.out_of(state):
        if t.rule == SYSTEM and actor is not None:
            continue
        refused = wf.refusal(t, actor, obj, state)
        choices.append(Choice(t, refused is None, refused[1] if refused else ""))
    return choices


def allowed_names(obj, actor, *, workflow: Workflow | None = None) -> list[str]:
    return [c.name for c in allowed(obj, actor, workflow=workflow) if c.allowed]


def may(obj, actor, *, workflow: Workflow | None = None) -> dict[str, Choice]:
    """The transitions `actor` may take on `obj` now, by name, for a page: `{% if may.close %}`
    shows a button exactly when the service would accept it, and `may.close.transition.confirm`
    says whether the page must ask first (includes/action.html does both)."""
    return {c.name: c for c in allowed(obj, actor, workflow=workflow) if c.allowed}
