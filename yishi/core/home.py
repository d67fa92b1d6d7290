"""What the home page shows as open now, and the district's headline figures. Core imports no
app: the sections and figures are read through the dotted paths in settings
(YISHI_HOME_SECTIONS, YISHI_HOME_FIGURES), each a function in an app's queries.py.

What is the same for every visitor is cached for YISHI_HOME_CACHE_SECONDS per language, so the
anonymous home page costs a cache read; personal sections (a signed-in person's ballots and
opinions awaiting a rating) are read for that person on each visit.

The anonymous home page as a whole is cached too, per language and text size, for the same
time: it is the page most visitors land on, and rendering it costs far more than reading it.
Its forms' CSRF token is the one part that differs per visitor, so the cached page holds a
placeholder that each answer replaces with the visitor's own token."""

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import get_language


def _section(spec: dict, user) -> dict:
    personal = user is not None and spec.get("personal")
    return {
        "key": spec["key"],
        "title": str(spec["personal_title"] if personal and spec.get("personal_title")
                     else spec["title"]),
        "items": import_string(spec["query"])(user if personal else None),
        "more": reverse(spec["more"]),
    }


def _shared() -> dict:
    """The part every visitor sees, from the cache when fresh."""
    key = f"yishi:home:{get_language()}"
    shared = cache.get(key)
    if shared is None:
        shared = {
            "sections": [_section(spec, None) for spec in settings.YISHI_HOME_SECTIONS
                         if not spec.get("signed_in_only")],
            "figures": [figure for path in settings.YISHI_HOME_FIGURES
                        for figure in import_string(path)()],
        }
        cache.set(key, shared, settings.YISHI_HOME_CACHE_SECONDS)
    return shared


def open_now(user) -> dict:
    shared = _shared()
    if user is None or not user.is_authenticated:
        return shared
    by_key = {section["key"]: section for section in shared["sections"]}
    sections = [_section(spec, user) if spec.get("personal") else by_key[spec["key"]]
                for spec in settings.YISHI_HOME_SECTIONS]
    return {"sections": sections, "figures": shared["figures"]}


def street_links(street) -> list[dict]:
    """What the apps hold for one street, each a link (YISHI_STREET_LINKS)."""
    return [link for path in settings.YISHI_STREET_LINKS
            if (link := import_string(path)(street)) is not None]


# Unguessable and never a valid token, so a placeholder left in a page could not be replayed.
CSRF_PLACEHOLDER = "yishi-csrf-placeholder-0c5b7e"


def anonymous_page(request, render_page) -> HttpResponse | None:
    """The cached home page for a visitor who is not signed in (None when the page is theirs
    alone: signed in, a query string, or a message waiting for them)."""
    if request.user.is_authenticated or request.GET or len(messages.get_messages(request)):
        return None
    large = request.COOKIES.get("yishi_text") == "large"
    key = f"yishi:home-page:{get_language()}:{'large' if large else 'normal'}"
    cached = cache.get(key)
    if cached is None:
        response = render_page(csrf_token=CSRF_PLACEHOLDER)
        cached = (response.content.decode(), response["Content-Type"])
        cache.set(key, cached, settings.YISHI_HOME_CACHE_SECONDS)
    html, content_type = cached
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)),
                        content_type=content_type)
