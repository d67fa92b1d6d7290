"""Every state change of a ballot, one function each: permission, one transaction, audit record.
Other apps (councils, projects, evaluations) call these and read results back."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit, workflow
from yishi.core.models import RoleAssignment, Unit, User, normalize_mobile
from yishi.core.permissions import require

from . import count, sealing
from .models import (
    MIN_PAPER_BATCH,
    Ballot,
    BallotState,
    CastBallot,
    Channel,
    DecryptedBallot,
    Method,
    Option,
    PaperBatch,
    PaperTally,
    PaperTallyState,
    Participation,
    RollEntry,
    RollSource,
    Secrecy,
    Teller,
)
from .queries import ballot_spec
from .workflows import BALLOT, PAPER_TALLY

# The highest cost or budget a ballot takes (one hundred billion yuan, to the fen): a district's
# whole budget fits many times over, and every count stays exact in Decimal and Fraction.
MAX_MONEY = Decimal("100000000000.00")
MIN_TELLERS = 3
# Shares wait for their teller in the cache (memory or Redis, never the database) at most this
# long, and never past the close.
SHARE_PICKUP_SECONDS = 3 * 24 * 3600

INVALID_MESSAGES = {
    "malformed": lambda d: _("The ballot could not be read."),
    "duplicate_choice": lambda d: _("An option was chosen twice."),
    "unknown_option": lambda d: _("Unknown option: %(options)s.") % {"options": d},
    "too_many": lambda d: _("Too many choices: choose at most %(n)s.") % {"n": d},
    "too_few": lambda d: _("Too few choices: choose at least %(n)s.") % {"n": d},
    "over_budget": lambda d: _("The chosen options cost more than the budget."),
    "unanswered": lambda d: _("Please answer every item."),
    "bad_answer": lambda d: _("An answer is not one of the allowed choices."),
    "unknown_method": lambda d: _("Unknown ballot method."),
}


class BallotError(ValidationError):
    pass


def _error(code: str, message: str, field: str | None = None) -> BallotError:
    """A refusal with a code; with `field`, the API's 422 and the forms name that field."""
    if field is None:
        return BallotError(message, code=code)
    error = BallotError({field: BallotError(message, code=code)})
    error.code = code
    return error


def validate_content(ballot: Ballot, content, spec: dict | None = None) -> dict:
    try:
        return count.validate(spec or ballot_spec(ballot), content)
    except count.InvalidBallot as exc:
        raise _error(exc.code, INVALID_MESSAGES.get(exc.code, INVALID_MESSAGES["malformed"])(
            exc.detail)) from None


def _transition(actor, ballot: Ballot, new_state: str, action: str, **changes) -> Ballot:
    """Take the ballot workflow's transition named by the audit action (workflows.BALLOT):
    permission, conditional update, audit record."""
    name = action.removeprefix("voting.")
    assert BALLOT[name].target == new_state, (name, new_state)
    workflow.transition(ballot, name, actor, workflow=BALLOT, **changes)
    return ballot


@dataclass
class OptionInput:
    key: str
    title: str
    cost: Decimal = Decimal(0)
    description: str = ""


def _clean_options(method: str, options: list[OptionInput]) -> list[OptionInput]:
    if not options:
        raise _error("options", _("A ballot needs at least one option."))
    keys = [o.key for o in options]
    if len(set(keys)) != len(keys):
        raise _error("options", _("Two options have the same code."))
    for o in options:
        if not o.key or not o.title:
            raise _error("options", _("Every option needs a code and a title."))
        if not o.cost.is_finite() or o.cost < 0 or o.cost > MAX_MONEY:
            raise _error("options", _("A cost must be between 0 and %(max)s yuan.") % {
                "max": f"{MAX_MONEY:,.2f}"})
        if o.cost != o.cost.quantize(Decimal("0.01")):
            raise _error("options", _("A cost is given to the fen at most (two decimals)."))
        if method == Method.BUDGET and o.cost <= 0:
            raise _error("options", _("In a budget ballot every option needs a cost."))
    return options


def _clean_tellers(secrecy: str, tellers: list[User] | None, threshold: int | None
                   ) -> tuple[list[User], int]:
    if not tellers:
        if secrecy == Secrecy.SECRET:
            # Without tellers there is no key to seal to, and a secret ballot stored in
            # plaintext is readable by whoever holds the database (issue 16).
            raise _error("tellers", _("A secret ballot needs its tellers (field “tellers”): at "
                                      "least %(n)d people who hold the key that counts it.") % {
                "n": MIN_TELLERS}, "tellers")
        return [], 0
    if secrecy != Secrecy.SECRET:
        raise _error("tellers", _("Only a secret ballot has tellers holding a key."), "tellers")
    if len({t.pk for t in tellers}) != len(tellers):
        raise _error("tellers", _("A teller is listed twice."), "tellers")
    if len(tellers) < MIN_TELLERS:
        raise _error("tellers", _("A secret ballot needs at least %(n)d tellers.") % {
            "n": MIN_TELLERS}, "tellers")
    threshold = threshold or len(tellers) // 2 + 1
    if not 2 <= threshold <= len(tellers):
        raise _error("threshold", _("The number of tellers needed to count must be between 2 "
                                    "and the number of tellers (%(n)d).") % {"n": len(tellers)},
                     "threshold")
    return tellers, threshold


@transaction.atomic
def create_ballot(actor, unit: Unit, *, title: str, method: str, options: list[OptionInput],
                  tellers: list[User] | None = None, threshold: int | None = None,
                  **fields) -> Ballot:
    """A draft ballot. A secret ballot must name its tellers (at least MIN_TELLERS) and is
    sealed: when it opens, its key is made and split among them. A named vote has none."""
    require(actor, "voting.manage_ballot", unit)
    if method not in Method.values:
        raise _error("method", _("Unknown ballot method."))
    options = _clean_options(method, options)
    tellers, threshold = _clean_tellers(fields.get("secrecy", Secrecy.SECRET), tellers,
                                        threshold)
    if method == Method.BUDGET and not fields.get("budget"):
        raise _error("budget", _("A budget ballot needs a budget."))
    budget = fields.get("budget")
    if budget is not None and (not Decimal(budget).is_finite() or not 0 < budget <= MAX_MONEY):
        raise _error("budget", _("The budget must be more than 0 and at most %(max)s yuan.") % {
            "max": f"{MAX_MONEY:,.2f}"})
    if fields.get("max_choices") and fields.get("min_choices", 0) > fields["max_choices"]:
        raise _error("max_choices", _("The minimum number of choices exceeds the maximum."))
    opens_at, closes_at = fields.get("opens_at"), fields.get("closes_at")
    if opens_at and closes_at and closes_at <= opens_at:
        raise _error("closes_at", _("The ballot must close after it opens."))
    if closes_at and closes_at <= timezone.now():
        raise _error("closes_at", _("The closing time is in the past."))
    fields.setdefault("tie_seed", secrets.token_hex(16))
    ballot = Ballot(unit=unit, title=title, method=method, created_by=actor,
                    threshold=threshold, **fields)
    ballot.full_clean(exclude=["created_by", "result"])
    ballot.save()
    Option.objects.bulk_create([
        Option(ballot=ballot, key=o.key, title=o.title, cost=o.cost, description=o.description,
               position=i) for i, o in enumerate(options)
    ])
    Teller.objects.bulk_create([Teller(ballot=ballot, user=t, position=i)
                                for i, t in enumerate(tellers)])
    audit.record(actor, "voting.create_ballot", ballot, after={
        "title": title, "method": method, "options": [o.key for o in options],
        "secrecy": ballot.secrecy, "tie_seed": ballot.tie_seed,
        "tellers": [t.pk for t in tellers], "threshold": threshold}, unit=unit)
    return ballot


@dataclass
class RollImportReport:
    added: int
    rejected: list[tuple[int, str, str]]  # (line, value, reason)


@transaction.atomic
def set_roll_from_list(actor, ballot: Ballot, mobiles: list[str]) -> RollImportReport:
    """Voter roll from an uploaded list of mobile numbers: all or nothing — any bad line and
    nothing is saved, the report says which lines and why."""
    require(actor, "voting.manage_ballot", ballot.unit)
    if ballot.state != BallotState.DRAFT:
        raise _error("state", _("The voter roll can only be changed before the ballot opens."))
    rejected, users, seen = [], [], set()
    known = {u.mobile: u for u in User.objects.filter(
        mobile__in=[normalize_mobile(m) for m in mobiles], is_active=True)}
    for line, raw in enumerate(mobiles, start=1):
        mobile = normalize_mobile(raw)
        if mobile in seen:
            rejected.append((line, raw, _("listed twice")))
        elif mobile not in known:
            rejected.append((line, raw, _("no account with this number")))
        else:
            seen.add(mobile)
            users.append(known[mobile])
    if rejected:
        return RollImportReport(0, rejected)
    RollEntry.objects.filter(ballot=ballot).delete()
    RollEntry.objects.bulk_create([RollEntry(ballot=ballot, voter=u) for u in users])
    Ballot.objects.filter(pk=ballot.pk).update(roll_source=RollSource.LIST)
    audit.record(actor, "voting.set_roll", ballot, after={"voters": len(users)}, unit=ballot.unit)
    return RollImportReport(len(users), [])


def _snapshot_roll(ballot: Ballot) -> int:
    """Fill the roll from roles or residence as of now (the entitled snapshot)."""
    if ballot.roll_source == RollSource.LIST:
        return RollEntry.objects.filter(ballot=ballot).count()
    existing = set(RollEntry.objects.filter(ballot=ballot).values_list("voter_id", flat=True))
    if ballot.roll_source == RollSource.ROLES:
        voters = (RoleAssignment.objects.active()
                  .filter(role__in=ballot.roll_role_codes, unit__path__startswith=ballot.unit.path,
                          user__is_active=True)
                  .values_list("user_id", flat=True).distinct())
        RollEntry.objects.bulk_create(
            [RollEntry(ballot=ballot, voter_id=v) for v in voters if v not in existing],
            batch_size=5000,
        )
    else:
        # All verified residents: one INSERT … SELECT, fast even for a whole district.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {RollEntry._meta.db_table} (ballot_id, voter_id, present)
                    SELECT %s, u.id, %s FROM {User._meta.db_table} u
                    JOIN {Unit._meta.db_table} h ON h.id = u.home_unit_id
                    WHERE u.is_active AND u.verified_at IS NOT NULL AND h.path LIKE %s
                      AND NOT EXISTS (SELECT 1 FROM {RollEntry._meta.db_table} r
                                      WHERE r.ballot_id = %s AND r.voter_id = u.id)""",
                [ballot.pk, False, f"{ballot.unit.path}%", ballot.pk],
            )
    return RollEntry.objects.filter(ballot=ballot).count()


def quorum_met(present: int, entitled: int, fraction: str) -> bool:
    """"1/2" means more than half; any other fraction (e.g. "2/3") means at least that share."""
    share = Fraction(fraction)
    if share == Fraction(1, 2):
        return present * 2 > entitled
    return present >= share * entitled


@transaction.atomic
def mark_present(actor, ballot: Ballot, voters: list[User], present: bool = True) -> int:
    """Record who is present (sign-in), for quorum and the "members present" pass rule."""
    require(actor, "voting.manage_ballot", ballot.unit)
    if ballot.state not in (BallotState.DRAFT, BallotState.OPEN):
        raise _error("state", _("Presence can only be recorded before the ballot closes."))
    if ballot.roll_source != RollSource.LIST and ballot.state == BallotState.DRAFT:
        _snapshot_roll(ballot)
    RollEntry.objects.filter(ballot=ballot, voter__in=voters).update(present=present)
    present_count = RollEntry.objects.filter(ballot=ballot, present=True).count()
    Ballot.objects.filter(pk=ballot.pk).update(present_count=present_count)
    ballot.present_count = present_count
    audit.record(actor, "voting.mark_present", ballot,
                 after={"voters": [v.pk for v in voters], "present": present,
                        "present_count": present_count}, unit=ballot.unit)
    return present_count


@transaction.atomic
def open_ballot(actor, ballot: Ballot) -> Ballot:
    require(actor, "voting.manage_ballot", ballot.unit)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    entitled = _snapshot_roll(ballot)
    if entitled == 0:
        raise _error("roll", _("Nobody is on the voter roll."))
    present = RollEntry.objects.filter(ballot=ballot, present=True).count()
    if ballot.quorum_required and not quorum_met(present, entitled, ballot.quorum_fraction):
        raise _error("quorum", _("No quorum: %(present)d of %(entitled)d present.") % {
            "present": present, "entitled": entitled})
    ballot = _transition(actor, ballot, BallotState.OPEN, "voting.open_ballot",
                         entitled_count=entitled, present_count=present,
                         opened_at=timezone.now(), **_make_key(ballot))
    _after_opening(ballot)
    return ballot


def _after_opening(ballot: Ballot) -> None:
    """The voters hear of an opened ballot by notice (a text, unless they chose otherwise); a
    meeting's vote (quorum required: the members are in the room) is announced there."""
    if ballot.quorum_required:
        return
    from yishi.core.tasks import enqueue_with_transaction

    from .tasks import tell_voters as task

    enqueue_with_transaction(task, ballot.pk)


def tell_voters(ballot_id: int) -> int:
    """Notify the roll of an open ballot, each voter once (a repeated task tells nobody twice):
    the title and the closing time, in each voter's language, linking to the ballot."""
    from yishi.core.localtime import local_text
    from yishi.core.models import NoticeKind
    from yishi.core.notifications import notify

    ballot = Ballot.objects.filter(pk=ballot_id, state=BallotState.OPEN).first()
    if ballot is None:
        return 0
    url = f"/voting/{ballot.public_id}/"
    voters = (User.objects.filter(ballot_rolls__ballot=ballot, is_active=True)
              .exclude(notifications__url=url).order_by("pk"))

    def body() -> str:
        if ballot.closes_at is None:
            return _("Vote on the platform; the receipt lets you check your ballot is counted.")
        return _("Vote by %(time)s; the receipt lets you check your ballot is counted.") % {
            "time": local_text(ballot.closes_at)}

    # A district's roll in batches, each committed on its own: memory stays bounded, and a
    # task killed half-way is retried from where it stopped (the told are excluded above).
    told = 0
    while batch := list(voters[:TELL_BATCH]):
        with transaction.atomic():
            notify(batch, lambda: _("A ballot is open for you: %(title)s") % {
                "title": ballot.title}, body, url=url, kind=NoticeKind.BALLOT)
        told += len(batch)
    return told


TELL_BATCH = 2000


def share_cache_key(ballot: Ballot, position: int) -> str:
    return f"voting:share:{ballot.public_id}:{position}"


def _make_key(ballot: Ballot) -> dict:
    """Make and split a sealed ballot's key as it opens. Each share waits in the cache (memory,
    never the database) for its teller to take it once; the private key is not kept."""
    tellers = list(Teller.objects.filter(ballot=ballot))
    if not tellers:
        if ballot.secrecy == Secrecy.SECRET:
            raise _error("tellers", _("This secret ballot has no tellers, so its votes could "
                                      "not be sealed. Cancel it and create it again with its "
                                      "tellers."))
        return {}
    key = sealing.make_key(ballot.threshold, len(tellers))
    ttl = SHARE_PICKUP_SECONDS
    if ballot.closes_at:
        ttl = max(60, min(ttl, int((ballot.closes_at - timezone.now()).total_seconds())))
    cache.set_many({share_cache_key(ballot, t.position): key.shares[t.position]
                    for t in tellers}, ttl)
    return {"public_key": key.public_key, "share_set": key.share_set}


def _lock_open_ballot(ballot: Ballot) -> str:
    """Check the ballot is open, reading its state under a shared lock on PostgreSQL: any number
    of votes go in at once, but closing waits for votes in flight and no vote lands after the
    close."""
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT state, closes_at, public_key FROM {Ballot._meta.db_table} "
            f"WHERE id = %s{lock}", [ballot.pk])
        state, closes_at, public_key = cursor.fetchone()
    if isinstance(closes_at, str):  # SQLite returns text through a raw cursor
        closes_at = datetime.fromisoformat(closes_at)
    if closes_at is not None and timezone.is_naive(closes_at):
        closes_at = timezone.make_aware(closes_at, UTC)
    if state != BallotState.OPEN or (closes_at and closes_at <= timezone.now()):
        raise _error("closed", _("This ballot is not open for voting."))
    # The key as stored, read under the lock: a caller's stale Ballot object must not lead to
    # a ballot stored in plaintext.
    return public_key


@dataclass
class Receipt:
    """What the voter keeps: the hash of their ciphertext (tracking code). It shows the ballot
    was recorded and counted, and proves nothing about its content to anyone."""

    code: str      # the short form, searchable on the board
    hash: str


def short_code(receipt_hash: str) -> str:
    return "-".join(receipt_hash[i:i + 4].upper() for i in range(0, 12, 4))


# The options of an opened ballot never change (they are written with the ballot and read-only
# from then on), so each process reads them once per ballot; keyed by the opening time too, so a
# ballot object that was never opened is never remembered.
_OPEN_SPECS: dict[tuple[int, datetime], dict] = {}


def _cast_spec(ballot: Ballot) -> dict:
    if ballot.opened_at is None:
        return ballot_spec(ballot)
    key = (ballot.pk, ballot.opened_at)
    spec = _OPEN_SPECS.get(key)
    if spec is None:
        if len(_OPEN_SPECS) > 256:
            _OPEN_SPECS.clear()
        spec = _OPEN_SPECS[key] = ballot_spec(ballot)
    return spec


def _take_part(ballot: Ballot, voter: User, channel: str) -> bool:
    """Record that `voter` voted, in one statement that also checks the roll: False when they
    are not on it; IntegrityError when they voted already."""
    participation, roll = Participation._meta.db_table, RollEntry._meta.db_table
    voted_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {participation} (ballot_id, voter_id, channel, voted_at) "
            f"SELECT ballot_id, voter_id, %s, %s FROM {roll} WHERE ballot_id = %s AND voter_id = %s",
            [channel, voted_at, ballot.pk, voter.pk])
        return cursor.rowcount == 1


def cast_vote(voter: User, ballot: Ballot, content, channel: str = Channel.ONLINE) -> Receipt:
    """One entitled voter, one ballot: the unique constraint on Participation is the guard, so
    concurrent requests from the same voter store exactly one. The request does only what that
    needs (the ballot open, on the roll, the two rows); the options are remembered per process."""
    spec = _cast_spec(ballot)
    content = validate_content(ballot, content, spec)
    try:
        with transaction.atomic():
            ballot.public_key = _lock_open_ballot(ballot)
            stored = _stored_ballot(ballot, spec, content, channel)
            # The whole transaction rolls back if this person has voted already.
            if not _take_part(ballot, voter, channel):
                raise _error("not_entitled", _("You are not on the voter roll of this ballot."))
            if ballot.secrecy == Secrecy.NAMED:
                stored.voter = voter
            stored.save(force_insert=True)
    except IntegrityError:
        if Participation.objects.filter(ballot=ballot, voter=voter).exists():
            raise _error("already_voted", _("You have already voted in this ballot.")) from None
        raise
    return Receipt(short_code(stored.receipt), stored.receipt)


def _stored_ballot(ballot: Ballot, spec: dict, content: dict, channel: str) -> CastBallot:
    """The row a cast ballot becomes: sealed to the tellers' key, or (named votes, ballots
    without tellers) the content with a random receipt."""
    if ballot.is_sealed:
        ciphertext = sealing.seal(spec, ballot.public_key, content)
        return CastBallot(ballot=ballot, ciphertext=ciphertext, channel=channel,
                          receipt=sealing.tracking_code(ciphertext))
    if ballot.secrecy == Secrecy.SECRET:
        # A secret ballot made before tellers were required: refuse rather than store plaintext.
        raise _error("unsealed", _("This secret ballot has no tellers' key, so it cannot take "
                                   "votes. Cancel it and create it again with its tellers."))
    receipt = count.receipt_hash(str(ballot.public_id), content, secrets.token_urlsafe(16))
    return CastBallot(ballot=ballot, content=content, receipt=receipt, channel=channel)


@transaction.atomic
def enter_paper_tally(teller, ballot: Ballot, lines: list[dict]) -> PaperTally:
    """A teller enters counted paper ballots: [{"content": …, "count": n}]. Nothing counts until
    a second teller confirms. Who voted on paper is recorded apart (record_paper_voters)."""
    require(teller, "voting.count_paper", ballot.unit)
    ballot = Ballot.objects.get(pk=ballot.pk)
    if ballot.state not in (BallotState.OPEN, BallotState.CLOSED):
        raise _error("state", _("Paper ballots are entered while the ballot is open or closed."))
    if ballot.secrecy == Secrecy.NAMED:
        raise _error("named", _("Named votes are cast one by one, not entered as totals."))
    clean = []
    for n, line in enumerate(lines, start=1):
        try:
            number = int(line.get("count", 0))
        except (TypeError, ValueError):
            number = -1
        if number <= 0:
            raise _error("count", _("Line %(n)d: the number of ballots must be a positive "
                                    "whole number.") % {"n": n})
        clean.append({"content": validate_content(ballot, line.get("content")), "count": number})
    if not clean:
        raise _error("empty", _("Enter at least one counted ballot."))
    tally = PaperTally.objects.create(ballot=ballot, lines=clean, entered_by=teller)
    audit.record(teller, "voting.enter_paper_tally", tally, after={"lines": clean},
                 unit=ballot.unit)
    return tally


@transaction.atomic
def record_paper_voters(teller, ballot: Ballot, mobiles: list[str]) -> PaperBatch:
    """Record who voted on paper, so they cannot vote again online. Kept apart from the paper
    counts, and in batches of at least MIN_PAPER_BATCH people: a smaller batch beside the
    counts would tell what those few chose."""
    require(teller, "voting.count_paper", ballot.unit)
    ballot = Ballot.objects.get(pk=ballot.pk)
    if ballot.state not in (BallotState.OPEN, BallotState.CLOSED):
        raise _error("state", _("Paper voters are recorded while the ballot is open or closed."))
    if ballot.secrecy == Secrecy.NAMED:
        raise _error("named", _("Named votes are cast one by one, not entered as totals."))
    numbers = [normalize_mobile(m) for m in mobiles if m.strip()]
    if len(set(numbers)) != len(numbers):
        raise _error("voters", _("A mobile number is listed twice."))
    if len(numbers) < MIN_PAPER_BATCH:
        raise _error("voters", _("Record paper voters in batches of at least %(n)d people, so "
                                 "that no batch tells what its few voters chose.") % {
            "n": MIN_PAPER_BATCH})
    voters = list(User.objects.filter(mobile__in=numbers))
    if len(voters) != len(numbers):
        raise _error("voters", _("Some people listed as paper voters have no account."))
    on_roll = set(RollEntry.objects.filter(ballot=ballot, voter__in=voters)
                  .values_list("voter_id", flat=True))
    not_on_roll = [v for v in voters if v.pk not in on_roll]
    if not_on_roll:
        raise _error("voters", _("Not on the voter roll: %(names)s.") % {
            "names": ", ".join(v.masked_mobile for v in not_on_roll)})
    batch = PaperBatch.objects.create(ballot=ballot, voters=len(voters), entered_by=teller)
    try:
        with transaction.atomic():
            Participation.objects.bulk_create(
                [Participation(ballot=ballot, voter=v, channel=Channel.PAPER, paper_batch=batch)
                 for v in voters])
    except IntegrityError:
        raise _error("already_voted", _("Someone on the paper list has already voted.")) from None
    audit.record(teller, "voting.record_paper_voters", batch, after={"voters": len(voters)},
                 unit=ballot.unit)
    return batch


@transaction.atomic
def confirm_paper_tally(teller, tally: PaperTally) -> PaperTally:
    require(teller, "voting.count_paper", tally.ballot.unit)
    tally = PaperTally.objects.select_for_update().select_related("ballot").get(pk=tally.pk)
    if tally.entered_by_id == teller.pk:
        raise PermissionDenied(_("A second teller must confirm what the first one entered."))
    if tally.state != PaperTallyState.ENTERED:
        raise _error("state", _("This paper tally has already been dealt with."))
    ballot = tally.ballot
    if ballot.state not in (BallotState.OPEN, BallotState.CLOSED) or ballot.decrypted_at:
        raise _error("state", _("The ballot's results are already counted."))
    # Paper ballots are sealed like online ones, so the count decrypts one list.
    spec = ballot_spec(ballot)
    cast = [_stored_ballot(ballot, spec, line["content"], Channel.PAPER)
            for line in tally.lines for _n in range(int(line["count"]))]
    CastBallot.objects.bulk_create(cast, batch_size=2000)
    workflow.transition(tally, "confirm_paper_tally", teller, workflow=PAPER_TALLY,
                        after={"ballots": len(cast)}, confirmed_by=teller,
                        confirmed_at=timezone.now())
    return tally


@transaction.atomic
def reject_paper_tally(teller, tally: PaperTally) -> PaperTally:
    require(teller, "voting.count_paper", tally.ballot.unit)
    workflow.transition(tally, "reject_paper_tally", teller, workflow=PAPER_TALLY,
                        confirmed_by=teller, confirmed_at=timezone.now())
    return tally


@transaction.atomic
def close_ballot(actor, ballot: Ballot) -> Ballot:
    if actor is not None:
        require(actor, "voting.manage_ballot", ballot.unit)
    ballot = Ballot.objects.get(pk=ballot.pk)
    ballot = _transition(actor, ballot, BallotState.CLOSED, "voting.close_ballot",
                         closed_at=timezone.now())
    forget_untaken_shares(ballot)
    return ballot


def forget_untaken_shares(ballot: Ballot) -> None:
    """A share nobody took by the close is gone: it must not wait in memory for the count."""
    positions = Teller.objects.filter(ballot=ballot).values_list("position", flat=True)
    cache.delete_many([share_cache_key(ballot, p) for p in positions])


def compute_result(ballot: Ballot) -> dict:
    if ballot.is_sealed:
        rows = DecryptedBallot.objects.filter(ballot=ballot)
    else:
        rows = CastBallot.objects.filter(ballot=ballot)
    contents = list(rows.values_list("content", flat=True))
    return count.tally(ballot_spec(ballot), contents)


@transaction.atomic
def publish_results(actor, ballot: Ballot) -> Ballot:
    require(actor, "voting.manage_ballot", ballot.unit)
    ballot = Ballot.objects.get(pk=ballot.pk)
    if PaperTally.objects.filter(ballot=ballot, state=PaperTallyState.ENTERED).exists():
        raise _error("paper", _("Paper tallies are waiting for a second teller's confirmation."))
    if ballot.state != BallotState.CLOSED:
        raise _error("state", _("Close the ballot before publishing its results."))
    if ballot.is_sealed and ballot.decrypted_at is None:
        raise _error("sealed", _("The tellers have not decrypted the ballots yet."))
    result = compute_result(ballot)
    return _transition(actor, ballot, BallotState.PUBLISHED, "voting.publish_results",
                       result=result, published_at=timezone.now())


@transaction.atomic
def cancel_ballot(actor, ballot: Ballot, reason: str) -> Ballot:
    require(actor, "voting.manage_ballot", ballot.unit)
    if not reason.strip():
        raise _error("reason", _("Give a reason for cancelling."))
    ballot = Ballot.objects.get(pk=ballot.pk)
    ballot = _transition(actor, ballot, BallotState.CANCELLED, "voting.cancel_ballot")
    audit.record(actor, "voting.cancel_reason", ballot, after={"reason": reason},
                 unit=ballot.unit)
    return ballot


def run_due_transitions(now: datetime | None = None) -> tuple[int, int]:
    """Open ballots whose window started and close those whose window ended. Safe to run in
    several workers at once: each move is a conditional update inside _transition."""
    now = now or timezone.now()
    opened = closed = 0
    for ballot in Ballot.objects.filter(state=BallotState.DRAFT, opens_at__lte=now):
        try:
            with transaction.atomic():
                _open_by_schedule(ballot)
            opened += 1
        except ValidationError:
            continue
    for ballot in Ballot.objects.filter(state=BallotState.OPEN, closes_at__lte=now):
        try:
            with transaction.atomic():
                ballot = _transition(None, ballot, BallotState.CLOSED, "voting.close_ballot",
                                     closed_at=now)
            forget_untaken_shares(ballot)
            closed += 1
        except ValidationError:
            continue
    return opened, closed


def _open_by_schedule(ballot: Ballot) -> None:
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.state != BallotState.DRAFT:
        raise _error("state", "already moved")
    entitled = _snapshot_roll(ballot)
    if entitled == 0 or ballot.quorum_required:
        raise _error("roll", "needs a person to open")  # a meeting opens these by hand
    _transition(None, ballot, BallotState.OPEN, "voting.open_ballot",
                entitled_count=entitled, opened_at=timezone.now(), **_make_key(ballot))
    _after_opening(ballot)




def clear_expired_sessions() -> tuple:
    """Delete expired sessions (Django's `clearsessions`), run by the periodic worker: a session
    outlives its sign-in in the table and in every backup unless something removes it. Signing
    out deletes a session at once."""
    from importlib import import_module

    from django.conf import settings

    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return ()
