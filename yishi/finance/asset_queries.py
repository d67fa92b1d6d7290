"""Reads of the asset register and its inventories that pages, the API and downloads share: the
register as of a date, totals by class, a campaign's report, and who may see a campaign."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, Subquery

from yishi.core.models import Unit
from yishi.core.permissions import has_perm

from .asset_models import (
    Asset,
    AssetClass,
    AssetStatus,
    AssetVersion,
    CampaignMember,
    CampaignState,
    Finding,
    FindingKind,
    FindingState,
    InventoryCampaign,
    SnapshotItem,
)

ZERO = Decimal("0.00")
LEASED_OR_LENT = (AssetStatus.LEASED, AssetStatus.LENT)


def history(asset: Asset) -> list[AssetVersion]:
    """An asset's history in the register (资产变动记录), latest first: the page, the API and the
    download read it here, and each row's `reason_text` in the reader's language."""
    return list(asset.versions.select_related("asset_class").order_by("-effective_on", "-id"))


def register_as_of(street: Unit, on: date) -> list[AssetVersion]:
    """Each asset of the street as the register held it on `on`: its latest version effective
    on or before that day (assets registered later are not there yet). One query."""
    latest = (AssetVersion.objects.filter(asset=OuterRef("asset"), effective_on__lte=on)
              .order_by("-effective_on", "-id").values("id")[:1])
    return list(AssetVersion.objects
                .filter(asset__street=street, effective_on__lte=on, id=Subquery(latest))
                .select_related("asset_class").order_by("code"))


def current_register(street: Unit):
    return Asset.objects.filter(street=street).select_related("asset_class").order_by("code")


@dataclass
class ClassTotals:
    """One class's row of a register or report table (元)."""

    asset_class: AssetClass
    count: int = 0
    original: Decimal = ZERO
    net: Decimal = ZERO
    leased_count: int = 0
    leased_original: Decimal = ZERO
    idle_count: int = 0
    idle_original: Decimal = ZERO
    disposal_count: int = 0
    disposed_count: int = 0
    disposed_original: Decimal = ZERO
    # Differences an inventory found (盘亏, 盘盈, 位置不符), for a campaign's report.
    loss_count: int = 0
    loss_original: Decimal = ZERO
    surplus_count: int = 0
    surplus_original: Decimal = ZERO
    misplaced_count: int = 0
    explanations: list = field(default_factory=list)


def class_totals(rows) -> tuple[list[ClassTotals], ClassTotals]:
    """Totals by class of register rows (assets, versions or snapshot items) and the grand total.
    Disposed items count apart: they are no longer held."""
    classes = {c.pk: c for c in AssetClass.objects.all()}
    by_class: dict[int, ClassTotals] = {}
    total = ClassTotals(asset_class=None)
    for row in rows:
        entry = by_class.setdefault(row.asset_class_id,
                                    ClassTotals(asset_class=classes[row.asset_class_id]))
        for t in (entry, total):
            _add(t, row)
    return [by_class[k] for k in sorted(by_class, key=lambda k: classes[k].code)], total


def _add(t: ClassTotals, row) -> None:
    if row.status == AssetStatus.DISPOSED:
        t.disposed_count += 1
        t.disposed_original += row.original_value
        return
    t.count += 1
    t.original += row.original_value
    t.net += row.net_value
    if row.status in LEASED_OR_LENT:
        t.leased_count += 1
        t.leased_original += row.original_value
    elif row.status == AssetStatus.IDLE:
        t.idle_count += 1
        t.idle_original += row.original_value
    elif row.status == AssetStatus.AWAITING_DISPOSAL:
        t.disposal_count += 1


# --- campaigns ---------------------------------------------------------------------------------

def part_in(user, campaign: InventoryCampaign) -> set[str]:
    """The parts this person holds in this campaign (supervisor, firm)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(CampaignMember.objects.filter(campaign=campaign, user=user)
               .values_list("part", flat=True))


def is_firm_of(user, campaign: InventoryCampaign) -> bool:
    return CampaignMember.Part.FIRM in part_in(user, campaign)


def may_view_campaign(user, campaign: InventoryCampaign) -> bool:
    """A published inventory is public; before that, the street's staff and the district, the
    supervision group and the firm's accounts of THAT campaign."""
    if campaign.is_public:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return has_perm(user, "finance.view_inventory", campaign.street) or bool(
        part_in(user, campaign))


def campaigns_for(user, street: Unit):
    """The street's campaigns this person may see, newest first."""
    campaigns = InventoryCampaign.objects.filter(street=street).select_related("street")
    if getattr(user, "is_authenticated", False) and has_perm(user, "finance.view_inventory",
                                                             street):
        return campaigns
    mine = (Q(members__user=user) if getattr(user, "is_authenticated", False) else Q(pk=None))
    return campaigns.filter(Q(state=CampaignState.PUBLISHED) | mine).distinct()


def public_campaigns():
    return InventoryCampaign.objects.filter(state=CampaignState.PUBLISHED)


def snapshot_of(campaign: InventoryCampaign):
    standing = Finding.objects.exclude(state=FindingState.REJECTED)
    return (campaign.snapshot.select_related("asset_class")
            .prefetch_related(Prefetch("findings", queryset=standing, to_attr="standing")))


def open_items(campaign: InventoryCampaign):
    """Snapshot items that have no standing finding yet (what the firm still has to check)."""
    return (campaign.snapshot.exclude(
        findings__state__in=[FindingState.RECORDED, FindingState.APPROVED]).order_by("code"))


def findings_of(campaign: InventoryCampaign):
    return (campaign.findings.select_related("item", "asset_class", "recorded_by", "asset")
            .prefetch_related("photos", "documents").order_by("recorded_at", "id"))


def campaign_report(campaign: InventoryCampaign) -> tuple[list[ClassTotals], ClassTotals]:
    """The report by class (清查报告): the snapshot's original and net values, leased or lent,
    idle and disposed; and the differences the approved findings explain — 盘亏 and 位置不符 on
    snapshot items, 盘盈 of items the register did not hold."""
    items = list(campaign.snapshot.all())
    rows, total = class_totals(items)
    by_class = {r.asset_class.pk: r for r in rows}
    classes = {c.pk: c for c in AssetClass.objects.all()}
    approved = (campaign.findings.filter(state=FindingState.APPROVED)
                .select_related("item").order_by("id"))
    extra: dict[int, ClassTotals] = defaultdict(lambda: None)
    for finding in approved:
        class_id = finding.item.asset_class_id if finding.item_id else finding.asset_class_id
        entry = by_class.get(class_id) or extra[class_id]
        if entry is None:
            entry = extra[class_id] = ClassTotals(asset_class=classes[class_id])
        for t in (entry, total):
            if finding.kind == FindingKind.LOSS:
                t.loss_count += 1
                t.loss_original += finding.item.original_value
            elif finding.kind == FindingKind.SURPLUS:
                t.surplus_count += 1
                t.surplus_original += finding.original_value or ZERO
            elif finding.kind == FindingKind.MISPLACED:
                t.misplaced_count += 1
        if finding.kind != FindingKind.MATCH:
            entry.explanations.append(finding)
    rows = sorted([*rows, *(e for e in extra.values() if e is not None)],
                  key=lambda r: r.asset_class.code)
    return rows, total


def may_see_attachment(user, attachment) -> bool:
    """A finding's photos and documents: public with a published inventory, otherwise to those
    who may follow the campaign (core.media asks every app). A disposal's approval document: to
    the street's finance and committee staff and the district."""

    campaigns = InventoryCampaign.objects.filter(
        Q(findings__photos=attachment) | Q(findings__documents=attachment)).distinct()
    if any(may_view_campaign(user, c) for c in campaigns):
        return True
    streets = Unit.objects.filter(assets__disposals__documents=attachment).distinct()
    return any(has_perm(user, "finance.view_inventory", s) for s in streets)


def supervisors_to_choose(street: Unit):
    """The street's deputies and council members, for the supervision group."""
    from yishi.core.models import Role, RoleAssignment, User

    ids = (RoleAssignment.objects.active()
           .filter(role__in=[Role.DEPUTY, Role.COUNCIL_MEMBER],
                   unit__path__startswith=street.path, user__is_active=True)
           .values("user_id"))
    return User.objects.filter(pk__in=ids).order_by("name")


def report_items(street: Unit):
    """Open agenda items of the street's council the report can be put on."""
    from yishi.councils.models import AgendaItem, ItemKind

    return (AgendaItem.objects.filter(
        meeting__council__street=street, resolved_at__isnull=True,
        kind__in=[ItemKind.BUDGET_REVIEW, ItemKind.MAJOR_MATTER, ItemKind.WORK_REPORT,
                  ItemKind.OTHER])
        .select_related("meeting").order_by("meeting__starts_at", "position"))


def snapshot_items(campaign):
    return SnapshotItem.objects.filter(campaign=campaign)
