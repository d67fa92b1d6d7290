"""Hand-off to outside case systems (对接四个平台 / 12345 / 民呼我为), the sending side.

A street connects a department to the outside system where it works (`connect_case_system`).
When an opinion is assigned (or transferred) to that department, a CaseDelivery row is written
in the assignment's transaction and, once it commits, a task POSTs the opinion there as signed
JSON (`deliver`). Until a 2xx answer the periodic worker retries with exponential backoff; after
MAX_ATTEMPTS the delivery is "failed", the street's staff are told and may send it again. A
delivery is claimed with a conditional update before sending, so two workers never send the
same one at once. Reports coming back are handled in handoff_reports.py.

Signature: `X-Yishi-Signature: sha256=<hex HMAC-SHA256 of the raw body with the connection's
secret>`; the body carries the timestamp and the idempotency key (also sent as headers), so
both are signed. The secret is sealed with a key derived from SECRET_KEY (as core.sms does)."""

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yishi.core import audit, periodic, secret_box
from yishi.core.models import Role, RoleAssignment
from yishi.core.notifications import notify
from yishi.core.permissions import has_perm, require
from yishi.core.workflow import SYSTEM, Transition, Workflow, transition

from .handoff_models import (
    CaseDelivery,
    CaseSystemConnection,
    CaseSystemKind,
    DeliveryState,
)
from .models import Assignment

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)   # then 2, 4, 8 … minutes
LONGEST_WAIT = timedelta(hours=6)
SEND_TIMEOUT = 10                    # seconds
STALE_CLAIM = timedelta(minutes=10)  # a worker that claimed and died: sent again after this
SIGNATURE_HEADER = "X-Yishi-Signature"
TIMESTAMP_HEADER = "X-Yishi-Timestamp"
KEY_HEADER = "X-Yishi-Idempotency-Key"
CONNECTION_HEADER = "X-Yishi-Connection"


class HandoffError(ValidationError):
    pass


D = DeliveryState


def _manages_delivery(actor, delivery) -> bool:
    return has_perm(actor, "opinions.connect_case_system", delivery.connection.street)


# The delivery's states, declared once: the worker claims, confirms, retries or gives up
# (SYSTEM); staff may send a failed one again.
DELIVERY = Workflow(
    CaseDelivery, "opinions.case_delivery", audit_prefix="opinions.case_delivery",
    unit=lambda d: d.connection.street, repr=lambda d: d.opinion.number,
    error=lambda message, code: HandoffError(message, code=code),
    state_message=gettext_lazy("This cannot be done while the delivery is “%(state)s”."),
    conflict_message=gettext_lazy("Another worker is sending it already."),
    transitions=[
        Transition("claim", {D.PENDING}, D.SENDING, gettext_lazy("Send"), rule=SYSTEM),
        Transition("confirm", {D.SENDING}, D.DELIVERED, gettext_lazy("Delivered"),
                   rule=SYSTEM),
        Transition("retry", {D.SENDING}, D.PENDING, gettext_lazy("Try again later"),
                   rule=SYSTEM),
        Transition("give_up", {D.SENDING}, D.FAILED, gettext_lazy("Give up"), rule=SYSTEM),
        Transition("resend", {D.FAILED}, D.PENDING, gettext_lazy("Send again"),
                   rule=_manages_delivery),
    ],
)


# --- the secret ----------------------------------------------------------------------------

SECRET_PURPOSE = "yishi.opinions case system secret"


def seal_secret(secret: str) -> str:
    return secret_box.seal(secret, SECRET_PURPOSE)


def secret_of(connection: CaseSystemConnection) -> str:
    return secret_box.unseal(connection.sealed_secret, SECRET_PURPOSE)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, given: str) -> bool:
    return hmac.compare_digest(sign(secret, body), given or "")


# --- connections (street staff) --------------------------------------------------------------

def handler_choices(*streets):
    """The department handlers of the streets, one of whom a connection acts as."""
    return (RoleAssignment.objects.active()
            .filter(role=Role.DEPARTMENT_HANDLER, department__street__in=streets)
            .select_related("user", "department").order_by("department__name", "user__name"))


def clean_endpoint(url: str) -> str:
    """Only http(s) addresses: a `javascript:` or `file:` address is refused by name."""
    url = (url or "").strip()
    if not url:
        raise HandoffError({"endpoint_url": _("This field is required.")})
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise HandoffError({"endpoint_url": _(
            "Enter an address starting with http:// or https://.")}) from None
    if len(url) > 500:
        raise HandoffError({"endpoint_url": _("Too long: at most %(n)d characters.")
                            % {"n": 500}})
    return url


@transaction.atomic
def connect_case_system(actor, street, *, handler: RoleAssignment, name: str, kind: str,
                        endpoint_url: str, may_receive_mobile: bool = False
                        ) -> tuple[CaseSystemConnection, str]:
    """Connect a department (through one of its handlers' accounts) to an outside system.
    Returns the connection and its secret, which is shown this once."""
    require(actor, "opinions.connect_case_system", street)
    name = (name or "").strip()
    if not name:
        raise HandoffError({"name": _("This field is required.")})
    if len(name) > 100:
        raise HandoffError({"name": _("Too long: at most %(n)d characters.") % {"n": 100}})
    if kind not in CaseSystemKind.values:
        raise HandoffError({"kind": _("Choose the kind of system.")})
    endpoint_url = clean_endpoint(endpoint_url)
    if handler is None or not handler_choices(street).filter(pk=handler.pk).exists():
        raise HandoffError({"handler": _("Choose a department handler of this street.")})
    department = handler.department
    if CaseSystemConnection.objects.filter(department=department, active=True).exists():
        raise HandoffError({"handler": _("This department is already connected; switch the "
                                         "other connection off first.")})
    secret = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():  # two staff connecting the same department at once
            connection = CaseSystemConnection.objects.create(
                street=street, department=department, account=handler.user, name=name,
                kind=kind, endpoint_url=endpoint_url, sealed_secret=seal_secret(secret),
                may_receive_mobile=bool(may_receive_mobile), created_by=actor)
    except IntegrityError:
        raise HandoffError({"handler": _("This department is already connected; switch the "
                                         "other connection off first.")}) from None
    audit.record(actor, "opinions.connect_case_system", connection, unit=street,
                 after={"department": department.pk, "kind": kind, "url": endpoint_url,
                        "may_receive_mobile": connection.may_receive_mobile},
                 repr_=connection.name)
    return connection, secret


@transaction.atomic
def rotate_secret(actor, connection: CaseSystemConnection) -> str:
    """A new secret (the old one stops working at once); shown this once."""
    require(actor, "opinions.connect_case_system", connection.street)
    secret = secrets.token_urlsafe(32)
    CaseSystemConnection.objects.filter(pk=connection.pk).update(
        sealed_secret=seal_secret(secret))
    audit.record(actor, "opinions.rotate_case_system_secret", connection,
                 unit=connection.street, repr_=connection.name)
    return secret


@transaction.atomic
def set_connection_active(actor, connection: CaseSystemConnection, active: bool) -> None:
    """Switch a connection off (nothing more is sent, reports are refused) or on again."""
    require(actor, "opinions.connect_case_system", connection.street)
    if active and CaseSystemConnection.objects.filter(
            department=connection.department, active=True).exclude(pk=connection.pk).exists():
        raise HandoffError(_("This department is already connected; switch the other "
                             "connection off first."))
    CaseSystemConnection.objects.filter(pk=connection.pk).update(active=active)
    audit.record(actor, "opinions.switch_case_system", connection, unit=connection.street,
                 after={"active": active}, repr_=connection.name)


# --- deliveries --------------------------------------------------------------------------------

@receiver(post_save, sender=Assignment, dispatch_uid="opinions.handoff.assignment")
def _assignment_created(sender, instance: Assignment, created: bool, raw=False, **kwargs):
    """An opinion assigned or transferred (转办) to a connected department: the delivery row is
    written in the same transaction, and the sending task queued with it."""
    if not created or raw:
        return
    connection = CaseSystemConnection.objects.filter(department_id=instance.department_id,
                                                     active=True).first()
    if connection is None:
        return
    delivery = CaseDelivery.objects.create(connection=connection, opinion_id=instance.opinion_id,
                                           assignment=instance, next_attempt_at=timezone.now())
    _enqueue(delivery.pk)


def _enqueue(delivery_id: int) -> None:
    """Queue the delivery's sending with the transaction that wrote it."""
    from yishi.core.tasks import enqueue_with_transaction

    from .tasks import deliver_to_case_system

    enqueue_with_transaction(deliver_to_case_system, delivery_id)


def callback_url(connection: CaseSystemConnection) -> str:
    return settings.YISHI_SITE_URL.rstrip("/") + reverse("api:case_report",
                                                         args=[connection.key])


def payload(delivery: CaseDelivery, timestamp: int) -> dict:
    """What the outside system receives. The resident's number only when the connection may
    receive it; otherwise the name masked as on public pages (王**)."""
    opinion, connection = delivery.opinion, delivery.connection
    if connection.may_receive_mobile:
        resident = {"name": opinion.contact_name, "mobile": opinion.contact_mobile}
    else:
        resident = {"name": opinion.public_name, "mobile": None}

    def when(moment):
        return timezone.localtime(moment).isoformat() if moment else None

    return {
        "event": "opinion.assigned",
        "idempotency_key": str(delivery.key),
        "timestamp": timestamp,
        "connection": str(connection.key),
        "callback_url": callback_url(connection),
        "opinion": {
            "number": opinion.number, "title": opinion.title, "text": opinion.text,
            "category": opinion.category.code, "category_name": opinion.category.name,
            "street": opinion.street.code, "street_name": opinion.street.name,
            "community": opinion.community.name if opinion.community_id else None,
            "address": opinion.address,
            "latitude": str(opinion.latitude) if opinion.latitude is not None else None,
            "longitude": str(opinion.longitude) if opinion.longitude is not None else None,
            "channel": opinion.channel, "submitted_at": when(opinion.created_at),
            "reply_deadline": when(delivery.assignment.deadline),
            "department": delivery.assignment.department.name,
            "lead": delivery.assignment.is_lead,
            "instructions": delivery.assignment.note,
            "resident": resident,
        },
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Outgoing requests go to the configured address only: a redirect is an error."""

    def redirect_request(self, *args, **kwargs):
        return None


# Direct connections, no proxy from the environment and no redirects.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def _post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    with _opener.open(request, timeout=SEND_TIMEOUT) as response:  # noqa: S310 - http(s) only
        return response.status


def backoff(attempts: int) -> timedelta:
    """The wait after the attempts made so far: 1, 2, 4 … minutes, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def deliver(delivery_id: int) -> str | None:
    """Send one delivery (the task). Claimed first with a conditional update: of several
    workers, one sends and the others return. The HTTP request runs outside any transaction."""
    delivery = (CaseDelivery.objects.select_related("connection", "opinion__category",
                                                    "opinion__street", "opinion__community",
                                                    "assignment__department")
                .filter(pk=delivery_id).first())
    if delivery is None or delivery.state != D.PENDING:
        return None
    now = timezone.now()
    if not delivery.connection.active:
        return None  # switched off: it waits; switched on again, the worker sends it
    try:
        transition(delivery, "claim", None, workflow=DELIVERY, attempts=F("attempts") + 1,
                   claimed_at=now)
    except HandoffError:
        return None  # another worker has it
    connection = delivery.connection
    timestamp = int(time.time())
    body = json.dumps(payload(delivery, timestamp), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8",
               SIGNATURE_HEADER: sign(secret_of(connection), body),
               TIMESTAMP_HEADER: str(timestamp), KEY_HEADER: str(delivery.key),
               CONNECTION_HEADER: str(connection.key), "User-Agent": "Yishi case hand-off"}
    error = ""
    try:
        status = _post(connection.endpoint_url, body, headers)
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except urllib.error.HTTPError as exc:
        error = f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        error = str(exc)[:300] or exc.__class__.__name__
    return _settle(delivery, error)


@transaction.atomic
def _settle(delivery: CaseDelivery, error: str) -> str:
    now = timezone.now()
    if not error:
        transition(delivery, "confirm", None, workflow=DELIVERY, delivered_at=now,
                   last_error="", next_attempt_at=None)
        return D.DELIVERED
    logger.warning("case delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts,
                   error)
    if delivery.attempts >= MAX_ATTEMPTS:
        transition(delivery, "give_up", None, workflow=DELIVERY, last_error=error,
                   next_attempt_at=None, after={"error": error})
        from .services import _street_staff

        opinion = delivery.opinion
        notify(_street_staff(opinion.street),
               _("Sending %(number)s to %(system)s failed") % {
                   "number": opinion.number, "system": delivery.connection.name},
               error, f"/opinions/manage/{opinion.number}/")
        return D.FAILED
    transition(delivery, "retry", None, workflow=DELIVERY, last_error=error,
               next_attempt_at=now + backoff(delivery.attempts), after={"error": error})
    return D.PENDING


@transaction.atomic
def resend_delivery(actor, delivery: CaseDelivery) -> CaseDelivery:
    """Staff send a failed delivery again, with a fresh count of attempts."""
    transition(delivery, "resend", actor, workflow=DELIVERY, attempts=0, last_error="",
               next_attempt_at=timezone.now())
    _enqueue(delivery.pk)
    return delivery


@periodic.register("opinions.case_deliveries")
def run_deliveries(now=None) -> tuple[int, int]:
    """Queue the deliveries whose retry is due, and put back those whose worker claimed them
    and never finished (died mid-send). Safe in several workers: sending claims first."""
    now = now or timezone.now()
    released = 0
    for delivery in CaseDelivery.objects.filter(state=D.SENDING,
                                                claimed_at__lt=now - STALE_CLAIM):
        try:
            transition(delivery, "retry", None, workflow=DELIVERY,
                       next_attempt_at=now, after={"error": "claim expired"})
            released += 1
        except HandoffError:
            continue
    due = list(CaseDelivery.objects.filter(state=D.PENDING, next_attempt_at__lte=now,
                                           connection__active=True)
               .values_list("pk", flat=True)[:1000])
    from .tasks import deliver_to_case_system

    for pk in due:  # rows this sweep did not write: queued at once
        deliver_to_case_system.enqueue(pk)
    return len(due), released
