"""The district convenes the same meeting in every street at once (全区统一会议)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.models import Unit
from yishi.core.permissions import require

from .meetings import add_item, convene_meeting, create_meeting
from .models import (
    Council,
    ItemKind,
    MeetingBatch,
)
from .roster import serving_members
from .workflows import CouncilError


@dataclass
class ItemTemplate:
    kind: str
    title: str
    presenter: str = ""


@dataclass
class StreetMeeting:
    """How the district's meeting reads in one street: the preview shows exactly this."""

    council: Council
    title: str
    place: str


def _ready_councils(district: Unit) -> list[Council]:
    return [c for c in Council.objects.filter(street__path__startswith=district.path)
            .select_related("street").order_by("street__sort_order")
            if c.current_term() and serving_members(c.current_term()).exists()]


def _named(street: Unit, text: str, prefix: bool) -> str:
    return f"{street.name}{text}" if prefix else text


def street_meetings(district: Unit, *, title: str, place: str, street_in_title: bool = False,
                    street_in_place: bool = True) -> list[StreetMeeting]:
    """Each street's meeting as it will be convened: the street's name begins the title or the
    place when asked (no placeholders to type)."""
    return [StreetMeeting(c, _named(c.street, title.strip(), street_in_title),
                          _named(c.street, place.strip(), street_in_place))
            for c in _ready_councils(district)]


@transaction.atomic
def convene_in_every_street(actor, district: Unit, *, title: str, starts_at, place: str,
                            agenda: list[ItemTemplate], street_in_title: bool = False,
                            street_in_place: bool = True) -> MeetingBatch:
    """One action: a meeting per street from a template agenda, each convened."""
    require(actor, "councils.convene_district", district)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the meeting a title.")
    if not (place or "").strip():
        errors["place"] = _("Say where the meeting takes place.")
    if starts_at <= timezone.now():
        errors["starts_at"] = _("A meeting cannot be convened in the past.")
    if not agenda:
        errors["agenda"] = _("Give the template agenda at least one item.")
    for t in agenda:
        if t.kind not in ItemKind.values or not (t.title or "").strip():
            errors["agenda"] = _("Each agenda item needs a kind from the list and a title.")
    if errors:
        raise CouncilError(errors)
    streets = street_meetings(district, title=title, place=place,
                              street_in_title=street_in_title, street_in_place=street_in_place)
    if not streets:
        raise CouncilError(_("No street has a council with serving members yet."))
    batch = MeetingBatch.objects.create(
        title=title.strip(), starts_at=starts_at, created_by=actor,
        agenda=[{"kind": t.kind, "title": t.title, "presenter": t.presenter} for t in agenda])
    for one in streets:
        meeting = create_meeting(actor, one.council, title=one.title, starts_at=starts_at,
                                 place=one.place, batch=batch)
        for t in agenda:
            add_item(actor, meeting, kind=t.kind, title=t.title, presenter=t.presenter)
        convene_meeting(actor, meeting)
    audit.record(actor, "councils.convene_in_every_street", batch,
                 after={"streets": len(streets), "starts_at": starts_at.isoformat()},
                 unit=district)
    return batch
