"""Error pages of our own (400, 403, 404, 500, and a refused form: CSRF), in the site's layout
and the visitor's language, each with a way back. Wired in yishi/urls.py (handler400…) and
settings.CSRF_FAILURE_VIEW; they apply with DEBUG=False, that is in production."""

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Form fields never shown back: secrets, and the token that failed.
NOT_SHOWN = ("csrfmiddlewaretoken", "password", "code", "token", "secret")


def _way_back(request: HttpRequest) -> str | None:
    """The page the visitor came from, if it is ours."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()},
                                                   request.is_secure()):
        return referer
    return None


def _page(request: HttpRequest, status: int, title: str, explanation: str,
          **extra) -> HttpResponse:
    context = {"status": status, "title": title, "explanation": explanation,
               "back": _way_back(request), **extra}
    try:
        body = render_to_string("error.html", context, request=request)
    except Exception:  # the layout itself needs the database; a 500 may be the database
        logger.exception("error page %s could not be rendered in the layout", status)
        body = render_to_string("error_plain.html", context)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, 400, _("The request could not be understood"),
                 _("Something in the address or the form sent was not valid. Go back and "
                   "try again; if it happens again, start from the home page."))


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    reason = str(exception) if exception is not None and str(exception) else ""
    return _page(request, 403, _("You may not do this here"),
                 reason or _("Your account does not have the role this page needs, or the "
                             "page belongs to another street. Sign in with another account "
                             "or ask your street's staff."))


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, 404, _("Page not found"),
                 _("There is no page at this address. It may have been moved, or the link "
                   "may be mistyped."))


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return _page(request, 500, _("Something went wrong on our side"),
                     _("The error has been recorded. Please try again in a few minutes; "
                       "what you typed may need to be entered again."))
    except Exception:
        return HttpResponseServerError("<h1>500</h1>", content_type="text/html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page that had been open too long (or with cookies blocked). What was
    typed is shown so it can be copied into the form again; it is not sent again from here,
    since a forged request must not become a one-click submission."""
    typed = [(name, value) for name, value in request.POST.items()
             if value.strip() and not any(word in name.lower() for word in NOT_SHOWN)]
    return _page(request, 403, _("The form had expired"),
                 _("For your safety, a form can only be sent for a limited time after the page "
                   "was opened, and only with cookies allowed. Open the page again and send the "
                   "form once more."), typed=typed[:20])
