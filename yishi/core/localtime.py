"""Times as people read them: stored in UTC, shown in Asia/Shanghai (TIME_ZONE).

Templates convert by themselves; text built in Python (notices, audit labels, `__str__`) does
not: an f-string of an aware UTC datetime prints UTC, eight hours early. Build such text with
`local_text()` (or `local()` first)."""

from datetime import UTC, date, datetime

from django.utils import timezone


def local(moment: datetime) -> datetime:
    """The same instant on the wall clock of Asia/Shanghai. A naive datetime is taken as UTC
    (the only thing the database stores), never as local."""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return timezone.localtime(moment)


def local_text(moment: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`2026-11-30 09:00` for a UTC 01:00; a date prints as a date; None as empty text."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return local(moment).strftime(fmt)
    return moment.strftime("%Y-%m-%d")
