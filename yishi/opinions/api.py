"""Opinions API: the public board and an opinion's story for everyone; submitting and rating
for residents."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.security import django_auth

from yishi.core.api_types import (
    AllowedActionOut,
    Latitude,
    Limit,
    Longitude,
    Offset,
    allowed_actions,
)
from yishi.core.models import Unit
from yishi.moderation.queries import attach as attach_moderation
from yishi.moderation.queries import published

from . import queries, services
from .models import Opinion, OpinionCategory, OpinionState

router = Router(tags=["opinions"])


def _asker(context):
    """Who reads (moderation.queries.published: the author and staff read the text as written)."""
    request = (context or {}).get("request")
    return getattr(request, "user", None)


class TimelineOut(Schema):
    action: str
    label: str
    note: str
    by: str
    at: datetime


class OpinionOut(Schema):
    number: str
    title: str
    text: str
    category: str
    street: str
    community: str | None
    state: str
    state_label: str
    raised_by: str
    created_at: datetime
    reply_deadline: datetime | None
    rating: str
    supports: int
    replies: list[str]
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_title(obj, context):
        return published(obj, "title", _asker(context))

    @staticmethod
    def resolve_text(obj, context):
        return published(obj, "text", _asker(context))

    @staticmethod
    def resolve_category(obj):
        return obj.category.code

    @staticmethod
    def resolve_street(obj):
        return obj.street.code

    @staticmethod
    def resolve_community(obj):
        return obj.community.code if obj.community_id else None

    @staticmethod
    def resolve_state_label(obj):
        return str(OpinionState(obj.state).label)

    @staticmethod
    def resolve_raised_by(obj):
        return obj.public_name

    @staticmethod
    def resolve_replies(obj):
        return [r.text for r in obj.replies.all()]

    @staticmethod
    def resolve_timeline(obj):
        return [{"action": t.action, "label": t.get_action_label(), "note": t.note,
                 "by": t.get_actor_label(), "at": t.created_at} for t in obj.timeline.all()]


class OpinionDetailOut(OpinionOut):
    actions: list[AllowedActionOut]

    @staticmethod
    def resolve_actions(obj, context):
        from .workflows import OPINION

        return allowed_actions(obj, context["request"], OPINION)


class OpinionIn(Schema):
    title: str
    text: str
    category: str
    community: str
    address: str = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    is_public: bool = False


class RatingIn(Schema):
    rating: str
    comment: str = ""



@router.get("/opinions", response=list[OpinionOut], summary="The public board")
def board(request, street: str | None = None, category: str | None = None,
          state: OpinionState | None = None, limit: Limit(200) = 50, offset: Offset = 0):
    street_unit = Unit.objects.filter(code=street).first() if street else None
    category_row = OpinionCategory.objects.filter(code=category).first() if category else None
    rows = queries.public_board(street=street_unit, category=category_row, state=state)
    return attach_moderation(rows.prefetch_related("replies", "timeline")[offset:offset + limit])


@router.get("/opinions/{number}", response=OpinionDetailOut)
def detail(request, number: str):
    opinion = get_object_or_404(Opinion, number=number)
    if not queries.can_see(request.user, opinion):
        raise Http404
    return opinion


@router.post("/opinions", response={201: OpinionOut}, auth=django_auth,
             summary="Raise an opinion as the signed-in resident")
def submit(request, data: OpinionIn):
    category = OpinionCategory.objects.filter(code=data.category).first()
    community = Unit.objects.filter(code=data.community).first()
    if category is None:
        raise ValidationError({"category": _("Unknown category.")})
    opinion = services.submit_opinion(request.user, services.Intake(
        title=data.title, text=data.text, category=category, community=community,
        address=data.address, latitude=data.latitude, longitude=data.longitude,
        is_public=data.is_public))
    return Status(201, opinion)


@router.post("/opinions/{number}/rating", response=OpinionDetailOut, auth=django_auth)
def rate(request, number: str, data: RatingIn):
    opinion = get_object_or_404(Opinion, number=number)
    services.rate_opinion(request.user, opinion, data.rating, data.comment)
    opinion.refresh_from_db()
    return opinion


class SimilarOut(Schema):
    number: str
    title: str
    state: str
    similarity: float


@router.get("/opinions-similar", response=list[SimilarOut],
            summary="Open public opinions like this text (shown while a resident types)")
def similar(request, title: str = "", text: str = ""):
    from .routing_model import similar_open_opinions

    if len(title) > 100 or len(text) > 5000:
        raise ValidationError(_("The title or the text is too long."))
    found = similar_open_opinions(title, text)
    attach_moderation([o for o, _score in found])
    return [{"number": o.number, "title": published(o, "title"),
             "state": str(OpinionState(o.state).label), "similarity": round(score, 3)}
            for o, score in found]
