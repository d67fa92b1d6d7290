"""The evaluation (考评激励) in the API, on the oversight router: the year's tree and workflow
steps for the district, each street's card (the street's own only, deputies read), the records
behind a computed score, self-assessment and review. Errors follow docs/api.md."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Schema, Status
from ninja.security import django_auth

from yishi.core.api_types import AllowedActionOut, Id, allowed_actions
from yishi.core.permissions import has_perm
from yishi.core.queries import district

from . import evaluation, queries
from .api import router
from .evaluation_models import EvaluationScheme, StreetScore
from .permissions import reader_paths


class IndicatorOut(Schema):
    id: int
    parent: int | None
    level: int
    name: str
    weight: Decimal
    points: Decimal
    method: str
    measure: str
    target: Decimal | None
    note: str


class SchemeOut(Schema):
    year: int
    title: str
    state: str
    state_label: str
    period_start: date
    period_end: date
    computed_at: datetime | None
    published_at: datetime | None
    indicators: list[IndicatorOut]
    actions: list[AllowedActionOut]


class RankOut(Schema):
    rank: int
    street: str
    street_name: str
    total: Decimal
    last_total: Decimal | None
    last_rank: int | None
    change: Decimal | None


class StreetScoreOut(Schema):
    indicator: int
    name: str
    points: Decimal
    numerator: int | None
    denominator: int | None
    value: Decimal | None
    self_score: Decimal | None
    self_note: str
    evidence: list[str]
    reviewed_score: Decimal | None
    review_reason: str
    score: Decimal
    records: str | None


class CardOut(Schema):
    year: int
    street: str
    state: str
    total: Decimal
    scores: list[StreetScoreOut]


class RecordOut(Schema):
    date: date | None
    text: str
    url: str


class RecordsOut(Schema):
    counted: list[RecordOut]
    due: list[RecordOut] | None


class SchemeIn(Schema):
    year: int
    copy_last_year: bool = True


class IndicatorIn(Schema):
    name: str = Field(max_length=120)
    weight: str = Field(max_length=12, description="per cent of its level, e.g. \"40\"")
    parent: int | None = None
    method: str = Field("", description="ratio, threshold, assessed; empty for a group")
    measure: str = ""
    target: str | None = Field(None, max_length=12)
    note: str = Field("", max_length=300)


class SelfAssessIn(Schema):
    score: str = Field(max_length=12)
    note: str = Field(max_length=2000)
    evidence: list[Id] = Field([], max_length=10,
                               description="ids of attachments you uploaded (/api/attachments)")


class ReviewIn(Schema):
    score: str = Field(max_length=12)
    reason: str = Field("", max_length=2000)


def _scheme(request, year) -> EvaluationScheme:
    if reader_paths(request.auth) == []:
        raise PermissionDenied
    return get_object_or_404(EvaluationScheme, district=district(), year=year)


def _district_only(request):
    if not has_perm(request.auth, "oversight.evaluate", district()):
        raise PermissionDenied


def _street(request, code):
    street = get_object_or_404(queries.streets(), code=code)
    if not has_perm(request.auth, "oversight.view", street):
        raise Http404
    return street


def _scheme_out(request, scheme):
    scheme.refresh_from_db()
    nodes = evaluation.flat(evaluation.tree(scheme))
    return {**{f: getattr(scheme, f) for f in ("year", "title", "state", "period_start",
                                               "period_end", "computed_at", "published_at")},
            "state_label": scheme.get_state_display(),
            "indicators": [{"id": n.indicator.pk, "parent": n.indicator.parent_id,
                            "level": n.level, "name": n.indicator.name,
                            "weight": n.indicator.weight, "points": n.points,
                            "method": n.indicator.method, "measure": n.indicator.measure,
                            "target": n.indicator.target, "note": n.indicator.note}
                           for n in nodes],
            "actions": allowed_actions(scheme, request)}


@router.get("/evaluation", response=list[SchemeOut], auth=django_auth,
            summary="The years' evaluations (考评方案)")
def schemes(request):
    if reader_paths(request.auth) == []:
        raise PermissionDenied
    return [_scheme_out(request, s) for s in EvaluationScheme.objects.filter(
        district=district())[:20]]


@router.post("/evaluation", response={201: SchemeOut}, auth=django_auth,
             summary="Configure a year's evaluation (district)")
def create_scheme(request, data: SchemeIn):
    last = EvaluationScheme.objects.filter(district=district()).first()
    scheme = evaluation.create_scheme(request.auth, data.year,
                                      copy_from=last if data.copy_last_year else None)
    return Status(201, _scheme_out(request, scheme))


@router.get("/evaluation/{year}", response=SchemeOut, auth=django_auth,
            summary="A year's indicator tree, state and your actions")
def scheme_detail(request, year: int):
    return _scheme_out(request, _scheme(request, year))


@router.get("/evaluation/{year}/ranking", response=list[RankOut], auth=django_auth,
            summary="Every street ranked, with last year (district)")
def ranking(request, year: int):
    scheme = _scheme(request, year)
    _district_only(request)
    return [{**row, "street": row["street"].code, "street_name": row["street"].display_name}
            for row in evaluation.ranking(scheme)]


@router.post("/evaluation/{year}/indicators", response={201: SchemeOut}, auth=django_auth,
             summary="Add an indicator to the tree (district, while configuring)")
def add_indicator(request, year: int, data: IndicatorIn):
    scheme = _scheme(request, year)
    parent = get_object_or_404(scheme.indicators, pk=data.parent) if data.parent else None
    evaluation.add_indicator(request.auth, scheme, evaluation.IndicatorInput(
        name=data.name, weight=data.weight, parent=parent, method=data.method,
        measure=data.measure, target=data.target, note=data.note))
    return Status(201, _scheme_out(request, scheme))


@router.get("/evaluation/{year}/cards/{code}", response=CardOut, auth=django_auth,
            summary="A street's scorecard (the district; the street's staff and deputies)")
def card(request, year: int, code: str):
    scheme = _scheme(request, year)
    street = _street(request, code)
    rows = [r for r in evaluation.card(scheme, street) if r["score"] is not None]
    scores = []
    for r in rows:
        s: StreetScore = r["score"]
        scores.append({
            "indicator": r["indicator"].pk, "name": r["indicator"].name,
            "points": r["node"].points, "numerator": s.numerator,
            "denominator": s.denominator, "value": s.value, "self_score": s.self_score,
            "self_note": s.self_note, "evidence": [a.get_absolute_url() for a in s.evidence.all()],
            "reviewed_score": s.reviewed_score, "review_reason": s.review_reason,
            "score": s.score,
            "records": (f"/api/oversight/evaluation/{year}/cards/{code}/{r['indicator'].pk}"
                        "/records" if r["indicator"].measure else None)})
    return {"year": year, "street": code, "state": scheme.state,
            "total": sum((s["score"] for s in scores), Decimal("0.00")), "scores": scores}


@router.get("/evaluation/{year}/cards/{code}/{indicator_id}/records", response=RecordsOut,
            auth=django_auth, summary="The records behind a computed score")
def records(request, year: int, code: str, indicator_id: Id):
    scheme = _scheme(request, year)
    street = _street(request, code)
    indicator = get_object_or_404(scheme.indicators.exclude(measure=""), pk=indicator_id)
    found = evaluation.records(scheme, indicator, street)

    def rows(items):
        return [{"date": d, "text": t, "url": u} for d, t, u in items]

    return {"counted": rows(found["counted"]),
            "due": rows(found["due"]) if found["due"] is not None else None}


@router.post("/evaluation/{year}/cards/{code}/{indicator_id}/self-assess", response=CardOut,
             auth=django_auth, summary="Score your street on an assessed indicator (street)")
def self_assess(request, year: int, code: str, indicator_id: Id, data: SelfAssessIn):
    scheme = _scheme(request, year)
    street = _street(request, code)
    indicator = get_object_or_404(scheme.indicators, pk=indicator_id)
    evaluation.self_assess(request.auth, indicator, street, data.score, data.note,
                           attachment_ids=data.evidence)
    return card(request, year, code)


@router.post("/evaluation/{year}/cards/{code}/{indicator_id}/review", response=CardOut,
             auth=django_auth, summary="Confirm or change a street's self-score (district)")
def review(request, year: int, code: str, indicator_id: Id, data: ReviewIn):
    scheme = _scheme(request, year)
    street = _street(request, code)
    row = get_object_or_404(StreetScore, indicator__scheme=scheme, indicator_id=indicator_id,
                            street=street)
    evaluation.review(request.auth, row, data.score, data.reason)
    return card(request, year, code)


@router.post("/evaluation/{year}/compute", response=SchemeOut, auth=django_auth,
             summary="Compute the scores from the records (district)")
def compute(request, year: int):
    scheme = _scheme(request, year)
    evaluation.compute(request.auth, scheme)
    return _scheme_out(request, scheme)


@router.post("/evaluation/{year}/{step}", response=SchemeOut, auth=django_auth,
             summary="open, review, reopen or publish the year's evaluation (district)")
def step(request, year: int, step: str):
    if step not in evaluation.STEPS:
        raise Http404
    scheme = _scheme(request, year)
    evaluation.STEPS[step](request.auth, scheme)
    return _scheme_out(request, scheme)
