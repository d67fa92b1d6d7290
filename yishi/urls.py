from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("voting/", include("yishi.voting.urls")),
    path("opinions/", include("yishi.opinions.urls")),
    path("deputies/", include("yishi.deputies.urls")),
    path("councils/", include("yishi.councils.urls")),
    path("projects/", include("yishi.projects.urls")),
    path("finance/", include("yishi.finance.urls")),
    path("oversight/", include("yishi.oversight.urls")),
    path("moderation/", include("yishi.moderation.urls")),
    path("open311/v2/", include("yishi.opinions.open311_urls")),
    path("", include("yishi.core.urls")),
]

# Our own error pages, in the site's layout and the visitor's language (DEBUG=False only).
handler400 = "yishi.core.error_views.bad_request"
handler403 = "yishi.core.error_views.permission_denied"
handler404 = "yishi.core.error_views.page_not_found"
handler500 = "yishi.core.error_views.server_error"
