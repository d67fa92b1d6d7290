"""The deputies' and the staff's pages: my schedule, my duties, my suggestions, my annual
report; scheduling, confirmations, activity weeks and the evaluation tables (考评)."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.models import Unit, UnitKind
from yishi.core.permissions import has_perm
from yishi.core.workflow import may

from . import services
from .models import (
    ActivityKind,
    ActivityState,
    ActivityWeek,
    DeputyProfile,
    DutyActivity,
    LiaisonStation,
    ReceptionSession,
    SessionState,
)
from .permissions import may_confirm_activities
from .queries import scorecards, station_cards
from .workflows import DUTY_ACTIVITY, RECEPTION_SESSION


def _trail(*items):
    return [(_("Workspace"), reverse("core:workspace")), *items]


def _profile(request) -> DeputyProfile:
    profile = DeputyProfile.objects.filter(user=request.user).select_related("user").first()
    if profile is None:
        raise PermissionDenied
    return profile


def _year(request) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else (
        timezone.localdate().year)


# --- deputies -----------------------------------------------------------------------------------

@login_required
def my_schedule(request: HttpRequest) -> HttpResponse:
    """Receptions I am on duty at: upcoming ones, and those held with the matters raised."""
    from yishi.opinions.models import Opinion, OpinionChannel

    profile = _profile(request)
    now = timezone.now()
    sessions = profile.sessions.select_related("station")
    return render(request, "deputies/my_schedule.html", {
        "upcoming": sessions.filter(starts_at__gte=now, state=SessionState.SCHEDULED)
        .order_by("starts_at")[:30],
        "past": sessions.filter(starts_at__lt=now).order_by("-starts_at")[:30],
        "matters": Opinion.objects.filter(recorded_by=request.user, channel=OpinionChannel.RECEPTION)
        .select_related("category")[:50],
        "trail": _trail((_("My receptions"), None)),
    })


@login_required
def my_duties(request: HttpRequest) -> HttpResponse:
    """A deputy's duty register: register (or correct) an activity, see this year's points."""
    from .forms import ActivityEvidenceForm

    profile = _profile(request)
    editing = None
    if request.GET.get("edit", "").isdigit():
        editing = get_object_or_404(DutyActivity, pk=request.GET["edit"])
        if editing.deputy_id != profile.pk:
            raise PermissionDenied
    initial = ({"kind": editing.kind, "date": editing.date, "description": editing.description}
               if editing else None)
    form = ActivityEvidenceForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if editing:
                services.edit_activity(request.user, editing, **data)
            else:
                services.register_activity(request.user, profile, **data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Registered; street staff will confirm it."))
            return redirect("deputies:my_duties")
    year = timezone.localdate().year
    return render(request, "deputies/my_duties.html", {
        "profile": profile, "form": form, "editing": editing,
        "activities": _with_may(profile.activities.select_related("event")[:100],
                                request.user, DUTY_ACTIVITY),
        "card": scorecards(year, deputies=DeputyProfile.objects.filter(pk=profile.pk))[0],
        "events": _joinable_events(profile),
        "trail": _trail((_("My duties"), None)),
    }, status=400 if request.method == "POST" else 200)


def _joinable_events(profile):
    from .models import WeekEvent

    today = timezone.localdate()
    return (WeekEvent.objects.filter(date__lte=today, date__gte=today.replace(month=1, day=1),
                                     station__in=profile.stations.all())
            .exclude(participations__deputy=profile).select_related("station")[:20])


@login_required
def join_event(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import WeekEvent

    profile = _profile(request)
    event = get_object_or_404(WeekEvent.objects.select_related("station"), pk=pk,
                              station__in=profile.stations.all())
    if request.method == "POST":
        try:
            services.register_activity(
                request.user, profile, kind=ActivityKind.ACTIVITY_WEEK, date=event.date,
                description=f"{event.title} · {event.station}", event=event)
            messages.success(request, _("Registered; street staff will confirm it."))
        except ValidationError as exc:
            error_messages(request, exc)
    return redirect("deputies:my_duties")


def _with_may(rows, user, workflow):
    rows = list(rows)
    for row in rows:
        row.may = may(row, user, workflow=workflow)
    return rows


@login_required
def my_suggestions(request: HttpRequest) -> HttpResponse:
    """My suggestions (代表建议): submit one; follow each to its reply and rate it."""
    from yishi.opinions.models import Opinion, OpinionChannel

    from .forms import SuggestionForm

    profile = _profile(request)
    form = SuggestionForm(request.POST or None,
                          streets=[s.unit for s in profile.stations.select_related("unit")])
    if request.method == "POST" and form.is_valid():
        try:
            opinion = services.submit_suggestion(request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Suggestion %(number)s submitted; the street committee "
                                        "will assign it.") % {"number": opinion.number})
            return redirect("deputies:my_suggestions")
    from yishi.opinions.workflows import OPINION

    suggestions = list(Opinion.objects.filter(
        author=request.user, channel=OpinionChannel.SUGGESTION).select_related("category"))
    for o in suggestions:
        o.may = may(o, request.user, workflow=OPINION)
    return render(request, "deputies/my_suggestions.html", {
        "form": form, "suggestions": suggestions,
        "trail": _trail((_("My suggestions"), None)),
    }, status=400 if request.method == "POST" else 200)


@login_required
def my_profile(request: HttpRequest) -> HttpResponse:
    from .forms import ProfileForm

    profile = _profile(request)
    form = ProfileForm(request.POST or None, request.FILES or None,
                       initial={"biography": profile.biography})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(request.user, profile, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Your public page is updated."))
            return redirect("deputies:deputy", pk=profile.pk)
    return render(request, "deputies/my_profile.html", {
        "profile": profile, "form": form, "trail": _trail((_("My public page"), None)),
    }, status=400 if request.method == "POST" else 200)


@login_required
def annual_report(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """A deputy's printable annual duty report (年度履职报告): the deputy, or staff of a street
    where the deputy serves."""
    profile = get_object_or_404(DeputyProfile.objects.select_related("user"), pk=pk)
    if profile.user_id != request.user.pk and not any(
            has_perm(request.user, "deputies.view_evaluation", s.unit)
            for s in profile.stations.select_related("unit")):
        raise PermissionDenied
    card = scorecards(year, deputies=DeputyProfile.objects.filter(pk=pk))[0]
    return render(request, "deputies/annual_report.html", {
        "profile": profile, "card": card, "year": year,
        "activities": profile.activities.filter(state=ActivityState.CONFIRMED, date__year=year)
        .order_by("date"),
        "kinds": dict(ActivityKind.choices),
        "trail": _trail((_("Annual duty report"), None)),
    })


# --- staff --------------------------------------------------------------------------------------

def _stations_for(user, rule="deputies.schedule"):
    return [s for s in LiaisonStation.objects.select_related("unit")
            if has_perm(user, rule, s.unit)]


@login_required
def schedule(request: HttpRequest) -> HttpResponse:
    """排班: publish a session or a whole schedule for a station; cancel a session."""
    from .forms import SeriesForm, SessionForm

    stations = _stations_for(request.user)
    if not stations:
        raise PermissionDenied
    station = next((s for s in stations if s.code == request.GET.get("station")), stations[0])
    kind = request.POST.get("form") if request.method == "POST" else None
    one = SessionForm(request.POST if kind == "session" else None, station=station,
                      prefix="one")
    series = SeriesForm(request.POST if kind == "series" else None, station=station,
                        prefix="series")
    tz = timezone.get_current_timezone()
    try:
        if kind == "session" and one.is_valid():
            d = one.cleaned_data
            services.schedule_session(
                request.user, station, starts_at=datetime.combine(d["date"], d["start_time"], tz),
                ends_at=datetime.combine(d["date"], d["end_time"], tz), mode=d["mode"],
                deputies=list(d["deputies"]), slots=d["slots"])
            messages.success(request, _("The reception is published."))
            return redirect(f"{reverse('deputies:schedule')}?station={station.code}")
        if kind == "series" and series.is_valid():
            d = series.cleaned_data
            made = services.schedule_series(
                request.user, station, recurrence=d["recurrence"], first_date=d["first_date"],
                last_date=d["last_date"], start_time=d["start_time"], end_time=d["end_time"],
                mode=d["mode"], deputies=list(d["deputies"]), slots=d["slots"],
                weekday=d["weekday"], month_day=d["month_day"], months=d["months"])
            messages.success(request, _("The schedule is published: %(n)d receptions.")
                             % {"n": made.sessions.count()})
            return redirect(f"{reverse('deputies:schedule')}?station={station.code}")
        if kind == "cancel":
            session = get_object_or_404(ReceptionSession, pk=request.POST.get("session"),
                                        station=station)
            services.cancel_session(request.user, session, request.POST.get("reason", ""))
            messages.success(request, _("The reception is cancelled; booked residents are told."))
            return redirect(f"{reverse('deputies:schedule')}?station={station.code}")
    except ValidationError as exc:
        if kind == "cancel":
            error_messages(request, exc)
            return redirect(f"{reverse('deputies:schedule')}?station={station.code}")
        add_form_errors(one if kind == "session" else series, exc)
    sessions = list(station.sessions.filter(starts_at__gte=timezone.now())
                    .prefetch_related("deputies__user").order_by("starts_at")[:40])
    for s in sessions:
        # The cancel button only where the workflow allows it, with the reason asked for.
        s.may = may(s, request.user, workflow=RECEPTION_SESSION)
        s.cancel_fields = format_html(
            '<input type="hidden" name="form" value="cancel">'
            '<input type="hidden" name="session" value="{}">'
            '<label for="reason-{}">{}</label> '
            '<input type="text" id="reason-{}" name="reason" maxlength="300" required>',
            s.pk, s.pk, _("Reason"), s.pk)
    return render(request, "deputies/schedule.html", {
        "stations": stations, "station": station, "one": one, "series": series,
        "sessions": sessions,
        "cancel_url": f"{reverse('deputies:schedule')}?station={station.code}",
        "trail": _trail((_("Reception schedule"), None)),
    }, status=400 if request.method == "POST" else 200)


@login_required
def confirm_queue(request: HttpRequest) -> HttpResponse:
    """Activities waiting for confirmation, for the street (or district) staff."""
    pending = [a for a in DutyActivity.objects.filter(state=ActivityState.SUBMITTED)
               .select_related("deputy__user").prefetch_related("deputy__stations__unit",
                                                                 "evidence")
               if may_confirm_activities(request.user, a.deputy)]
    if request.method == "POST":
        activity = next((a for a in pending if str(a.pk) == request.POST.get("activity")), None)
        if activity is None:
            raise Http404
        try:
            services.decide_activity(request.user, activity,
                                     confirm=request.POST.get("decision") == "confirm",
                                     reason=request.POST.get("reason", ""))
            messages.success(request, _("Done."))
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
        return redirect("deputies:confirm_queue")
    return render(request, "deputies/confirm_queue.html", {
        "pending": pending, "trail": _trail((_("Duties to confirm"), None)),
    })


@login_required
def evaluation(request: HttpRequest) -> HttpResponse:
    """考评: deputies' and stations' annual scorecards, ranked within each street and the
    district, with CSV and Excel downloads."""
    units = [u for u in Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.STREET,
                                                      UnitKind.TOWN]).order_by("path")
             if has_perm(request.user, "deputies.view_evaluation", u)]
    if not units:
        raise PermissionDenied
    unit = next((u for u in units if u.code == request.GET.get("unit")), units[0])
    year = _year(request)
    cards = scorecards(year, unit)
    stations = station_cards(year, unit, cards)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx", "csv-stations", "xlsx-stations"):
        return _evaluation_export(cards, stations, fmt, year)
    return render(request, "deputies/evaluation.html", {
        "units": units, "unit": unit, "year": year, "cards": cards, "stations": stations,
        "trail": _trail((_("Evaluation"), None)),
    })


def _evaluation_export(cards, stations, fmt, year) -> HttpResponse:
    from yishi.core.exports import table_response

    if (stations_wanted := fmt.endswith("stations")):
        fmt = fmt.split("-")[0]
    if stations_wanted:
        header = [str(_("Station")), str(_("Street")), str(_("Deputies")),
                  str(_("Receptions held")), str(_("Cancelled")), str(_("Bookings")),
                  str(_("Points")), str(_("Deputies below the minimum")),
                  str(_("Rank in street")), str(_("Rank in district"))]
        rows = [[str(r.station), str(r.station.unit), r.deputies, r.sessions_held,
                 r.sessions_cancelled, r.bookings, float(r.points), r.shortfalls,
                 r.rank_in_street, r.rank_in_district] for r in stations]
        return table_response(header, rows, fmt, f"station-evaluation-{year}")
    header = [str(_("Deputy")), str(_("Street")), str(_("Level")), str(_("Points")),
              str(_("Duty days")), str(_("Receptions held")), str(_("Receptions required")),
              str(_("Suggestions")), str(_("Rank in street")), str(_("Rank in district"))]
    rows = [[c.deputy.user.name, str(c.street or ""), c.deputy.get_level_display(),
             float(c.points), c.duty_days, c.receptions_held, c.receptions_required,
             c.suggestions, c.rank_in_street, c.rank_in_district] for c in cards]
    return table_response(header, rows, fmt, f"deputy-evaluation-{year}")


@login_required
def manage_weeks(request: HttpRequest) -> HttpResponse:
    """The district declares an activity week; street staff publish their stations' events."""
    from .forms import EventForm, WeekForm

    district = Unit.objects.filter(kind=UnitKind.DISTRICT).first()
    may_declare = district is not None and has_perm(request.user, "deputies.declare_week",
                                                     district)
    stations = _stations_for(request.user)
    if not may_declare and not stations:
        raise PermissionDenied
    week = ActivityWeek.objects.filter(pk=request.GET.get("week") or 0).first() or (
        ActivityWeek.objects.first())
    kind = request.POST.get("form") if request.method == "POST" else None
    week_form = WeekForm(request.POST if kind == "week" else None, prefix="week")
    station_ids = [s.pk for s in stations]
    event_form = EventForm(request.POST if kind == "event" else None, prefix="event",
                           stations=LiaisonStation.objects.filter(pk__in=station_ids))
    try:
        if kind == "week" and may_declare and week_form.is_valid():
            new = services.declare_week(request.user, district, **week_form.cleaned_data)
            messages.success(request, _("The activity week is declared."))
            return redirect(f"{reverse('deputies:manage_weeks')}?week={new.pk}")
        if kind == "event" and week and event_form.is_valid():
            services.publish_event(request.user, week, **event_form.cleaned_data)
            messages.success(request, _("The event is published."))
            return redirect(f"{reverse('deputies:manage_weeks')}?week={week.pk}")
    except ValidationError as exc:
        add_form_errors(week_form if kind == "week" else event_form, exc)
    return render(request, "deputies/manage_weeks.html", {
        "may_declare": may_declare, "week": week, "weeks": ActivityWeek.objects.all()[:10],
        "week_form": week_form, "event_form": event_form if stations else None,
        "events": week.events.select_related("station") if week else [],
        "trail": _trail((_("Activity weeks"), None)),
    }, status=400 if request.method == "POST" else 200)
