"""Livelihood projects (民生实事项目): a street's (or the district's) yearly cycle of dated phases —
nomination, review, public notice, ballot, implementation, evaluation — and each project's way
from a resident's proposal to the satisfaction result.

Phase kinds and what each allows are written here in code (PHASE_FEATURES); the dates of a
cycle's phases are rows in the database. Published records (the candidate notice, the results,
tender versions, the award with its scores) are never edited in place: a correction is a new
version row and the old one stays visible."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Attachment, Department, Unit
from yishi.voting.models import BudgetRule, PassRule


class PhaseKind(models.TextChoices):
    NOMINATION = "nomination", _("Nomination (推荐征集)")
    REVIEW = "review", _("Review (审核论证)")
    NOTICE = "notice", _("Public notice (公示)")
    BALLOT = "ballot", _("Ballot (票选)")
    IMPLEMENTATION = "implementation", _("Implementation (实施)")
    EVALUATION = "evaluation", _("Acceptance and evaluation (验收测评)")


PHASE_ORDER = list(PhaseKind.values)

# What each phase allows (adhocracy4's idea: the phase type decides the features).
PHASE_FEATURES: dict[str, frozenset[str]] = {
    PhaseKind.NOMINATION: frozenset({"propose"}),
    PhaseKind.REVIEW: frozenset({"review"}),
    PhaseKind.NOTICE: frozenset({"object"}),
    PhaseKind.BALLOT: frozenset({"vote"}),
    PhaseKind.IMPLEMENTATION: frozenset({"implement", "tender"}),
    PhaseKind.EVALUATION: frozenset({"implement", "tender", "accept", "satisfaction"}),
}
DEFAULT_PHASE_DAYS = {
    PhaseKind.NOMINATION: 30, PhaseKind.REVIEW: 30, PhaseKind.NOTICE: 7, PhaseKind.BALLOT: 7,
    PhaseKind.IMPLEMENTATION: 240, PhaseKind.EVALUATION: 45,
}


class BallotMethod(models.TextChoices):
    CHOOSE = "choose", _("Choose up to N of the candidates (差额票选)")
    YES_NO = "yes_no", _("Yes or no on each candidate, by majority (票决)")
    BUDGET = "budget", _("Budget-limited approval (participatory budgeting)")


class VoterKind(models.TextChoices):
    COUNCIL = "council_member", _("Council members of the term (议事会成员)")
    DEPUTIES = "deputy", _("People's Congress deputies (人大代表票决)")
    RESIDENTS = "residents", _("All verified residents (全体实名居民)")


class CycleStage(models.TextChoices):
    """Where a cycle's selection stands on the record (its workflow, workflows.CYCLE). The phases
    say what the dates allow; the stage says what has been done: the list published, the ballot
    opened, the result counted and confirmed, the satisfaction ballot run."""

    COLLECTING = "collecting", _("Taking and reviewing proposals")
    ON_NOTICE = "notice", _("Candidate list on public notice")
    BALLOT_READY = "ballot_ready", _("Ballot ready for a council meeting")
    VOTING = "voting", _("Ballot open")
    COUNTED = "counted", _("Result published, awaiting confirmation")
    CONFIRMED = "confirmed", _("Selection confirmed (党工委确认)")
    RATING = "rating", _("Satisfaction ballot open")
    CLOSED = "closed", _("Satisfaction result published")


class Cycle(models.Model):
    """A yearly cycle of livelihood projects (年度民生实事项目) of a street or the district."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="project_cycles",
                             verbose_name=_("street or district"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    stage = models.CharField(_("stage"), max_length=16, choices=CycleStage.choices,
                             default=CycleStage.COLLECTING)
    budget = models.DecimalField(_("total budget (yuan)"), max_digits=14, decimal_places=2)
    method = models.CharField(_("ballot method"), max_length=8, choices=BallotMethod.choices,
                              default=BallotMethod.CHOOSE)
    seats = models.PositiveSmallIntegerField(
        _("projects to choose (N)"), null=True, blank=True,
        help_text=_("For choose-N ballots: how many candidates each voter may choose and how "
                    "many are selected."))
    min_support = models.PositiveIntegerField(_("minimum votes to be selected"), default=0)
    # The voting engine's own choices: a cycle's rule is the rule its ballot counts with.
    pass_rule = models.CharField(_("majority rule"), max_length=32, choices=PassRule.choices,
                                 default=PassRule.MORE_THAN_HALF_CAST)
    budget_rule = models.CharField(_("budget rule"), max_length=20, choices=BudgetRule.choices,
                                   default=BudgetRule.MES_GREEDY)
    voter_kind = models.CharField(_("voters"), max_length=16, choices=VoterKind.choices,
                                  default=VoterKind.COUNCIL)
    ballot = models.ForeignKey("voting.Ballot", models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("ballot"))
    satisfaction_ballot = models.ForeignKey("voting.Ballot", models.PROTECT, null=True,
                                            blank=True, related_name="+",
                                            verbose_name=_("satisfaction ballot"))
    # The cycle's ballot and its satisfaction ballot are secret, sealed to these tellers' key:
    # council members, deputies and street staff of the unit (projects/tellers.py).
    tellers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                     verbose_name=_("tellers (监票人)"))
    teller_threshold = models.PositiveSmallIntegerField(_("tellers needed to count"), default=2)
    confirmed_at = models.DateTimeField(_("confirmed by the party committee"), null=True,
                                        blank=True)
    confirmation_note = models.TextField(_("party committee confirmation (党工委确认)"),
                                         blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("project cycle (民生实事年度征集)")
        verbose_name_plural = _("project cycles")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="one_cycle_per_unit_year"),
            models.CheckConstraint(condition=Q(budget__gt=0), name="cycle_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def current_phase(self, now=None):
        now = now or timezone.now()
        for phase in self.phases.all():
            if phase.starts_at <= now < phase.ends_at:
                return phase
        return None

    def allows(self, feature: str, now=None) -> bool:
        phase = self.current_phase(now)
        return phase is not None and feature in PHASE_FEATURES[phase.kind]


class Phase(models.Model):
    """One dated phase of a cycle (阶段). The current phase follows from the dates; closing a
    phase early moves its end to now and records why."""

    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="phases",
                              verbose_name=_("cycle"))
    kind = models.CharField(_("phase"), max_length=16, choices=PhaseKind.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    closed_early_reason = models.TextField(_("reason for closing early"), blank=True)

    class Meta:
        verbose_name = _("phase (阶段)")
        verbose_name_plural = _("phases")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "kind"], name="one_phase_of_each_kind"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="phase_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def features(self) -> frozenset[str]:
        return PHASE_FEATURES[self.kind]


class Category(models.Model):
    """A kind of project (项目类别). Some are excluded by rule — matters for a higher level of
    government, or projects that would add public debt — and proposals in them are refused
    with the published reason."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    excluded = models.BooleanField(_("excluded from proposals"), default=False)
    exclusion_reason = models.CharField(_("why excluded"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("project category (项目类别)")
        verbose_name_plural = _("project categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        if get_language() and not get_language().startswith("zh") and self.name_en:
            return self.name_en
        return self.name


class ProjectState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Passed review")
    MERGED = "merged", _("Merged into another proposal")
    REJECTED = "rejected", pgettext_lazy("project", "Not adopted")
    CANDIDATE = "candidate", _("Candidate on public notice")
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")
    IN_PROGRESS = "in_progress", _("Being implemented")
    COMPLETED = "completed", _("Completed, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted (验收)")


S = ProjectState
# The state graph is declared once in workflows.py (PROJECT).
# What the district overview counts under each heading.
STATUS_GROUPS = {
    "proposed": {S.PROPOSED, S.APPROVED},
    "candidate": {S.CANDIDATE},
    "selected": {S.SELECTED},
    "in_progress": {S.IN_PROGRESS},
    "completed": {S.COMPLETED},
    "accepted": {S.ACCEPTED},
}


class ProposerKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    COUNCIL_MEMBER = "council_member", _("Council member")
    DEPUTY = "deputy", _("Deputy")
    DEPARTMENT = "department", _("Department")
    STAFF = "staff", _("Street committee")


class Project(models.Model):
    """A proposal and, if it gets through, the project (民生实事项目): one row from nomination to
    the satisfaction result."""

    cycle = models.ForeignKey(Cycle, models.PROTECT, related_name="projects",
                              verbose_name=_("cycle"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    category = models.ForeignKey(Category, models.PROTECT, related_name="projects",
                                 verbose_name=_("category"))
    community = models.ForeignKey(Unit, models.PROTECT, related_name="projects",
                                  verbose_name=_("community"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)
    beneficiaries = models.CharField(_("who benefits"), max_length=200)
    estimated_cost = models.DecimalField(_("estimated cost (yuan)"), max_digits=14,
                                         decimal_places=2)
    photos = models.ManyToManyField(Attachment, blank=True, related_name="+",
                                    verbose_name=_("photos"))
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 related_name="project_proposals", verbose_name=_("proposed by"))
    proposer_kind = models.CharField(_("proposed as"), max_length=16,
                                     choices=ProposerKind.choices)
    co_proposers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                          verbose_name=_("proposers of merged proposals"))
    state = models.CharField(_("state"), max_length=16, choices=ProjectState.choices,
                             default=ProjectState.PROPOSED)
    merged_into = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                                    related_name="merged", verbose_name=_("merged into"))
    public_reason = models.TextField(_("public reason"), blank=True)
    # Review (审核论证)
    assessed_cost = models.DecimalField(_("assessed cost (yuan)"), max_digits=14,
                                        decimal_places=2, null=True, blank=True)
    duration_days = models.PositiveIntegerField(_("duration (days)"), null=True, blank=True)
    department = models.ForeignKey(Department, models.PROTECT, null=True, blank=True,
                                   related_name="projects",
                                   verbose_name=_("responsible department"))
    # Implementation (实施)
    planned_budget = models.DecimalField(_("planned budget (yuan)"), max_digits=14,
                                         decimal_places=2, null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    supervisors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                         verbose_name=_("supervising deputies"))
    # Acceptance and satisfaction (验收, 满意度)
    acceptance_record = models.TextField(_("acceptance record (验收记录)"), blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    satisfaction = models.JSONField(_("satisfaction result"), null=True, blank=True)
    votes = models.PositiveIntegerField(_("votes"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed"), default=timezone.now)

    class Meta:
        verbose_name = _("livelihood project (民生实事项目)")
        verbose_name_plural = _("livelihood projects")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cycle", "state"])]
        constraints = [
            models.CheckConstraint(condition=Q(estimated_cost__gt=0),
                                   name="project_cost_positive"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def option_key(self) -> str:
        """The project's option code on the cycle's ballots."""
        return f"P{self.pk}"

    @property
    def cost(self):
        return self.assessed_cost or self.estimated_cost

    @property
    def street(self) -> Unit:
        return self.community.parent


class Review(models.Model):
    """An assessment of a proposal (审核论证意见) by staff, a department or an invited expert.
    An invited expert's review exists from the invitation on and is filled in once."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="reviews",
                                verbose_name=_("project"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                 verbose_name=_("reviewer"))
    feasible = models.BooleanField(_("feasible"), null=True)
    opinion = models.TextField(_("assessment"), blank=True)
    cost_estimate = models.DecimalField(_("cost estimate (yuan)"), max_digits=14,
                                        decimal_places=2, null=True, blank=True)
    duration_days = models.PositiveIntegerField(_("duration (days)"), null=True, blank=True)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("review (审核论证)")
        verbose_name_plural = _("reviews")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.reviewer_id}"


class PublishedVersion(models.Model):
    """A published list (the candidate notice, a ballot or satisfaction result): never edited; a
    correction is the next version, with its reason."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Candidate list on public notice (候选项目公示)")
        RESULT = "result", _("Ballot result (票选结果)")
        SATISFACTION = "satisfaction", _("Satisfaction result (满意度测评结果)")

    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="versions",
                              verbose_name=_("cycle"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(_("version"))
    items = models.JSONField(_("content"))
    note = models.TextField(_("correction note"), blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     related_name="+")
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        verbose_name = _("published version (公布版本)")
        verbose_name_plural = _("published versions")
        ordering = ["kind", "-number"]
        constraints = [models.UniqueConstraint(fields=["cycle", "kind", "number"],
                                               name="one_version_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.number}"


class Objection(models.Model):
    """An objection or comment on the notice list or a tender award (异议), answered publicly."""

    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="objections",
                              verbose_name=_("cycle"))
    project = models.ForeignKey(Project, models.CASCADE, null=True, blank=True,
                                related_name="objections", verbose_name=_("project"))
    tender = models.ForeignKey("Tender", models.CASCADE, null=True, blank=True,
                               related_name="objections", verbose_name=_("tender"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("raised by"))
    text = models.TextField(_("objection"))
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    answer = models.TextField(_("public answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection (异议)")
        verbose_name_plural = _("objections")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class Milestone(models.Model):
    """A dated step of implementation (节点). Late ones are flagged once by the periodic job."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="milestones",
                                verbose_name=_("project"))
    title = models.CharField(_("milestone"), max_length=120)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)
    late_flagged_at = models.DateTimeField(_("flagged late"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone (节点)")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_late(self) -> bool:
        return self.done_on is None and self.due_on < timezone.localdate()


class ProgressReport(models.Model):
    """An update on implementation (进度报告): percentage, text, photos. The percentage may only
    go backwards with a stated reason."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="reports",
                                verbose_name=_("project"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    note = models.TextField(_("update"))
    reason_for_decrease = models.TextField(_("why progress went down"), blank=True)
    photos = models.ManyToManyField(Attachment, blank=True, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                               related_name="+")
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        verbose_name = _("progress report (进度报告)")
        verbose_name_plural = _("progress reports")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100),
                                              name="report_percent_at_most_100")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.percent}%"


class Spending(models.Model):
    """Money spent on a project (资金使用)."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="spendings",
                                verbose_name=_("project"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    description = models.CharField(_("what for"), max_length=200)
    spent_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("spending (资金使用)")
        verbose_name_plural = _("spending")
        ordering = ["-spent_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="spending_positive")]

    def __str__(self) -> str:
        return f"{self.amount}"


class SupervisionVisit(models.Model):
    """A supervision visit by a deputy or council member (督查)."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="visits",
                                verbose_name=_("project"))
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                related_name="+", verbose_name=_("visitor"))
    visited_on = models.DateField(_("visited on"))
    findings = models.TextField(_("findings"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("supervision visit (督查)")
        verbose_name_plural = _("supervision visits")
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.visited_on}"


class Comment(models.Model):
    """A resident's comment or question on a project or a tender document version (评论/提问);
    questions are answered publicly."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="comments",
                                verbose_name=_("project"))
    tender_version = models.ForeignKey("TenderVersion", models.CASCADE, null=True, blank=True,
                                       related_name="comments",
                                       verbose_name=_("tender document version"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("author"))
    text = models.TextField(_("comment"))
    is_question = models.BooleanField(_("a question to be answered"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment (评论)")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class Follow(models.Model):
    """Someone follows a project (关注) and hears of its progress."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follower (关注)")
        verbose_name_plural = _("followers")
        constraints = [models.UniqueConstraint(fields=["project", "user"],
                                               name="one_project_follow_per_person")]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.user_id}"


class Event(models.Model):
    """One step of a project's public timeline (时间线), from the proposal to the satisfaction
    result. Written by the services next to the audit record; shows no names."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="events")
    action = models.CharField(_("step"), max_length=32)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("timeline entry (时间线)")
        verbose_name_plural = _("timeline")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.action


# The tender's models live in their own module (tender_models.py); importing them here keeps them
# in this app, with the same tables and migrations.
from .tender_models import (  # noqa: E402, F401
    Award,
    Bid,
    Criterion,
    Panelist,
    PanelKind,
    Score,
    Tender,
    TenderState,
    TenderVersion,
)
