"""The site's URLs plus views that fail on purpose, for the error page tests."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.urls import path

from yishi.urls import handler400, handler403, handler404, handler500  # noqa: F401
from yishi.urls import urlpatterns as site


def bad(request):
    raise BadRequest("bad")


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test-errors/400/", bad),
    path("test-errors/403/", forbidden),
    path("test-errors/500/", broken),
    *site,
]
