"""The meetings calendar as iCalendar (RFC 5545), written by hand: a few properties suffice."""

from datetime import UTC, timedelta

from django.utils import timezone


def _escape(text: str) -> str:
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > 75:
            out.append(current.decode())
            current = b" "
        current += encoded
    out.append(current.decode())
    return "\r\n".join(out)


def _stamp(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(meetings, base_url: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Yishi//Councils//ZH",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:居民议事会会议"]
    now = _stamp(timezone.now())
    for m in meetings:
        url = f"{base_url}/councils/meetings/{m.pk}/"
        lines += [
            "BEGIN:VEVENT",
            f"UID:councils-meeting-{m.pk}@yishi",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(m.starts_at)}",
            f"DTEND:{_stamp(m.starts_at + timedelta(hours=2))}",
            f"SUMMARY:{_escape(f'{m.council} · {m.title}')}",
            f"LOCATION:{_escape(m.place)}",
            f"URL:{url}",
            f"STATUS:{'CANCELLED' if m.state == 'cancelled' else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
