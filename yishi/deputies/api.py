"""Liaison stations, receptions and deputies' public profiles as open data; booking for
residents; duties, score and suggestions for deputies; scheduling and evaluation for staff."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from yishi.core.api_types import AllowedActionOut, Id, Year, allowed_actions
from yishi.core.models import Unit
from yishi.core.permissions import has_perm

from . import bookings, services
from .models import Booking, BookingState, DeputyProfile, LiaisonStation, ReceptionSession

router = Router(tags=["deputies"])


class StationOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    street: str
    theme: str
    address: str
    opening_hours: str
    deputies: list[int]

    @staticmethod
    def resolve_street(obj):
        return obj.unit.code

    @staticmethod
    def resolve_deputies(obj):
        return [d.pk for d in obj.deputies.all() if d.is_public]


class DeputyOut(Schema):
    id: int
    name: str
    level: str
    term: str
    constituency: str
    sector: str
    stations: list[str]

    @staticmethod
    def resolve_name(obj):
        return obj.user.name

    @staticmethod
    def resolve_stations(obj):
        return [s.code for s in obj.stations.all()]


@router.get("/stations", response=list[StationOut], summary="Deputies' liaison stations")
def stations(request, street: str | None = None):
    rows = LiaisonStation.objects.select_related("unit").prefetch_related("deputies")
    if street:
        rows = rows.filter(unit__code=street)
    return rows


@router.get("/deputies/{deputy_id}", response=DeputyOut, summary="A deputy's public profile")
def deputy(request, deputy_id: Id):
    return get_object_or_404(
        DeputyProfile.objects.select_related("user").prefetch_related("stations"),
        pk=deputy_id, is_public=True, user__is_active=True)


class SessionOut(Schema):
    id: int
    station: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    state: str
    slots: int
    free: int
    deputies: list[int]

    @staticmethod
    def resolve_station(obj):
        return obj.station.code

    @staticmethod
    def resolve_free(obj):
        return obj.slots - sum(1 for b in obj.bookings.all()
                               if b.state != BookingState.CANCELLED)

    @staticmethod
    def resolve_deputies(obj):
        return [d.pk for d in obj.deputies.all()]


@router.get("/stations/{code}/sessions", response=list[SessionOut],
            summary="A station's upcoming receptions")
def station_sessions(request, code: str):
    station = get_object_or_404(LiaisonStation, code=code)
    return (station.sessions.filter(starts_at__gt=timezone.now()).select_related("station")
            .prefetch_related("deputies", "bookings").order_by("starts_at")[:100])


class SessionDetailOut(SessionOut):
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_actions(obj, context):
        from .workflows import RECEPTION_SESSION

        return allowed_actions(obj, context["request"], RECEPTION_SESSION)


@router.get("/sessions/{session_id}", response=SessionDetailOut, summary="A reception")
def session_detail(request, session_id: Id):
    return get_object_or_404(ReceptionSession.objects.select_related("station__unit")
                             .prefetch_related("deputies", "bookings"), pk=session_id)


class SessionIn(Schema):
    starts_at: datetime
    ends_at: datetime
    mode: str = "in_person"
    deputies: list[Id] = Field(..., min_length=1, max_length=50)
    slots: int = Field(8, ge=1, le=100)


@router.post("/stations/{code}/sessions", response={201: SessionOut}, auth=django_auth,
             summary="Publish a reception (street staff)")
def schedule(request, code: str, data: SessionIn):
    station = get_object_or_404(LiaisonStation, code=code)
    deputies = list(DeputyProfile.objects.filter(pk__in=data.deputies))
    if len(deputies) != len(set(data.deputies)):
        raise ValidationError({"deputies": _("Unknown deputy.")})
    session = services.schedule_session(request.auth, station, starts_at=data.starts_at,
                                        ends_at=data.ends_at, mode=data.mode,
                                        deputies=deputies, slots=data.slots)
    return Status(201, session)


class BookingIn(Schema):
    topic: str = Field("", max_length=200)


class BookingListOut(Schema):
    id: int
    session: int
    slot: int
    state: str
    position: int

    @staticmethod
    def resolve_session(obj):
        return obj.session_id

    @staticmethod
    def resolve_position(obj):
        return bookings.queue_position(obj)


class BookingOut(BookingListOut):
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_actions(obj, context):
        from .workflows import BOOKING

        return allowed_actions(obj, context["request"], BOOKING)


@router.post("/sessions/{session_id}/bookings", response={201: BookingOut}, auth=django_auth,
             summary="Book a slot at a reception")
def book(request, session_id: Id, data: BookingIn):
    session = get_object_or_404(ReceptionSession, pk=session_id)
    booking = bookings.book_slot(request.auth, session, data.topic)
    return Status(201, booking)


def _own_booking(request, booking_id):
    # Another person's booking reads exactly like one that does not exist.
    return get_object_or_404(Booking.objects.select_related("session__station__unit"),
                             pk=booking_id, resident=request.auth)


@router.get("/me/bookings", response=list[BookingListOut], auth=django_auth,
            summary="My bookings, the coming ones first")
def my_bookings(request):
    from .queries import bookings_of

    return bookings_of(request.auth)


@router.get("/bookings/{booking_id}", response=BookingOut, auth=django_auth,
            summary="One of my bookings")
def booking_detail(request, booking_id: Id):
    return _own_booking(request, booking_id)


@router.post("/bookings/{booking_id}/cancel", response=BookingOut, auth=django_auth,
             summary="Cancel my booking (the place is given back)")
def cancel_booking(request, booking_id: Id):
    booking = bookings.cancel_booking(request.auth, _own_booking(request, booking_id))
    booking.refresh_from_db()
    return booking


class ActivityOut(Schema):
    id: int
    kind: str
    date: date
    description: str
    state: str
    automatic: bool
    return_reason: str


class ActivityIn(Schema):
    kind: str
    date: date
    description: str = Field(..., max_length=2000)


def _my_profile(request) -> DeputyProfile:
    profile = DeputyProfile.objects.filter(user=request.auth).first()
    if profile is None:
        raise PermissionDenied(_("Only deputies can do this."))
    return profile


@router.get("/me/activities", response=list[ActivityOut], auth=django_auth,
            summary="My registered duties (deputies)")
def my_activities(request, year: Year | None = None):
    rows = _my_profile(request).activities.all()
    return rows.filter(date__year=year) if year else rows[:500]


@router.post("/me/activities", response={201: ActivityOut}, auth=django_auth,
             summary="Register a duty (deputies)")
def register(request, data: ActivityIn):
    activity = services.register_activity(request.auth, _my_profile(request),
                                          kind=data.kind, date=data.date,
                                          description=data.description)
    return Status(201, activity)


class ScoreOut(Schema):
    deputy: int
    name: str
    street: str
    year: int
    points: Decimal
    duty_days: int
    receptions_held: int
    receptions_required: int
    shortfall: int
    suggestions: int
    rank_in_street: int | None
    rank_in_district: int | None

    @staticmethod
    def resolve_deputy(obj):
        return obj.deputy.pk

    @staticmethod
    def resolve_name(obj):
        return obj.deputy.user.name

    @staticmethod
    def resolve_street(obj):
        return obj.street.code if obj.street else ""


@router.get("/me/score", response=ScoreOut, auth=django_auth, summary="My annual scorecard")
def my_score(request, year: Year | None = None):
    from .queries import scorecards

    profile = _my_profile(request)
    return scorecards(year or timezone.localdate().year,
                      deputies=DeputyProfile.objects.filter(pk=profile.pk))[0]


@router.get("/evaluation", response=list[ScoreOut], auth=django_auth,
            summary="Deputies' annual scorecards in a unit, ranked (staff)")
def evaluation(request, unit: str, year: Year | None = None):
    from .queries import scorecards

    scope = get_object_or_404(Unit, code=unit)
    if not has_perm(request.auth, "deputies.view_evaluation", scope):
        raise PermissionDenied
    return scorecards(year or timezone.localdate().year, scope)


class SuggestionIn(Schema):
    title: str = Field(..., max_length=100)
    text: str = Field(..., max_length=5000)
    category: str
    community: str


class SuggestionOut(Schema):
    number: str
    title: str
    state: str
    reply_deadline: datetime | None
    rating: str


@router.get("/me/suggestions", response=list[SuggestionOut], auth=django_auth,
            summary="My suggestions (代表建议) and their progress")
def my_suggestions(request):
    from yishi.opinions.models import Opinion, OpinionChannel

    _my_profile(request)
    return Opinion.objects.filter(author=request.auth, channel=OpinionChannel.SUGGESTION)


@router.post("/me/suggestions", response={201: SuggestionOut}, auth=django_auth,
             summary="Submit a deputy's suggestion")
def submit_suggestion(request, data: SuggestionIn):
    from yishi.opinions.models import OpinionCategory

    category = OpinionCategory.objects.filter(code=data.category).first()
    community = Unit.objects.filter(code=data.community).first()
    if category is None:
        raise ValidationError({"category": _("Unknown category.")})
    if community is None:
        raise ValidationError({"community": _("Unknown community.")})
    opinion = services.submit_suggestion(request.auth, title=data.title, text=data.text,
                                         category=category, community=community)
    return Status(201, opinion)


class WeekEventOut(Schema):
    station: str
    title: str
    date: date
    place: str

    @staticmethod
    def resolve_station(obj):
        return obj.station.code


class WeekOut(Schema):
    id: int
    theme: str
    starts_on: date
    ends_on: date
    events: list[WeekEventOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())


@router.get("/weeks", response=list[WeekOut], summary="Deputies' activity weeks and events")
def weeks(request):
    from .models import ActivityWeek

    return ActivityWeek.objects.prefetch_related("events__station")[:20]


