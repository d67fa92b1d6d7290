from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.security import django_auth

from . import queries
from .attachments import store_attachment
from .models import Notification, Unit, UnitKind

router = Router(tags=["core"])


class UnitOut(Schema):
    code: str
    kind: str
    name: str
    name_en: str
    parent: str | None
    population: int | None

    @staticmethod
    def resolve_parent(obj):
        return obj.parent.code if obj.parent_id else None


class UnitDetailOut(UnitOut):
    description: str
    children: list[UnitOut]

    @staticmethod
    def resolve_children(obj):
        return list(obj.children.select_related("parent").order_by("sort_order", "code"))


class MeOut(Schema):
    name: str
    masked_mobile: str
    home_unit: str | None
    roles: list[dict]
    unread_notifications: int


@router.get("/units", response=list[UnitOut], summary="Streets, towns and communities")
def list_units(request, kind: UnitKind | None = None, parent: str | None = None):
    units = Unit.objects.select_related("parent").order_by("path")
    if kind:
        units = units.filter(kind=kind)
    if parent:
        units = units.filter(parent__code=parent)
    return units


@router.get("/units/{code}", response=UnitDetailOut, summary="One unit and its children")
def get_unit(request, code: str):
    return get_object_or_404(Unit.objects.select_related("parent"), code=code)


@router.get("/district", response=UnitDetailOut, summary="The district this platform serves")
def get_district(request):
    district = queries.district()
    if district is None:
        raise HttpError(404, _("No district has been set up yet."))
    return district


@router.get("/me", response=MeOut, auth=django_auth, summary="The signed-in person")
def me(request):
    user = request.user
    return {
        "name": user.name,
        "masked_mobile": user.masked_mobile,
        "home_unit": user.home_unit.code if user.home_unit_id else None,
        "roles": [
            {"role": a.role, "unit": a.unit.code}
            for a in user.role_assignments.active().select_related("unit")
        ],
        "unread_notifications": Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count(),
    }


class AttachmentOut(Schema):
    """An uploaded file, as every API that lists files shows it (read from an Attachment)."""
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    url: str

    @staticmethod
    def resolve_name(obj):
        return obj.original_name

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


@router.post("/attachments", response={201: AttachmentOut}, auth=django_auth,
             summary="Upload a file (images are re-encoded without EXIF/GPS)")
def upload_attachment(request, file: File[UploadedFile], description: Form[str] = ""):
    attachment = store_attachment(request.user, file, description=description)
    return Status(201, attachment)
