"""Every change to a street's state assets (国有资产) and its inventories (资产清查): one function
per change, taking the actor, checking the rule, changing data in one transaction, writing the
audit record. The register keeps every change as a version (the register as of any date); while
an inventory is under way the register changes only through the findings the street approves,
with documents attached."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.attachments import store_attachments
from yishi.core.models import Unit, UnitKind, User
from yishi.core.permissions import has_perm, require
from yishi.core.workflow import transition

from . import asset_queries
from .asset_models import (
    Asset,
    AssetClass,
    AssetFields,
    AssetStatus,
    AssetVersion,
    CampaignMember,
    CampaignState,
    Finding,
    FindingKind,
    InventoryCampaign,
    LeaseContract,
    LeaseKind,
    ReasonKind,
    SnapshotItem,
    ensure_asset_classes,
)
from .models import MAX_AMOUNT
from .services import FinanceError

TEXT_FIELDS = {"code": 40, "name": 200, "location": 200, "department": 100}


# --- cleaning ------------------------------------------------------------------------------------

def money(value, label: str, field: str) -> Decimal:
    """An amount in 元 to the fen: a number, at most two decimals, not negative, not absurd."""
    text = str(value if value is not None else "").strip().replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise FinanceError({field: _("%(label)s: “%(value)s” is not a number.")
                            % {"label": label, "value": text[:30]}}) from None
    if not amount.is_finite():
        raise FinanceError({field: _("%(label)s: “%(value)s” is not a number.")
                            % {"label": label, "value": text[:30]}})
    if amount != amount.quantize(Decimal("0.01")):
        raise FinanceError({field: _("%(label)s: at most two decimals (元 to the fen).")
                            % {"label": label}})
    if amount < 0 or amount > MAX_AMOUNT:
        raise FinanceError({field: _("%(label)s must be from 0 to 99,999,999,999.99.")
                            % {"label": label}})
    return amount.quantize(Decimal("0.01"))


def _day(value, label: str, field: str, *, not_future: bool = True) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise FinanceError({field: _("%(label)s: “%(value)s” is not a date (YYYY-MM-DD).")
                                % {"label": label, "value": value[:20]}}) from None
    if not isinstance(value, date):
        raise FinanceError({field: _("%(label)s is required.") % {"label": label}})
    if not_future and value > timezone.localdate():
        raise FinanceError({field: _("%(label)s cannot be in the future.") % {"label": label}})
    return value


def _text(data: dict, field: str, label: str, *, required: bool = True) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise FinanceError({field: _("%(label)s is required.") % {"label": label}})
    if len(value) > TEXT_FIELDS.get(field, 300):
        raise FinanceError({field: _("%(label)s is too long.") % {"label": label}})
    return value


def asset_class(code) -> AssetClass:
    ensure_asset_classes()
    found = AssetClass.objects.filter(code=str(code or "").strip()).first()
    if found is None:
        raise FinanceError({"asset_class": _("“%(code)s” is not a class of GB/T 14885-2022.")
                            % {"code": str(code)[:20]}})
    return found


def _status(value) -> str:
    if value not in AssetStatus.values:
        raise FinanceError({"status": _("“%(value)s” is not an asset status.")
                            % {"value": str(value)[:30]}})
    return value


def _street(street: Unit) -> None:
    if street.kind not in (UnitKind.STREET, UnitKind.TOWN):
        raise FinanceError(_("An asset register belongs to a street."))


def _register_open(street: Unit) -> None:
    """During an inventory the register changes only through approved findings."""
    if InventoryCampaign.objects.filter(
            street=street, state__in=[CampaignState.FIELDWORK, CampaignState.REVIEW]).exists():
        raise FinanceError(_("An inventory is under way: the register changes only through its "
                             "findings until the report is published."), code="inventory")


# A person's own words for a change of the register (the change form's limit); a disposal's
# reason and a refusal's note (up to 2,000 characters) go into the history whole.
REASON_MAX = 300


class Why:
    """Why the register changes, as the history stores it (asset_models.ReasonKind): the kind,
    its details (ISO dates, codes, the approval document, the inventory's title) and the
    person's own words as typed. The sentence is written when the history is read."""

    def __init__(self, kind: str, words: str = "", /, **params):
        self.kind, self.words = kind, words
        self.params = {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}

    def audit(self) -> dict:
        return {"reason_kind": self.kind, **self.params,
                **({"reason": self.words[:200]} if self.words else {})}


def _version(asset: Asset, actor, effective_on: date, why: Why) -> AssetVersion:
    return AssetVersion.objects.create(asset=asset, effective_on=effective_on,
                                       reason_kind=why.kind, reason_params=why.params,
                                       reason=why.words, recorded_by=actor,
                                       **asset.register_values())


# --- the register --------------------------------------------------------------------------------

def register_asset(actor, street: Unit, data: dict, *, is_demo: bool = False,
                   why: Why | None = None, by_finding: bool = False) -> Asset:
    """Enter an asset in the register (入账). `data`: code, name, asset_class (its code),
    location, department, acquired_on, original_value, net_value, status. `actor` None: the
    demo; `by_finding`: an approved 盘盈 finding (the approval checked the rule)."""
    checked = actor is not None and not by_finding
    if checked:
        require(actor, "finance.manage_assets", street)
    _street(street)
    values = {
        "code": _text(data, "code", _("Asset code")),
        "name": _text(data, "name", _("Name")),
        "asset_class": asset_class(data.get("asset_class")),
        "location": _text(data, "location", _("Location")),
        "department": _text(data, "department", _("Custodian department")),
        "acquired_on": _day(data.get("acquired_on"), _("Acquired on"), "acquired_on"),
        "original_value": money(data.get("original_value"), _("Original value"),
                                "original_value"),
        "net_value": money(data.get("net_value"), _("Net value"), "net_value"),
        "status": _status(data.get("status") or AssetStatus.IN_USE),
    }
    if values["net_value"] > values["original_value"]:
        raise FinanceError({"net_value": _("The net value cannot exceed the original value.")})
    with transaction.atomic():
        if checked:
            _register_open(street)
        if Asset.objects.filter(street=street, code=values["code"]).exists():
            raise FinanceError({"code": _("Asset code %(code)s is already in the register.")
                                % {"code": values["code"]}})
        try:
            with transaction.atomic():
                asset = Asset.objects.create(street=street, registered_on=values["acquired_on"],
                                             is_demo=is_demo, **values)
        except IntegrityError:
            raise FinanceError({"code": _("Asset code %(code)s is already in the register.")
                                % {"code": values["code"]}}) from None
        _version(asset, actor, values["acquired_on"], why or Why(ReasonKind.ENTERED))
        audit.record(actor, "finance.register_asset", asset, unit=street,
                     after={k: str(v) for k, v in asset.register_values().items()})
    return asset


CHANGEABLE = ("name", "location", "department", "net_value", "status")
# Statuses only the disposal workflow (disposals.py) sets; an asset in one no longer changes.
LEAVING = (AssetStatus.AWAITING_DISPOSAL, AssetStatus.DISPOSED)


def lock_held(asset: Asset, refusal: str) -> Asset:
    """The asset's row, locked for this transaction; refused with `refusal` (which may name
    %(asset)s and %(status)s) once its disposal is under way or done."""
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    if locked.status in LEAVING:
        raise FinanceError(refusal % {"asset": locked, "status": locked.get_status_display()},
                           code="state")
    return locked


def change_asset(actor, asset: Asset, changes: dict, *, reason: str,
                 effective_on: date | None = None) -> Asset:
    """Change an asset's entry from a date on (变动): its name, place, custodian, net value or
    status, with the reason. The old entry stays in the history."""
    require(actor, "finance.manage_assets", asset.street)
    if changes.get("status") in LEAVING:
        raise FinanceError({"status": _("An asset is disposed of through a disposal: request "
                                        "it on the asset's page.")})
    with transaction.atomic():
        _register_open(asset.street)
        locked = lock_held(asset, _("%(asset)s is “%(status)s”: its entry no longer changes."))
        # An edit that changes nothing (a form sent twice) adds no version to the history.
        changes = {k: v for k, v in changes.items() if k not in CHANGEABLE
                   or str(_comparable(k, v)) != str(getattr(locked, k))}
        if not changes:
            raise FinanceError(_("Nothing to change: the register already says this."),
                               code="unchanged")
        return _apply_change(actor, locked, changes, why=_typed(reason),
                             effective_on=effective_on)


def _typed(reason) -> Why:
    """A person's why for a change of the register, kept exactly as typed (only the blank
    around it is dropped)."""
    reason = str(reason or "").strip()
    if not reason:
        raise FinanceError({"reason": _("Say why the register changes.")})
    if len(reason) > REASON_MAX:
        raise FinanceError({"reason": _("At most %(n)d characters.") % {"n": REASON_MAX}})
    return Why(ReasonKind.TEXT, reason)


def _comparable(name: str, value):
    if name == "net_value":
        try:
            return Decimal(str(value).strip().replace(",", "")).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            return value
    return str(value if value is not None else "").strip()


def _apply_change(actor, asset: Asset, changes: dict, *, why: Why,
                  effective_on: date | None) -> Asset:
    effective_on = _day(effective_on or timezone.localdate(), _("Effective from"),
                        "effective_on")
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise FinanceError(_("These fields cannot be changed: %(fields)s.")
                           % {"fields": ", ".join(sorted(unknown))})
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    last = asset.versions.order_by("-effective_on", "-id").first()
    if last is not None and effective_on < last.effective_on:
        raise FinanceError({"effective_on": _("The register already has a change from %(day)s; "
                                              "a new one cannot take effect before it.")
                            % {"day": last.effective_on.isoformat()}})
    before = asset.register_values()
    for name, value in changes.items():
        if name == "net_value":
            value = money(value, _("Net value"), "net_value")
            if value > asset.original_value:
                raise FinanceError({"net_value": _("The net value cannot exceed the original "
                                                   "value.")})
        elif name == "status":
            value = _status(value)
        else:
            labels = {"name": _("Name"), "location": _("Location"),
                      "department": _("Custodian department")}
            value = _text({name: value}, name, labels[name])
        setattr(asset, name, value)
    asset.save()
    _version(asset, actor, effective_on, why)
    audit.record(actor, "finance.change_asset", asset, unit=asset.street,
                 before={k: str(before[k]) for k in changes},
                 after={**{k: str(getattr(asset, k)) for k in changes}, **why.audit()})
    return asset


def record_lease(actor, asset: Asset, *, kind: str, tenant: str, starts_on, ends_on,
                 rent) -> LeaseContract:
    """A lease or loan contract (出租出借): the asset's status follows it from its first day."""
    require(actor, "finance.manage_assets", asset.street)
    if kind not in LeaseKind.values:
        raise FinanceError({"kind": _("Choose lease or loan.")})
    tenant = _text({"tenant": tenant}, "tenant", _("Tenant"))
    starts_on = _day(starts_on, _("From"), "starts_on", not_future=False)
    ends_on = _day(ends_on, _("Until"), "ends_on", not_future=False)
    if ends_on < starts_on:
        raise FinanceError({"ends_on": _("The contract ends before it starts.")})
    rent = money(rent, _("Rent per year"), "rent")
    if kind == LeaseKind.LOAN and rent:
        raise FinanceError({"rent": _("A loan (出借) carries no rent.")})
    with transaction.atomic():
        _register_open(asset.street)
        asset = lock_held(asset, _("An asset that is “%(status)s” cannot be leased or lent."))
        # The same contract sent twice (a double click, a retry) is recorded once.
        if asset.leases.filter(kind=kind, tenant=tenant, starts_on=starts_on).exists():
            raise FinanceError(_("This contract is already recorded."), code="duplicate")
        contract = LeaseContract.objects.create(asset=asset, kind=kind, tenant=tenant,
                                                starts_on=starts_on, ends_on=ends_on, rent=rent,
                                                recorded_by=actor)
        status = AssetStatus.LEASED if kind == LeaseKind.LEASE else AssetStatus.LENT
        _apply_change(actor, asset, {"status": status},
                      # The history is public; the tenant (perhaps a person) is on the contract,
                      # which only the street's staff and the district see.
                      why=Why(ReasonKind.LEASE, kind=kind, start=starts_on, end=ends_on),
                      effective_on=min(starts_on, timezone.localdate()))
        audit.record(actor, "finance.record_lease", contract, unit=asset.street,
                     after={"tenant": tenant, "rent": str(rent), "from": str(starts_on),
                            "until": str(ends_on)})
    return contract


# --- inventory campaigns -------------------------------------------------------------------------

def open_campaign(actor, street: Unit, *, title: str, reference_date, firm: str,
                  is_demo: bool = False) -> InventoryCampaign:
    """Open an inventory (资产清查) of the street's register at its reference date (基准日)."""
    require(actor, "finance.manage_assets", street)
    _street(street)
    title = _text({"title": title}, "title", _("Title"))
    firm = _text({"firm": firm}, "firm", _("Outside firm"))
    reference_date = _day(reference_date, _("Reference date"), "reference_date")
    with transaction.atomic():
        if InventoryCampaign.objects.filter(street=street).exclude(
                state=CampaignState.PUBLISHED).exists():
            raise FinanceError(_("The street already has an inventory under way."))
        campaign = InventoryCampaign.objects.create(
            street=street, title=title, reference_date=reference_date, firm=firm,
            created_by=actor, is_demo=is_demo)
        audit.record(actor, "finance.open_inventory", campaign, unit=street,
                     after={"reference_date": str(reference_date), "firm": firm})
    return campaign


def _preparing_or_running(campaign: InventoryCampaign) -> None:
    if campaign.state not in (CampaignState.PREPARING, CampaignState.FIELDWORK):
        raise FinanceError(_("The inventory is closed."), code="state")


def add_supervisor(actor, campaign: InventoryCampaign, person: User) -> CampaignMember:
    """Name a deputy or council member of the street to the supervision group (监督小组)."""
    require(actor, "finance.manage_assets", campaign.street)
    _preparing_or_running(campaign)
    if not has_perm(person, "finance.supervise_inventory", campaign.street):
        raise FinanceError({"person": _("The supervision group is made of the street's deputies "
                                        "and council members.")})
    with transaction.atomic():
        member, created = CampaignMember.objects.get_or_create(
            campaign=campaign, user=person, part=CampaignMember.Part.SUPERVISOR)
        if created:
            audit.record(actor, "finance.add_supervisor", campaign, unit=campaign.street,
                         after={"person": person.pk})
    return member


def add_firm_account(actor, campaign: InventoryCampaign, *, mobile: str,
                     name: str) -> CampaignMember:
    """Give a person of the outside firm an account for THIS campaign: they sign in with their
    mobile number and may record findings here, nothing else."""
    from django.core.exceptions import ValidationError

    from yishi.core.models import normalize_mobile

    require(actor, "finance.manage_assets", campaign.street)
    _preparing_or_running(campaign)
    name = _text({"name": name}, "name", _("Name"))
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError as exc:
        raise FinanceError({"mobile": exc.messages}) from None
    with transaction.atomic():
        person = User.objects.filter(mobile=mobile).first()
        if person is None:
            try:
                person = User.objects.create_user(mobile, name=name)
            except ValidationError as exc:
                raise FinanceError({"mobile": exc.messages}) from None
        member, created = CampaignMember.objects.get_or_create(
            campaign=campaign, user=person, part=CampaignMember.Part.FIRM)
        if created:
            audit.record(actor, "finance.add_firm_account", campaign, unit=campaign.street,
                         after={"person": person.pk})
    return member


def start_inventory(actor, campaign: InventoryCampaign) -> InventoryCampaign:
    """Snapshot the register as of the reference date (disposed items excepted) and open the
    fieldwork, in one transaction."""
    with transaction.atomic():
        transition(campaign, "start", actor, snapshot_at=timezone.now())
        held = [v for v in asset_queries.register_as_of(campaign.street, campaign.reference_date)
                if v.status != AssetStatus.DISPOSED]
        SnapshotItem.objects.bulk_create(
            [SnapshotItem(campaign=campaign, asset_id=v.asset_id,
                          **{f: getattr(v, f) for f in AssetFields.FIELDS}) for v in held])
    campaign.refresh_from_db()
    return campaign


def close_fieldwork(actor, campaign):
    transition(campaign, "close_fieldwork", actor)
    return campaign


def reopen_fieldwork(actor, campaign):
    transition(campaign, "reopen", actor)
    return campaign


def publish_report(actor, campaign: InventoryCampaign, *, summary: str) -> InventoryCampaign:
    """Publish the inventory's report (清查报告) with its summary: the findings, photos and the
    report by class become public."""
    require(actor, "finance.manage_assets", campaign.street)
    summary = (summary or "").strip()
    if not summary:
        raise FinanceError({"summary": _("Write the report's summary first.")})
    if len(summary) > 5000:
        raise FinanceError({"summary": _("The summary is too long (at most 5,000 characters).")})
    with transaction.atomic():
        InventoryCampaign.objects.filter(pk=campaign.pk).update(report_summary=summary)
        campaign.report_summary = summary
        transition(campaign, "publish", actor, published_at=timezone.now())
    return campaign


def place_on_agenda(actor, campaign: InventoryCampaign, item) -> InventoryCampaign:
    """Put the report on an open agenda item of the street's own council."""
    require(actor, "finance.manage_assets", campaign.street)
    if campaign.state not in (CampaignState.REVIEW, CampaignState.PUBLISHED):
        raise FinanceError(_("The report goes to the council once the fieldwork is closed."),
                           code="state")
    if not asset_queries.report_items(campaign.street).filter(pk=getattr(item, "pk", None)) \
            .exists():
        raise FinanceError({"agenda_item": _("Choose an open agenda item of this street's "
                                             "council.")})
    with transaction.atomic():
        InventoryCampaign.objects.filter(pk=campaign.pk).update(agenda_item=item)
        audit.record(actor, "finance.inventory_agenda", campaign, unit=campaign.street,
                     after={"agenda_item": item.pk})
    campaign.refresh_from_db()
    return campaign


# --- findings ------------------------------------------------------------------------------------

def record_finding(actor, campaign: InventoryCampaign, *, kind: str, item_id=None,
                   found_location: str = "", note: str = "", name: str = "",
                   asset_class_code: str = "", original_value=None, net_value=None,
                   photos=()) -> Finding:
    """The outside firm records what it found (清查结果), with photos: for a snapshot item 相符,
    盘亏 or 位置不符 (where it was found); an item not in the register is 盘盈, described and
    valued. Only the firm's accounts of this campaign, only while the fieldwork is open."""
    if not asset_queries.is_firm_of(actor, campaign):
        raise PermissionDenied(_("Only the outside firm's accounts of this inventory record "
                                 "findings."))
    if kind not in FindingKind.values:
        raise FinanceError({"kind": _("Choose what was found.")})
    found_location = _text({"location": found_location}, "location", _("Where it was found"),
                           required=kind == FindingKind.MISPLACED)
    note = (note or "").strip()[:2000]
    values = {}
    if kind == FindingKind.SURPLUS:
        if item_id:
            raise FinanceError({"item": _("An item found beyond the register (盘盈) is not one "
                                          "of the snapshot's items.")})
        values = {
            "name": _text({"name": name}, "name", _("Name")),
            "asset_class": asset_class(asset_class_code),
            "original_value": money(original_value, _("Original value"), "original_value"),
            "net_value": money(net_value, _("Net value"), "net_value"),
        }
        if values["net_value"] > values["original_value"]:
            raise FinanceError({"net_value": _("The net value cannot exceed the original "
                                               "value.")})
    if kind in (FindingKind.SURPLUS, FindingKind.MISPLACED) and not photos:
        raise FinanceError({"photos": _("Add at least one photo of the item.")})
    with transaction.atomic():
        campaign = InventoryCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state != CampaignState.FIELDWORK:
            raise FinanceError(_("The inventory's fieldwork is closed: no findings can be "
                                 "recorded now."), code="state")
        item = None
        if kind != FindingKind.SURPLUS:
            item = SnapshotItem.objects.filter(campaign=campaign, pk=_int(item_id)).first()
            if item is None:
                raise FinanceError({"item": _("This asset is not in this inventory's "
                                              "snapshot.")})
        stored = store_attachments(actor, photos, description=_("Inventory photo"),
                                   images_only=True)
        try:
            with transaction.atomic():
                finding = Finding.objects.create(
                    campaign=campaign, item=item, kind=kind, found_location=found_location,
                    note=note, recorded_by=actor, **values)
        except IntegrityError:
            raise FinanceError({"item": _("%(code)s already has a finding.")
                                % {"code": item.code}}) from None
        finding.photos.set(stored)
        audit.record(actor, "finance.record_finding", finding, unit=campaign.street,
                     after={"kind": kind, "item": item.code if item else "",
                            "photos": len(stored)})
    return finding


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def approve_finding(actor, finding: Finding, *, documents=(), note: str = "") -> Finding:
    """The street approves a finding, with the documents that approve it attached, and the
    register changes accordingly: 盘亏 written off (已处置), 位置不符 moved to where it was
    found, 盘盈 entered as a new asset. 相符 changes nothing."""
    require(actor, "finance.manage_assets", finding.campaign.street)
    with transaction.atomic():
        stored = store_attachments(actor, documents,
                                   description=_("Inventory approval document"))
        if stored:
            finding.documents.add(*stored)
        if finding.changes_register and not finding.documents.exists():
            raise FinanceError({"documents": _("Attach the documents that approve this change "
                                               "of the register.")}, code="documents")
        transition(finding, "approve", actor, decided_by=actor, decided_at=timezone.now(),
                   decision_note=(note or "").strip()[:2000])
        _change_register(actor, finding)
    finding.refresh_from_db()
    return finding


def _change_register(actor, finding: Finding) -> None:
    campaign = finding.campaign
    why = Why(ReasonKind.INVENTORY, title=campaign.title, finding=finding.kind,
              campaign=campaign.pk)
    if finding.kind == FindingKind.LOSS:
        _apply_change(actor, finding.item.asset, {"status": AssetStatus.DISPOSED}, why=why,
                      effective_on=None)
    elif finding.kind == FindingKind.MISPLACED:
        _apply_change(actor, finding.item.asset, {"location": finding.found_location},
                      why=why, effective_on=None)
    elif finding.kind == FindingKind.SURPLUS:
        number = Finding.objects.filter(campaign=campaign, kind=FindingKind.SURPLUS,
                                        pk__lte=finding.pk).count()
        asset = register_asset(actor, campaign.street, {
            "code": f"PY{campaign.reference_date:%Y}-{campaign.pk}-{number:03d}",
            "name": finding.name, "asset_class": finding.asset_class.code,
            "location": finding.found_location or _("as found by the inventory"),
            "department": _("to be assigned"), "acquired_on": timezone.localdate(),
            "original_value": finding.original_value, "net_value": finding.net_value,
        }, is_demo=campaign.is_demo, why=why, by_finding=True)
        Finding.objects.filter(pk=finding.pk).update(asset=asset)


def reject_finding(actor, finding: Finding, *, note: str) -> Finding:
    """Return a finding to the firm with the reason; the firm may record the item again."""
    note = (note or "").strip()
    if not note:
        raise FinanceError({"note": _("Say why the finding is returned.")})
    transition(finding, "reject", actor, decided_by=actor, decided_at=timezone.now(),
               decision_note=note[:2000])
    finding.refresh_from_db()
    return finding
