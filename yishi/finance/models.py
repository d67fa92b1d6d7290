"""Street finance (街道财政): the classification codes of each year, a street's budget as a
department budget of the district, its adjustments, monthly execution, 三公经费 and the council
members' written questions.

Money is `Decimal` to the fen everywhere (no floats). Every amount field holds
-99,999,999,999.99 … 99,999,999,999.99 元 (`max_digits=13`); budget figures themselves must be
zero or more (checked on import and by constraints), only an adjustment may be negative."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Unit

MONEY = {"max_digits": 13, "decimal_places": 2}
MAX_AMOUNT = Decimal("99999999999.99")


class System(models.TextChoices):
    """The two classifications of 《政府收支分类科目》 a department budget is disclosed by."""

    FUNCTION = "function", _("Functional classification (支出功能分类)")
    ECONOMIC = "economic", _("Economic classification (支出经济分类)")


def level_of(code: str) -> int:
    """类 = 1 (3 digits), 款 = 2 (5 digits), 项 = 3 (7 digits)."""
    return {3: 1, 5: 2, 7: 3}.get(len(code), 0)


def parent_code(code: str) -> str:
    return code[:-2] if len(code) > 3 else ""


LEVEL_NAMES = {1: _("Class (类)"), 2: _("Section (款)"), 3: _("Item (项)")}


class Edition(models.Model):
    """One year's edition of the classification codes (《政府收支分类科目》), imported from a
    file; codes change from year to year, so every budget reads its own year's edition."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source file"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("classification edition (政府收支分类科目)")
        verbose_name_plural = _("classification editions")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title


class Classification(models.Model):
    """One code of an edition: functional 类/款/项 or economic 类/款, with its plain-language
    explanation (名词解释)."""

    edition = models.ForeignKey(Edition, models.CASCADE, related_name="codes",
                                verbose_name=_("edition"))
    system = models.CharField(_("classification"), max_length=10, choices=System.choices)
    code = models.CharField(_("code"), max_length=7)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    explanation = models.TextField(_("explanation (名词解释)"), blank=True)

    class Meta:
        verbose_name = _("classification code (科目)")
        verbose_name_plural = _("classification codes")
        ordering = ["edition", "system", "code"]
        constraints = [models.UniqueConstraint(fields=["edition", "system", "code"],
                                               name="finance_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CodeMapping(models.Model):
    """One line of the crosswalk between editions (科目对照表): a code of last year's edition and
    the code this year's edition gives the same spending. Codes that did not change need no line;
    two old codes mapped to one new code are added together."""

    edition = models.ForeignKey(Edition, models.CASCADE, related_name="crosswalk",
                                verbose_name=_("edition (the later year)"))
    system = models.CharField(_("classification"), max_length=10, choices=System.choices)
    old_code = models.CharField(_("last year's code"), max_length=7)
    new_code = models.CharField(_("this year's code"), max_length=7)

    class Meta:
        verbose_name = _("crosswalk line (科目对照)")
        verbose_name_plural = _("crosswalk lines")
        ordering = ["edition", "system", "new_code", "old_code"]
        constraints = [models.UniqueConstraint(fields=["edition", "system", "old_code"],
                                               name="finance_crosswalk_old_once")]

    def __str__(self) -> str:
        return f"{self.old_code} → {self.new_code}"


class BudgetState(models.TextChoices):
    DRAFT = "draft", _("Draft (预算草案)")
    REVIEW = "review", _("Under council review (审查中)")
    APPROVED = "approved", _("Approved and frozen (已批准)")
    FINAL = "final", _("Final accounts (已决算)")


PUBLIC_STATES = (BudgetState.APPROVED, BudgetState.FINAL)


class Budget(models.Model):
    """A street's budget for one fiscal year (街道部门预算): original budget (年初预算), frozen once
    the council's review passed and the district's approval is recorded; then adjustments,
    monthly execution and the final accounts (决算)."""

    street = models.ForeignKey(Unit, models.PROTECT, related_name="budgets",
                               verbose_name=_("street"))
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=10, choices=BudgetState.choices,
                             default=BudgetState.DRAFT)
    review_item = models.ForeignKey("councils.AgendaItem", models.SET_NULL, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("council review (预算审查议程)"))
    submitted_at = models.DateTimeField(_("submitted for review"), null=True, blank=True)
    district_decision = models.CharField(_("district approval (区级批复)"), max_length=200,
                                         blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("final accounts published"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo figures"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("street budget (街道预算)")
        verbose_name_plural = _("street budgets")
        ordering = ["street__sort_order", "-year"]
        constraints = [models.UniqueConstraint(fields=["street", "year"],
                                               name="finance_budget_unique_year")]

    def __str__(self) -> str:
        return f"{self.street.name} {self.year}"

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES


class LineKind(models.TextChoices):
    REVENUE = "revenue", _("Revenue (收入)")
    FUNCTION = "function", _("Spending by function (功能分类支出)")
    ECONOMIC = "economic", _("Basic spending by economic type (基本支出经济分类)")


class BudgetLine(models.Model):
    """A line of a budget (预算科目): revenue, or spending at one level of a classification. A
    line of a higher level holds the sum of its children; the import checks that it does."""

    budget = models.ForeignKey(Budget, models.CASCADE, related_name="lines",
                               verbose_name=_("budget"))
    kind = models.CharField(_("table"), max_length=10, choices=LineKind.choices)
    code = models.CharField(_("code"), max_length=7)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    position = models.PositiveIntegerField(_("order"), default=0)
    original = models.DecimalField(_("original budget (年初预算数)"), **MONEY)
    final = models.DecimalField(_("final accounts (决算数)"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("budget line (预算科目)")
        verbose_name_plural = _("budget lines")
        ordering = ["budget", "kind", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "kind", "code"],
                                    name="finance_line_unique_code"),
            models.CheckConstraint(condition=Q(original__gte=0), name="finance_line_original_gte_0"),
        ]
        indexes = [models.Index(fields=["budget", "kind", "level"]),
                   # A line across the years of a street (the line page's history).
                   models.Index(fields=["kind", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Adjustment(models.Model):
    """An adjustment (预算调整/调剂) of one line after the budget froze: how much, why, and the
    meeting or decision that approved it. A line's adjusted budget = original + the sum of its
    adjustments (and of those of the lines under it)."""

    line = models.ForeignKey(BudgetLine, models.CASCADE, related_name="adjustments",
                             verbose_name=_("line"))
    amount = models.DecimalField(_("change (元)"), **MONEY)
    reason = models.TextField(_("reason"))
    approved_by = models.CharField(_("approved by (meeting or decision)"), max_length=200)
    approved_on = models.DateField(_("approved on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("budget adjustment (预算调整)")
        verbose_name_plural = _("budget adjustments")
        ordering = ["approved_on", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0),
                                              name="finance_adjustment_not_zero")]

    def __str__(self) -> str:
        return f"{self.line.code} {self.amount:+}"


class Execution(models.Model):
    """What was spent on a line in one month (月度执行数)."""

    line = models.ForeignKey(BudgetLine, models.CASCADE, related_name="executions",
                             verbose_name=_("line"))
    month = models.PositiveSmallIntegerField(_("month"))
    amount = models.DecimalField(_("spent (元)"), **MONEY)

    class Meta:
        verbose_name = _("monthly execution (月度执行)")
        verbose_name_plural = _("monthly execution")
        ordering = ["line", "month"]
        constraints = [
            models.UniqueConstraint(fields=["line", "month"], name="finance_execution_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12),
                                   name="finance_execution_month"),
        ]

    def __str__(self) -> str:
        return f"{self.line.code} {self.month}: {self.amount}"


class ThreePublicKind(models.TextChoices):
    """The four rows of 三公经费, in their standard order."""

    ABROAD = "abroad", _("Official trips abroad (因公出国(境)费)")
    VEHICLE_PURCHASE = "vehicle_purchase", _("Official vehicle purchase (公务用车购置费)")
    VEHICLE_RUNNING = "vehicle_running", _("Official vehicle running (公务用车运行维护费)")
    RECEPTION = "reception", _("Official reception (公务接待费)")


THREE_PUBLIC_ORDER = list(ThreePublicKind.values)


class ThreePublic(models.Model):
    """One of the four rows of 三公经费: budget, actual and an explanation."""

    budget = models.ForeignKey(Budget, models.CASCADE, related_name="three_public",
                               verbose_name=_("budget"))
    kind = models.CharField(_("row"), max_length=20, choices=ThreePublicKind.choices)
    planned = models.DecimalField(_("budget (预算数)"), **MONEY)
    actual = models.DecimalField(_("actual (实际数)"), null=True, blank=True, **MONEY)
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        verbose_name = _("三公经费 row")
        verbose_name_plural = _("三公经费")
        constraints = [
            models.UniqueConstraint(fields=["budget", "kind"], name="finance_three_public_unique"),
            models.CheckConstraint(condition=Q(planned__gte=0), name="finance_three_public_gte_0"),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def order(self) -> int:
        return THREE_PUBLIC_ORDER.index(self.kind)


class QuestionState(models.TextChoices):
    OPEN = "open", _("Waiting for the answer")
    ANSWERED = "answered", _("Answered")


class Question(models.Model):
    """A council member's written question on a budget line (书面询问), answered publicly by the
    street's finance staff on the line's page."""

    line = models.ForeignKey(BudgetLine, models.CASCADE, related_name="questions",
                             verbose_name=_("line"))
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                              verbose_name=_("asked by"))
    text = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=QuestionState.choices,
                             default=QuestionState.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("written question (书面询问)")
        verbose_name_plural = _("written questions")
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def street(self) -> Unit:
        return self.line.budget.street


def localized_name(obj) -> str:
    if get_language() and not get_language().startswith("zh") and getattr(obj, "name_en", ""):
        return obj.name_en
    return obj.name


class WarningKind(models.TextChoices):
    """The execution-monitoring rules (预算执行监督预警)."""

    BEHIND = "behind", _("Execution behind the year (执行进度滞后)")
    NO_BUDGET = "no_budget", _("Spending on a line without budget (无预算支出)")
    OVER_BUDGET = "over_budget", _("Executed above the adjusted budget (超预算执行)")
    THREE_PUBLIC_OVER = "three_public_over", _("三公经费 above budget (三公经费超预算)")


class WarningRule(models.Model):
    """A warning rule as the district sets it (预警规则): on or off, the points of lag that count
    (for `behind`), and the working days the street has to answer."""

    kind = models.CharField(_("rule"), max_length=20, choices=WarningKind.choices, unique=True)
    active = models.BooleanField(_("active"), default=True)
    points = models.DecimalField(_("points behind the year"), max_digits=5, decimal_places=1,
                                 default=Decimal("15.0"))
    response_days = models.PositiveSmallIntegerField(_("working days to respond"), default=5)

    class Meta:
        verbose_name = _("warning rule (预警规则)")
        verbose_name_plural = _("warning rules")
        ordering = ["kind"]
        constraints = [models.CheckConstraint(
            condition=Q(points__gte=0, points__lte=100, response_days__gte=1,
                        response_days__lte=60), name="finance_warning_rule_range")]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class WarningState(models.TextChoices):
    OPEN = "open", _("Waiting for the street's response")
    ESCALATED = "escalated", _("Overdue, escalated to the district")
    ANSWERED = "answered", _("Answered")


class ExecutionWarning(models.Model):
    """A warning on a budget's execution (执行预警) that the street answers in writing within the
    rule's working days; the periodic worker reminds once and escalates once."""

    budget = models.ForeignKey(Budget, models.CASCADE, related_name="warnings",
                               verbose_name=_("budget"))
    kind = models.CharField(_("rule"), max_length=20, choices=WarningKind.choices)
    key = models.CharField(_("line or row"), max_length=20)
    detail = models.CharField(_("finding"), max_length=300)
    raised_on = models.DateField(_("raised on"))
    due_on = models.DateField(_("answer due"))
    state = models.CharField(_("state"), max_length=10, choices=WarningState.choices,
                             default=WarningState.OPEN)
    response = models.TextField(_("response"), blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                     blank=True, related_name="+", verbose_name=_("answered by"))
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("execution warning (执行预警)")
        verbose_name_plural = _("execution warnings")
        ordering = ["-raised_on", "id"]
        constraints = [models.UniqueConstraint(fields=["budget", "kind", "key"],
                                               name="finance_warning_unique")]

    def __str__(self) -> str:
        return f"{self.budget} {self.key}: {self.get_kind_display()}"


# The state-asset register and its inventories live in their own module (a seam of their own);
# imported here so that Django finds the models.
from .asset_models import (  # noqa: E402, F401
    Asset,
    AssetClass,
    AssetVersion,
    CampaignMember,
    Disposal,
    Finding,
    InventoryCampaign,
    LeaseContract,
    SnapshotItem,
)
