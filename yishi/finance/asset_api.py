"""State assets as open data (a street's register as of any date with totals by class, published
inventories with their report) and the writes: the street's staff keep the register and run
inventories; the outside firm's accounts record findings with photos. Each through one service
in assets.py; mounted under /api/finance/assets."""

from datetime import date, datetime
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from yishi.core.api_types import AllowedActionOut, Id, allowed_actions

from . import asset_queries as q
from . import assets, disposals, queries
from .asset_models import Asset, Disposal, Finding, InventoryCampaign
from .services import FinanceError

router = Router(tags=["finance"])


class ClassTotalsOut(Schema):
    code: str
    name: str
    count: int
    original: Decimal
    net: Decimal
    leased_or_lent: int
    idle: int
    disposed: int
    loss: int = 0
    loss_original: Decimal = Decimal("0.00")
    surplus: int = 0
    surplus_original: Decimal = Decimal("0.00")
    misplaced: int = 0


class AssetOut(Schema):
    code: str
    name: str
    asset_class: str
    location: str
    department: str
    acquired_on: date
    original_value: Decimal
    net_value: Decimal
    status: str
    status_label: str


class RegisterOut(Schema):
    street: str
    on: date
    classes: list[ClassTotalsOut]
    items: list[AssetOut]


class CampaignSummaryOut(Schema):
    id: int
    title: str
    state: str
    state_label: str
    reference_date: date
    firm: str
    is_demo: bool


class FindingOut(Schema):
    id: int
    kind: str
    kind_label: str
    item: str | None
    name: str
    found_location: str
    note: str
    state: str
    decision_note: str
    photos: list[int]
    documents: list[int]
    actions: list[AllowedActionOut]


class CampaignOut(CampaignSummaryOut):
    summary: str
    published_at: str | None
    report: list[ClassTotalsOut]
    findings: list[FindingOut]
    actions: list[AllowedActionOut]


def _totals(r) -> dict:
    return {"code": r.asset_class.code if r.asset_class else "", "count": r.count,
            "name": r.asset_class.name if r.asset_class else "合计", "original": r.original,
            "net": r.net, "leased_or_lent": r.leased_count, "idle": r.idle_count,
            "disposed": r.disposed_count, "loss": r.loss_count, "loss_original": r.loss_original,
            "surplus": r.surplus_count, "surplus_original": r.surplus_original,
            "misplaced": r.misplaced_count}


def _street(code: str):
    street = next((s for s in queries.streets() if s.code == code), None)
    if street is None:
        raise Http404
    return street


def _campaign(request, campaign_id: int) -> InventoryCampaign:
    campaign = get_object_or_404(InventoryCampaign.objects.select_related("street"),
                                 pk=campaign_id)
    if not q.may_view_campaign(request.user, campaign):
        raise Http404
    return campaign


def _summary(c) -> dict:
    return {"id": c.pk, "title": c.title, "state": c.state, "state_label": c.get_state_display(),
            "reference_date": c.reference_date, "firm": c.firm, "is_demo": c.is_demo}


def _finding(f, request) -> dict:
    return {"id": f.pk, "kind": f.kind, "kind_label": f.get_kind_display(),
            "item": f.item.code if f.item_id else None, "name": f.name,
            "found_location": f.found_location, "note": f.note, "state": f.state,
            "decision_note": f.decision_note, "photos": [p.pk for p in f.photos.all()],
            "documents": [d.pk for d in f.documents.all()],
            "actions": allowed_actions(f, request)}


def _campaign_out(c, request) -> dict:
    rows, total = q.campaign_report(c) if c.snapshot_at else ([], None)
    return {**_summary(c), "summary": c.report_summary if c.is_public else "",
            "published_at": c.published_at.isoformat() if c.published_at else None,
            "report": [_totals(r) for r in rows] + ([_totals(total)] if total else []),
            "findings": [_finding(f, request) for f in q.findings_of(c)],
            "actions": allowed_actions(c, request)}


@router.get("/{street}", response=RegisterOut,
            summary="A street's asset register as of a date (today by default), by class")
def register(request, street: str, on: date | None = None):
    unit = _street(street)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise FinanceError({"on": _("The register cannot be shown for a future date.")})
    rows = q.register_as_of(unit, on)
    classes, _total = q.class_totals(rows)
    return {"street": unit.code, "on": on, "classes": [_totals(r) for r in classes],
            "items": [{"code": v.code, "name": v.name, "asset_class": v.asset_class.code,
                       "location": v.location, "department": v.department,
                       "acquired_on": v.acquired_on, "original_value": v.original_value,
                       "net_value": v.net_value, "status": v.status,
                       "status_label": v.get_status_display()} for v in rows]}


class AssetIn(Schema):
    code: str
    name: str
    asset_class: str
    location: str
    department: str
    acquired_on: date
    original_value: str
    net_value: str
    status: str = "in_use"


@router.post("/{street}/items", response={201: AssetOut}, auth=django_auth,
             summary="Enter an asset in the register (the street's finance staff)")
def add_asset(request, street: str, data: AssetIn):
    asset = assets.register_asset(request.user, _street(street), data.dict())
    return Status(201, {"code": asset.code, "name": asset.name,
                        "asset_class": asset.asset_class.code, "location": asset.location,
                        "department": asset.department, "acquired_on": asset.acquired_on,
                        "original_value": asset.original_value, "net_value": asset.net_value,
                        "status": asset.status, "status_label": asset.get_status_display()})


@router.get("/{street}/campaigns", response=list[CampaignSummaryOut],
            summary="A street's inventories this person may see (published ones for everyone)")
def campaigns(request, street: str):
    return [_summary(c) for c in q.campaigns_for(request.user, _street(street))]


@router.get("/campaigns/{campaign_id}", response=CampaignOut,
            summary="An inventory: report by class, findings, and the actions this person may take")
def campaign_detail(request, campaign_id: Id):
    return _campaign_out(_campaign(request, campaign_id), request)


class FindingIn(Schema):
    kind: str
    item: int | None = None
    found_location: str = ""
    note: str = ""
    name: str = ""
    asset_class: str = ""
    original_value: str | None = None
    net_value: str | None = None


@router.post("/campaigns/{campaign_id}/findings", response={201: FindingOut}, auth=django_auth,
             summary="The outside firm records a finding, with photos (multipart form)")
def record_finding(request, campaign_id: Id, data: Form[FindingIn],
                   photos: File[list[UploadedFile]] = None):
    campaign = _campaign(request, campaign_id)
    finding = assets.record_finding(
        request.user, campaign, kind=data.kind, item_id=data.item,
        found_location=data.found_location, note=data.note, name=data.name,
        asset_class_code=data.asset_class, original_value=data.original_value,
        net_value=data.net_value, photos=photos or [])
    return Status(201, _finding(finding, request))


class FindingDecisionIn(Schema):
    note: str = ""


@router.post("/findings/{finding_id}/{decision}", response=FindingOut, auth=django_auth,
             summary="The street approves (with documents, multipart) or returns a finding")
def decide(request, finding_id: Id, decision: str, data: Form[FindingDecisionIn],
           documents: File[list[UploadedFile]] = None):
    finding = get_object_or_404(Finding.objects.select_related("campaign__street"),
                                pk=finding_id)
    if not q.may_view_campaign(request.user, finding.campaign):
        raise Http404
    if decision == "approve":
        finding = assets.approve_finding(request.user, finding, note=data.note,
                                         documents=documents or [])
    elif decision == "reject":
        finding = assets.reject_finding(request.user, finding, note=data.note)
    else:
        raise Http404
    return _finding(finding, request)


class PublishIn(Schema):
    summary: str


@router.post("/campaigns/{campaign_id}/publish", response=CampaignOut, auth=django_auth,
             summary="Publish an inventory's report with its summary")
def publish(request, campaign_id: Id, data: PublishIn):
    campaign = _campaign(request, campaign_id)
    assets.publish_report(request.user, campaign, summary=data.summary)
    campaign.refresh_from_db()
    return _campaign_out(campaign, request)


@router.post("/campaigns/{campaign_id}/{step}", response=CampaignOut, auth=django_auth,
             summary="Move an inventory: start (snapshot), close_fieldwork, reopen")
def campaign_step(request, campaign_id: Id, step: str):
    campaign = _campaign(request, campaign_id)
    if step == "start":
        assets.start_inventory(request.user, campaign)
    elif step == "close_fieldwork":
        assets.close_fieldwork(request.user, campaign)
    elif step == "reopen":
        assets.reopen_fieldwork(request.user, campaign)
    else:
        raise Http404
    campaign.refresh_from_db()
    return _campaign_out(campaign, request)


# --- one asset: its history, and its disposal (资产处置) ----------------------------------------

class AssetVersionOut(Schema):
    effective_on: date
    reason: str = Field(description="why the register changed, in the reader's language")
    reason_kind: str = Field(description="text (a person's own words), entered, lease, "
                                         "disposal_requested, disposal_refused, disposed, "
                                         "inventory")
    reason_kind_label: str
    status: str
    status_label: str
    location: str
    department: str
    net_value: Decimal


class DisposalOut(Schema):
    id: int
    method: str
    method_label: str
    state: str
    state_label: str
    reason: str
    requested_at: datetime
    decision: str
    decision_note: str
    disposed_on: date | None
    proceeds: Decimal | None
    actions: list[AllowedActionOut]


class AssetDetailOut(AssetOut):
    id: int
    street: str
    history: list[AssetVersionOut]
    disposals: list[DisposalOut]


def _disposal(d, request) -> dict:
    return {"id": d.pk, "method": d.method, "method_label": d.get_method_display(),
            "state": d.state, "state_label": d.get_state_display(), "reason": d.reason,
            "requested_at": d.requested_at, "decision": d.decision,
            "decision_note": d.decision_note, "disposed_on": d.disposed_on,
            "proceeds": d.proceeds, "actions": allowed_actions(d, request)}


def _asset_detail(asset, request) -> dict:
    return {"id": asset.pk, "street": asset.street.code, "code": asset.code, "name": asset.name,
            "asset_class": asset.asset_class.code, "location": asset.location,
            "department": asset.department, "acquired_on": asset.acquired_on,
            "original_value": asset.original_value, "net_value": asset.net_value,
            "status": asset.status, "status_label": asset.get_status_display(),
            "history": [{"effective_on": v.effective_on, "reason": v.reason_text,
                         "reason_kind": v.reason_kind,
                         "reason_kind_label": v.get_reason_kind_display(), "status": v.status,
                         "status_label": v.get_status_display(), "location": v.location,
                         "department": v.department, "net_value": v.net_value}
                        for v in q.history(asset)],
            "disposals": [_disposal(d, request) for d in asset.disposals.all()]}


def _asset(street: str, asset_id: int):
    # The street is part of the address: another street's asset by its id is not found.
    return get_object_or_404(Asset.objects.select_related("asset_class", "street"),
                             pk=asset_id, street=_street(street))


@router.get("/{street}/items/{asset_id}", response=AssetDetailOut,
            summary="One asset: its entry, its history (every version) and its disposals")
def asset_detail(request, street: str, asset_id: Id):
    return _asset_detail(_asset(street, asset_id), request)


class AssetChangeIn(Schema):
    """Only the fields given change; the reason goes into the asset's public history."""
    name: str | None = None
    location: str | None = None
    department: str | None = None
    net_value: str | None = None
    status: str | None = None
    reason: str
    effective_on: date | None = None


@router.patch("/{street}/items/{asset_id}", response=AssetDetailOut, auth=django_auth,
              summary="Change an asset's entry from a date on (变动; the street's finance staff): "
                      "the former entry stays in its history")
def change_asset(request, street: str, asset_id: Id, data: AssetChangeIn):
    asset = _asset(street, asset_id)
    changes = data.dict(exclude_none=True, exclude={"reason", "effective_on"})
    assets.change_asset(request.user, asset, changes, reason=data.reason,
                        effective_on=data.effective_on)
    return _asset_detail(_asset(street, asset_id), request)


class AssetContractIn(Schema):
    kind: str = Field(description="lease (出租) or loan (出借)")
    tenant: str
    starts_on: date
    ends_on: date
    rent: str = Field("0", description="Rent per year in yuan, to the fen (0 for a loan)")


class AssetContractOut(Schema):
    id: int
    kind: str
    kind_label: str
    tenant: str
    starts_on: date
    ends_on: date
    rent: Decimal


@router.post("/{street}/items/{asset_id}/contracts", response={201: AssetContractOut},
             auth=django_auth,
             summary="Record a lease or loan contract (出租出借; the street's finance staff): the "
                     "asset's status follows it from its first day; the same contract twice is "
                     "refused")
def record_contract(request, street: str, asset_id: Id, data: AssetContractIn):
    contract = assets.record_lease(request.user, _asset(street, asset_id), **data.dict())
    return Status(201, {"id": contract.pk, "kind": contract.kind,
                        "kind_label": contract.get_kind_display(), "tenant": contract.tenant,
                        "starts_on": contract.starts_on, "ends_on": contract.ends_on,
                        "rent": contract.rent})


class DisposalRequestIn(Schema):
    method: str
    reason: str


@router.post("/{street}/items/{asset_id}/disposal", response={201: AssetDetailOut},
             auth=django_auth,
             summary="Request an asset's disposal: sale, transfer, donation or scrap (the "
                     "street's finance staff)")
def request_disposal(request, street: str, asset_id: Id, data: DisposalRequestIn):
    asset = _asset(street, asset_id)
    disposals.request_disposal(request.user, asset, method=data.method, reason=data.reason)
    return Status(201, _asset_detail(_asset(street, asset_id), request))


class DisposalDecisionIn(Schema):
    decision: str = ""
    note: str = ""
    disposed_on: date | None = None
    proceeds: str | None = None


@router.post("/disposals/{disposal_id}/{step}", response=AssetDetailOut, auth=django_auth,
             summary="A disposal's next step (multipart): approve (the district: decision and "
                     "documents), refuse (the district: note), dispose (the street: disposed_on, "
                     "proceeds)")
def disposal_step(request, disposal_id: Id, step: str, data: Form[DisposalDecisionIn],
                  documents: File[list[UploadedFile]] = None):
    disposal = get_object_or_404(Disposal.objects.select_related("asset__street"),
                                 pk=disposal_id)
    if step == "approve":
        disposals.approve_disposal(request.user, disposal, decision=data.decision,
                                   documents=documents or [])
    elif step == "refuse":
        disposals.refuse_disposal(request.user, disposal, note=data.note)
    elif step == "dispose":
        disposals.record_disposal(request.user, disposal, disposed_on=data.disposed_on,
                                  proceeds=data.proceeds)
    else:
        raise Http404
    return _asset_detail(Asset.objects.select_related("asset_class", "street")
                         .get(pk=disposal.asset_id), request)
