"""The disposal of state assets (资产处置), one function per step of the declared workflow
(asset_workflows.DISPOSAL): the street asks (the register shows the asset 待处置 from that day),
the district approves with its document or refuses (the asset's status before comes back), the
street records the disposal (the register shows it 已处置 from the day it happened). Every step
is audited; the register keeps each change as a version."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.attachments import store_attachments
from yishi.core.permissions import has_perm, require
from yishi.core.workflow import transition

from .asset_models import (
    Asset,
    AssetStatus,
    Disposal,
    DisposalMethod,
    DisposalState,
    ReasonKind,
)
from .assets import Why, _apply_change, _day, _register_open, lock_held, money
from .services import FinanceError

REASON_MAX = 2000


def _reason(text, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise FinanceError({field: message})
    if len(text) > REASON_MAX:
        raise FinanceError({field: _("At most %(n)d characters.") % {"n": REASON_MAX}})
    return text


def request_disposal(actor, asset: Asset, *, method: str, reason: str) -> Disposal:
    """The street asks to dispose of an asset; from today the register shows it 待处置."""
    require(actor, "finance.manage_assets", asset.street)
    if method not in DisposalMethod.values:
        raise FinanceError({"method": _("Choose how the asset is to be disposed of.")})
    reason = _reason(reason, "reason", _("Say why the asset is to be disposed of."))
    with transaction.atomic():
        _register_open(asset.street)
        asset = lock_held(asset, _("%(asset)s is already “%(status)s”."))
        try:
            with transaction.atomic():
                disposal = Disposal.objects.create(asset=asset, method=method, reason=reason,
                                                   status_before=asset.status,
                                                   requested_by=actor)
        except IntegrityError:
            raise FinanceError(_("A disposal of this asset is already open."),
                               code="state") from None
        _apply_change(actor, asset, {"status": AssetStatus.AWAITING_DISPOSAL},
                      why=Why(ReasonKind.DISPOSAL_REQUESTED, reason, method=method),
                      effective_on=None)
        audit.record(actor, "finance.request_disposal", disposal, unit=asset.street,
                     after={"method": method, "reason": reason[:200]})
    return disposal


def approve_disposal(actor, disposal: Disposal, *, decision: str, documents=()) -> Disposal:
    """The district approves, naming its document (批复文号) and attaching it."""
    if not has_perm(actor, "finance.approve_disposal", disposal.asset.street):
        raise PermissionDenied(_("You are not allowed to do this here."))
    decision = (decision or "").strip()
    if not decision:
        raise FinanceError({"decision": _("Give the approval document's number or title.")})
    if len(decision) > 200:
        raise FinanceError({"decision": _("At most %(n)d characters.") % {"n": 200}})
    with transaction.atomic():
        stored = store_attachments(actor, documents,
                                   description=_("Disposal approval document"))
        if not stored and not disposal.documents.exists():
            raise FinanceError({"documents": _("Attach the approval document.")},
                               code="documents")
        transition(disposal, "approve", actor, decision=decision, decided_by=actor,
                   decided_at=timezone.now())
        disposal.documents.add(*stored)
    disposal.refresh_from_db()
    return disposal


def refuse_disposal(actor, disposal: Disposal, *, note: str) -> Disposal:
    """The district refuses, saying why; the asset's status before the request comes back."""
    note = _reason(note, "note", _("Say why the disposal is refused."))
    with transaction.atomic():
        transition(disposal, "refuse", actor, decision_note=note, decided_by=actor,
                   decided_at=timezone.now())
        _apply_change(actor, disposal.asset, {"status": disposal.status_before},
                      why=Why(ReasonKind.DISPOSAL_REFUSED, note),
                      effective_on=None)
    disposal.refresh_from_db()
    return disposal


def record_disposal(actor, disposal: Disposal, *, disposed_on, proceeds=None) -> Disposal:
    """The street records the approved disposal: the day it happened (not before the approval,
    not in the future) and what it brought in (a sale's price; nothing for a scrapping)."""
    disposed_on = _day(disposed_on, _("Disposed on"), "disposed_on")
    if disposal.decided_at and disposed_on < timezone.localdate(disposal.decided_at):
        raise FinanceError({"disposed_on": _("The disposal cannot come before its approval "
                                             "(%(day)s).") % {
            "day": timezone.localdate(disposal.decided_at).isoformat()}})
    amount = None
    if proceeds not in (None, ""):
        amount = money(proceeds, _("Proceeds"), "proceeds")
    if disposal.method == DisposalMethod.SALE and amount is None:
        raise FinanceError({"proceeds": _("A sale has a price: give the proceeds.")})
    with transaction.atomic():
        transition(disposal, "dispose", actor, disposed_on=disposed_on, proceeds=amount,
                   disposed_by=actor)
        _apply_change(actor, disposal.asset, {"status": AssetStatus.DISPOSED},
                      why=Why(ReasonKind.DISPOSED, method=disposal.method,
                              decision=disposal.decision),
                      effective_on=disposed_on)
    disposal.refresh_from_db()
    return disposal


def open_disposal(asset: Asset) -> Disposal | None:
    return asset.disposals.filter(state__in=[DisposalState.AWAITING,
                                             DisposalState.APPROVED]).first()
