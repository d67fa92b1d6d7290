"""Reads shared by pages, the API and exports."""


from django.conf import settings
from django.utils import timezone

from yishi.core.models import Unit, UnitKind, mask_mobile
from yishi.core.weblinks import https_host

from .models import (
    AgendaItem,
    Call,
    Council,
    Meeting,
    MeetingState,
    MemberStatus,
    MinutesState,
    RoundTable,
)


def video_embed_hosts() -> list[str]:
    return list(settings.YISHI_VIDEO_EMBED_HOSTS)


def video_is_embeddable(url: str) -> bool:
    """Only https videos on a host the district allows are embedded; others are linked."""
    host = https_host(url or "")
    return host is not None and host in video_embed_hosts()


def streets():
    return Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]).order_by("sort_order")


def council_for_code(code: str) -> Council | None:
    return Council.objects.select_related("street").filter(street__code=code).first()


def public_meetings():
    return Meeting.objects.exclude(state=MeetingState.DRAFT).select_related("council__street")


def upcoming_meetings():
    return public_meetings().filter(
        state__in=[MeetingState.CONVENED, MeetingState.IN_PROGRESS],
        starts_at__gte=timezone.now() - timezone.timedelta(hours=12)).order_by("starts_at")


def public_roster(council: Council):
    """The published roster of the current term, contacts masked (PIPL)."""
    term = council.current_term()
    if term is None or term.roster_published_at is None:
        return term, []
    rows = (term.members.filter(status=MemberStatus.SERVING)
            .select_related("user", "community").order_by("community__sort_order", "id"))
    return term, [{"name": m.user.name, "category": m.get_category_display(),
                   "category_code": m.category,
                   "community": m.community.display_name if m.community else "",
                   "mobile": mask_mobile(m.user.mobile), "joined_on": m.joined_on}
                  for m in rows]


def resolutions(council: Council):
    return (AgendaItem.objects.filter(meeting__council=council, resolved_at__isnull=False)
            .select_related("meeting").order_by("-meeting__starts_at", "position"))


def published_minutes(meeting: Meeting):
    from .models import Minutes

    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is not None and minutes.state == MinutesState.PUBLISHED:
        return minutes
    return None


def public_calls():
    return Call.objects.select_related("street", "community")


def public_round_tables():
    return RoundTable.objects.select_related("street", "call")


def may_see_attachment(user, attachment) -> bool:
    """An agenda document is public once its meeting is; a draft's only to those managing it."""
    from yishi.core.permissions import has_perm

    if public_meetings().filter(items__documents=attachment).exists():
        return True
    meetings = Meeting.objects.filter(items__documents=attachment).select_related("council")
    return any(has_perm(user, "councils.manage", m.council.street) for m in meetings)


# --- the home page's "open now" (read by core through settings.YISHI_HOME_SECTIONS) ----------

def home_upcoming_meetings(user=None, limit: int = 5) -> list[dict]:
    from django.urls import reverse

    from yishi.core.localtime import local_text

    meetings = upcoming_meetings().filter(starts_at__gte=timezone.now())[:limit]
    return [{"title": m.title, "url": reverse("councils:meeting", args=[m.pk]),
             "meta": f"{m.council.street.display_name} · {local_text(m.starts_at)}"}
            for m in meetings]


def street_link(street) -> dict | None:
    """The street page's link to its council, if it has one (read by core, YISHI_STREET_LINKS)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    council = council_for_code(street.code)
    if council is None:
        return None
    return {"label": _("Residents' council"), "detail": str(council),
            "url": reverse("councils:council", args=[street.code])}
# --- figures for the district's oversight -----------------------------------------------------

def meetings_held_in(street, year: int):
    """Council meetings of the street held (closed) that started in `year`; every street's when
    `street` is None."""
    rows = Meeting.objects.filter(state=MeetingState.CLOSED, starts_at__year=year)
    return rows if street is None else rows.filter(council__street=street)


def meetings_quorate_in(street, since, until):
    """Council meetings of the street held (closed) that started in [since, until) with a quorum
    signed in: serving members signed in against the serving members on the meeting's roll, by
    the council's quorum rule (more than half, or at least two thirds). A meeting with no roll
    does not count."""
    from django.db.models import Count, F, Q

    serving = Q(attendances__member__status=MemberStatus.SERVING)
    rows = (Meeting.objects.filter(state=MeetingState.CLOSED, starts_at__gte=since,
                                   starts_at__lt=until)
            .annotate(entitled=Count("attendances", filter=serving),
                      present=Count("attendances", filter=serving
                                    & Q(attendances__signed_in_at__isnull=False)))
            .annotate(twice=F("present") * 2, thrice=F("present") * 3,
                      two_thirds=F("entitled") * 2)
            .filter(entitled__gt=0)
            .filter(Q(council__quorum_fraction="1/2", twice__gt=F("entitled"))
                    | Q(council__quorum_fraction="2/3", thrice__gte=F("two_thirds"))))
    return rows if street is None else rows.filter(council__street=street)
