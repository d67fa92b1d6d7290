"""The rules library in the API (/api/oversight/rules): public reads, district writes."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from . import queries, rules
from .rules_models import Rule, RuleGroup

router = Router(tags=["oversight: rules library"])


class VersionOut(Schema):
    number: int
    effective_on: date
    note: str
    text: str


class RuleOut(Schema):
    key: str
    group: str
    group_label: str
    title: str
    issuing_body: str
    summary: str
    is_demo_text: bool
    url: str

    @staticmethod
    def resolve_group_label(obj):
        return obj.get_group_display()

    @staticmethod
    def resolve_url(obj):
        return f"/oversight/rules/{obj.key}/"


class RuleDetailOut(RuleOut):
    versions: list[VersionOut]

    @staticmethod
    def resolve_versions(obj):
        return list(obj.versions.order_by("number"))


class PieceOut(Schema):
    text: str
    mark: str


class RowOut(Schema):
    kind: str
    old: list[PieceOut]
    new: list[PieceOut]


class CompareOut(Schema):
    key: str
    old: int
    new: int
    rows: list[RowOut]


class RuleIn(Schema):
    key: str = Field(max_length=64)
    group: RuleGroup
    title: str = Field(max_length=200)
    issuing_body: str = Field(max_length=200)
    effective_on: date
    text: str = Field(max_length=rules.MAX_TEXT)
    summary: str = Field("", max_length=2000)
    governs: list[str] = Field([], max_length=20, description="module keys, e.g. councils")


class AmendIn(Schema):
    effective_on: date
    note: str = Field(max_length=2000)
    text: str = Field(max_length=rules.MAX_TEXT)


@router.get("", response=list[RuleOut], summary="The rules library (search with q)")
def library(request, q: str = "", group: RuleGroup | None = None):
    return list(queries.rules_library(group, q[:100]))


@router.get("/{key}", response=RuleDetailOut, summary="A rule with all its versions")
def rule(request, key: str):
    return get_object_or_404(Rule, key=key)


@router.get("/{key}/compare", response=CompareOut, summary="Two versions compared")
def compare(request, key: str, a: int, b: int):
    found = get_object_or_404(Rule, key=key)
    old = get_object_or_404(found.versions, number=min(a, b))
    new = get_object_or_404(found.versions, number=max(a, b))
    return {"key": key, "old": old.number, "new": new.number,
            "rows": rules.compare(old.text, new.text)}


@router.post("", response={201: RuleDetailOut}, auth=django_auth,
             summary="Enter a rule (district)")
def create(request, data: RuleIn):
    return Status(201, rules.create_rule(request.auth, rules.RuleInput(**data.dict())))


@router.post("/{key}/versions", response={201: RuleDetailOut}, auth=django_auth,
             summary="Amend a rule: a new version (district)")
def amend(request, key: str, data: AmendIn):
    found = get_object_or_404(Rule, key=key)
    if not request.auth:
        raise PermissionDenied
    rules.amend_rule(request.auth, found, **data.dict())
    return Status(201, found)
