"""The staff workspace menu: each app registers the entries its roles need."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Role
from .permissions import active_roles


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    description: str | Promise = ""


ENTRIES: list[MenuEntry] = []


def register(label, url_name: str, roles, description="") -> None:
    ENTRIES.append(MenuEntry(label, url_name, frozenset(roles), description))


def workspace_menu(user) -> list[dict]:
    held = {role for role, _p, _d in active_roles(user)}
    if user.is_superuser:
        held.add(Role.SYSADMIN)
    return [
        {"label": e.label, "url": reverse(e.url_name), "description": e.description}
        for e in ENTRIES
        if e.roles & held
    ]


ALL_ROLES = frozenset(Role.values)
register(_("My messages"), "core:inbox", ALL_ROLES, _("Notices and replies sent to you"))
register(_("My account"), "core:account", ALL_ROLES, _("Your details, your data, sign-in"))
register(
    _("Audit trail"), "core:audit_trail",
    {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.SYSADMIN},
    _("Who changed what, and when, in your units"),
)
register(_("Residents to verify"), "core:residents_to_verify",
         {Role.DISTRICT_STAFF, Role.STREET_STAFF},
         _("Confirm that new residents live where they say (实名核验)"))
register(_("Administration"), "admin:index", {Role.SYSADMIN},
         _("Accounts, units, roles and settings"))
