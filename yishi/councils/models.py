"""Resident deliberation councils (居民议事会): councils with their rules, terms (届) and members;
meetings with agendas, sign-in, votes and minutes; one-click calls for deliberation (一键呼) and
the livelihood round tables (民生圆桌会) they lead to.

Votes are ballots of the voting engine (an agenda item points at its ballot); this app only
keeps what a meeting needs around them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Attachment, Department, RoleAssignment, Unit
from yishi.voting.models import PassRule, Secrecy


class QuorumFraction(models.TextChoices):
    HALF = "1/2", _("More than half of the members")
    TWO_THIRDS = "2/3", _("At least two thirds of the members")


class Council(models.Model):
    """A street's resident deliberation council (居民议事会) and the rules it works by."""

    street = models.OneToOneField(Unit, models.PROTECT, related_name="council",
                                  verbose_name=_("street"))
    name = models.CharField(_("name"), max_length=100)
    quorum_fraction = models.CharField(_("quorum"), max_length=4, choices=QuorumFraction.choices,
                                       default=QuorumFraction.HALF)
    pass_rule = models.CharField(_("pass rule"), max_length=32, choices=PassRule.choices,
                                 default=PassRule.MORE_THAN_HALF_ENTITLED)
    secrecy = models.CharField(_("votes are"), max_length=8, choices=Secrecy.choices,
                               default=Secrecy.NAMED)
    notice_days = models.PositiveSmallIntegerField(_("notice (days before a meeting)"), default=7)
    min_age = models.PositiveSmallIntegerField(_("minimum age of members"), default=18)
    min_years_in_street = models.PositiveSmallIntegerField(
        _("minimum years living or working in the street"), default=1)
    call_threshold = models.PositiveSmallIntegerField(
        _("supports that require a round table"), default=10)
    round_table_days = models.PositiveSmallIntegerField(
        _("days to convene a round table"), default=15)

    class Meta:
        verbose_name = _("resident deliberation council (居民议事会)")
        verbose_name_plural = _("resident deliberation councils")
        ordering = ["street__sort_order"]

    def __str__(self) -> str:
        return self.name

    def current_term(self):
        return self.terms.order_by("-number").first()


class Term(models.Model):
    """A term of a council (届)."""

    council = models.ForeignKey(Council, models.CASCADE, related_name="terms",
                                verbose_name=_("council"))
    number = models.PositiveSmallIntegerField(_("term number"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    roster_published_at = models.DateTimeField(_("roster published"), null=True, blank=True)

    class Meta:
        verbose_name = _("term (届)")
        verbose_name_plural = _("terms")
        ordering = ["council", "-number"]
        constraints = [models.UniqueConstraint(fields=["council", "number"],
                                               name="council_term_unique_number")]

    def __str__(self) -> str:
        return _("%(council)s, term %(n)d") % {"council": self.council, "n": self.number}


class MemberCategory(models.TextChoices):
    DEPUTY = "deputy", _("People's Congress deputy (人大代表)")
    COMMUNITY = "community", _("Community representative (社区代表)")
    RESIDENT = "resident", _("Resident representative (居民代表)")
    ENTERPRISE = "enterprise", _("Enterprise representative (企业代表)")
    EXPERT = "expert", _("Expert (专家)")
    OTHER = "other", _("Other")


class MemberStatus(models.TextChoices):
    SERVING = "serving", _("Serving")
    RESIGNED = "resigned", _("Resigned")
    REPLACED = "replaced", _("Replaced")


class MemberParticulars(models.Model):
    """What the council's rules check about a member: the same for a member and for the
    invitation that makes one."""

    category = models.CharField(_("category"), max_length=16, choices=MemberCategory.choices)
    community = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("community represented"))
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    in_street_since = models.DateField(_("living or working in the street since"),
                                       null=True, blank=True)

    class Meta:
        abstract = True


class Member(MemberParticulars):
    """A council member (议事会成员) in one term. Serving members hold the core role
    COUNCIL_MEMBER in the street, so other apps find them without importing this one."""

    term = models.ForeignKey(Term, models.CASCADE, related_name="members", verbose_name=_("term"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT,
                             related_name="council_memberships", verbose_name=_("person"))
    status = models.CharField(_("status"), max_length=10, choices=MemberStatus.choices,
                              default=MemberStatus.SERVING)
    joined_on = models.DateField(_("joined"), default=timezone.localdate)
    left_on = models.DateField(_("left"), null=True, blank=True)
    replaced_by = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("replaced by"))
    role = models.ForeignKey(RoleAssignment, models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("role"))

    class Meta:
        verbose_name = _("council member (议事会成员)")
        verbose_name_plural = _("council members")
        ordering = ["term", "community__sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["term", "user"],
                                               name="council_member_unique_in_term")]

    def __str__(self) -> str:
        return self.user.name


class InvitationState(models.TextChoices):
    INVITED = "invited", _("Invited, waiting for the answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Invitation(MemberParticulars):
    """An invitation to join the council (议事会成员邀请): staff add a person by number only,
    and the person becomes a member (and gets the role) when they accept. Until then the
    roster shows the masked number and what staff typed, never the account's own name."""

    term = models.ForeignKey(Term, models.CASCADE, related_name="invitations",
                             verbose_name=_("term"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                             related_name="council_invitations", verbose_name=_("person"))
    typed_name = models.CharField(_("name as typed by staff"), max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=InvitationState.choices,
                             default=InvitationState.INVITED)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    member = models.OneToOneField(Member, models.SET_NULL, null=True, blank=True,
                                  related_name="invitation", verbose_name=_("membership"))

    class Meta:
        verbose_name = _("council invitation (议事会成员邀请)")
        verbose_name_plural = _("council invitations")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["term", "user"], condition=models.Q(state="invited"),
            name="council_invitation_one_open_per_term")]

    def __str__(self) -> str:
        return self.user.masked_mobile


class MeetingKind(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary meeting")
    EXTRAORDINARY = "extraordinary", _("Extraordinary meeting")


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    CONVENED = "convened", _("Convened")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingBatch(models.Model):
    """The same meeting convened by the district in every street at once (e.g. the seed's third
    meeting, held in all streets simultaneously)."""

    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    agenda = models.JSONField(_("template agenda"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("district-wide meeting (全区统一会议)")
        verbose_name_plural = _("district-wide meetings")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    """A council meeting (居民议事会议)."""

    council = models.ForeignKey(Council, models.PROTECT, related_name="meetings",
                                verbose_name=_("council"))
    term = models.ForeignKey(Term, models.PROTECT, related_name="meetings", verbose_name=_("term"))
    batch = models.ForeignKey(MeetingBatch, models.SET_NULL, null=True, blank=True,
                              related_name="meetings", verbose_name=_("district-wide meeting"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices,
                            default=MeetingKind.ORDINARY)
    starts_at = models.DateTimeField(_("starts"))
    place = models.CharField(_("place"), max_length=200)
    online_url = models.URLField(_("online attendance link"), blank=True)
    video_url = models.URLField(_("live stream or recording"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=MeetingState.choices,
                             default=MeetingState.DRAFT)
    notice_due_at = models.DateTimeField(_("notice due"), null=True, blank=True)
    notice_sent_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # A secret vote's key is split among the meeting's tellers when the vote opens; the server
    # keeps no private key, so the count waits for a quorum of them within the meeting.
    tellers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                     verbose_name=_("tellers (计票人)"))
    teller_threshold = models.PositiveSmallIntegerField(
        _("tellers needed to count"), default=2)

    class Meta:
        verbose_name = _("council meeting (议事会会议)")
        verbose_name_plural = _("council meetings")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["state", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def street(self) -> Unit:
        return self.council.street

    @property
    def is_public(self) -> bool:
        return self.state not in (MeetingState.DRAFT,)

    @property
    def notice_pending(self) -> bool:
        """The notice is still to go out: only while the meeting is convened and not held."""
        return self.state == MeetingState.CONVENED and self.notice_sent_at is None

    @property
    def answers_open(self) -> bool:
        """Members answer the notice (attend or leave) between the notice and the meeting."""
        return self.state == MeetingState.CONVENED

    @property
    def opinions_open(self) -> bool:
        return self.state in (MeetingState.CONVENED, MeetingState.IN_PROGRESS)

    @property
    def sign_in_open(self) -> bool:
        return self.state == MeetingState.IN_PROGRESS

    @property
    def agenda_open(self) -> bool:
        return self.state in (MeetingState.DRAFT, MeetingState.CONVENED)

    @property
    def finished(self) -> bool:
        return self.state in (MeetingState.CLOSED, MeetingState.CANCELLED)


class ItemKind(models.TextChoices):
    WORK_REPORT = "work_report", _("Work report")
    BUDGET_REVIEW = "budget_review", _("Budget and final accounts review (预决算审查)")
    PROJECT_SELECTION = "project_selection", _("Livelihood project selection (民生实事票选)")
    MAJOR_MATTER = "major_matter", _("Major matter decision (重大事项决策)")
    MOTION = "motion", _("Motion by members")
    OTHER = "other", _("Other")


class ItemState(models.TextChoices):
    PENDING = "pending", _("Not yet voted")
    VOTING = "voting", _("Vote open")
    COUNTING = "counting", _("Vote closed, being counted")
    RESOLVED = "resolved", _("Resolved")


# Kinds whose vote is a ballot of another method than yes/no, attached from elsewhere (the
# project selection's candidates): without that ballot the item has no vote to open.
KINDS_NEEDING_BALLOT = {ItemKind.PROJECT_SELECTION}


class AgendaItem(models.Model):
    """An item of a meeting's agenda (议程), with its vote and resolution (决议). The motion is
    the wording put to the vote, fixed before the vote opens; the outcome (`passed`) comes from
    the count alone, so the record cannot say two things at once."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="items",
                                verbose_name=_("meeting"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    presenter = models.CharField(_("presenter"), max_length=100, blank=True)
    documents = models.ManyToManyField(Attachment, blank=True, related_name="+",
                                       verbose_name=_("documents"))
    video_url = models.URLField(_("video"), blank=True)
    ballot = models.ForeignKey("voting.Ballot", models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("vote"))
    state = models.CharField(_("vote"), max_length=10, choices=ItemState.choices,
                             default=ItemState.PENDING)
    motion = models.TextField(_("motion put to the vote (表决事项)"), blank=True)
    closed_early = models.BooleanField(_("vote closed before enough members had voted"),
                                       default=False)
    votes_cast = models.PositiveIntegerField(_("votes cast"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    votes_yes = models.PositiveIntegerField(_("yes"), null=True, blank=True)
    votes_no = models.PositiveIntegerField(_("no"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("abstain"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("agenda item (议程)")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def motion_text(self) -> str:
        return self.motion or self.title

    @property
    def needs_ballot(self) -> bool:
        return self.kind in KINDS_NEEDING_BALLOT


class Response(models.TextChoices):
    PENDING = "pending", _("Not yet answered")
    ATTENDING = "attending", _("Will attend")
    LEAVE = "leave", _("Asked for leave")


class SignInMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class Attendance(models.Model):
    """A member's answer to the notice and their sign-in (签到). One row per member and meeting:
    the database keeps two sign-ins of the same member from counting twice."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="attendances",
                                verbose_name=_("meeting"))
    member = models.ForeignKey(Member, models.CASCADE, related_name="attendances",
                               verbose_name=_("member"))
    response = models.CharField(_("answer"), max_length=10, choices=Response.choices,
                                default=Response.PENDING)
    leave_reason = models.CharField(_("reason for leave"), max_length=200, blank=True)
    signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True)
    mode = models.CharField(_("attended"), max_length=10, choices=SignInMode.choices, blank=True)

    class Meta:
        verbose_name = _("attendance (出席)")
        verbose_name_plural = _("attendances")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"],
                                               name="council_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.member_id}"


class ItemOpinion(models.Model):
    """A member's written opinion on an agenda item (书面意见)."""

    item = models.ForeignKey(AgendaItem, models.CASCADE, related_name="opinions",
                             verbose_name=_("agenda item"))
    member = models.ForeignKey(Member, models.CASCADE, related_name="+", verbose_name=_("member"))
    text = models.TextField(_("opinion"))
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("written opinion (书面意见)")
        verbose_name_plural = _("written opinions")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class MinutesState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class Minutes(models.Model):
    """A meeting's minutes (会议纪要): drafted from the record, edited, approved, published."""

    meeting = models.OneToOneField(Meeting, models.CASCADE, related_name="minutes",
                                   verbose_name=_("meeting"))
    text = models.TextField(_("text"))
    state = models.CharField(_("state"), max_length=10, choices=MinutesState.choices,
                             default=MinutesState.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("minutes (会议纪要)")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return str(self.meeting)


class MinutesVersion(models.Model):
    """Every saved text of the minutes, kept."""

    minutes = models.ForeignKey(Minutes, models.CASCADE, related_name="versions",
                                verbose_name=_("minutes"))
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  related_name="+", verbose_name=_("edited by"))
    created_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("minutes version")
        verbose_name_plural = _("minutes versions")
        ordering = ["minutes", "number"]
        constraints = [models.UniqueConstraint(fields=["minutes", "number"],
                                               name="council_minutes_version_unique")]

    def __str__(self) -> str:
        return f"{self.minutes_id} v{self.number}"


class ActionState(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class FollowUpAction(models.Model):
    """A resolution turned into a tracked action (决议落实): owner, deadline, progress reported
    at the council's next meeting."""

    item = models.ForeignKey(AgendaItem, models.CASCADE, related_name="actions",
                             verbose_name=_("resolution"))
    title = models.CharField(_("action"), max_length=200)
    owner = models.CharField(_("owner"), max_length=100)
    department = models.ForeignKey(Department, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("department"))
    deadline = models.DateField(_("deadline"))
    state = models.CharField(_("state"), max_length=12, choices=ActionState.choices,
                             default=ActionState.OPEN)
    progress = models.TextField(_("progress"), blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up action (决议落实)")
        verbose_name_plural = _("follow-up actions")
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def overdue(self) -> bool:
        return self.state != ActionState.DONE and self.deadline < timezone.localdate()


# Calls and round tables live in call_models.py; imported here so the app's models are one set.
from .call_models import (  # noqa: E402, F401
    Call,
    CallState,
    CallSupport,
    Outcome,
    Participant,
    ParticipantKind,
    RoundTable,
    RoundTableAction,
    RoundTableState,
)
