"""The JSON API (django-ninja): OpenAPI at /api/openapi.json, documentation at /api/docs.
Each app adds its router here."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from yishi.core.api import router as core_router
from yishi.councils.api import router as councils_router
from yishi.deputies.api import router as deputies_router
from yishi.opinions.api import router as opinions_router
from yishi.projects.api import router as projects_router
from yishi.voting.api import router as voting_router

api = NinjaAPI(
    title="Yishi API",
    version="1",
    description=str(_("Open data and participation API of the Yishi platform.")),
    urls_namespace="api",
)
api.add_router("/", core_router)
api.add_router("/voting", voting_router)
api.add_router("/", opinions_router)
api.add_router("/deputies", deputies_router)
api.add_router("/councils", councils_router)
api.add_router("/projects", projects_router)
