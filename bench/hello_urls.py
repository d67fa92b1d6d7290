"""The product's URLs plus /bench-hello/: the cheapest response the full middleware stack can
give, the baseline the district home page is compared with. Not part of the product."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"hello\n", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("bench-hello/", hello),
    path("", include("yishi.urls")),
]
