"""Reads shared by the pages and the API: deputies' annual scorecards and the evaluation
tables (考评) per street and district, computed from the records, never stored."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from yishi.core.models import Unit

from .models import (
    ActivityState,
    Booking,
    BookingState,
    DeputyProfile,
    DutyActivity,
    LiaisonStation,
    PointsRule,
    ReceptionSession,
    SessionState,
)


def _rules() -> dict[str, list]:
    rules: dict[str, list] = {}
    for rule in PointsRule.objects.order_by("valid_from"):
        rules.setdefault(rule.kind, []).append(rule)
    return rules


def points_for(rules: dict[str, list], kind: str, day: date) -> Decimal:
    """The points of the rule for this kind in force on this day (0 when none applies yet)."""
    applicable = [r for r in rules.get(kind, []) if r.valid_from <= day]
    return applicable[-1].points if applicable else Decimal(0)


@dataclass
class Scorecard:
    """One deputy's year (年度履职考评)."""

    deputy: DeputyProfile
    year: int
    points: Decimal = Decimal(0)
    by_kind: dict = field(default_factory=dict)       # kind -> (count, points)
    duty_days: int = 0
    receptions_held: int = 0
    receptions_required: int = 0
    suggestions: int = 0
    ratings: dict = field(default_factory=dict)       # rating -> count
    rank_in_street: int | None = None
    rank_in_district: int | None = None
    street: Unit | None = None

    @property
    def shortfall(self) -> int:
        return max(self.receptions_required - self.receptions_held, 0)

    @property
    def rating_labels(self) -> list[tuple[str, int]]:
        """(what residents said, in the reader's language; how many), in the ratings' order."""
        from yishi.opinions.models import Rating

        return [(label, self.ratings[code]) for code, label in Rating.choices
                if code in self.ratings]


def scorecards(year: int, unit: Unit | None = None,
               deputies=None) -> list[Scorecard]:
    """Scorecards for the deputies serving at the stations in a unit (or given deputies), ranked
    by points within their street and within the whole list."""
    from yishi.opinions.models import Opinion, OpinionChannel

    start, end = date(year, 1, 1), date(year, 12, 31)
    if deputies is None:
        deputies = DeputyProfile.objects.filter(stations__unit__path__startswith=(
            unit.path if unit else "")).distinct()
    deputies = list(deputies.select_related("user"))
    ids = [d.pk for d in deputies]
    rules = _rules()
    # Each deputy's street (their first station's) and the highest yearly minimum of receptions
    # among their stations, from the link table in one query.
    units = {u.pk: u for u in Unit.objects.filter(liaison_stations__deputies__in=ids).distinct()}
    served: dict[int, list] = {}
    for deputy_id, unit_id, minimum in (DeputyProfile.stations.through.objects
                                        .filter(deputyprofile_id__in=ids)
                                        .order_by("id")
                                        .values_list("deputyprofile_id", "liaisonstation__unit_id",
                                                     "liaisonstation__min_receptions")):
        served.setdefault(deputy_id, []).append((unit_id, minimum))
    cards = {d.pk: Scorecard(d, year, street=units.get(next(iter(served.get(d.pk, [])),
                                                            (None, 0))[0]),
                             receptions_required=max([m for _u, m in served.get(d.pk, [])] or [0]))
             for d in deputies}
    days: dict[int, set] = {pk: set() for pk in ids}
    for deputy_id, kind, day in DutyActivity.objects.filter(
            deputy_id__in=ids, state=ActivityState.CONFIRMED, date__range=(start, end)
    ).values_list("deputy_id", "kind", "date"):
        card = cards[deputy_id]
        points = points_for(rules, kind, day)
        card.points += points
        count, total = card.by_kind.get(kind, (0, Decimal(0)))
        card.by_kind[kind] = (count + 1, total + points)
        days[deputy_id].add(day)
    for pk, held in (ReceptionSession.objects.filter(
            deputies__in=ids, state=SessionState.HELD, starts_at__date__range=(start, end))
            .values_list("deputies").annotate(n=Count("id", distinct=True))):
        if pk in cards:
            cards[pk].receptions_held = held
    by_user = {d.user_id: d.pk for d in deputies}
    for author, rating, n in (Opinion.objects.filter(
            channel=OpinionChannel.SUGGESTION, author_id__in=by_user, created_at__date__range=(start, end))
            .values_list("author_id", "rating").annotate(n=Count("id"))):
        card = cards[by_user[author]]
        card.suggestions += n
        if rating:
            card.ratings[rating] = card.ratings.get(rating, 0) + n
    for pk, card in cards.items():
        card.duty_days = len(days[pk])
    ranked = sorted(cards.values(), key=lambda c: (-c.points, c.deputy.user.name))
    _rank(ranked, "rank_in_district")
    by_street: dict = {}
    for card in ranked:
        by_street.setdefault(card.street.pk if card.street else None, []).append(card)
    for cards_of_street in by_street.values():
        _rank(cards_of_street, "rank_in_street")
    return ranked


def _rank(cards: list[Scorecard], attribute: str) -> None:
    """Standard competition ranking (1, 2, 2, 4): equal points share a rank."""
    for i, card in enumerate(cards):
        same = i and cards[i - 1].points == card.points
        setattr(card, attribute, getattr(cards[i - 1], attribute) if same else i + 1)


@dataclass
class StationCard:
    station: LiaisonStation
    deputies: int
    sessions_held: int
    sessions_cancelled: int
    bookings: int
    points: Decimal
    shortfalls: int           # deputies below the station's yearly minimum of receptions
    rank_in_street: int | None = None
    rank_in_district: int | None = None


def station_cards(year: int, unit: Unit | None = None,
                  cards: list[Scorecard] | None = None) -> list[StationCard]:
    """Per station: receptions held, bookings, its deputies' points; ranked by points per
    deputy within the street and the whole list."""
    cards = cards if cards is not None else scorecards(year, unit)
    by_deputy = {c.deputy.pk: c for c in cards}
    stations = (LiaisonStation.objects.filter(unit__path__startswith=unit.path if unit else "")
                .select_related("unit").prefetch_related("deputies")
                .annotate(held=Count("sessions", filter=Q(
                    sessions__state=SessionState.HELD, sessions__starts_at__year=year),
                    distinct=True),
                    cancelled=Count("sessions", filter=Q(
                        sessions__state=SessionState.CANCELLED, sessions__starts_at__year=year),
                        distinct=True),
                    booked=Count("sessions__bookings", filter=Q(
                        sessions__starts_at__year=year,
                        sessions__bookings__state__in=PLACE_HOLDING_STATES), distinct=True)))
    rows = []
    for station in stations:
        mine = [by_deputy[d.pk] for d in station.deputies.all() if d.pk in by_deputy]
        total = sum((c.points for c in mine), Decimal(0))
        rows.append(StationCard(station, len(mine), station.held, station.cancelled,
                                station.booked, total,
                                sum(1 for c in mine if c.shortfall)))
    rows.sort(key=lambda r: (-(r.points / r.deputies if r.deputies else 0), r.station.name))
    for i, row in enumerate(rows):
        row.rank_in_district = i + 1
    streets = Counter()
    for row in rows:
        streets[row.station.unit_id] += 1
        row.rank_in_street = streets[row.station.unit_id]
    return rows


PLACE_HOLDING_STATES = [s for s in BookingState.values if s != BookingState.CANCELLED]


def upcoming_receptions(unit: Unit | None = None, *, with_free_places: bool = True):
    """The receptions still to come, soonest first, each with `free` (places not booked):
    the deputies' index and the home page list the ones a resident can still book."""
    from django.db.models import F
    from django.utils import timezone

    rows = (ReceptionSession.objects.filter(state=SessionState.SCHEDULED,
                                            starts_at__gt=timezone.now())
            .select_related("station__unit")
            .annotate(free=F("slots") - Count("bookings", filter=Q(
                bookings__state__in=PLACE_HOLDING_STATES)))
            .order_by("starts_at", "pk"))
    if unit is not None:
        rows = rows.filter(station__unit__path__startswith=unit.path)
    return rows.filter(free__gt=0) if with_free_places else rows


def bookings_of(user):
    """A resident's bookings: the coming ones first (soonest first), then the past ones; each
    with `waiting_before` (booked places before it in its queue), in one query."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    before = (Booking.objects.filter(session=OuterRef("session"), state=BookingState.BOOKED,
                                     slot__lt=OuterRef("slot"))
              .order_by().values("session").annotate(n=Count("pk")).values("n"))
    rows = (Booking.objects.filter(resident=user).select_related("session__station__unit")
            .annotate(waiting_before=Coalesce(Subquery(before, output_field=IntegerField()), 0)))
    now = timezone.now()
    coming = rows.filter(session__starts_at__gte=now).order_by("session__starts_at", "pk")
    past = rows.filter(session__starts_at__lt=now).order_by("-session__starts_at", "-pk")
    return list(coming) + list(past[:50])


def public_deputies():
    return DeputyProfile.objects.filter(is_public=True, user__is_active=True).select_related(
        "user")


def may_see_attachment(user, attachment) -> bool:
    """A public deputy's portrait is public; duty evidence is seen by the deputy who gave it and
    by the staff who may confirm it (the confirmation queue's rule)."""
    from .permissions import may_confirm_activities

    if public_deputies().filter(photo=attachment).exists():
        return True
    if not user.is_authenticated:
        return False
    if DeputyProfile.objects.filter(photo=attachment, user=user).exists():
        return True
    activities = (DutyActivity.objects.filter(evidence=attachment)
                  .select_related("deputy").prefetch_related("deputy__stations__unit"))
    return any(a.deputy.user_id == user.pk
               or may_confirm_activities(user, a.deputy)
               for a in activities)


# --- the home page's "open now" (read by core through settings.YISHI_HOME_SECTIONS) ----------

def home_open_receptions(user=None, limit: int = 5) -> list[dict]:
    """Receptions still to come with a place free to book."""
    from django.db.models import F
    from django.urls import reverse
    from django.utils import timezone

    from yishi.core.localtime import local_text

    from .models import ReceptionSession, SessionState

    sessions = (ReceptionSession.objects
                .filter(state=SessionState.SCHEDULED, starts_at__gt=timezone.now())
                .annotate(booked=Count("bookings")).filter(booked__lt=F("slots"))
                .select_related("station").order_by("starts_at")[:limit])
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    return [{"title": (s.station.name_en if english and s.station.name_en else s.station.name),
             "url": reverse("deputies:session", args=[s.pk]),
             "meta": local_text(s.starts_at)} for s in sessions]


def home_figures() -> list[dict]:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from .models import LiaisonStation

    return [{"label": _("Liaison stations"), "url": reverse("deputies:stations"),
             "value": LiaisonStation.objects.count()}]


def street_link(street) -> dict | None:
    """The street page's link to its next receptions (read by core, YISHI_STREET_LINKS)."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .models import LiaisonStation, ReceptionSession, SessionState

    station = LiaisonStation.objects.filter(unit=street).order_by("id").first()
    if station is None:
        return None
    upcoming = ReceptionSession.objects.filter(
        station__unit=street, state=SessionState.SCHEDULED, starts_at__gt=timezone.now()).count()
    return {"label": _("Receptions by deputies"),
            "detail": _("%(count)s receptions to come") % {"count": upcoming},
            "url": reverse("deputies:station", args=[station.code])}
# --- figures for the district's oversight -----------------------------------------------------

def receptions_held_in(street, year: int):
    """Reception sessions held at the street's liaison stations in `year` (every street's when
    `street` is None)."""
    from .models import ReceptionSession, SessionState

    rows = ReceptionSession.objects.filter(state=SessionState.HELD, starts_at__year=year)
    return rows if street is None else rows.filter(station__unit=street)


def receptions_held_between(street, since, until):
    """Reception sessions held at the street's stations that started in [since, until)."""
    from .models import ReceptionSession, SessionState

    rows = ReceptionSession.objects.filter(state=SessionState.HELD, starts_at__gte=since,
                                           starts_at__lt=until)
    return rows if street is None else rows.filter(station__unit=street)
