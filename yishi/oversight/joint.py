"""Joint supervision (监督联动), one function per change. The district starts a matter with the
streets taking part and their deputies; the district and the staff of a participating street add
to the shared timeline and link the records concerned (opinions, projects, assignments, each
resolved through its module's queries.py); the district concludes it."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.models import Role
from yishi.core.notifications import notify
from yishi.core.permissions import active_roles, has_perm, holds
from yishi.core.queries import district, holders
from yishi.core.workflow import transition

from .joint_models import (
    EntryKind,
    JointEntry,
    JointLink,
    JointMatter,
    JointState,
    JointStreet,
    LinkKind,
)
from .meetings import _require_district, _street
from .services import _clean_text, _error


def _url(matter) -> str:
    return f"/oversight/joint/{matter.pk}/"


def is_district(user) -> bool:
    return has_perm(user, "oversight.assign", district())


def participating_street(user, matter: JointMatter):
    """The participating street whose staff `user` is (None if none)."""
    for part in matter.streets.select_related("street"):
        if has_perm(user, "oversight.handle", part.street):
            return part.street
    return None


def may_contribute(user, matter: JointMatter) -> bool:
    """Add to the timeline and link records: the district, or staff of a participating street,
    while the matter is under supervision."""
    if matter.state != JointState.OPEN or not getattr(user, "is_authenticated", False):
        return False
    return is_district(user) or participating_street(user, matter) is not None


def matters_for(user):
    """The matters `user` may read: all for the district, those of their street for a
    participating street's staff and deputies (and deputies named on a matter)."""
    rows = JointMatter.objects.all()
    if not getattr(user, "is_authenticated", False):
        return rows.none()
    if is_district(user):
        return rows
    paths = [path for role, path, _d in active_roles(user)
             if role in (Role.STREET_STAFF, Role.DEPUTY)]
    q = Q(streets__deputies=user)
    for path in paths:
        q |= Q(streets__street__path__startswith=path)
    return rows.filter(q).distinct()


@dataclass
class MatterInput:
    title: str
    description: str
    streets: list
    started_on: date | None = None


@transaction.atomic
def start_matter(actor, data: MatterInput) -> JointMatter:
    """The district starts supervising a matter together with several streets."""
    home = _require_district(actor)
    streets = list({s.pk: _street(s, "streets") for s in data.streets}.values())
    if len(streets) < 2:
        raise _error(_("Joint supervision takes at least two streets."), "streets")
    started_on = data.started_on or timezone.localdate()
    if started_on > timezone.localdate():
        raise _error(_("The date cannot be in the future."), "started_on", "future")
    matter = JointMatter.objects.create(
        title=_clean_text(data.title, "title", 200),
        description=_clean_text(data.description, "description", 5000),
        started_on=started_on, created_by=actor)
    JointStreet.objects.bulk_create([JointStreet(matter=matter, street=s) for s in streets])
    audit.record(actor, "oversight.joint.start", matter, unit=home,
                 after={"title": matter.title, "streets": [s.code for s in streets]})
    for s in streets:
        notify(holders(Role.STREET_STAFF, s), _("Joint supervision: %(title)s")
               % {"title": matter.title}, matter.description[:500], _url(matter))
    return matter


@transaction.atomic
def add_deputy(actor, matter: JointMatter, street, deputy) -> JointStreet:
    """A deputy of a participating street joins the supervision (the district or that street's
    staff name them)."""
    part = matter.streets.filter(street=street).first()
    if part is None:
        raise _error(_("This street does not take part in the matter."), "street")
    if not (is_district(actor) or has_perm(actor, "oversight.handle", street)):
        raise PermissionDenied(_("You are not allowed to do this here."))
    if not holds(deputy, {Role.DEPUTY}, street):
        raise _error(_("Choose a deputy of this street."), "deputy")
    part.deputies.add(deputy)
    audit.record(actor, "oversight.joint.add_deputy", matter, unit=street,
                 after={"street": street.code, "deputy": deputy.pk})
    return part


@transaction.atomic
def add_entry(actor, matter: JointMatter, *, kind: str, date: date, text: str,
              street=None) -> JointEntry:
    """A visit, finding or conclusion on the shared timeline. Street staff record it for their
    own participating street; the district for any participating street or the whole matter."""
    JointMatter.objects.select_for_update().filter(pk=matter.pk).exists()
    matter.refresh_from_db()
    if not may_contribute(actor, matter):
        if matter.state != JointState.OPEN and (is_district(actor) or participating_street(
                actor, matter)):
            raise _error(_("The matter is concluded: reopen it first."), code="state")
        raise PermissionDenied(_("You are not allowed to do this here."))
    if kind not in EntryKind.values:
        raise _error(_("Choose a visit, a finding or a conclusion."), "kind")
    if date > timezone.localdate():
        raise _error(_("An entry cannot be recorded before it happens."), "date", "future")
    if date < matter.started_on:
        raise _error(_("The date is before the supervision started."), "date")
    own = None if is_district(actor) else participating_street(actor, matter)
    if own is not None:
        street = own
    elif street is not None and not matter.streets.filter(street=street).exists():
        raise _error(_("This street does not take part in the matter."), "street")
    entry = JointEntry.objects.create(matter=matter, kind=kind, date=date,
                                      text=_clean_text(text, "text", 5000), street=street,
                                      author=actor)
    audit.record(actor, "oversight.joint.entry", matter, unit=street or district(),
                 after={"kind": kind, "date": date, "street": street.code if street else None})
    return entry


def resolve(link: JointLink) -> dict | None:
    """The linked record as its module describes it (through its queries.py)."""
    if link.kind == LinkKind.OPINION:
        from yishi.opinions.queries import reference
        return reference(link.reference)
    if link.kind == LinkKind.PROJECT:
        from yishi.projects.queries import reference
        return reference(link.reference)
    from .queries import assignment_reference
    return assignment_reference(link.reference)


@transaction.atomic
def link_record(actor, matter: JointMatter, kind: str, reference: str) -> JointLink:
    """Link an opinion (by its number), a project or an assignment (by id) the matter
    concerns; the record must exist and belong to a participating street."""
    matter.refresh_from_db()
    if not may_contribute(actor, matter):
        raise PermissionDenied(_("You are not allowed to do this here."))
    if kind not in LinkKind.values:
        raise _error(_("Choose an opinion, a project or an assignment."), "kind")
    reference = _clean_text(reference, "reference", 40)
    link = JointLink(matter=matter, kind=kind, reference=reference)
    found = resolve(link)
    if found is None:
        raise _error(_("No such record: %(ref)s") % {"ref": reference}, "reference")
    street_ids = set(matter.streets.values_list("street_id", flat=True))
    street = found["street"]
    if street is None or not ({street.pk, street.parent_id} & street_ids):
        raise _error(_("The record belongs to a street that does not take part."), "reference")
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        raise _error(_("This record is already linked."), "reference", "duplicate") from None
    audit.record(actor, "oversight.joint.link", matter, unit=district(),
                 after={"kind": kind, "reference": reference})
    return link


@transaction.atomic
def conclude(actor, matter: JointMatter, conclusion: str, *, now=None) -> JointMatter:
    conclusion = _clean_text(conclusion, "conclusion", 5000)
    transition(matter, "conclude", actor, conclusion=conclusion,
               concluded_at=now or timezone.now())
    for part in matter.streets.select_related("street"):
        notify(holders(Role.STREET_STAFF, part.street), _("Joint supervision concluded: "
                                                          "%(title)s") % {"title": matter.title},
               conclusion[:500], _url(matter))
    return matter


@transaction.atomic
def reopen(actor, matter: JointMatter) -> JointMatter:
    transition(matter, "reopen", actor, concluded_at=None)
    return matter
