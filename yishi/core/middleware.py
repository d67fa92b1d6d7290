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
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and is_staff_person(user)
        ):
            logout(request)
            return redirect(f"{reverse('core:staff_login')}?next={request.path}")
        return self.get_response(request)
