"""Service guarantee (服务保障), one function per change: a street asks the district for support
(funding, staff, premises, training); the district accepts and answers it within
ANSWER_WORKDAYS working days, or declines with a reason; the street closes it when resolved or
asks again. Tracked like an assignment in the other direction."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.notifications import notify
from yishi.core.permissions import require
from yishi.core.queries import district, holders
from yishi.core.workdays import deadline_after
from yishi.core.workflow import transition

from .meetings import _street
from .permissions import reader_paths
from .services import _clean_text, _error
from .support_models import (
    SupportAction,
    SupportEvent,
    SupportKind,
    SupportRequest,
    SupportState,
)

ANSWER_WORKDAYS = 10
MAX_AMOUNT = Decimal("100000000")


def _url(request) -> str:
    return f"/oversight/support/{request.pk}/"


def _event(request, action, actor, note=""):
    SupportEvent.objects.create(request=request, action=action, actor=actor, note=note)


def _district_staff():
    from yishi.core.models import Role

    return holders(Role.DISTRICT_STAFF, district())


def _street_staff(street):
    from yishi.core.models import Role

    return holders(Role.STREET_STAFF, street)


def requests_for(user):
    rows = SupportRequest.objects.select_related("street")
    paths = reader_paths(user) if getattr(user, "is_authenticated", False) else []
    if paths is None:
        return rows
    if not paths:
        return rows.none()
    q = Q()
    for path in paths:
        q |= Q(street__path__startswith=path)
    return rows.filter(q)


def _amount(kind, value):
    if value in (None, ""):
        if kind == SupportKind.FUNDING:
            raise _error(_("Say how much funding is asked for."), "amount", "required")
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _error(_("Enter an amount in yuan."), "amount") from None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        raise _error(_("Enter an amount above zero and below 100 million yuan."), "amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise _error(_("Enter the amount to the fen (two decimals at most)."), "amount")
    return amount


@transaction.atomic
def request_support(actor, street, *, kind: str, title: str, description: str, amount=None,
                    now=None) -> SupportRequest:
    """A street committee asks the district for support."""
    _street(street)
    require(actor, "oversight.handle", street)
    now = now or timezone.now()
    if kind not in SupportKind.values:
        raise _error(_("Choose funding, staff, premises or training."), "kind")
    request = SupportRequest.objects.create(
        street=street, kind=kind, title=_clean_text(title, "title", 200),
        description=_clean_text(description, "description", 5000),
        amount=_amount(kind, amount), submitted_at=now,
        answer_by=deadline_after(now, ANSWER_WORKDAYS), submitted_by=actor)
    _event(request, "submit", actor)
    audit.record(actor, "oversight.support.submit", request, unit=street,
                 after={"kind": kind, "title": request.title,
                        "amount": str(request.amount) if request.amount else None})
    notify(_district_staff(), _("%(street)s asks for support: %(title)s")
           % {"street": street.name, "title": request.title}, request.description[:500],
           _url(request))
    return request


@transaction.atomic
def accept(actor, request: SupportRequest) -> SupportRequest:
    transition(request, "accept", actor)
    _event(request, "accept", actor)
    notify(_street_staff(request.street), _("Support request accepted: %(title)s")
           % {"title": request.title}, "", _url(request))
    return request


@transaction.atomic
def decline(actor, request: SupportRequest, reason: str) -> SupportRequest:
    reason = _clean_text(reason, "reason", 2000)
    transition(request, "decline", actor, reason=reason, closed_at=timezone.now())
    _event(request, "decline", actor, reason)
    notify(_street_staff(request.street), _("Support request not supported: %(title)s")
           % {"title": request.title}, reason, _url(request))
    return request


@transaction.atomic
def answer(actor, request: SupportRequest, text: str, *, now=None) -> SupportRequest:
    text = _clean_text(text, "answer", 5000)
    transition(request, "answer", actor, answer=text, answered_at=now or timezone.now())
    _event(request, "answer", actor, text)
    notify(_street_staff(request.street), _("The district answered: %(title)s")
           % {"title": request.title}, text[:500], _url(request))
    return request


@transaction.atomic
def reopen(actor, request: SupportRequest, reason: str) -> SupportRequest:
    reason = _clean_text(reason, "reason", 2000)
    transition(request, "reopen", actor, reason=reason)
    _event(request, "reopen", actor, reason)
    notify(_district_staff(), _("%(street)s is not satisfied: %(title)s")
           % {"street": request.street.name, "title": request.title}, reason, _url(request))
    return request


def remind_overdue(now=None) -> int:
    """Tell the district, once per request, that a request it has not answered is past its
    answer date. The periodic worker runs this; a conditional update claims each request, so of
    several workers exactly one tells."""
    now = now or timezone.now()
    reminded = 0
    late = SupportRequest.objects.filter(
        state__in=(SupportState.SUBMITTED, SupportState.ACCEPTED), answer_by__lt=now,
        overdue_notified_at__isnull=True).select_related("street")
    for request in late:
        with transaction.atomic():
            if not SupportRequest.objects.filter(
                    pk=request.pk, overdue_notified_at__isnull=True,
                    state__in=(SupportState.SUBMITTED, SupportState.ACCEPTED)).update(
                    overdue_notified_at=now):
                continue  # another worker told them, or it was answered meanwhile
            SupportEvent.objects.create(request=request, action=SupportAction.OVERDUE, at=now)
            audit.record(None, "oversight.support.overdue", request, unit=request.street,
                         after={"answer_by": request.answer_by.isoformat()},
                         repr_=f"{request.title} · {request.street.name}")
            # Called in each reader's language (the worker has none of its own).
            notify(_district_staff(),
                   lambda r=request: _("Support request past its answer date: %(street)s, "
                                       "%(title)s") % {"street": r.street.name, "title": r.title},
                   lambda r=request: _("To be answered by %(date)s.") % {
                       "date": timezone.localtime(r.answer_by).strftime("%Y-%m-%d")},
                   _url(request))
            reminded += 1
    return reminded


@transaction.atomic
def close(actor, request: SupportRequest, *, now=None) -> SupportRequest:
    transition(request, "close", actor, closed_at=now or timezone.now())
    _event(request, "close", actor)
    return request
