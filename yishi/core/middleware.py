from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from .permissions import is_staff_person


class StaffSecondFactorMiddleware:
    """Staff must have passed a TOTP check in this session. A staff person whose session lacks
    it (signed in some other way, or given a staff role while signed in) is signed out and sent
    to the staff sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A view that authenticates by a signed token of its own, not the session (a live
        # room's poll), is left alone: reading the user here would cost it two queries.
        if getattr(view_func, "token_authenticated", False):
            return None
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and _holds_staff_role(user)
        ):
            logout(request)
            return redirect(f"{reverse('core:staff_login')}?next={request.path}")
        return None


def _holds_staff_role(user) -> bool:
    # Read with the user by MobileBackend.get_user; a user object from elsewhere asks anew.
    known = getattr(user, "holds_staff_role", None)
    return known if known is not None else is_staff_person(user)


class LanguageMiddleware:
    """Chinese unless the visitor chose otherwise. The choice (language switch, or the account's
    setting applied at sign-in) lives in the language cookie; the browser's Accept-Language is
    deliberately not consulted, so a resident on a phone set to English still lands on the
    Chinese site the district publishes, with English one tap away."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", code)
        return response
