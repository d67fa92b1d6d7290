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

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass
class TextMessage:
    mobile: str
    text: str


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
    """POSTs {"mobile", "text", "signature"} as JSON with a bearer token; any 2xx is success."""

    timeout = 10

    def send(self, message: TextMessage) -> None:
        if not settings.YISHI_SMS_GATEWAY_URL:
            raise SmsError("YISHI_SMS_GATEWAY_URL is not set")
        body = json.dumps(
            {"mobile": message.mobile, "text": message.text,
             "signature": settings.YISHI_SMS_SIGNATURE},
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


def send_text(mobile: str, text: str) -> None:
    get_backend().send(TextMessage(mobile=mobile, text=text))
