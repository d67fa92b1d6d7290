"""Permissions as named rules ("app.verb_thing"), each one small predicate on (person, unit).

A role is held in a unit and covers that unit and everything under it: street staff of 西溪
act in 西溪 and its communities, district staff everywhere. Other apps register their own rules
with `@rule(...)` in their `permissions.py`, imported by their AppConfig.ready()."""

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import STAFF_ROLES, Role, RoleAssignment, Unit

Predicate = Callable[[object, Unit | None], bool]
RULES: dict[str, Predicate] = {}


def rule(name: str):
    def register(predicate: Predicate) -> Predicate:
        if name in RULES:
            raise ValueError(f"permission rule {name} defined twice")
        RULES[name] = predicate
        return predicate

    return register


def active_roles(user) -> list[tuple[str, str, int | None]]:
    """(role, unit path, department id) for each role the person holds today; cached on the
    user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_yishi_roles", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.active()
            .filter(user=user)
            .values_list("role", "unit__path", "department_id")
        )
        user._yishi_roles = cached
    return cached


def holds(user, roles: Iterable[str], unit: Unit | None = None) -> bool:
    """Does the person hold one of `roles` in `unit` or above it (any unit when None)?"""
    roles = set(roles)
    for role, path, _dept in active_roles(user):
        if role in roles and (unit is None or unit.path.startswith(path)):
            return True
    return False


def is_staff_person(user) -> bool:
    """Staff sign in with a password and a second factor."""
    return holds(user, STAFF_ROLES)


def has_perm(user, name: str, unit: Unit | None = None) -> bool:
    try:
        predicate = RULES[name]
    except KeyError:
        raise LookupError(f"no permission rule named {name}") from None
    return bool(predicate(user, unit))


def require(user, name: str, unit: Unit | None = None) -> None:
    if not has_perm(user, name, unit):
        raise PermissionDenied(_("You are not allowed to do this here."))


def district_wide(user) -> bool:
    return holds(user, {Role.DISTRICT_STAFF})


# --- core rules -------------------------------------------------------------------------

@rule("core.view_workspace")
def can_view_workspace(user, unit=None) -> bool:
    return any(role != Role.RESIDENT for role, _p, _d in active_roles(user))


@rule("core.assign_role")
def can_assign_role(user, unit) -> bool:
    """District staff and system administrators assign roles anywhere; street staff within their
    street (which roles they may give is checked by the service)."""
    return holds(user, {Role.DISTRICT_STAFF, Role.SYSADMIN}, unit) or holds(
        user, {Role.STREET_STAFF}, unit
    )


@rule("core.verify_resident")
def can_verify_resident(user, unit) -> bool:
    return holds(user, {Role.DISTRICT_STAFF, Role.STREET_STAFF}, unit)


@rule("core.view_audit")
def can_view_audit(user, unit) -> bool:
    return holds(user, {Role.DISTRICT_STAFF, Role.SYSADMIN}, unit) or holds(
        user, {Role.STREET_STAFF}, unit
    )


@rule("core.upload_attachment")
def can_upload_attachment(user, unit=None) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


# Roles a street's staff may hand out inside their street; district-level roles are given by
# the district.
STREET_ASSIGNABLE_ROLES = frozenset(
    {Role.COUNCIL_MEMBER, Role.DEPARTMENT_HANDLER, Role.EXPERT, Role.RESIDENT, Role.DEPUTY}
)
