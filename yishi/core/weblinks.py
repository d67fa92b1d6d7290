"""Web links people type in (a meeting's online attendance link, a video): checked in one
place for forms, the API and the services. Only https; no user name or password part; no
backslash, space or control character — browsers read `https://evil.example\\@host/` as a
link to evil.example while Python's urlsplit reads `host`, so a link whose reading could
differ is refused rather than guessed at."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

_AMBIGUOUS = re.compile(r"[\\\s\x00-\x1f\x7f]")
_url_syntax = URLValidator(schemes=["https"])


def validate_https_url(value: str) -> None:
    """Raise a ValidationError naming what is wrong with the link; '' is not a link."""
    if not value:
        raise ValidationError(_("Enter a web address starting with https://."), code="https")
    if _AMBIGUOUS.search(value):
        raise ValidationError(_("The web address contains a backslash, a space or a control "
                                "character."), code="characters")
    if not value.lower().startswith("https://"):
        raise ValidationError(_("Enter a web address starting with https://."), code="https")
    if "@" in urlsplit(value).netloc:
        raise ValidationError(_("The web address may not contain a user name or password "
                                "(“…@”)."), code="userinfo")
    try:
        _url_syntax(value)
    except ValidationError:
        raise ValidationError(_("Enter a valid web address starting with https://."),
                              code="invalid") from None


def clean_https_url(value: str | None, field: str) -> str:
    """The link stripped, '' when none; a ValidationError on `field` when it is not one."""
    value = (value or "").strip()
    if value:
        try:
            validate_https_url(value)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from None
    return value


def https_host(value: str) -> str | None:
    """The host a browser would open for this link, or None when it is not a valid one."""
    try:
        validate_https_url(value)
    except ValidationError:
        return None
    return (urlsplit(value).hostname or "").lower() or None
