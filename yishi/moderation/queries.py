"""Reads shared by pages, the API and Open311: what a person sees of a published text, and the
moderators' queue.

`published(obj, field, user)` is the one rule every page (through `{% published %}`), every API
schema and Open311 apply:

- the author and the street's back-office staff (moderators, handling departments) see the
  text as written;
- everyone else sees the public version once approved (personal data masked, or the
  moderator's edit), "content under review" before, and a notice once hidden;
- a text saved before moderation existed (no item: imported or older records) is shown with
  its personal data masked."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yishi.core.models import STAFF_ROLES, Role
from yishi.core.permissions import active_roles, has_perm, holds

from . import text as moderation_text
from .models import PUBLISHED_STATES, ModerationItem, ModerationState

PENDING_TEXT = _("Content under review")
HIDDEN_TEXT = _("This content was hidden by a moderator.")
_MISSING = object()
_ATTR = "_moderation_item"


def _of_model(model) -> dict:
    """Items of one model, by a join on the content type (no separate content-type query, so a
    list costs the same whether the content-type cache is warm or not)."""
    meta = model._meta.concrete_model._meta
    return {"content_type__app_label": meta.app_label, "content_type__model": meta.model_name}


def attach(objs) -> list:
    """Read the moderation items of a list of objects in one query (a board, an API list) so
    that `published` asks nothing more per row. Returns the objects as a list."""
    objs = list(objs)
    by_type: dict = {}
    for obj in objs:
        by_type.setdefault(type(obj), []).append(obj)
    for model, rows in by_type.items():
        items = {i.object_id: i for i in ModerationItem.objects.filter(
            **_of_model(model), object_id__in=[o.pk for o in rows]).select_related("street")}
        for obj in rows:
            setattr(obj, _ATTR, items.get(obj.pk))
    return objs


def item_for(obj) -> ModerationItem | None:
    item = getattr(obj, _ATTR, _MISSING)
    if item is _MISSING:
        item = (ModerationItem.objects.select_related("street")
                .filter(**_of_model(type(obj)), object_id=obj.pk).first())
        setattr(obj, _ATTR, item)
    return item


def sees_original(user, item: ModerationItem) -> bool:
    """The author, and the back-office staff of the item's street (its moderators, and the
    departments that handle the matter: they need the text as written)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (user.pk == item.author_id or has_perm(user, "moderation.moderate", item.street)
            or holds(user, STAFF_ROLES, item.street))


def published(obj, field: str, user=None) -> str:
    """The text of `obj.field` as `user` (None: the public) may read it."""
    raw = str(getattr(obj, field) or "")
    item = item_for(obj)
    if item is None:
        return moderation_text.mask(raw)
    if sees_original(user, item):
        return raw
    if item.state in PUBLISHED_STATES:
        return item.public.get(field, moderation_text.mask(raw))
    if item.state == ModerationState.HIDDEN:
        return str(HIDDEN_TEXT)
    return str(PENDING_TEXT)


def searchable(obj, field: str) -> str:
    """What a public search may match in `obj.field`: exactly what the public reads, and nothing
    while the text is held or hidden (its words would otherwise find a text the page does not
    show, and the digits of a masked phone number would find whose number it is)."""
    raw = str(getattr(obj, field) or "")
    item = item_for(obj)
    if item is None:
        return moderation_text.mask(raw)
    if item.state in PUBLISHED_STATES:
        return item.public.get(field, moderation_text.mask(raw))
    return ""


def is_visible(obj) -> bool:
    """Does the public read this text (approved, or from before moderation)?"""
    item = item_for(obj)
    return item is None or item.state in PUBLISHED_STATES


def status(obj, user=None) -> dict:
    """What a page says next to a text: its moderation state for the author and moderators,
    the hiding reason for the author, and whether the public may report it."""
    item = item_for(obj)
    if item is None:
        return {}
    original = sees_original(user, item)
    return {
        "item": item,
        "state_label": item.get_state_display(),
        "pending": item.state == ModerationState.PENDING,
        "hidden": item.state == ModerationState.HIDDEN,
        "sees_original": original,
        "is_author": bool(user is not None and getattr(user, "is_authenticated", False)
                          and user.pk == item.author_id),
        "reason": item.reason if original else "",
        "may_moderate": original and has_perm(user, "moderation.moderate", item.street),
        "may_report": item.state in PUBLISHED_STATES and not (
            user is not None and getattr(user, "is_authenticated", False)
            and user.pk == item.author_id),
    }


def moderated_streets(user) -> Q:
    scope = Q(pk__in=[])
    for role, path, _department in active_roles(user):
        if role in (Role.DISTRICT_STAFF, Role.STREET_STAFF):
            scope |= Q(street__path__startswith=path)
    return scope


def queue(user, state: str = ModerationState.PENDING):
    """The items of the streets the person moderates, oldest first; reported ones first among
    the pending."""
    rows = (ModerationItem.objects.filter(moderated_streets(user))
            .select_related("street", "content_type", "author", "decided_by"))
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-reports", "created_at", "id")


def iter_attached(rows, size: int = 2000):
    """Iterate a large queryset (an export) in chunks, each chunk's moderation items read in one
    query."""
    chunk = []
    for obj in rows.iterator(chunk_size=size):
        chunk.append(obj)
        if len(chunk) == size:
            yield from attach(chunk)
            chunk = []
    yield from attach(chunk)
