"""Sending text messages (短信) behind a small interface.

Development prints messages in the server's terminal (ConsoleBackend); tests keep them in memory
(LocmemBackend); production posts them to the district's SMS gateway (HttpGatewayBackend, set
YISHI_SMS_BACKEND=yishi.core.sms.HttpGatewayBackend, YISHI_SMS_GATEWAY_URL and
YISHI_SMS_GATEWAY_TOKEN; see docs/deploy.md)."""

import json
import logging
import sys
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from . import secret_box

logger = logging.getLogger(__name__)


@dataclass
class TextMessage:
    mobile: str
    text: str
    # The message's own id (a notice's texts are "notice-<id>"): a gateway that is given the
    # same id twice delivers once, so a send retried after a worker died reaches the person once.
    key: str = ""


class SmsError(Exception):
    pass


class BaseBackend(ABC):
    """What an SMS backend does: deliver one message, or raise SmsError."""

    @abstractmethod
    def send(self, message: TextMessage) -> None: ...


class ConsoleBackend(BaseBackend):
    def send(self, message: TextMessage) -> None:
        sys.stdout.write(f"[SMS to {message.mobile}] {message.text}\n")
        sys.stdout.flush()


class LocmemBackend(BaseBackend):
    outbox: list[TextMessage] = []

    def send(self, message: TextMessage) -> None:
        LocmemBackend.outbox.append(message)


class HttpGatewayBackend(BaseBackend):
    """POSTs {"mobile", "text", "signature", "id"} as JSON with a bearer token; any 2xx is
    success. `id` is the message's own id: the gateway must deliver a repeated id once."""

    timeout = 10

    def send(self, message: TextMessage) -> None:
        if not settings.YISHI_SMS_GATEWAY_URL:
            raise SmsError("YISHI_SMS_GATEWAY_URL is not set")
        body = json.dumps(
            {"mobile": message.mobile, "text": message.text,
             "signature": settings.YISHI_SMS_SIGNATURE, "id": message.key},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(
            settings.YISHI_SMS_GATEWAY_URL, data=body, method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {settings.YISHI_SMS_GATEWAY_TOKEN}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise SmsError(f"gateway answered {response.status}")
        except OSError as exc:
            raise SmsError(str(exc)) from exc


def get_backend() -> BaseBackend:
    return import_string(settings.YISHI_SMS_BACKEND)()


def send_text(mobile: str, text: str, key: str = "") -> None:
    get_backend().send(TextMessage(mobile=mobile, text=text, key=key))


# --- texts that carry a secret --------------------------------------------------------------
# A verification code must not stand in plain text in the database, and the task queue is a
# database table (django-tasks-db) whose rows outlive the task. So the text is sealed with a key
# derived from SECRET_KEY and kept in its own row; the task is given that row's id, opens it,
# sends, and deletes it. Rows the worker never reached are deleted once the code has expired.

# The purpose string is part of the key: texts sealed before this module used secret_box stay
# readable.
PENDING_TEXT = "yishi.core.sms pending text"


def seal(text: str) -> str:
    return secret_box.seal(text, PENDING_TEXT)


def unseal(token: str) -> str:
    return secret_box.unseal(token, PENDING_TEXT)


def queue_secret_text(mobile: str, text: str, valid_for: timedelta) -> None:
    from .models import PendingText
    from .tasks import send_pending_text

    now = timezone.now()
    pending = PendingText.objects.create(
        mobile=mobile, sealed_text=seal(text), created_at=now, expires_at=now + valid_for
    )
    send_pending_text.enqueue(pending.pk)


def send_pending(pending_id: int) -> bool:
    """Send one sealed text and delete it; False if it is gone (sent, or expired and purged)."""
    from .models import PendingText

    with transaction.atomic():
        pending = PendingText.objects.select_for_update().filter(pk=pending_id).first()
        if pending is None:
            return False
        mobile, sealed, expires_at = pending.mobile, pending.sealed_text, pending.expires_at
        pending.delete()
    if expires_at <= timezone.now():
        return False
    try:
        text = unseal(sealed)
    except InvalidToken:
        # Sealed under an earlier SECRET_KEY: the code in it is unusable anyway.
        logger.warning("pending text %s could not be opened; dropped", pending_id)
        return False
    send_text(mobile, text)
    return True
