"""Files in and out of the voting engine: pabulib `.pb` (export a ballot with its votes; import a
past election to re-run or test it) and voter lists from Excel or CSV."""

import csv
import io
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yishi.core import audit, workflow
from yishi.core.permissions import require

from . import count, pabulib
from .models import (
    Ballot,
    BudgetRule,
    CastBallot,
    Channel,
    DecryptedBallot,
    Method,
    Option,
    Secrecy,
)
from .queries import ballot_spec
from .services import BallotError
from .workflows import BALLOT

MAX_ROLL_ROWS = 200_000  # every verified resident of the largest street, with room to spare

UNSUPPORTED = {
    "ordinal": gettext_lazy("ranked (ordinal) votes"),
    "cumulative": gettext_lazy("cumulative votes"),
    "scoring": gettext_lazy("scoring votes"),
}


def export_pb(ballot: Ballot) -> str:
    if ballot.method not in (Method.CHOOSE, Method.BUDGET):
        raise BallotError(_("Only choose-N and budget ballots can be written as pabulib files."))
    options = list(ballot.options.order_by("position", "key"))
    # A sealed ballot's contents exist only as decrypted (shuffled, random ids); others' as cast.
    if ballot.is_sealed:
        rows = DecryptedBallot.objects.filter(ballot=ballot).order_by("id")
    else:
        rows = CastBallot.objects.filter(ballot=ballot).order_by("receipt")
    contents = rows.values_list("content", flat=True)
    meta = {
        "description": ballot.title,
        "country": "China",
        "unit": ballot.unit.name,
        "instance": str(ballot.public_id),
        "num_projects": str(len(options)),
        "num_votes": str(len(contents)),
        "budget": str(ballot.budget if ballot.budget is not None else 0),
        "vote_type": "approval",
        "rule": {"greedy": "greedy", "mes": "equalshares", "mes-greedy": "equalshares/greedy",
                 "mes-add1": "equalshares/add1",
                 "mes-add1-greedy": "equalshares/add1/greedy"}.get(ballot.budget_rule, "greedy")
        if ballot.method == Method.BUDGET else "greedy",
        "min_length": str(ballot.min_choices),
    }
    if ballot.max_choices:
        meta["max_length"] = str(ballot.max_choices)
    instance = pabulib.Instance(
        meta=meta,
        projects={o.key: pabulib.Project(o.key, Decimal(o.cost), o.title,
                                         {"project_id": o.key, "cost": str(o.cost), "name": o.title})
                  for o in options},
        votes=pabulib.votes_from_ballots(c["choices"] for c in contents),
    )
    return pabulib.dumps(instance)


def import_pb(actor, unit, text: str, *, name: str = "", rule: str = BudgetRule.MES_GREEDY) -> Ballot:
    """A past election as a published ballot with its votes, re-counted under `rule`."""
    require(actor, "voting.manage_ballot", unit)
    try:
        instance = pabulib.loads(text, source=name or None)
    except pabulib.PabulibError as exc:
        raise BallotError(_("The pabulib file could not be read: %(error)s") % {"error": exc}) from None
    if instance.vote_type in UNSUPPORTED:
        raise BallotError(_("This file holds %(kind)s, which the platform does not count yet; "
                            "approval and choose-1 files can be imported.")
                          % {"kind": UNSUPPORTED[instance.vote_type]})
    try:
        budget = Decimal(str(instance.meta["budget"]).replace(",", "."))
        ballots = instance.approval_ballots()
    except (KeyError, pabulib.PabulibError, ArithmeticError) as exc:
        raise BallotError(_("The pabulib file could not be read: %(error)s") % {"error": exc}) from None
    with transaction.atomic():
        ballot = Ballot.objects.create(
            unit=unit, title=(instance.meta.get("description") or name or "pabulib")[:200],
            method=Method.BUDGET, secrecy=Secrecy.SECRET, budget=budget, budget_rule=rule,
            ballot_within_budget=False, tie_break="key", tie_seed="",
            entitled_count=len(ballots), created_by=actor,
            description=_("Imported from the pabulib file %(name)s.") % {"name": name},
        )
        Option.objects.bulk_create([
            Option(ballot=ballot, key=pid, title=(p.name or pid)[:200],
                   cost=Decimal(p.cost.numerator) / Decimal(p.cost.denominator), position=i)
            for i, (pid, p) in enumerate(instance.projects.items())
        ])
        public = str(ballot.public_id)
        rows = []
        for choices in ballots:
            content = {"choices": sorted(choices)}
            rows.append(CastBallot(ballot=ballot, content=content, channel=Channel.IMPORT,
                                   receipt=count.receipt_hash(public, content,
                                                              secrets.token_urlsafe(12))))
        CastBallot.objects.bulk_create(rows, batch_size=5000)
        spec = ballot_spec(ballot)
        result = count.tally(spec, [r.content for r in rows])
        # The imported votes were cast elsewhere: the ballot goes through its graph at once.
        now = timezone.now()
        workflow.transition(ballot, "open_ballot", actor, workflow=BALLOT, opened_at=now)
        workflow.transition(ballot, "close_ballot", actor, workflow=BALLOT, closed_at=now)
        workflow.transition(ballot, "publish_results", actor, workflow=BALLOT, result=result,
                            published_at=now)
        audit.record(actor, "voting.import_pb", ballot,
                     after={"file": name, "votes": len(rows), "rule": rule}, unit=unit)
    return ballot


def read_mobile_list(uploaded) -> list[str]:
    """Mobile numbers from the first column of an Excel (.xlsx) or CSV file; a header row is
    skipped when its first cell is not a number."""
    name = (uploaded.name or "").lower()
    data = uploaded.read()
    values: list[str] = []
    if name.endswith(".xlsx"):
        from yishi.core.spreadsheets import read_rows

        try:
            rows = read_rows(data, max_rows=MAX_ROLL_ROWS)
        except ValidationError as exc:
            raise BallotError(exc.messages) from None
        values = [str(row[0]).strip() if row and row[0] is not None else "" for row in rows]
    elif name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise BallotError(_("The CSV file is not UTF-8 or GB18030 text.")) from None
        values = [row[0].strip() if row else "" for row in csv.reader(io.StringIO(text))]
    else:
        raise BallotError(_("Upload an Excel (.xlsx) or CSV file."))
    if values and not values[0].replace(" ", "").lstrip("+").isdigit():
        values = values[1:]
    values = [v for v in values if v]
    if not values:
        raise BallotError(_("The file lists no mobile numbers."))
    return values
