"""The ballot engine (投票): ballots, options, the voter roll, who has voted, and the counted
ballots. Councils, projects and evaluations create ballots through `services`; this app knows
nothing of them.

Secrecy: a secret ballot with tellers is sealed at cast to the ballot's public key (`sealing`);
the database holds the ciphertext (`CastBallot`) beside the record that a person voted
(`Participation`), never the content. Row order, transaction ids or backups can pair the two,
which is why the content must be unreadable. After the close a quorum of tellers rebuild the
key; the ciphertexts are shuffled and decrypted into `DecryptedBallot` rows with random ids and
nothing that points back at a ciphertext."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yishi.core.models import Role, Unit


class Method(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no / abstain on each item")
    CHOOSE = "choose", _("Choose up to N options")
    SATISFACTION = "satisfaction", _("Satisfaction rating (满意度测评)")
    BUDGET = "budget", _("Budget-limited approval (participatory budgeting)")


class Secrecy(models.TextChoices):
    SECRET = "secret", _("Secret ballot (无记名投票)")
    NAMED = "named", _("Named vote (记名表决)")


class PassRule(models.TextChoices):
    MORE_THAN_HALF_CAST = "more_than_half_cast", _("More than half of the votes cast")
    MORE_THAN_HALF_PRESENT = "more_than_half_present", _("More than half of the members present")
    MORE_THAN_HALF_ENTITLED = "more_than_half_entitled", _("More than half of all members")
    TWO_THIRDS_ENTITLED = "two_thirds_entitled", _("Two thirds of all members")


class BudgetRule(models.TextChoices):
    GREEDY = "greedy", _("Greedy by votes within the budget")
    MES = "mes", _("Method of Equal Shares")
    MES_GREEDY = "mes-greedy", _("Method of Equal Shares, completed greedily")
    MES_ADD1 = "mes-add1", _("Method of Equal Shares, completed by raising the budget")
    MES_ADD1_GREEDY = "mes-add1-greedy", _(
        "Method of Equal Shares, completed by raising the budget, then greedily"
    )


class TieBreak(models.TextChoices):
    KEY = "key", _("By option code")
    LOWER_COST_THEN_DRAW = "lower_cost_then_draw", _("Lower cost first, then a public draw")
    DRAW = "draw", _("Public draw")


class RollSource(models.TextChoices):
    ROLES = "roles", _("People holding a role in the unit")
    LIST = "list", _("An uploaded list")
    RESIDENTS = "residents", _("All verified residents of the unit")


class BallotState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for voting")
    CLOSED = "closed", _("Closed, counting")
    PUBLISHED = "published", _("Results published")
    CANCELLED = "cancelled", _("Cancelled")


class Ballot(models.Model):
    """A vote (投票/表决): options, method, voter roll, window, secrecy."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="ballots", verbose_name=_("unit"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    secrecy = models.CharField(_("secrecy"), max_length=8, choices=Secrecy.choices,
                               default=Secrecy.SECRET)
    state = models.CharField(_("state"), max_length=12, choices=BallotState.choices,
                             default=BallotState.DRAFT)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    min_choices = models.PositiveIntegerField(_("minimum choices"), default=0)
    max_choices = models.PositiveIntegerField(_("maximum choices"), null=True, blank=True)
    min_support = models.PositiveIntegerField(_("minimum votes to be chosen"), default=0)
    pass_rule = models.CharField(_("pass rule"), max_length=32, choices=PassRule.choices,
                                 default=PassRule.MORE_THAN_HALF_CAST)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2,
                                 null=True, blank=True)
    ballot_within_budget = models.BooleanField(
        _("each ballot must stay within the budget"), default=True)
    budget_rule = models.CharField(_("budget rule"), max_length=20, choices=BudgetRule.choices,
                                   default=BudgetRule.MES_GREEDY)
    tie_break = models.CharField(_("tie-break rule"), max_length=24, choices=TieBreak.choices,
                                 default=TieBreak.LOWER_COST_THEN_DRAW)
    tie_seed = models.CharField(_("public draw seed"), max_length=64, blank=True)
    quorum_required = models.BooleanField(_("quorum required to open"), default=False)
    quorum_fraction = models.CharField(_("quorum"), max_length=8, default="1/2",
                                       help_text=_("Share of the roll that must be present: "
                                                   "more than 1/2, or at least 2/3."))
    roll_source = models.CharField(_("voter roll"), max_length=12, choices=RollSource.choices,
                                   default=RollSource.ROLES)
    roll_roles = models.CharField(_("roles on the roll"), max_length=200, blank=True,
                                  help_text=_("Comma-separated role codes."))
    entitled_count = models.PositiveIntegerField(_("entitled voters"), default=0)
    present_count = models.PositiveIntegerField(_("present"), default=0)
    result = models.JSONField(_("result"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Sealing (secret ballots with tellers). The private key is never stored: only the public
    # half, the identifier of the tellers' share set and, if the ballot says so, the private
    # key published after the count so that anyone can check each ciphertext.
    public_key = models.CharField(_("public key"), max_length=64, blank=True)
    share_set = models.PositiveIntegerField(_("key share set"), null=True, blank=True)
    threshold = models.PositiveSmallIntegerField(_("tellers needed to count"), default=0)
    publish_key = models.BooleanField(
        _("publish the key after the count"), default=False,
        help_text=_("Lets anyone check every ciphertext, but whoever holds the database can then "
                    "pair voters with their ballots."))
    private_key = models.CharField(_("published private key"), max_length=64, blank=True)
    decrypted_at = models.DateTimeField(_("decrypted"), null=True, blank=True)

    class Meta:
        verbose_name = _("ballot (投票)")
        verbose_name_plural = _("ballots")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "closes_at"]),
                   models.Index(fields=["state", "opens_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == BallotState.OPEN

    @property
    def is_sealed(self) -> bool:
        """Cast ballots are encrypted to the tellers' key."""
        return bool(self.public_key)

    @property
    def roll_role_codes(self) -> list[str]:
        """The roles whose holders make the roll (`roll_roles`, comma-separated)."""
        return [code.strip() for code in self.roll_roles.split(",") if code.strip()]

    def roll_role_labels(self) -> str:
        """The roles on the roll by their names (议事会成员, …), not their codes."""
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.roll_role_codes)


class Teller(models.Model):
    """A teller of a secret ballot (监票人): holds one share of the ballot's private key."""

    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="tellers",
                               verbose_name=_("ballot"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                             verbose_name=_("teller"))
    position = models.PositiveSmallIntegerField(_("share number"))
    share_taken_at = models.DateTimeField(_("share taken"), null=True, blank=True)
    share_brought_at = models.DateTimeField(_("share brought to the count"), null=True,
                                            blank=True)

    class Meta:
        verbose_name = _("teller (监票人)")
        verbose_name_plural = _("tellers")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "user"], name="teller_unique_user"),
            models.UniqueConstraint(fields=["ballot", "position"], name="teller_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.user_id}"


class Option(models.Model):
    """One item of a ballot (选项 / 候选项目)."""

    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="options",
                               verbose_name=_("ballot"))
    key = models.CharField(pgettext_lazy("option", "code"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=14, decimal_places=2, default=0)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("option (选项)")
        verbose_name_plural = _("options")
        ordering = ["position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "key"], name="option_unique_key"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="option_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title


class RollEntry(models.Model):
    """A person entitled to vote (选民名册), snapshotted when the ballot opens."""

    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="roll",
                               verbose_name=_("ballot"))
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                              related_name="ballot_rolls", verbose_name=_("voter"))
    present = models.BooleanField(_("present"), default=False)

    class Meta:
        verbose_name = _("voter roll entry (选民名册)")
        verbose_name_plural = _("voter roll")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "voter"], name="roll_unique_voter")
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.voter_id}"


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper, counted by tellers")
    IMPORT = "import", _("Imported")


class Participation(models.Model):
    """That a person has voted in a ballot — one row per person per ballot, enforced by the
    database. For secret ballots it says nothing about what they chose."""

    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="participations",
                               verbose_name=_("ballot"))
    # SET_NULL: a person may delete their account (PIPL); that they voted stays counted.
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                              related_name="participations", verbose_name=_("voter"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    voted_at = models.DateTimeField(_("voted at"), auto_now_add=True)
    # Paper voters: the batch that recorded them, so that a mistaken batch can be undone. A
    # batch says who voted on paper, never what (the counts are entered apart).
    paper_batch = models.ForeignKey("PaperBatch", models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("paper voters batch"))

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "voter"], name="one_vote_per_voter")
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.voter_id}"


class CastBallot(models.Model):
    """A cast ballot (选票). On a sealed ballot only its ciphertext, whose hash is the voter's
    tracking code; on a named vote (or an old ballot without tellers) its content."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="cast_ballots",
                               verbose_name=_("ballot"))
    content = models.JSONField(_("content"), null=True, blank=True)
    ciphertext = models.BinaryField(_("ciphertext"), null=True, blank=True)
    receipt = models.CharField(_("tracking code"), max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("voter (named votes only)"))

    class Meta:
        verbose_name = _("cast ballot (选票)")
        verbose_name_plural = _("cast ballots")
        indexes = [models.Index(fields=["ballot", "receipt"])]

    def __str__(self) -> str:
        return self.receipt[:12]


class PaperTallyState(models.TextChoices):
    ENTERED = "entered", _("Entered, awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class PaperTally(models.Model):
    """Paper ballots counted by tellers (纸质票): one teller enters, a second confirms; only then
    do they join the count."""

    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="paper_tallies",
                               verbose_name=_("ballot"))
    lines = models.JSONField(_("counted ballots"),
                             help_text=_("[{\"content\": …, \"count\": n}, …]"))
    state = models.CharField(_("state"), max_length=10, choices=PaperTallyState.choices,
                             default=PaperTallyState.ENTERED)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("entered by"))
    entered_at = models.DateTimeField(_("entered"), auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("paper tally (纸质票录入)")
        verbose_name_plural = _("paper tallies")

    def __str__(self) -> str:
        return f"{self.ballot} · {self.get_state_display()}"

    @property
    def total(self) -> int:
        return sum(int(line["count"]) for line in self.lines)


class DecryptedBallot(models.Model):
    """A secret ballot as decrypted at the count (解密后的选票): written in a shuffled order, with a
    random id and no time, channel or reference to the ciphertext it came from."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="decrypted_ballots",
                               verbose_name=_("ballot"))
    content = models.JSONField(_("content"))

    class Meta:
        verbose_name = _("decrypted ballot (解密选票)")
        verbose_name_plural = _("decrypted ballots")

    def __str__(self) -> str:
        return str(self.id)[:8]


# A batch of paper voters smaller than this would let the batch and the paper counts point at
# what a few people chose.
MIN_PAPER_BATCH = 5


class PaperBatch(models.Model):
    """People who voted on paper (纸质投票登记), recorded apart from the paper counts and in
    batches of at least MIN_PAPER_BATCH, so no voter is paired with a content."""

    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="paper_batches",
                               verbose_name=_("ballot"))
    voters = models.PositiveIntegerField(_("voters"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("entered by"))

    class Meta:
        verbose_name = _("paper voters batch (纸质投票登记)")
        verbose_name_plural = _("paper voters batches")

    def __str__(self) -> str:
        return f"{self.ballot} · {self.voters}"
