"""The tender with resident participation (居民参与招标), e.g. the elevator at 莫干山路79号: the
tender document is drafted in versions that residents comment on; a published version is fixed
and changes make the next one; then the bidding notice with published criteria and weights,
registered bids, a mixed panel's scores, the published award with every score, and a period
for objections. Every change: permission, one transaction, audit."""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import workflow
from yishi.core.permissions import require
from yishi.moderation.services import submit as hold_for_moderation

from .models import (
    Award,
    Bid,
    Criterion,
    Event,
    Objection,
    Panelist,
    PanelKind,
    Project,
    Score,
    Tender,
    TenderState,
    TenderVersion,
)
from .steps import _audit, _error, _money, _text
from .workflows import TENDER, project_features


def _manage(actor, tender_or_project) -> Project:
    project = getattr(tender_or_project, "project", tender_or_project)
    require(actor, "projects.manage", project.cycle.unit)
    return project


def _state(tender: Tender, *states) -> Tender:
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.state not in states:
        raise _error(_("This cannot be done while the tender is “%(state)s”.")
                     % {"state": TenderState(tender.state).label})
    return tender


@transaction.atomic
def start_tender(actor, project: Project, text: str, note: str = "") -> Tender:
    """Open a tender for a selected project, with the first draft of the document."""
    _manage(actor, project)
    project.refresh_from_db()
    if "tender" not in project_features(project):
        raise _error(_("A tender is run for a selected project."))
    text = _text(text, "text", _("Tender document"))
    try:
        with transaction.atomic():
            tender = Tender.objects.create(project=project)
    except IntegrityError:
        raise _error(_("This project already has a tender.")) from None
    TenderVersion.objects.create(tender=tender, number=1, text=text, author=actor,
                                 change_note=note.strip()[:300] or _("First draft"))
    _audit(actor, "start_tender", tender, project.community)
    return tender


@transaction.atomic
def edit_draft(actor, version: TenderVersion, text: str, note: str) -> TenderVersion:
    """Change a draft in place. A published version is never edited: make the next version."""
    _manage(actor, version.tender)
    text = _text(text, "text", _("Tender document"))
    if not TenderVersion.objects.filter(pk=version.pk, published_at__isnull=True).update(
            text=text, change_note=note.strip()[:300], author=actor):
        raise _error(_("Version %(n)d is published and cannot be changed; make a new version.")
                     % {"n": version.number}, "text")
    version.refresh_from_db()
    _audit(actor, "edit_tender_draft", version, version.tender.project.community,
           after={"version": version.number, "note": version.change_note})
    return version


@transaction.atomic
def new_version(actor, tender: Tender, text: str, note: str) -> TenderVersion:
    """The next version, after residents' comments on the published one."""
    _manage(actor, tender)
    tender = _state(tender, TenderState.DRAFTING)
    text = _text(text, "text", _("Tender document"))
    note = _text(note, "change_note", _("What changed"))[:300]
    if tender.versions.filter(published_at__isnull=True).exists():
        raise _error(_("There is already an unpublished draft; edit it instead."), "text")
    number = (tender.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = TenderVersion.objects.create(tender=tender, number=number, text=text,
                                           change_note=note, author=actor)
    _audit(actor, "new_tender_version", version, tender.project.community,
           after={"version": number, "note": note})
    return version


@transaction.atomic
def publish_version(actor, version: TenderVersion) -> TenderVersion:
    """Publish a draft for residents' comments; from now on it is fixed."""
    _manage(actor, version.tender)
    if not TenderVersion.objects.filter(pk=version.pk, published_at__isnull=True).update(
            published_at=timezone.now()):
        raise _error(_("This version is already published."))
    version.refresh_from_db()
    _audit(actor, "publish_tender_version", version, version.tender.project.community,
           after={"version": version.number})
    return version


def _clean_criteria(criteria: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    if not criteria:
        raise _error(_("Publish at least one evaluation criterion."), "criteria")
    clean = []
    for name, weight, top in criteria:
        name = (name or "").strip()
        if not name or int(weight) <= 0 or int(top) <= 0:
            raise _error(_("Every criterion needs a name, a weight and a highest score above "
                           "zero."), "criteria")
        clean.append((name[:100], int(weight), int(top)))
    if sum(w for _n, w, _t in clean) != 100:
        raise _error(_("The weights must add up to 100."), "criteria")
    return clean


@transaction.atomic
def publish_bidding_notice(actor, tender: Tender, notice: str, bid_deadline: datetime,
                           criteria: list[tuple[str, int, int]],
                           objection_days: int = 5) -> Tender:
    """The bidding notice (招标公告) with the evaluation criteria and weights, fixed from now."""
    _manage(actor, tender)
    tender = _state(tender, TenderState.DRAFTING)
    notice = _text(notice, "notice", _("Bidding notice"))
    if not tender.versions.filter(published_at__isnull=False).exists():
        raise _error(_("Publish the tender document before the bidding notice."))
    if tender.versions.filter(published_at__isnull=True).exists():
        raise _error(_("Publish or finish the open draft first."))
    if bid_deadline <= timezone.now():
        raise _error(_("The deadline for bids is in the past."), "bid_deadline")
    if not 1 <= int(objection_days) <= 30:
        raise _error(_("The objection period is from 1 to 30 days."), "objection_days")
    clean = _clean_criteria(criteria)
    for position, (name, weight, top) in enumerate(clean):
        Criterion.objects.create(tender=tender, name=name, weight=weight, max_score=top,
                                 position=position)
    workflow.transition(tender, "publish_bidding_notice", actor, workflow=TENDER,
                        after={"criteria": clean, "bid_deadline": bid_deadline},
                        notice=notice, notice_published_at=timezone.now(),
                        bid_deadline=bid_deadline, objection_days=objection_days)
    Event.objects.create(project=tender.project, action="bidding_notice")
    return tender


@transaction.atomic
def register_bid(actor, tender: Tender, bidder: str, price, proposal: str) -> Bid:
    _manage(actor, tender)
    tender = _state(tender, TenderState.BIDDING)
    if tender.bid_deadline and tender.bid_deadline <= timezone.now():
        raise _error(_("The deadline for bids has passed."))
    price = _money(price, "price", maximum=tender.project.cycle.budget)
    bidder = _text(bidder, "bidder", _("Bidder"))[:120]
    try:
        with transaction.atomic():
            bid = Bid.objects.create(tender=tender, bidder=bidder, price=price,
                                     proposal=_text(proposal, "proposal",
                                                    _("Technical proposal")))
    except IntegrityError:
        raise _error(_("This bidder has already registered a bid."), "bidder") from None
    _audit(actor, "register_bid", bid, tender.project.community,
           after={"bidder": bidder, "price": str(price)})
    return bid


@transaction.atomic
def add_panelist(actor, tender: Tender, user, kind: str) -> Panelist:
    _manage(actor, tender)
    if kind not in PanelKind.values:
        raise _error(_("Unknown panel seat."), "kind")
    _state(tender, TenderState.DRAFTING, TenderState.BIDDING)
    panelist, created = Panelist.objects.get_or_create(tender=tender, user=user,
                                                       defaults={"kind": kind})
    if not created:
        raise _error(_("This person is already on the panel."), "user")
    _audit(actor, "add_panelist", panelist, tender.project.community,
           after={"user": user.pk, "kind": kind})
    return panelist


@transaction.atomic
def close_bidding(actor, tender: Tender) -> Tender:
    _manage(actor, tender)
    tender = _state(tender, TenderState.BIDDING)
    workflow.transition(tender, "close_bidding", actor, workflow=TENDER)
    return tender


@transaction.atomic
def score(actor, bid: Bid, criterion: Criterion, value) -> Score:
    """A panel member scores a bid on a criterion, within the published range; a score may be
    changed until the award is published."""
    tender = bid.tender
    panelist = Panelist.objects.filter(tender=tender, user=actor).first()
    if panelist is None:
        raise PermissionDenied(_("Only members of the evaluation panel score bids."))
    _state(tender, TenderState.EVALUATING)
    if criterion.tender_id != tender.pk:
        raise _error(_("This criterion belongs to another tender."), "criterion")
    try:
        value = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _error(_("Enter a number."), "value") from None
    if not value.is_finite() or not 0 <= value <= criterion.max_score:
        raise _error(_("A score on “%(name)s” is from 0 to %(max)d.")
                     % {"name": criterion.name, "max": criterion.max_score}, "value")
    row, _created = Score.objects.update_or_create(panelist=panelist, bid=bid,
                                                   criterion=criterion,
                                                   defaults={"value": value})
    _audit(actor, "score", row, tender.project.community,
           after={"bid": bid.pk, "criterion": criterion.pk, "value": str(value)})
    return row


def score_table(tender: Tender) -> dict:
    """Each bid's weighted total: per criterion, the panel's mean score as a share of the
    highest score, times the weight; totals out of 100."""
    criteria = list(tender.criteria.all())
    panel = list(tender.panel.select_related("user"))
    scores = {(s.panelist_id, s.bid_id, s.criterion_id): s.value
              for s in Score.objects.filter(bid__tender=tender)}
    rows = []
    for bid in tender.bids.all():
        total = Decimal(0)
        per_criterion = []
        for c in criteria:
            values = [scores[(p.pk, bid.pk, c.pk)] for p in panel
                      if (p.pk, bid.pk, c.pk) in scores]
            mean = sum(values, Decimal(0)) / len(values) if values else Decimal(0)
            weighted = mean / c.max_score * c.weight
            total += weighted
            per_criterion.append({"criterion": c.name, "weight": c.weight,
                                  "scores": [str(v) for v in values],
                                  "mean": str(mean.quantize(Decimal("0.01"))),
                                  "weighted": str(weighted.quantize(Decimal("0.01")))})
        rows.append({"bid": bid.pk, "bidder": bid.bidder, "price": str(bid.price),
                     "criteria": per_criterion, "total": str(total.quantize(Decimal("0.01")))})
    rows.sort(key=lambda r: (-Decimal(r["total"]), Decimal(r["price"]), r["bid"]))
    return {"bids": rows, "panel": [{"kind": p.get_kind_display(), "name": p.user.name}
                                    for p in panel]}


def _complete(tender: Tender) -> bool:
    needed = tender.panel.count() * tender.bids.count() * tender.criteria.count()
    return Score.objects.filter(bid__tender=tender).count() == needed


@transaction.atomic
def award(actor, tender: Tender, note: str = "") -> Award:
    """Publish the award and every score; objections are taken for the set period. A later
    call (a correction) publishes the next version with its note."""
    _manage(actor, tender)
    tender = _state(tender, TenderState.EVALUATING, TenderState.AWARDED)
    last = tender.awards.order_by("-number").first()
    if last is not None and not note.strip():
        raise _error(_("A correction needs a note saying what changed and why."), "note")
    if not _complete(tender):
        raise _error(_("Every panel member must score every bid on every criterion."))
    table = score_table(tender)
    winner = Bid.objects.get(pk=table["bids"][0]["bid"])
    version = Award.objects.create(tender=tender, number=(last.number + 1) if last else 1,
                                   winner=winner, table=table, note=note.strip(),
                                   published_by=actor)
    workflow.transition(tender, "correct_award" if last is not None else "award", actor,
                        workflow=TENDER, after={"version": version.number},
                        objections_until=timezone.now() + timedelta(days=tender.objection_days))
    Event.objects.create(project=tender.project, action="award",
                         note=f"{winner.bidder} · {table['bids'][0]['total']}")
    _audit(actor, "award", version, tender.project.community,
           after={"version": version.number, "winner": winner.bidder, "note": version.note})
    return version


@transaction.atomic
def object_to_award(actor, tender: Tender, text: str) -> Objection:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to file an objection."))
    text = _text(text, "text", _("Objection"))
    tender.refresh_from_db()
    if tender.state != TenderState.AWARDED or timezone.now() >= tender.objections_until:
        raise _error(_("Objections to the award are taken only during the objection period."),
                     "text")
    objection = Objection.objects.create(cycle=tender.project.cycle, project=tender.project,
                                         tender=tender, author=actor, text=text)
    hold_for_moderation(objection, ["text"], street=tender.project.street, author=actor,
                        url=reverse("projects:tender", args=[tender.pk]))
    _audit(actor, "object_to_award", objection, tender.project.community)
    return objection
