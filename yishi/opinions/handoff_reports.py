"""Hand-off to outside case systems, the reporting side: the outside system reports accepted,
handling, replied (with the text) or closed, and each report drives the same services a
department handler would use on the platform (`start_handling`, `reply_to_opinion`), in the
name of the connection's department account — no second state machine.

Checked in this order, and refused (logged in RefusedCallback) at the first failure:
the connection exists and is on (401), the signature over the raw body (401), the body (422),
the timestamp within WINDOW and equal to the header, the idempotency key equal to the header
(401), the opinion was sent through this connection (404). Then the report is stored under its
idempotency key (a unique constraint): a duplicate, a replay or one of 20 identical concurrent
callbacks finds the key taken and changes nothing. A report the loop does not allow from where
the opinion is answers 409/422 with the workflow's reason; one that arrives after the opinion
has gone past it (out of order) is kept and changes nothing."""

import logging
import time
from typing import Literal

from cryptography.fernet import InvalidToken
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja import errors as ninja_errors
from pydantic import Field
from pydantic import ValidationError as PydanticError

from yishi.core import audit

from . import services
from .handoff import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, secret_of, signature_matches
from .handoff_models import CaseDelivery, CaseReport, CaseSystemConnection, RefusedCallback
from .models import Opinion, OpinionState
from .workflows import OPINION

logger = logging.getLogger(__name__)

WINDOW = 300  # seconds a callback's timestamp may differ from our clock
S = OpinionState


class CaseReportIn(Schema):
    """A report from the outside case system (回报), signed like the deliveries."""

    idempotency_key: str = Field(min_length=1, max_length=64,
                                 description="Unique per report; a repeat changes nothing.")
    timestamp: int = Field(description="Unix time in seconds; also the X-Yishi-Timestamp "
                                       "header.")
    opinion: str = Field(max_length=20, description="The opinion's number, as delivered.")
    status: Literal["accepted", "handling", "replied", "closed"]
    text: str = Field("", max_length=5000, description="The reply (required for replied).")
    case_id: str = Field("", max_length=64,
                         description="The case number in the outside system.")


class CaseReportOut(Schema):
    result: Literal["applied", "unchanged", "duplicate"]
    opinion: str
    state: str
    state_label: str


class Refused(Exception):
    """A callback that is not authentic: answered 401 and logged."""

    def __init__(self, reason: str, connection=None):
        super().__init__(reason)
        self.reason, self.connection = reason, connection


def _log_refusal(connection, reason: str, remote_addr: str) -> None:
    logger.warning("case callback refused (%s): %s", connection, reason)
    RefusedCallback.objects.create(connection=connection, reason=reason[:300],
                                   remote_addr=(remote_addr or "")[:64])


def receive_report(connection_key, body: bytes, headers, remote_addr: str = "") -> dict:
    """Check and apply one callback; returns CaseReportOut's fields, or raises Refused (401),
    Http404, ValidationError (422/409) or PermissionDenied (403) — the refusals logged."""
    connection = CaseSystemConnection.objects.filter(key=connection_key, active=True).first()
    try:
        data = _authentic(connection, body, headers)
    except Refused as refused:
        _log_refusal(refused.connection, refused.reason, remote_addr)
        raise
    delivery = (CaseDelivery.objects.filter(connection=connection, opinion__number=data.opinion)
                .select_related("opinion").order_by("-created_at", "-id").first())
    if delivery is None:
        _log_refusal(connection, f"unknown opinion {data.opinion[:20]}", remote_addr)
        raise Http404
    try:
        return _apply(connection, delivery, data)
    except (ValidationError, PermissionDenied) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _log_refusal(connection, f"{data.status} {data.opinion}: {message}", remote_addr)
        raise


def _authentic(connection, body: bytes, headers) -> CaseReportIn:
    if connection is None:
        raise Refused("unknown or switched-off connection")
    try:
        secret = secret_of(connection)
    except InvalidToken:  # sealed under an earlier SECRET_KEY: a new secret must be issued
        raise Refused("the connection's secret cannot be opened", connection) from None
    if not signature_matches(secret, body, headers.get(SIGNATURE_HEADER, "")):
        raise Refused("bad signature", connection)
    try:
        data = CaseReportIn.model_validate_json(body)
    except PydanticError as exc:
        raise ninja_errors.ValidationError(exc.errors()) from None
    if abs(time.time() - data.timestamp) > WINDOW:
        raise Refused("timestamp outside the window", connection)
    if headers.get(TIMESTAMP_HEADER) != str(data.timestamp):
        raise Refused("timestamp header differs from the body", connection)
    if headers.get(KEY_HEADER) != data.idempotency_key:
        raise Refused("idempotency key header differs from the body", connection)
    return data


def _outcome(opinion: Opinion, result: str) -> dict:
    opinion.refresh_from_db()
    return {"result": result, "opinion": opinion.number, "state": opinion.state,
            "state_label": str(OpinionState(opinion.state).label)}


def _apply(connection, delivery, data: CaseReportIn) -> dict:
    opinion = delivery.opinion
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = CaseReport.objects.create(
                    connection=connection, delivery=delivery,
                    idempotency_key=data.idempotency_key, status=data.status,
                    text=data.text.strip())
        except IntegrityError:
            return _outcome(opinion, "duplicate")
        applied = _drive(connection.account, opinion, data)
        CaseReport.objects.filter(pk=report.pk).update(applied=applied)
        changes = {"external_status": data.status}
        if data.case_id:
            changes["external_id"] = data.case_id.strip()
        CaseDelivery.objects.filter(pk=delivery.pk).update(**changes)
        audit.record(connection.account, "opinions.case_report", opinion,
                     after={"status": data.status, "applied": applied,
                            "connection": str(connection.key), "key": data.idempotency_key},
                     unit=opinion.street, repr_=opinion.number)
    return _outcome(opinion, "applied" if applied else "unchanged")


def _refusal(name: str, account, opinion) -> ValidationError:
    """The workflow's own reason why `name` cannot be taken now."""
    code, reason = OPINION.refusal(OPINION[name], account, opinion, opinion.state) or (
        "state", _("This cannot be done while the opinion is “%(state)s”.")
        % {"state": OpinionState(opinion.state).label})
    if code == "permission":
        return PermissionDenied(reason)
    return services.OpinionError(reason, code="conflict")


AWAITING = {S.ASSIGNED, S.HANDLING}
PAST_HANDLING = {S.REPLIED, S.CLOSED, S.ESCALATED}


def _drive(account, opinion: Opinion, data: CaseReportIn) -> bool:
    """Take the report through the opinion's services; True when it moved something."""
    opinion.refresh_from_db()
    if data.status == "accepted":
        # Received by the outside system: recorded on the delivery; the opinion is already
        # "assigned" on our side and waits for handling.
        if opinion.state in AWAITING | PAST_HANDLING:
            return False
        raise _refusal("start", account, opinion)
    if data.status == "handling":
        if opinion.state == S.ASSIGNED:
            services.start_handling(account, opinion)
            return True
        if opinion.state in {S.HANDLING} | PAST_HANDLING:
            return False  # arrived after the reply: out of order, nothing to do
        raise _refusal("start", account, opinion)
    text = data.text.strip()
    if data.status == "replied" or (data.status == "closed" and opinion.state in AWAITING):
        if opinion.state not in AWAITING:
            raise _refusal("reply", account, opinion)
        if not text:
            raise services.OpinionError({"text": _("The reply's text is required.")})
        services.reply_to_opinion(account, opinion, text)
        return True
    # closed, and the opinion already has its answer: our loop closes when the resident rates,
    # so the outside system's closing is recorded on the delivery only.
    if opinion.state in PAST_HANDLING:
        return False
    raise _refusal("reply", account, opinion)

