"""Residents' opinions in a closed loop (选民意见办理闭环): every opinion is received, accepted or
refused with a reason, assigned to departments with a deadline, handled, replied to, rated by
the resident, and closed — nothing falls through."""

import functools

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Department, Unit, mask_mobile


class OpinionCategory(models.Model):
    """A kind of matter (意见类别): 道路交通, 物业管理, 加装电梯, …"""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=64, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("opinion category (意见类别)")
        verbose_name_plural = _("opinion categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        if get_language() and not get_language().startswith("zh") and self.name_en:
            return self.name_en
        return self.name


class DeadlinePolicy(models.Model):
    """A street's time limits, in working days (办理时限)."""

    street = models.OneToOneField(Unit, models.CASCADE, related_name="opinion_policy",
                                  verbose_name=_("street"))
    accept_days = models.PositiveSmallIntegerField(_("accept within (working days)"), default=2)
    reply_days = models.PositiveSmallIntegerField(_("reply within (working days)"), default=15)
    rating_days = models.PositiveSmallIntegerField(_("resident rates within (working days)"),
                                                   default=5)
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many working days before a deadline"), default=2)

    class Meta:
        verbose_name = _("deadline policy (办理时限)")
        verbose_name_plural = _("deadline policies")

    def __str__(self) -> str:
        return str(self.street)


class OpinionState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    ASSIGNED = "assigned", _("Assigned")
    HANDLING = "handling", _("Being handled")
    REPLIED = "replied", _("Replied")
    ESCALATED = "escalated", _("Under supervision")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another")



# What "overdue" means, written once: not accepted by the accept deadline, or not replied to by
# the reply deadline. Used by the model, the staff queue, the statistics and the worker.
AWAITING_REPLY = (OpinionState.ACCEPTED, OpinionState.ASSIGNED, OpinionState.HANDLING)


def overdue_parts(now) -> tuple[Q, Q]:
    """The two ways to be overdue; disjoint (by state), so counts of each add up."""
    return (Q(state=OpinionState.SUBMITTED, accept_deadline__lt=now),
            Q(state__in=AWAITING_REPLY, reply_deadline__lt=now))


def overdue_q(now) -> Q:
    not_accepted, not_replied = overdue_parts(now)
    return not_accepted | not_replied


class OpinionChannel(models.TextChoices):
    """How an opinion reached the platform (not how a vote was cast: voting.models.Channel)."""

    WEB = "web", _("Online form")
    RECEPTION = "reception", _("Heard at a reception")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    OPEN311 = "open311", _("Open311 API")
    SUGGESTION = "suggestion", _("Deputy's suggestion (代表建议)")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Not satisfied")
    NOT_RATED = "not_rated", _("Not rated")


class Opinion(models.Model):
    """A resident's opinion (选民意见)."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"), max_length=5000)
    category = models.ForeignKey(OpinionCategory, models.PROTECT, related_name="opinions",
                                 verbose_name=_("category"))
    street = models.ForeignKey(Unit, models.PROTECT, related_name="opinions",
                               verbose_name=_("street"))
    community = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True,
                                  related_name="community_opinions", verbose_name=_("community"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)
    is_public = models.BooleanField(_("show publicly"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                               related_name="opinions", verbose_name=_("resident"))
    contact_name = models.CharField(_("contact name"), max_length=64)
    contact_mobile = models.CharField(_("contact number"), max_length=11, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=OpinionChannel.choices,
                               default=OpinionChannel.WEB)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="recorded_opinions",
                                    verbose_name=_("recorded by"))
    state = models.CharField(_("state"), max_length=16, choices=OpinionState.choices,
                             default=OpinionState.SUBMITTED)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    accept_deadline = models.DateTimeField(_("accept by"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    reply_deadline = models.DateTimeField(_("reply by"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    rating_deadline = models.DateTimeField(_("rate by"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0,
                                                    validators=[MaxValueValidator(1)])
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    merged_into = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                                    related_name="merged", verbose_name=_("merged into"))
    supports = models.PositiveIntegerField(_("me too (附议)"), default=0)
    # The first answer the resident got, kept as it was then (a reopened opinion's replied_at
    # and reply_deadline move on): the statistics count on-time replies and working days to
    # reply from these, aggregated in the database. Written by stats.record_first_reply.
    first_replied_at = models.DateTimeField(_("first replied"), null=True, blank=True,
                                            editable=False)
    first_reply_due = models.DateTimeField(_("first reply due"), null=True, blank=True,
                                           editable=False)
    reply_workdays = models.PositiveSmallIntegerField(_("working days to first reply"),
                                                      null=True, blank=True, editable=False)
    search_tokens = models.TextField(editable=False, blank=True, default="")
    photos = models.ManyToManyField("core.Attachment", blank=True, related_name="+",
                                    verbose_name=_("photos"))

    class Meta:
        verbose_name = _("opinion (选民意见)")
        verbose_name_plural = _("opinions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["street", "state", "-created_at"]),
            # With the street: the dashboard counts the overdue per street from the index.
            models.Index(fields=["state", "reply_deadline", "street"],
                         name="opinion_state_reply_due"),
            models.Index(fields=["state", "accept_deadline"]),
            models.Index(fields=["state", "rating_deadline"]),
            models.Index(fields=["is_public", "-created_at"]),
            # The district's figures count a period's opinions per street: each index leads
            # with the date the period is on and carries the street (and what the count then
            # tests), so PostgreSQL counts from the index alone, without reading the rows.
            # (created_at, street) also serves everything the plain created_at index did.
            models.Index(fields=["created_at", "street"], name="opinion_created_street"),
            models.Index(fields=["reply_deadline", "street", "replied_at"],
                         name="opinion_reply_due_street"),
            models.Index(fields=["rated_at", "street", "rating"], name="opinion_rated_street"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="opinion_latitude_range"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def public_name(self) -> str:
        """How the resident appears on public pages: surname and a mask (王**)."""
        name = self.contact_name or ""
        return (name[:1] + "**") if name else "**"

    @property
    def masked_contact(self) -> str:
        return mask_mobile(self.contact_mobile) if self.contact_mobile else ""

    @property
    def is_overdue(self) -> bool:
        now = timezone.now()
        if self.state == OpinionState.SUBMITTED:
            return self.accept_deadline < now
        if self.state in AWAITING_REPLY:
            return bool(self.reply_deadline and self.reply_deadline < now)
        return False

    @property
    def due_at(self):
        """What it waits for next is due: acceptance while submitted, then the reply; None
        once nothing is awaited (pages show no date instead of deciding on the state)."""
        if self.state == OpinionState.SUBMITTED:
            return self.accept_deadline
        if self.state in AWAITING_REPLY or self.state == OpinionState.ESCALATED:
            return self.reply_deadline
        return None

    @property
    def reply_awaited(self) -> bool:
        return self.state in AWAITING_REPLY and self.reply_deadline is not None


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    HANDLING = "handling", _("Being handled")
    REPLIED = "replied", _("Replied")
    TRANSFERRED = "transferred", _("Transferred")


class Assignment(models.Model):
    """An opinion handed to a department (交办) with a deadline."""

    opinion = models.ForeignKey(Opinion, models.CASCADE, related_name="assignments",
                                verbose_name=_("opinion"))
    department = models.ForeignKey(Department, models.PROTECT, related_name="assignments",
                                   verbose_name=_("department"))
    state = models.CharField(_("state"), max_length=12, choices=AssignmentState.choices,
                             default=AssignmentState.ASSIGNED)
    deadline = models.DateTimeField(_("reply by"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)
    note = models.TextField(_("instructions"), blank=True)
    # 主办: the department whose reply answers the resident (and is rated); the others assist
    # (协办) and their replies are added to the story.
    is_lead = models.BooleanField(_("lead department (主办)"), default=False)
    # This department's first reply, kept as it was then (see Opinion.first_replied_at).
    first_replied_at = models.DateTimeField(_("first replied"), null=True, blank=True,
                                            editable=False)
    first_reply_due = models.DateTimeField(_("first reply due"), null=True, blank=True,
                                           editable=False)
    reply_workdays = models.PositiveSmallIntegerField(_("working days to first reply"),
                                                      null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("assignment (交办)")
        verbose_name_plural = _("assignments")
        ordering = ["assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["opinion", "department"],
                condition=~Q(state="transferred"), name="one_live_assignment_per_department"),
            models.UniqueConstraint(
                fields=["opinion"], condition=Q(is_lead=True) & ~Q(state="transferred"),
                name="one_lead_department_per_opinion"),
        ]

    def __str__(self) -> str:
        return f"{self.opinion.number} → {self.department}"


class Reply(models.Model):
    """A department's reply (答复); the second round answers an unsatisfied rating."""

    opinion = models.ForeignKey(Opinion, models.CASCADE, related_name="replies",
                                verbose_name=_("opinion"))
    assignment = models.ForeignKey(Assignment, models.PROTECT, related_name="replies",
                                   verbose_name=_("assignment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("written by"))
    text = models.TextField(_("reply"), max_length=5000)
    round = models.PositiveSmallIntegerField(_("round"), default=1,
                                             validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(_("replied"), default=timezone.now)

    class Meta:
        verbose_name = _("reply (答复)")
        verbose_name_plural = _("replies")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.opinion.number} #{self.round}"


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ExtensionRequest(models.Model):
    """A department asks for more time (延期申请); street staff decide."""

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="extensions",
                                   verbose_name=_("assignment"))
    days = models.PositiveSmallIntegerField(_("extra working days"),
                                            validators=[MinValueValidator(1),
                                                        MaxValueValidator(70)])
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=ExtensionState.choices,
                             default=ExtensionState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension request (延期申请)")
        verbose_name_plural = _("extension requests")

    def __str__(self) -> str:
        return f"{self.assignment} +{self.days}"


class TimelineEntry(models.Model):
    """One step in an opinion's life, as the resident and the public board see it."""

    opinion = models.ForeignKey(Opinion, models.CASCADE, related_name="timeline",
                                verbose_name=_("opinion"))
    action = models.CharField(_("action"), max_length=32)
    note = models.TextField(_("note"), blank=True)
    actor_label = models.CharField(_("by"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.opinion.number} {self.action}"

    def get_action_label(self) -> str:
        from .services import TIMELINE_LABELS

        return str(TIMELINE_LABELS.get(self.action, self.action))

    def get_actor_label(self) -> str:
        """Who took the step, in the reader's language: the label is stored in the language of
        the request that took it, so a step a resident took on the Chinese page would read
        居民 on the English one."""
        key = _actor_keys().get(self.actor_label)
        return str(ACTOR_LABELS[key]) if key else self.actor_label


# Who took a step on an opinion's timeline, as the public sees it (never a name).
ACTOR_LABELS = {
    "system": _("System"), "department": _("Department"), "staff": _("Street committee"),
    "deputy": _("Deputy"), "resident": _("Resident"),
}


@functools.cache
def _actor_keys() -> dict[str, str]:
    """Each actor label as written in any of the site's languages → its key."""
    from django.utils import translation

    keys = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            keys.update({str(label): key for key, label in ACTOR_LABELS.items()})
    return keys


class Support(models.Model):
    """A resident's "me too" (附议) on a public opinion; one each."""

    opinion = models.ForeignKey(Opinion, models.CASCADE, related_name="support_rows",
                                verbose_name=_("opinion"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+",
                             verbose_name=_("resident"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("me too (附议)")
        verbose_name_plural = _("me too")
        constraints = [models.UniqueConstraint(fields=["opinion", "user"],
                                               name="one_support_per_person")]

    def __str__(self) -> str:
        return f"{self.opinion_id}:{self.user_id}"


class Open311Key(models.Model):
    """An API key for an Open311 client (e.g. a city hotline system) posting into a street."""

    name = models.CharField(_("client"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    street = models.ForeignKey(Unit, models.CASCADE, related_name="open311_keys",
                               verbose_name=_("street"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash(raw: str) -> str:
        import hashlib

        return hashlib.sha256(raw.encode()).hexdigest()


class RoutingModel(models.Model):
    """The trained routing suggester (分办建议模型): category and department from the text,
    learned from opinions already handled. The newest row is used."""

    blob = models.BinaryField()
    trained_at = models.DateTimeField(_("trained"), default=timezone.now)
    records = models.PositiveIntegerField(_("opinions learned from"))

    class Meta:
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")
        get_latest_by = "trained_at"

    def __str__(self) -> str:
        return f"{timezone.localtime(self.trained_at):%Y-%m-%d %H:%M} ({self.records})"


class Follow(models.Model):
    """A resident follows an opinion (关注): told of its replies and its closing."""

    opinion = models.ForeignKey(Opinion, models.CASCADE, related_name="followers",
                                verbose_name=_("opinion"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+",
                             verbose_name=_("resident"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follower (关注)")
        verbose_name_plural = _("followers")
        constraints = [models.UniqueConstraint(fields=["opinion", "user"],
                                               name="one_follow_per_person")]

    def __str__(self) -> str:
        return f"{self.opinion_id}:{self.user_id}"


class OpinionCounter(models.Model):
    """The last number given to an opinion of a street in a year (编号计数). Numbers are taken
    by incrementing this row inside the opinion's transaction: the row lock makes concurrent
    submissions wait their turn instead of colliding on the same number."""

    street = models.ForeignKey(Unit, models.CASCADE, related_name="+", verbose_name=_("street"))
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"))

    class Meta:
        verbose_name = _("opinion number counter (编号计数)")
        verbose_name_plural = _("opinion number counters")
        constraints = [models.UniqueConstraint(fields=["street", "year"],
                                               name="one_opinion_counter_per_street_year")]

    def __str__(self) -> str:
        return f"{self.street_id}/{self.year}: {self.last}"


class OpinionStatsDelta(models.Model):
    """A change to the statistics' figures (统计增量): what an opinion adds to its street and
    its time of receipt, written by database triggers on every insert, update and delete of an
    opinion (migration 0015), so every path — services, the demo's bulk load, COPY, the admin —
    keeps it exactly right in the change's own transaction. Rows are only appended (no lock is
    shared between concurrent changes); `stats.compact` folds them into one row per street and
    day, `manage.py rebuild_opinion_stats` recomputes them from the opinions. The figures are
    sums over these rows (stats.py); "overdue, open" depends on the time and is read live."""

    street = models.ForeignKey(Unit, models.DO_NOTHING, db_constraint=False, related_name="+",
                               verbose_name=_("street"))
    # The opinion's time of receipt; after compaction, the start of its day in the district's
    # time zone (periods and months are whole local days).
    created_at = models.DateTimeField(_("received"))
    received = models.IntegerField(_("received"), default=0)
    replied = models.IntegerField(_("replied"), default=0)
    on_time = models.IntegerField(_("replied on time"), default=0)
    rated = models.IntegerField(_("rated"), default=0)
    satisfied = models.IntegerField(_("satisfied or basically satisfied"), default=0)
    reply_days = models.IntegerField(_("working days to first reply"), default=0)

    class Meta:
        verbose_name = _("statistics change (统计增量)")
        verbose_name_plural = _("statistics changes")
        indexes = [models.Index(fields=["created_at", "street"], name="opinion_stats_at")]

    def __str__(self) -> str:
        return f"{self.street_id}@{self.created_at:%Y-%m-%d}: {self.received:+d}"


# The hand-off to outside case systems keeps its tables in a module of its own.
from .handoff_models import (  # noqa: E402,F401
    CaseDelivery,
    CaseReport,
    CaseSystemConnection,
    CaseSystemKind,
    DeliveryState,
    RefusedCallback,
    ReportStatus,
)
