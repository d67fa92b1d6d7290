"""The home page shows what is open now (for the visitor, or for the person signed in) and the
district's headline figures, with the anonymous part cached; street pages link to what the apps
hold for the street, and none of those links is a dead end."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yishi.core.models import User

RESIDENT = "13800000070"  # the demo's documented resident, 西溪 求是社区


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def section(html: str, key: str) -> str:
    start = html.index(f'aria-labelledby="open-{key}"')
    return html[start:html.index("</section>", start)]


def test_anonymous_home_shows_what_is_open_and_the_figures(client, demo):
    from yishi.councils.queries import upcoming_meetings
    from yishi.voting.models import Ballot, BallotState

    html = client.get("/").content.decode()
    ballot = Ballot.objects.filter(state=BallotState.OPEN).first()
    assert ballot.title in section(html, "ballots")
    meeting = upcoming_meetings().filter(starts_at__gte=timezone.now()).first()
    if meeting:
        assert meeting.title in section(html, "meetings")
    assert "open-receptions" in html and "open-projects" in html
    assert "open-ratings" not in html  # only for someone signed in
    assert "全区数据" in html and "今年收到的意见" in html


def test_signed_in_resident_sees_their_own_ballots_and_ratings(client, demo):
    from yishi.opinions.models import Opinion, OpinionState
    from yishi.voting.models import Ballot, BallotState, Participation, RollEntry

    resident = User.objects.get(mobile=RESIDENT)
    mine, others = Ballot.objects.filter(state=BallotState.OPEN)[:2]
    RollEntry.objects.get_or_create(ballot=mine, voter=resident)
    RollEntry.objects.filter(ballot=others, voter=resident).delete()
    opinion = Opinion.objects.filter(author=resident).first()
    # Put the resident's opinion where a reply waits for a rating (the test's own setup).
    Opinion.objects.filter(pk=opinion.pk).update(
        state=OpinionState.REPLIED, rating_deadline=timezone.now() + timedelta(days=5))
    client.force_login(resident)
    html = client.get("/").content.decode()
    ballots = section(html, "ballots")
    assert "您可以参加的投票" in ballots
    assert mine.title in ballots
    assert others.title not in ballots  # not on its roll: not offered
    assert opinion.number in section(html, "ratings")
    Participation.objects.create(ballot=mine, voter=resident, channel="online")
    assert mine.title not in section(client.get("/").content.decode(), "ballots")  # voted
    # The anonymous visitor's cached sections do not carry the resident's.
    client.logout()
    assert "open-ratings" not in client.get("/").content.decode()


def test_the_anonymous_part_is_cached(client, demo, settings):
    client.get("/")  # fills the cache
    with CaptureQueriesContext(connection) as cached:
        client.get("/")
    cache.clear()
    with CaptureQueriesContext(connection) as uncached:
        client.get("/")
    assert len(cached) < len(uncached) - 4
    # A short TTL, not invalidation: a new ballot shows once it expires.
    settings.YISHI_HOME_CACHE_SECONDS = 60
    assert client.get("/").status_code == 200


def test_cached_home_is_per_language(client, demo):
    assert "正在进行" in client.get("/").content.decode()
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert "Open now" in html and "正在进行的投票" not in html


def test_home_hides_a_reception_once_full(client, demo):
    from yishi.deputies.models import Booking, ReceptionSession, SessionState

    session = ReceptionSession.objects.filter(
        state=SessionState.SCHEDULED, starts_at__gt=timezone.now()).order_by("starts_at").first()
    url = f"/deputies/sessions/{session.pk}/"
    assert url in section(client.get("/").content.decode(), "receptions")
    residents = list(User.objects.filter(role_assignments__role="resident")
                     .exclude(pk__in=session.bookings.values("resident_id"))
                     [:session.slots])
    taken = set(session.bookings.values_list("slot", flat=True))
    free = [n for n in range(1, 200) if n not in taken]
    for resident, slot in zip(residents, free, strict=False):
        if session.bookings.count() >= session.slots:
            break
        Booking.objects.create(session=session, resident=resident, slot=slot)
    cache.clear()
    assert url not in section(client.get("/").content.decode(), "receptions")


def test_street_page_links_lead_somewhere(client, demo):
    html = client.get("/streets/330106002/").content.decode()
    start = html.index('id="links-heading"')
    links = re.findall(r'href="([^"]+)"', html[start:html.index("</nav>", start)])
    assert len(links) >= 4  # council, receptions, projects, opinions
    for url in links:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url
    assert 'href="/deputies/stations/' in html  # its stations are links too


def test_no_meeting_in_the_past_is_shown_as_upcoming(client, demo):
    from yishi.councils.models import Meeting

    meeting = Meeting.objects.exclude(state="draft").first()
    meeting.starts_at = timezone.now() - timedelta(hours=2)
    meeting.save(update_fields=["starts_at"])
    assert f"/councils/meetings/{meeting.pk}/" not in section(
        client.get("/").content.decode(), "meetings")


def test_anonymous_home_page_is_served_from_the_cache_with_each_visitors_own_token(demo):
    from django.test import Client

    from yishi.core.home import CSRF_PLACEHOLDER

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get("/")
    with CaptureQueriesContext(connection) as ctx:
        html = second.get("/").content.decode()
    assert len(ctx.captured_queries) == 0  # the whole page came from the cache
    assert CSRF_PLACEHOLDER not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    # the token in the cached page is this visitor's own: their language switch works
    answer = second.post("/preferences/language/", {"language": "en", "next": "/",
                                             "csrfmiddlewaretoken": token})
    assert answer.status_code == 302
    assert "Open now" in second.get("/").content.decode()
    # another visitor's token is refused
    assert first.post("/preferences/language/", {"language": "en", "next": "/",
                                          "csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_signed_in_large_text_and_messages_are_not_served_from_the_anonymous_cache(
        client, demo):
    client.get("/")
    client.cookies["yishi_text"] = "large"
    assert 'class="text-large"' in client.get("/").content.decode()
    client.cookies.pop("yishi_text")
    client.force_login(User.objects.get(mobile=RESIDENT))
    assert "您现在可以参与" in client.get("/").content.decode()


def test_a_visitor_with_a_message_waiting_gets_the_page_rendered_for_them(demo, rf):
    """A message (say, "your account has been deleted") belongs on this visitor's page only:
    such a visit is not served from, nor stored in, the anonymous cache."""
    from django.contrib import messages
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from yishi.core.home import anonymous_page

    request = rf.get("/")
    request.user, request.session = AnonymousUser(), SessionStore()
    request._messages = FallbackStorage(request)
    messages.success(request, "您的账户和个人数据已删除。")
    assert anonymous_page(request, lambda **extra: pytest.fail("rendered into the cache")) is None
    assert cache.get("yishi:home-page:zh-hans:normal") is None
