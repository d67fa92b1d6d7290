"""Signing in: SMS one-time codes for residents, password checks for staff, and the limits that
failures put on a number, a source address and a person's second factor.

Every check first claims an attempt slot on each throttle that applies to it, in one conditional
UPDATE per throttle (`failures = failures + 1 WHERE failures < limit`); only an attempt that got
all its slots compares anything. So a burst of parallel guesses compares at most `limit` of them,
whatever the timing. A success gives the slots back; a failure simply keeps them.

Throttles (each counts within YISHI_LOGIN_LOCKOUT_MINUTES and, once full, holds that long):
- the number from one source address: YISHI_LOGIN_MAX_FAILURES (so a stranger elsewhere cannot
  lock a staff member out of their own office);
- the number from anywhere: YISHI_LOGIN_MAX_FAILURES_PER_NUMBER, higher, against guessing from
  many addresses;
- the source address across numbers: YISHI_LOGIN_MAX_FAILURES_PER_SOURCE;
- the authenticator step of one person: YISHI_LOGIN_MAX_FAILURES, counted on its own and never
  reset by a correct password."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import CodePurpose, LoginThrottle, OneTimeCode, User
from .permissions import is_staff_person


class SignInError(ValidationError):
    pass


def client_address(request) -> str:
    """The address the request came from. Behind YISHI_TRUSTED_PROXY_COUNT proxies (nginx), the
    entry each proxy appended to X-Forwarded-For; entries further left are the client's own say."""
    hops = settings.YISHI_TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:45]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:45]


# --- throttles ----------------------------------------------------------------------------

def _first_factor_keys(mobile: str, source: str) -> dict[str, int]:
    return {
        f"n+s:{mobile}:{source}": settings.YISHI_LOGIN_MAX_FAILURES,
        f"n:{mobile}": settings.YISHI_LOGIN_MAX_FAILURES_PER_NUMBER,
        f"s:{source}": settings.YISHI_LOGIN_MAX_FAILURES_PER_SOURCE,
    }


def _second_factor_keys(user: User, source: str) -> dict[str, int]:
    return {
        f"totp:{user.pk}": settings.YISHI_LOGIN_MAX_FAILURES,
        f"s:{source}": settings.YISHI_LOGIN_MAX_FAILURES_PER_SOURCE,
    }


def _window() -> timedelta:
    return timedelta(minutes=settings.YISHI_LOGIN_LOCKOUT_MINUTES)


def _locked_error(until) -> SignInError:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return SignInError(
        _("Too many failed attempts. Signing in with this number is locked; try again in "
          "%(minutes)d minutes.") % {"minutes": minutes},
        code="locked",
    )


def _held_until(keys: dict[str, int]):
    """When the latest full throttle among `keys` opens again, or None if none is full."""
    now = timezone.now()
    until = None
    for key, failures, locked in LoginThrottle.objects.filter(
        key__in=keys, locked_until__gt=now
    ).values_list("key", "failures", "locked_until"):
        if failures >= keys[key] and (until is None or locked > until):
            until = locked
    return until


def _guard(keys: dict[str, int]) -> None:
    until = _held_until(keys)
    if until:
        raise _locked_error(until)


def _claim(keys: dict[str, int]) -> int:
    """Take one attempt slot on every throttle in `keys`, or none at all: raise the lock error if
    any is full. Returns how many attempts remain after this one on the tightest throttle."""
    now = timezone.now()
    window = _window()
    with transaction.atomic():
        for key, limit in keys.items():
            try:
                with transaction.atomic():
                    LoginThrottle.objects.get_or_create(key=key, defaults={"window_start": now})
            except IntegrityError:
                pass  # created by a parallel attempt: the UPDATEs below find it
            # A window that is over, or a lock that has ended, starts the count afresh.
            LoginThrottle.objects.filter(key=key).filter(
                Q(locked_until__lte=now)
                | Q(locked_until__isnull=True, window_start__lt=now - window)
            ).update(failures=0, window_start=now, locked_until=None)
            # The decision to compare: only a row still below its limit is counted; the last
            # slot locks the throttle for the lockout time.
            claimed = LoginThrottle.objects.filter(key=key, failures__lt=limit).update(
                failures=F("failures") + 1,
                locked_until=Case(When(failures__gte=limit - 1, then=Value(now + window)),
                                  default=Value(None), output_field=DateTimeField()),
            )
            if not claimed:
                until = LoginThrottle.objects.filter(key=key).values_list(
                    "locked_until", flat=True).first()
                raise _locked_error(until or now + window)
        return min(
            keys[key] - failures
            for key, failures in LoginThrottle.objects.filter(key__in=keys).values_list(
                "key", "failures")
        )


def _release(keys: dict[str, int], clear: tuple[str, ...]) -> None:
    """A success: the throttles named by the prefixes in `clear` start afresh; the others (the
    source address's) only get this attempt's slot back, so one's own successes cannot reset
    a count of failures on other numbers."""
    for key in keys:
        if key.startswith(clear):
            LoginThrottle.objects.filter(key=key).delete()
        else:
            LoginThrottle.objects.filter(key=key, failures__gt=0).update(
                failures=F("failures") - 1, locked_until=None
            )


def _attempts_left(remaining: int) -> str:
    return ngettext(
        "%(count)d attempt left before this number is locked.",
        "%(count)d attempts left before this number is locked.",
        remaining,
    ) % {"count": remaining}


def locked_until(mobile: str, source: str):
    return _held_until(_first_factor_keys(mobile, source))


# --- codes --------------------------------------------------------------------------------

def _hash_code(mobile: str, purpose: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{mobile}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_matches(stored_hash: str, mobile: str, purpose: str, code: str) -> bool:
    return hmac.compare_digest(stored_hash, _hash_code(mobile, purpose, code))


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _can_sign_in_by_code(mobile: str) -> bool:
    user = User.objects.filter(mobile=mobile, is_active=True).first()
    return user is not None and not is_staff_person(user)


def send_code(mobile: str, purpose: str, source: str) -> None:
    """Create a fresh code for the number and queue the text message; the previous code of the
    same purpose stops working.

    For signing in, every number gets the same treatment — a code row, the same wait before the
    next one, the same answer — but the text goes out only to a resident's account: staff sign in
    with a password and an authenticator, and an unknown number has nothing to sign in to. So
    the form tells nobody which numbers have accounts, or whose."""
    from .sms import queue_secret_text

    _guard(_first_factor_keys(mobile, source))
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
    code = _new_code()
    with transaction.atomic():
        OneTimeCode.objects.filter(mobile=mobile, purpose=purpose, used_at__isnull=True).update(
            used_at=now
        )
        OneTimeCode.objects.create(
            mobile=mobile, purpose=purpose, code_hash=_hash_code(mobile, purpose, code),
            created_at=now,
            expires_at=now + timedelta(minutes=settings.YISHI_CODE_VALID_MINUTES),
        )
    if purpose == CodePurpose.LOGIN and not _can_sign_in_by_code(mobile):
        return
    text = _(
        "Your Yishi verification code is %(code)s. It is valid for %(minutes)d minutes. "
        "Do not share it with anyone."
    ) % {"code": code, "minutes": settings.YISHI_CODE_VALID_MINUTES}
    # The worker sends it; the database only ever holds the text encrypted, until it is sent.
    queue_secret_text(mobile, text, valid_for=timedelta(minutes=settings.YISHI_CODE_VALID_MINUTES))


def check_code(mobile: str, purpose: str, code: str, source: str) -> None:
    """Consume the number's current code if `code` matches it. The attempt slot is claimed
    before anything is compared."""
    keys = _first_factor_keys(mobile, source)
    remaining = _claim(keys)
    now = timezone.now()
    code = (code or "").strip()
    with transaction.atomic():
        current = (
            OneTimeCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if current and _code_matches(current.code_hash, mobile, purpose, code):
            current.used_at = now
            current.save(update_fields=["used_at"])
            _release(keys, clear=("n+s:", "n:"))
            return
    if remaining <= 0:
        _guard(keys)
    # One answer for a wrong, an expired and a never-sent code: which numbers were sent a code
    # is not for the form to tell.
    raise SignInError(
        _("The code is not correct or has expired.") + " " + _attempts_left(remaining),
        code="wrong_code",
    )


def check_password(request, mobile: str, password: str, source: str) -> User:
    keys = _first_factor_keys(mobile, source)
    remaining = _claim(keys)
    user = authenticate(request, mobile=mobile, password=password)
    if user is None:
        if remaining <= 0:
            _guard(keys)
        raise SignInError(
            _("The mobile number or password is not correct.") + " " + _attempts_left(remaining),
            code="wrong_password",
        )
    # Only the password's own counts start afresh: the authenticator's are the second factor's.
    _release(keys, clear=("n+s:", "n:"))
    return user


def check_totp(user: User, device, token: str, source: str) -> None:
    keys = _second_factor_keys(user, source)
    remaining = _claim(keys)
    token = (token or "").strip().replace(" ", "")
    if not (token.isdigit() and device.verify_token(token)):
        if remaining <= 0:
            _guard(keys)
        raise SignInError(
            _("The authenticator code is not correct.") + " " + _attempts_left(remaining),
            code="wrong_totp",
        )
    _release(keys, clear=("totp:",))


__all__ = [
    "CodePurpose", "SignInError", "send_code", "check_code", "check_password", "check_totp",
    "client_address", "locked_until",
]
