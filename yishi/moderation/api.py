"""Moderation API: the street's queue and the decisions for moderators, "report this" for
everyone. The texts residents publish are read through their own apps' endpoints, which apply
moderation.queries.published."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import django_auth
from pydantic import Field

from yishi.core.api_types import AllowedActionOut, Id, Limit, Offset, allowed_actions
from yishi.core.models import Role
from yishi.core.permissions import holds

from . import queries, services
from .models import ModerationItem, ModerationState
from .workflows import MODERATION

router = Router(tags=["moderation"])


class ModerationItemOut(Schema):
    id: int
    kind: str
    object_id: int
    street: str
    state: str
    state_label: str
    public: dict[str, str] = Field(description="What the public reads once approved "
                                               "(personal data masked, or the moderator's edit)")
    original: dict[str, str] = Field(description="The text as the author wrote it")
    words: list[str]
    personal: list[str]
    reports: int
    url: str
    reason: str
    created_at: datetime

    @staticmethod
    def resolve_kind(obj):
        return obj.content_type.model

    @staticmethod
    def resolve_street(obj):
        return obj.street.code

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()


class ModerationItemDetailOut(ModerationItemOut):
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_actions(obj, context):
        return allowed_actions(obj, context["request"], MODERATION)


class EditIn(Schema):
    public: dict[str, str] = Field(description="The published version of each part, e.g. "
                                               '{"title": "…", "text": "…"}')


class HideReasonIn(Schema):
    reason: str = Field("", max_length=1000)


def _queued(request, pk: int) -> ModerationItem:
    if not holds(request.user, {Role.DISTRICT_STAFF, Role.STREET_STAFF}):
        raise PermissionDenied(_("Only the street committee's staff moderate texts."))
    return get_object_or_404(queries.queue(request.user, state=""), pk=pk)


@router.get("/items", response=list[ModerationItemOut], auth=django_auth,
            summary="The moderation queue of the streets the moderator works for")
def items(request, state: ModerationState = ModerationState.PENDING, street: str | None = None,
          limit: Limit(200) = 50, offset: Offset = 0):
    if not holds(request.user, {Role.DISTRICT_STAFF, Role.STREET_STAFF}):
        raise PermissionDenied(_("Only the street committee's staff moderate texts."))
    rows = queries.queue(request.user, state)
    if street:
        rows = rows.filter(street__code=street)
    return list(rows[offset:offset + limit])


@router.get("/items/{pk}", response=ModerationItemDetailOut, auth=django_auth)
def item(request, pk: Id):
    return _queued(request, pk)


@router.post("/items/{pk}/approve", response=ModerationItemDetailOut, auth=django_auth)
def approve(request, pk: Id):
    return services.approve(request.user, _queued(request, pk))


@router.post("/items/{pk}/edit", response=ModerationItemDetailOut, auth=django_auth,
             summary="Edit and approve: the original is kept")
def edit(request, pk: Id, data: EditIn):
    return services.edit_and_approve(request.user, _queued(request, pk), data.public)


@router.post("/items/{pk}/hide", response=ModerationItemDetailOut, auth=django_auth,
             summary="Hide, with the reason the author reads")
def hide(request, pk: Id, data: HideReasonIn):
    return services.hide(request.user, _queued(request, pk), data.reason)


@router.post("/items/{pk}/report", response={201: dict}, summary="Report a published text (举报)")
def report(request, pk: Id, data: HideReasonIn):
    target = get_object_or_404(ModerationItem.objects.select_related("street"), pk=pk)
    if target.state == ModerationState.HIDDEN:
        raise Http404  # a hidden text reads to the public as one that is not there
    services.report(target, data.reason, user=request.user,
                    address=request.META.get("REMOTE_ADDR", ""))
    return 201, {"detail": _("Thank you. A moderator will look at this text.")}
