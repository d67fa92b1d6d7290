from django.urls import re_path

from . import open311

urlpatterns = [
    re_path(r"^services\.(?P<fmt>\w+)$", open311.services_list, name="open311_services"),
    re_path(r"^services/(?P<code>[\w-]+)\.(?P<fmt>\w+)$", open311.service_definition,
            name="open311_service"),
    re_path(r"^requests\.(?P<fmt>\w+)$", open311.requests_view, name="open311_requests"),
    re_path(r"^requests/(?P<number>\w+)\.(?P<fmt>\w+)$", open311.request_detail,
            name="open311_request"),
    re_path(r"^tokens/(?P<token>\w+)\.(?P<fmt>\w+)$", open311.token_view, name="open311_token"),
]
