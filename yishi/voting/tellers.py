"""The tellers' part of a sealed ballot (监票): taking one's key share once, bringing it to the
count, and the count itself — rebuild the key in memory, shuffle, decrypt, forget the key.

Shares brought to the count wait in the cache (memory or Redis, never the database, which holds
the ciphertexts) for COUNT_SECONDS, so tellers can enter them one after another on their own
phones; the key is rebuilt only when a quorum is there, inside the request that completes it."""

import secrets
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit

from . import count, sealing
from .models import Ballot, BallotState, CastBallot, DecryptedBallot, Teller
from .queries import ballot_spec
from .services import _error, share_cache_key

COUNT_SECONDS = 30 * 60

SHARE_MESSAGES = {
    "unreadable": lambda: _("These words are not a key share: check each word and that none "
                            "is missing."),
    "other_ballot": lambda: _("This key share belongs to another ballot."),
    "not_yours": lambda: _("This key share is another teller's. Enter your own share."),
    "do_not_combine": lambda: _("The key shares brought do not fit together; nothing was "
                                "decrypted. Each teller must enter their share again."),
    "wrong_key": lambda: _("The key shares brought do not give this ballot's key; nothing was "
                           "decrypted. Each teller must enter their share again."),
}


def _count_key(ballot: Ballot, position: int) -> str:
    return f"voting:count:{ballot.public_id}:{position}"


def teller_for(user, ballot: Ballot) -> Teller:
    teller = Teller.objects.filter(ballot=ballot, user_id=getattr(user, "pk", None)).first()
    if teller is None:
        raise PermissionDenied(_("Only this ballot's tellers hold its key shares."))
    return teller


@transaction.atomic
def take_share(user, ballot: Ballot) -> str:
    """Hand a teller their share, once: it leaves the cache as it is shown."""
    teller = teller_for(user, ballot)
    teller = Teller.objects.select_for_update().get(pk=teller.pk)
    if teller.share_taken_at is not None:
        raise _error("taken", _("You have already taken your key share; it is shown only once."))
    key = share_cache_key(ballot, teller.position)
    share = cache.get(key)
    if share is None:
        raise _error("gone", _("Your key share is no longer available: shares are kept until "
                               "the ballot closes, and only in memory."))
    cache.delete(key)
    teller.share_taken_at = timezone.now()
    teller.save(update_fields=["share_taken_at"])
    audit.record(user, "voting.take_share", ballot, after={"teller": teller.position},
                 unit=ballot.unit)
    return share


@dataclass
class CountStatus:
    """Where a sealed ballot's count stands, for the teller page, the staff page and the API:
    `needed` of `tellers` shares decrypt it; `countable` is False as soon as it is certain that
    fewer than `needed` tellers can bring a share (the shares nobody took were forgotten at the
    close), so the pages say so from then on rather than at the count."""

    needed: int
    tellers: int
    taken: int
    brought: int
    decrypted: bool
    countable: bool


def count_status(ballot: Ballot) -> CountStatus | None:
    if not ballot.is_sealed and not ballot.threshold:
        return None
    rows = list(Teller.objects.filter(ballot=ballot).values_list("share_taken_at",
                                                                 "share_brought_at"))
    taken = sum(1 for t, _b in rows if t is not None)
    brought = sum(1 for _t, b in rows if b is not None)
    decrypted = ballot.decrypted_at is not None
    after_close = ballot.state in (BallotState.CLOSED, BallotState.PUBLISHED,
                                   BallotState.CANCELLED)
    countable = decrypted or (taken if after_close else len(rows)) >= ballot.threshold
    return CountStatus(ballot.threshold, len(rows), taken, brought, decrypted, countable)


@dataclass
class CountProgress:
    brought: int
    needed: int
    decrypted: int | None = None   # number of ballots decrypted, once the count has run
    refused: str = ""              # why the shares brought did not give the key


def bring_share(user, ballot: Ballot, words: str) -> CountProgress:
    """A teller enters their share after the close. When `threshold` shares are there, the
    ballots are decrypted in the same request."""
    teller = teller_for(user, ballot)
    ballot = Ballot.objects.get(pk=ballot.pk)
    if ballot.state != BallotState.CLOSED or ballot.decrypted_at is not None:
        raise _error("state", _("Key shares are brought after the close, before the count."))
    try:
        position = sealing.read_share(words, ballot.share_set)
    except sealing.ShareError as exc:
        raise _error(exc.code, SHARE_MESSAGES[exc.code]()) from None
    if position != teller.position:
        raise _error("not_yours", SHARE_MESSAGES["not_yours"]())
    cache.set(_count_key(ballot, teller.position), sealing.normalise_share(words), COUNT_SECONDS)
    with transaction.atomic():
        Teller.objects.filter(pk=teller.pk).update(share_brought_at=timezone.now())
        audit.record(user, "voting.bring_share", ballot, after={"teller": teller.position},
                     unit=ballot.unit)
    progress = _count_if_quorum(user, ballot)
    if progress.refused:
        raise _error(progress.refused, SHARE_MESSAGES[progress.refused]())
    return progress


def _forget_brought(ballot: Ballot, positions) -> None:
    cache.delete_many([_count_key(ballot, p) for p in positions])
    Teller.objects.filter(ballot=ballot, position__in=positions).update(share_brought_at=None)


@transaction.atomic
def _count_if_quorum(user, ballot: Ballot) -> CountProgress:
    # The row lock makes exactly one of several tellers finishing at once run the count.
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.decrypted_at is not None:
        return CountProgress(ballot.threshold, ballot.threshold,
                             DecryptedBallot.objects.filter(ballot=ballot).count())
    positions = list(Teller.objects.filter(ballot=ballot).values_list("position", flat=True))
    held = cache.get_many([_count_key(ballot, p) for p in positions])
    shares = {p: held[_count_key(ballot, p)] for p in positions if _count_key(ballot, p) in held}
    # A share that expired from the cache has to be brought again.
    Teller.objects.filter(ballot=ballot, share_brought_at__isnull=False).exclude(
        position__in=shares).update(share_brought_at=None)
    if len(shares) < ballot.threshold:
        return CountProgress(len(shares), ballot.threshold)
    try:
        private = sealing.rebuild_key(list(shares.values())[:ballot.threshold], ballot.public_key)
    except sealing.ShareError as exc:
        # Committed (no exception inside the transaction); the caller then tells the tellers.
        _forget_brought(ballot, positions)
        audit.record(user, "voting.count_refused", ballot, after={"reason": exc.code},
                     unit=ballot.unit)
        return CountProgress(0, ballot.threshold, refused=exc.code)
    decrypted = decrypt_ballots(user, ballot, private)
    del private
    _forget_brought(ballot, positions)
    return CountProgress(len(shares), ballot.threshold, decrypted)


def decrypt_ballots(actor, ballot: Ballot, private) -> int:
    """Shuffle the ciphertexts with a cryptographically random permutation, decrypt them in
    that order, and write the contents with fresh random ids: the decrypted table keeps no
    trace of which ciphertext (hence which row order, transaction or time) each came from."""
    spec = ballot_spec(ballot)
    ciphertexts = list(CastBallot.objects.filter(ballot=ballot)
                       .values_list("ciphertext", flat=True).iterator(chunk_size=5000))
    secrets.SystemRandom().shuffle(ciphertexts)
    box = sealing.unsealer(private)
    contents = []
    # Many ballots say the same thing: each distinct plaintext is parsed and validated once.
    checked: dict[bytes, dict] = {}
    for ciphertext in ciphertexts:
        try:
            plaintext = sealing.open_raw(box, ciphertext)
            content = checked.get(plaintext)
            if content is None:
                content = checked[plaintext] = count.validate(spec, sealing.parse(plaintext))
            contents.append(content)
        except (ValueError, count.InvalidBallot):
            raise _error("tampered", _("A stored ballot does not decrypt to a valid ballot: the "
                                       "ciphertexts have been altered. Nothing was counted.")) from None
    del ciphertexts
    DecryptedBallot.objects.bulk_create(
        [DecryptedBallot(id=uuid.uuid4(), ballot=ballot, content=c) for c in contents],
        batch_size=5000)
    changes = {"decrypted_at": timezone.now()}
    if ballot.publish_key:
        changes["private_key"] = bytes(private).hex()
    Ballot.objects.filter(pk=ballot.pk).update(**changes)
    audit.record(actor, "voting.decrypt_ballots", ballot, after={"ballots": len(contents)},
                 unit=ballot.unit)
    return len(contents)
