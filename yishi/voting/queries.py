"""Reads shared by pages, the API and exports: the ballot's published spec and its board."""

import base64

from django.db.models import Count

from .models import Ballot, BallotState, CastBallot, DecryptedBallot, Participation, RollEntry


def ballot_spec(ballot: Ballot) -> dict:
    """Everything needed to re-count the ballot, as published on the board."""
    return {
        "id": str(ballot.public_id),
        "title": ballot.title,
        "method": ballot.method,
        "secrecy": ballot.secrecy,
        "options": [
            {"key": o.key, "title": o.title, "cost": str(o.cost)}
            for o in ballot.options.order_by("position", "key")
        ],
        "min_choices": ballot.min_choices,
        "max_choices": ballot.max_choices,
        "min_support": ballot.min_support,
        "pass_rule": ballot.pass_rule,
        "budget": str(ballot.budget) if ballot.budget is not None else None,
        "budget_rule": ballot.budget_rule,
        "ballot_within_budget": ballot.ballot_within_budget,
        "tie_break": ballot.tie_break,
        "tie_seed": ballot.tie_seed,
        "entitled": ballot.entitled_count,
        "present": ballot.present_count,
    }


def board(ballot: Ballot) -> dict:
    """The public bulletin board: every counted ballot with its receipt hash, ordered by hash
    (never by time); names only for named votes. A sealed ballot's board lists the ciphertexts
    by tracking code and, apart, the decrypted ballots by their random ids."""
    if ballot.is_sealed:
        return sealed_board(ballot)
    rows = CastBallot.objects.filter(ballot=ballot).order_by("receipt")
    named = ballot.secrecy == "named"
    if named:
        rows = rows.select_related("voter")
    return {
        "format": "yishi-board/1",
        "ballot": ballot_spec(ballot),
        "ballots": [
            {"receipt": r.receipt, "channel": r.channel, "content": r.content,
             **({"voter": r.voter.name if r.voter else None} if named else {})}
            for r in rows.iterator(chunk_size=5000)
        ],
        "result": ballot.result,
    }


def sealed_board(ballot: Ballot) -> dict:
    cast = CastBallot.objects.filter(ballot=ballot).order_by("receipt")
    decrypted = DecryptedBallot.objects.filter(ballot=ballot).order_by("id")
    return {
        "format": "yishi-board/2",
        "ballot": ballot_spec(ballot),
        "public_key": ballot.public_key,
        "private_key": ballot.private_key or None,
        "ciphertexts": [
            {"tracking_code": r.receipt, "channel": r.channel,
             "ciphertext": base64.b64encode(bytes(r.ciphertext)).decode()}
            for r in cast.iterator(chunk_size=5000)
        ],
        "ballots": [{"id": str(r.id), "content": r.content}
                    for r in decrypted.iterator(chunk_size=5000)],
        "result": ballot.result,
    }


def turnout(ballot: Ballot) -> dict:
    voted = Participation.objects.filter(ballot=ballot).count()
    by_channel = dict(
        ballot.cast_ballots.values_list("channel").annotate(n=Count("id")).values_list("channel", "n")
    )
    return {"entitled": ballot.entitled_count or RollEntry.objects.filter(ballot=ballot).count(),
            "voted": voted, "by_channel": by_channel}


def visible_ballots():
    return Ballot.objects.exclude(state=BallotState.DRAFT).select_related("unit")


def has_voted(ballot: Ballot, user) -> bool:
    return user.is_authenticated and Participation.objects.filter(ballot=ballot, voter=user).exists()


def is_entitled(ballot: Ballot, user) -> bool:
    return user.is_authenticated and RollEntry.objects.filter(ballot=ballot, voter=user).exists()


# --- the home page's "open now" (read by core through settings.YISHI_HOME_SECTIONS) ----------

def home_open_ballots(user=None, limit: int = 5) -> list[dict]:
    """Open ballots; for a signed-in person, those they may still vote in."""
    from django.urls import reverse
    from django.utils import timezone

    from yishi.core.localtime import local_text

    ballots = (Ballot.objects.filter(state=BallotState.OPEN).select_related("unit")
               .order_by("closes_at", "id"))
    if user is not None and user.is_authenticated:
        ballots = ballots.filter(roll__voter=user).exclude(participations__voter=user)
    now = timezone.now()
    return [{"title": b.title, "url": reverse("voting:detail", args=[b.public_id]),
             "meta": b.unit.display_name + (f" · {local_text(b.closes_at)}"
                                            if b.closes_at and b.closes_at > now else "")}
            for b in ballots.distinct()[:limit]]


def home_figures() -> list[dict]:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    return [{"label": _("Ballots open now"), "url": reverse("voting:list"),
             "value": Ballot.objects.filter(state=BallotState.OPEN).count()}]
