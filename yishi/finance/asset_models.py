"""State assets (国有资产, B3): a street's asset register classed by GB/T 14885-2022, with every
change kept as a version so that the register can be shown as of any date, lease and loan
contracts, and the inventory campaigns (资产清查) an outside firm carries out.

Money is `Decimal` to the fen. The register's current figures live on `Asset`; each change
writes an `AssetVersion` with the date it took effect, and "the register on D" is, for each
asset, its latest version effective on or before D."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Attachment, Unit

MONEY = {"max_digits": 13, "decimal_places": 2}


# The classes (门类/大类) of GB/T 14885-2022 《固定资产等资产基础分类与代码》 the register uses, with
# the class code's first digit(s) as the standard numbers them. Loaded as rows by the migration.
ASSET_CLASSES = [
    ("1", "土地、海域及无居民海岛", "Land, sea areas and uninhabited islands"),
    ("2", "房屋和构筑物", "Buildings and structures"),
    ("3", "通用设备", "General equipment"),
    ("4", "专用设备", "Special equipment"),
    ("5", "交通运输设备（车辆）", "Transport equipment (vehicles)"),
    ("6", "家具和用具", "Furniture and fixtures"),
    ("7", "文物和陈列品", "Cultural relics and exhibits"),
    ("8", "图书和档案", "Books and archives"),
    ("9", "无形资产", "Intangible assets"),
]


class AssetClass(models.Model):
    """A class of GB/T 14885-2022 (资产分类)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("asset class (资产分类)")
        verbose_name_plural = _("asset classes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def label(self) -> str:
        """The name in the page's language."""
        from .models import localized_name

        return localized_name(self)


def ensure_asset_classes() -> None:
    """The classes are data a migration loads; a database emptied since (a flush, a restore of
    another app's data) gets them back here instead of refusing every asset."""
    if AssetClass.objects.count() < len(ASSET_CLASSES):
        for code, name, name_en in ASSET_CLASSES:
            AssetClass.objects.get_or_create(code=code, defaults={"name": name,
                                                                  "name_en": name_en})


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("In use (在用)")
    LEASED = "leased", _("Leased out (出租)")
    LENT = "lent", _("Lent (出借)")
    IDLE = "idle", _("Idle (闲置)")
    AWAITING_DISPOSAL = "awaiting_disposal", _("Awaiting disposal (待处置)")
    DISPOSED = "disposed", _("Disposed (已处置)")


class AssetFields(models.Model):
    """What the register says about an asset: shared by the asset, its versions and its
    snapshot in a campaign."""

    code = models.CharField(_("asset code (资产编号)"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    asset_class = models.ForeignKey(AssetClass, models.PROTECT, related_name="+",
                                    verbose_name=_("class (资产分类)"))
    location = models.CharField(_("location (存放地点)"), max_length=200)
    department = models.CharField(_("custodian department (使用部门)"), max_length=100)
    acquired_on = models.DateField(_("acquired on (取得日期)"))
    original_value = models.DecimalField(_("original value (原值, 元)"), **MONEY)
    net_value = models.DecimalField(_("net value (净值, 元)"), **MONEY)
    status = models.CharField(_("status (使用状况)"), max_length=20, choices=AssetStatus.choices,
                              default=AssetStatus.IN_USE)

    class Meta:
        abstract = True

    FIELDS = ("code", "name", "asset_class_id", "location", "department", "acquired_on",
              "original_value", "net_value", "status")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def register_values(self) -> dict:
        return {f: getattr(self, f) for f in self.FIELDS}


class Asset(AssetFields):
    """An item of a street's asset register (资产卡片)."""

    street = models.ForeignKey(Unit, models.PROTECT, related_name="assets",
                               verbose_name=_("street"))
    registered_on = models.DateField(_("in the register since"))
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("state asset (国有资产)")
        verbose_name_plural = _("state assets")
        ordering = ["street", "code"]
        constraints = [
            models.UniqueConstraint(fields=["street", "code"], name="finance_asset_code_unique"),
            models.CheckConstraint(condition=Q(original_value__gte=0, net_value__gte=0),
                                   name="finance_asset_values_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ReasonKind(models.TextChoices):
    """Why the register changed (变动原因), as data: the sentence is written when it is read, in
    the reader's language, by `AssetVersion.reason_text`."""

    TEXT = "text", _("In the person's own words (文字说明)")
    ENTERED = "entered", _("Entered in the register (登记入账)")
    LEASE = "lease", _("Lease or loan (出租出借)")
    DISPOSAL_REQUESTED = "disposal_requested", _("Disposal requested (申请处置)")
    DISPOSAL_REFUSED = "disposal_refused", _("Disposal refused (处置未获批准)")
    DISPOSED = "disposed", _("Disposed (已处置)")
    INVENTORY = "inventory", _("Inventory finding approved (资产清查)")


class AssetVersion(AssetFields):
    """The register's entry for an asset from a date on (资产变动记录): every change adds one, so
    the register of any past date can be read back. `effective_on` is the date the change took
    effect. Why it changed is stored as what happened, not as a sentence: `reason_kind` (entered,
    a lease, a disposal's step, an approved inventory finding, or a person's own words),
    `reason_params` (ISO dates, codes, the approval document, the inventory's title) and `reason`,
    the person's own words exactly as typed where there are any (a manual change's why, a
    disposal's reason, a refusal's note). `reason_text` writes the sentence for the reader."""

    asset = models.ForeignKey(Asset, models.CASCADE, related_name="versions",
                              verbose_name=_("asset"))
    effective_on = models.DateField(_("effective from"))
    reason_kind = models.CharField(_("kind of change (变动原因)"), max_length=20,
                                   choices=ReasonKind.choices, default=ReasonKind.TEXT)
    reason_params = models.JSONField(_("details of the change"), default=dict, blank=True)
    reason = models.TextField(_("reason in the person's words"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("asset register change (资产变动)")
        verbose_name_plural = _("asset register changes")
        ordering = ["asset", "effective_on", "id"]
        indexes = [models.Index(fields=["asset", "effective_on"])]

    @property
    def reason_text(self) -> str:
        """Why the register changed, as a sentence in the language active now (the reader's):
        the one place the page, the API and the history download take it from."""
        return describe_reason(self.reason_kind, self.reason_params, self.reason)


class LeaseKind(models.TextChoices):
    LEASE = "lease", _("Lease (出租)")
    LOAN = "loan", _("Loan (出借)")


class LeaseContract(models.Model):
    """A lease or loan of an asset (出租出借合同): to whom, for how long, for what rent."""

    asset = models.ForeignKey(Asset, models.CASCADE, related_name="leases",
                              verbose_name=_("asset"))
    kind = models.CharField(_("kind"), max_length=10, choices=LeaseKind.choices,
                            default=LeaseKind.LEASE)
    tenant = models.CharField(_("tenant (承租方)"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    rent = models.DecimalField(_("rent per year (年租金, 元)"), **MONEY)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("lease contract (出租出借合同)")
        verbose_name_plural = _("lease contracts")
        ordering = ["asset", "starts_on"]
        constraints = [models.CheckConstraint(
            condition=Q(ends_on__gte=models.F("starts_on"), rent__gte=0),
            name="finance_lease_term_and_rent")]

    def __str__(self) -> str:
        return f"{self.tenant} {self.starts_on}–{self.ends_on}"


class CampaignState(models.TextChoices):
    PREPARING = "preparing", _("Being prepared (筹备)")
    FIELDWORK = "fieldwork", _("Inventory under way (清查中)")
    REVIEW = "review", _("Findings under review (审核)")
    PUBLISHED = "published", _("Report published (已公布)")


class InventoryCampaign(models.Model):
    """An inventory of a street's assets (资产清查): the register snapshotted at the reference date
    (基准日), checked item by item by an outside firm, watched by a supervision group of the
    street's deputies and council members; its report goes to the council and is published."""

    street = models.ForeignKey(Unit, models.PROTECT, related_name="inventory_campaigns",
                               verbose_name=_("street"))
    title = models.CharField(_("title"), max_length=200)
    reference_date = models.DateField(_("reference date (基准日)"))
    firm = models.CharField(_("outside firm (第三方机构)"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=CampaignState.choices,
                             default=CampaignState.PREPARING)
    agenda_item = models.ForeignKey("councils.AgendaItem", models.SET_NULL, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("council agenda item (议程)"))
    report_summary = models.TextField(_("report summary (清查报告)"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("opened by"))
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    snapshot_at = models.DateTimeField(_("snapshot taken"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("inventory campaign (资产清查)")
        verbose_name_plural = _("inventory campaigns")
        ordering = ["street", "-reference_date", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.state == CampaignState.PUBLISHED


class CampaignMember(models.Model):
    """A person with a part in one campaign: a member of the supervision group (监督小组, the
    street's deputies and council members) or an account of the outside firm (第三方机构账号) —
    a role held in THAT campaign only."""

    class Part(models.TextChoices):
        SUPERVISOR = "supervisor", _("Supervision group (监督小组)")
        FIRM = "firm", _("Outside firm's account (第三方机构)")

    campaign = models.ForeignKey(InventoryCampaign, models.CASCADE, related_name="members",
                                 verbose_name=_("campaign"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                             verbose_name=_("person"))
    part = models.CharField(_("part"), max_length=12, choices=Part.choices)

    class Meta:
        verbose_name = _("campaign member")
        verbose_name_plural = _("campaign members")
        constraints = [models.UniqueConstraint(fields=["campaign", "user", "part"],
                                               name="finance_campaign_member_unique")]

    def __str__(self) -> str:
        return f"{self.get_part_display()}: {self.user}"


class SnapshotItem(AssetFields):
    """An asset as the register held it on the campaign's reference date (清查底册)."""

    campaign = models.ForeignKey(InventoryCampaign, models.CASCADE, related_name="snapshot",
                                 verbose_name=_("campaign"))
    asset = models.ForeignKey(Asset, models.PROTECT, related_name="+", verbose_name=_("asset"))

    class Meta:
        verbose_name = _("snapshot item (清查底册)")
        verbose_name_plural = _("snapshot items")
        ordering = ["campaign", "code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "asset"],
                                               name="finance_snapshot_unique")]


class FindingKind(models.TextChoices):
    MATCH = "match", _("Matches the register (相符)")
    LOSS = "loss", _("Missing (盘亏)")
    MISPLACED = "misplaced", _("Found elsewhere (位置不符)")
    SURPLUS = "surplus", _("Not in the register (盘盈)")


class FindingState(models.TextChoices):
    RECORDED = "recorded", _("Waiting for the street's decision")
    APPROVED = "approved", _("Approved by the street")
    REJECTED = "rejected", _("Returned to the firm")


class Finding(models.Model):
    """What the outside firm found (清查结果): for a snapshot item, 相符 / 盘亏 / 位置不符; for an
    item that is not in the register, 盘盈 with its description and estimated values. The register
    changes only when the street approves a finding, with documents attached."""

    campaign = models.ForeignKey(InventoryCampaign, models.CASCADE, related_name="findings",
                                 verbose_name=_("campaign"))
    item = models.ForeignKey(SnapshotItem, models.CASCADE, null=True, blank=True,
                             related_name="findings", verbose_name=_("snapshot item"))
    kind = models.CharField(_("finding"), max_length=10, choices=FindingKind.choices)
    found_location = models.CharField(_("where it was found"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A surplus item (盘盈): what it is, as the firm describes and values it.
    name = models.CharField(_("name"), max_length=200, blank=True)
    asset_class = models.ForeignKey(AssetClass, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("class (资产分类)"))
    original_value = models.DecimalField(_("original value (原值, 元)"), null=True, blank=True,
                                         **MONEY)
    net_value = models.DecimalField(_("net value (净值, 元)"), null=True, blank=True, **MONEY)
    photos = models.ManyToManyField(Attachment, blank=True, related_name="+",
                                    verbose_name=_("photos"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=FindingState.choices,
                             default=FindingState.RECORDED)
    documents = models.ManyToManyField(Attachment, blank=True, related_name="+",
                                       verbose_name=_("approval documents"))
    decision_note = models.TextField(_("street's decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    asset = models.ForeignKey(Asset, models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("register entry"))

    class Meta:
        verbose_name = _("inventory finding (清查结果)")
        verbose_name_plural = _("inventory findings")
        ordering = ["campaign", "recorded_at", "id"]
        constraints = [
            # One standing finding per snapshot item; a returned one may be recorded again.
            models.UniqueConstraint(fields=["item"], condition=~Q(state="rejected"),
                                    name="finance_finding_one_per_item"),
            models.CheckConstraint(
                condition=(Q(kind="surplus", item__isnull=True)
                           | (~Q(kind="surplus") & Q(item__isnull=False))),
                name="finance_finding_item_unless_surplus"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item.code if self.item_id else self.name}"

    @property
    def changes_register(self) -> bool:
        return self.kind != FindingKind.MATCH


class DisposalMethod(models.TextChoices):
    """How a state asset leaves the register (处置方式)."""

    SALE = "sale", _("Sale (出售)")
    TRANSFER = "transfer", _("Transfer without charge (无偿划转)")
    DONATION = "donation", _("Donation (对外捐赠)")
    SCRAP = "scrap", _("Scrapping (报废报损)")


class DisposalState(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting approval (待处置)")
    APPROVED = "approved", _("Approved (已批准)")
    DISPOSED = "disposed", _("Disposed (已处置)")
    REFUSED = "refused", _("Not approved (未批准)")


OPEN_DISPOSAL = (DisposalState.AWAITING, DisposalState.APPROVED)


class Disposal(models.Model):
    """The disposal of a state asset (资产处置): the street asks, the district approves it with its
    document (批复), the street records the disposal; the register shows the asset 待处置 from the
    request and 已处置 from the day it was disposed. One open disposal per asset."""

    asset = models.ForeignKey(Asset, models.PROTECT, related_name="disposals",
                              verbose_name=_("asset"))
    method = models.CharField(_("method (处置方式)"), max_length=10,
                              choices=DisposalMethod.choices)
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=DisposalState.choices,
                             default=DisposalState.AWAITING)
    # What the register said before the request, given back when the district refuses.
    status_before = models.CharField(_("status before"), max_length=20,
                                     choices=AssetStatus.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decision = models.CharField(_("approval document (批复文号)"), max_length=200, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)
    documents = models.ManyToManyField(Attachment, blank=True, related_name="+",
                                       verbose_name=_("approval documents"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    disposed_on = models.DateField(_("disposed on"), null=True, blank=True)
    proceeds = models.DecimalField(_("proceeds (处置收入, 元)"), null=True, blank=True, **MONEY)
    disposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("asset disposal (资产处置)")
        verbose_name_plural = _("asset disposals")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["asset"], condition=Q(state__in=OPEN_DISPOSAL),
                                    name="finance_disposal_one_open"),
            models.CheckConstraint(condition=Q(proceeds__isnull=True) | Q(proceeds__gte=0),
                                   name="finance_disposal_proceeds_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.asset} · {self.get_method_display()}"

    @property
    def street(self) -> Unit:
        return self.asset.street


def _label(choices, code) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return "—"


def _day(value) -> str:
    from datetime import date

    from django.utils.formats import date_format

    try:
        return date_format(date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return str(value or "—")


def describe_reason(kind: str, params: dict | None, words: str) -> str:
    """The sentence for a change of the register in the active language. Codes become their
    labels, ISO dates the reader's date format; what a person typed (`words`, an approval
    document, an inventory's title) is given as it was typed."""
    from django.utils.translation import gettext

    params = params if isinstance(params, dict) else {}
    if kind == ReasonKind.ENTERED:
        return gettext("Entered in the register")
    if kind == ReasonKind.LEASE:
        return gettext("%(kind)s from %(start)s to %(end)s") % {
            "kind": _label(LeaseKind, params.get("kind")), "start": _day(params.get("start")),
            "end": _day(params.get("end"))}
    if kind == ReasonKind.DISPOSAL_REQUESTED:
        return gettext("Disposal requested (%(method)s): %(reason)s") % {
            "method": _label(DisposalMethod, params.get("method")), "reason": words}
    if kind == ReasonKind.DISPOSAL_REFUSED:
        return gettext("Disposal refused: %(note)s") % {"note": words}
    if kind == ReasonKind.DISPOSED:
        return gettext("Disposed (%(method)s), approved by %(decision)s") % {
            "method": _label(DisposalMethod, params.get("method")),
            "decision": params.get("decision", "")}
    if kind == ReasonKind.INVENTORY:
        return gettext("Inventory “%(title)s”: %(finding)s") % {
            "title": params.get("title", ""), "finding": _label(FindingKind, params.get("finding"))}
    return words
