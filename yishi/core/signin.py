"""Signing in: SMS one-time codes for residents, password checks for staff, and the lock that
repeated failures put on a number. Every check goes through `_guard`, so a locked number can
try nothing — not a code, not a password, not a TOTP token."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CodePurpose, LoginThrottle, OneTimeCode, User
from .tasks import send_text_message


class SignInError(ValidationError):
    pass


def _hash_code(mobile: str, purpose: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{mobile}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def locked_until(mobile: str):
    row = LoginThrottle.objects.filter(mobile=mobile).only("locked_until").first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until
    return None


def _locked_error(until) -> SignInError:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return SignInError(
        _("Too many failed attempts. This number is locked; try again in %(minutes)d minutes.")
        % {"minutes": minutes},
        code="locked",
    )


def _guard(mobile: str) -> None:
    until = locked_until(mobile)
    if until:
        raise _locked_error(until)


def record_failure(mobile: str) -> None:
    """Count one failure; the Nth failure within the lockout window locks the number.
    The counter moves by a single conditional UPDATE, so concurrent failures all count."""
    now = timezone.now()
    window = timedelta(minutes=settings.YISHI_LOGIN_LOCKOUT_MINUTES)
    with transaction.atomic():
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(mobile=mobile)
        if row.first_failure_at is None or row.first_failure_at < now - window:
            row.failures, row.first_failure_at = 0, now
            row.save(update_fields=["failures", "first_failure_at"])
        LoginThrottle.objects.filter(pk=row.pk).update(failures=F("failures") + 1)
        row.refresh_from_db()
        if row.failures >= settings.YISHI_LOGIN_MAX_FAILURES:
            row.locked_until = now + window
            row.failures = 0
            row.first_failure_at = None
            row.save(update_fields=["locked_until", "failures", "first_failure_at"])


def clear_failures(mobile: str) -> None:
    LoginThrottle.objects.filter(mobile=mobile).delete()


def send_code(mobile: str, purpose: str) -> None:
    """Create a fresh code for the number and queue the text message. The previous code of the
    same purpose stops working."""
    _guard(mobile)
    now = timezone.now()
    recent = OneTimeCode.objects.filter(
        mobile=mobile, purpose=purpose,
        created_at__gt=now - timedelta(seconds=settings.YISHI_CODE_RESEND_SECONDS),
    )
    if recent.exists():
        raise SignInError(
            _("A code was sent less than %(seconds)d seconds ago. Please wait before asking again.")
            % {"seconds": settings.YISHI_CODE_RESEND_SECONDS},
            code="too_soon",
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        OneTimeCode.objects.filter(mobile=mobile, purpose=purpose, used_at__isnull=True).update(
            used_at=now
        )
        OneTimeCode.objects.create(
            mobile=mobile, purpose=purpose, code_hash=_hash_code(mobile, purpose, code),
            created_at=now,
            expires_at=now + timedelta(minutes=settings.YISHI_CODE_VALID_MINUTES),
        )
    text = _(
        "Your Yishi verification code is %(code)s. It is valid for %(minutes)d minutes. "
        "Do not share it with anyone."
    ) % {"code": code, "minutes": settings.YISHI_CODE_VALID_MINUTES}
    # Queued once the code is stored: the worker sends it, the request does not wait.
    send_text_message.enqueue(mobile, text)


def check_code(mobile: str, purpose: str, code: str) -> None:
    """Consume the number's current code if `code` matches it; otherwise count a failure."""
    _guard(mobile)
    now = timezone.now()
    code = (code or "").strip()
    with transaction.atomic():
        current = (
            OneTimeCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if current and hmac.compare_digest(current.code_hash, _hash_code(mobile, purpose, code)):
            current.used_at = now
            current.save(update_fields=["used_at"])
            clear_failures(mobile)
            return
    record_failure(mobile)
    _guard(mobile)
    if current is None:
        raise SignInError(
            _("The code has expired or was never sent. Please ask for a new code."), code="expired"
        )
    raise SignInError(_("The code is not correct."), code="wrong_code")


def check_password(request, mobile: str, password: str) -> User:
    _guard(mobile)
    user = authenticate(request, mobile=mobile, password=password)
    if user is None:
        record_failure(mobile)
        _guard(mobile)
        raise SignInError(_("The mobile number or password is not correct."), code="wrong_password")
    clear_failures(mobile)
    return user


def check_totp(mobile: str, device, token: str) -> None:
    _guard(mobile)
    token = (token or "").strip().replace(" ", "")
    if not (token.isdigit() and device.verify_token(token)):
        record_failure(mobile)
        _guard(mobile)
        raise SignInError(_("The authenticator code is not correct."), code="wrong_totp")
    clear_failures(mobile)


__all__ = [
    "CodePurpose", "SignInError", "send_code", "check_code", "check_password", "check_totp",
    "locked_until", "record_failure", "clear_failures",
]
