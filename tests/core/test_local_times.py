"""Times in text built in Python are Asia/Shanghai: the helper, every notice that carries a
time (rendered from a known UTC instant), and a scan of the code for a stored time formatted
as it comes from the database (UTC, eight hours early)."""

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.utils import timezone

from yishi.core.localtime import local, local_text
from yishi.core.models import Notification, Role
from yishi.core.queries import holders

ROOT = Path(__file__).resolve().parents[2] / "yishi"

# Two years ahead, so every "must be in the future" check passes: 01:00 UTC is 09:00 in Shanghai.
UTC_0100 = datetime(timezone.now().year + 2, 11, 30, 1, 0, tzinfo=UTC)
LOCAL = f"{UTC_0100.year}-11-30 09:00"


def test_local_text_shows_shanghai_time():
    assert local_text(UTC_0100) == LOCAL
    assert local_text(UTC_0100.replace(tzinfo=None)) == LOCAL  # naive: as stored, UTC
    assert local(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)).date() == date(2026, 12, 1)
    assert local_text(date(2026, 11, 30)) == "2026-11-30" and local_text(None) == ""


def _latest(subject_part: str = "") -> Notification:
    return Notification.objects.filter(subject__contains=subject_part).latest("id")


def test_meeting_notice_shows_local_time(demo):
    from yishi.councils.meetings import _notice_text
    from yishi.councils.models import Meeting

    meeting = Meeting.objects.first()
    meeting.starts_at = UTC_0100
    _subject, body = _notice_text(meeting)
    assert LOCAL in body


def test_round_table_notice_shows_local_time(demo):
    from yishi.core.models import Unit
    from yishi.councils import roundtables

    street = Unit.objects.get(name="西溪街道")
    staff = holders(Role.STREET_STAFF, street).first()
    resident = holders(Role.RESIDENT, street.children.first()).first() or staff
    roundtables.convene_round_table(
        staff, street, title="菜场噪音", place="议事厅", held_at=UTC_0100,
        participants=[roundtables.Person("resident", resident.name, resident)])
    assert LOCAL in _latest("菜场噪音").body


def _session_with_booking(starts_at):
    """A scheduled reception of the demo moved to `starts_at`, with one resident booked."""
    from yishi.deputies.models import Booking, ReceptionSession, SessionState

    session = ReceptionSession.objects.select_related("station__unit").filter(
        state=SessionState.SCHEDULED).first()
    session.starts_at = starts_at
    session.ends_at = starts_at + timedelta(hours=2)
    session.save(update_fields=["starts_at", "ends_at"])
    from yishi.core.models import User

    resident = User.objects.filter(role_assignments__role=Role.RESIDENT).first()
    booking = Booking.objects.create(session=session, resident=resident, slot=99)
    return session, booking


def test_reception_cancelled_notice_shows_local_time(demo):
    """The deputies helper fixes ReceptionSession.__str__ (it formats UTC as local)."""
    from yishi.deputies import services

    session, _booking = _session_with_booking(UTC_0100)
    staff = holders(Role.STREET_STAFF, session.station.unit).first()
    services.cancel_session(staff, session, "代表临时出差")
    notice = _latest()
    assert LOCAL in notice.subject, notice.subject


def test_your_turn_notice_shows_local_time(demo, monkeypatch):
    from yishi.deputies import bookings as services

    session, _booking = _session_with_booking(UTC_0100)
    deputy = session.deputies.first().user
    monkeypatch.setattr(timezone, "now", lambda: UTC_0100)
    services.call_next(deputy, session)
    assert LOCAL in _latest().body


# --- the scan --------------------------------------------------------------------------------

TIME_DIRECTIVES = ("%H", "%M", "%I")
# Offenders in files other helpers own, fixed on their branches; empty this after the merge.
KNOWN_ELSEWHERE: set = set()


def utc_formatted(source: str):
    """f"{obj.field:%H:%M}" and obj.field.strftime("…%H…"): a time read straight off a model is
    UTC. A local variable (set from timezone.localtime()) or a call wrapped around the value
    passes."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = ast.unparse(node.format_spec)
            if any(d in spec for d in TIME_DIRECTIVES) and isinstance(node.value, ast.Attribute):
                yield node.lineno, ast.unparse(node.value)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "strftime" and node.args
                and isinstance(node.args[0], ast.Constant)
                and any(d in str(node.args[0].value) for d in TIME_DIRECTIVES)
                and isinstance(node.func.value, ast.Attribute)):
            yield node.lineno, ast.unparse(node.func.value)


def test_the_scan_finds_what_it_should():
    source = ('f"{self.starts_at:%Y-%m-%d %H:%M}"\nx.at.strftime("%H:%M")\n'
              'f"{when:%H:%M}"\nf"{local(self.at):%H:%M}"\nf"{self.on:%Y-%m-%d}"\n')
    assert sorted(line for line, _what in utc_formatted(source)) == [1, 2]


def test_no_stored_time_is_formatted_as_utc():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if "/migrations/" in relative:
            continue
        found += [f"{relative}:{line} {what}"
                  for line, what in utc_formatted(path.read_text(encoding="utf-8"))
                  if (relative, what) not in KNOWN_ELSEWHERE]
    assert not found, f"format these through yishi.core.localtime.local_text(): {found}"
