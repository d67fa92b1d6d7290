"""Database side of bench/faults.py, run in the servers' environment:

    python bench/faults_setup.py setup VOTERS RESIDENTS SECONDS FILE
        VOTERS on a council roll with an open ballot sealed to three tellers, RESIDENTS who
        raise opinions and book receptions, opinions whose acceptance deadlines fall due during
        the next SECONDS, opinions assigned to a department for staff to reply to, receptions
        with a few places each at a liaison station, a council meeting in progress with its
        members for the sign-in desk, and a signed-in session for each person (staff with their
        second factor passed), written to FILE
    python bench/faults_setup.py check FILE
        what the database holds afterwards (JSON on stdout), for the invariants"""

import json
import os
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from bench.faults_clients import REPLY_MARK  # noqa: E402
from yishi.core.audit import verify_chain  # noqa: E402
from yishi.core.demo import load_units  # noqa: E402
from yishi.core.models import AuditRecord, Notification, Role, RoleAssignment, Unit, User  # noqa: E402
from yishi.councils import meetings, roster  # noqa: E402
from yishi.councils.models import Attendance, ItemKind, Meeting  # noqa: E402
from yishi.deputies import services as deputies  # noqa: E402
from yishi.deputies.models import (  # noqa: E402
    HOLDS_PLACE,
    Booking,
    DeputyProfile,
    LiaisonStation,
    ReceptionSession,
)
from yishi.opinions import services as opinions  # noqa: E402
from yishi.opinions.models import Opinion, OpinionCategory, Reply  # noqa: E402
from yishi.voting import services as voting  # noqa: E402
from yishi.voting.models import Ballot, CastBallot, Participation  # noqa: E402

VOTER, RESIDENT, STAFF = "173", "174", "17500000000"
HANDLER, DESK_STAFF, DEPUTY, MEMBER = "17500000001", "17500000002", "17500000003", "176"
DEADLINE_TITLE = "故障演练：受理期限"
REPLY_TITLE = "故障演练：待答复"


def _people(prefix: str, count: int, street) -> list[User]:
    existing = set(User.objects.filter(mobile__startswith=prefix).values_list("mobile", flat=True))
    User.objects.bulk_create([
        User(mobile=f"{prefix}{i:08d}", name=f"演练{prefix}-{i}", password="!", home_unit=street)
        for i in range(count) if f"{prefix}{i:08d}" not in existing], batch_size=5000)
    return list(User.objects.filter(mobile__startswith=prefix).order_by("mobile")[:count])


def _sessions(users, *, second_factor: bool = False) -> dict[str, str]:
    """Signed-in sessions; staff pages want the second factor passed in the session too."""
    store, expire, rows, keys = SessionStore(), timezone.now() + timedelta(hours=2), [], {}
    for user in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "yishi.core.auth_backends.MobileBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()}
        if second_factor:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.create(user=user, confirmed=True, name="faults")
            data["otp_device_id"] = device.persistent_id
        rows.append(Session(session_key=key, expire_date=expire, session_data=store.encode(data)))
        keys[user.mobile] = key
    Session.objects.bulk_create(rows, batch_size=5000)
    return keys


def setup(voters: int, residents: int, seconds: float, out: str) -> None:
    _district, streets = load_units()
    street = streets[1]
    community = Unit.objects.filter(parent=street).order_by("code").first()
    category, _ = OpinionCategory.objects.get_or_create(code="faults", defaults={"name": "演练"})
    with transaction.atomic():
        roll = _people(VOTER, voters, street)
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=v, role=Role.COUNCIL_MEMBER, unit=street) for v in roll],
            batch_size=5000, ignore_conflicts=True)
        people = _people(RESIDENT, residents, street)
    staff, _ = User.objects.get_or_create(mobile=STAFF, defaults={"name": "演练街道工作人员"})
    RoleAssignment.objects.get_or_create(user=staff, role=Role.STREET_STAFF, unit=street,
                                         ends_on=None)
    ballot = voting.create_ballot(
        staff, street, title=f"故障演练 {timezone.now():%H%M%S}", method="choose", max_choices=3,
        roll_roles="council_member", tellers=roll[:3], threshold=2,
        options=[voting.OptionInput(k, f"项目{k}") for k in "ABCDEFGH"])
    ballot = voting.open_ballot(staff, ballot)
    # Opinions whose acceptance deadline falls due while processes are being killed: each must
    # be escalated exactly once.
    due = []
    start = timezone.now()
    for i in range(20):
        opinion = opinions.submit_opinion(people[i % len(people)], opinions.Intake(
            title=f"{DEADLINE_TITLE} {i}", text="演练用的意见。", category=category,
            community=community, is_public=False))
        at = start + timedelta(seconds=seconds * (0.1 + 0.8 * i / 20))
        Opinion.objects.filter(pk=opinion.pk).update(accept_deadline=at)
        due.append({"number": opinion.number, "due": at.isoformat()})
    Path(out).write_text(json.dumps({
        "ballot": str(ballot.public_id), "community": community.code, "category": category.code,
        "community_id": community.pk, "category_id": category.pk,
        "voters": _sessions(roll), "residents": _sessions(people),
        "deadlines": due, **_to_reply(staff, street, people, category, community),
        **_receptions(staff, street), **_meeting(streets[2])}))


def _to_reply(staff, street, people, category, community) -> dict:
    """Opinions accepted and assigned to one department, half for its handler to answer and
    half for the street's staff to answer on its behalf, both on the case page."""
    department = street.departments.order_by("pk").first()
    handler, _ = User.objects.get_or_create(mobile=HANDLER, defaults={"name": "演练经办人"})
    RoleAssignment.objects.get_or_create(user=handler, role=Role.DEPARTMENT_HANDLER, unit=street,
                                         department=department, ends_on=None)
    numbers = []
    for i in range(24):
        opinion = opinions.submit_opinion(people[i % len(people)], opinions.Intake(
            title=f"{REPLY_TITLE} {i}", text="小区门口的井盖松动了。", category=category,
            community=community, is_public=False))
        opinions.accept_opinion(staff, opinion)
        opinions.assign_opinion(staff, opinion, [department])
        numbers.append(opinion.number)
    sessions = _sessions([handler, staff], second_factor=True)
    return {"replies": {sessions[HANDLER]: numbers[::2], sessions[STAFF]: numbers[1::2]}}


def _receptions(staff, street) -> dict:
    """Receptions at the street's liaison station with fewer places than residents who want
    one, so that the last places are raced for."""
    station, _ = LiaisonStation.objects.get_or_create(
        code="faults", defaults={"unit": street, "kind": "street", "name": "演练联络站",
                                 "notice_days": 1})
    user, _ = User.objects.get_or_create(mobile=DEPUTY, defaults={"name": "演练代表"})
    deputy, _ = DeputyProfile.objects.get_or_create(user=user)
    deputy.stations.add(station)
    start = timezone.now() + timedelta(days=3)
    sessions = [deputies.schedule_session(
        staff, station, starts_at=start + timedelta(hours=3 * i),
        ends_at=start + timedelta(hours=3 * i + 2), mode="in_person", deputies=[deputy],
        slots=5).pk for i in range(6)]
    return {"receptions": sessions}


def _meeting(street) -> dict:
    """A council meeting in progress in another street (its members are not on the ballot's
    roll), with its own staff at the sign-in desk."""
    desk, _ = User.objects.get_or_create(mobile=DESK_STAFF, defaults={"name": "演练签到员"})
    RoleAssignment.objects.get_or_create(user=desk, role=Role.STREET_STAFF, unit=street,
                                         ends_on=None)
    community = Unit.objects.filter(parent=street).order_by("code").first()
    council = roster.create_council(desk, street)
    term = council.current_term()
    members = [roster.add_member(desk, term, roster.MemberInput(
        mobile=f"{MEMBER}{i:08d}", name=f"演练成员{i}", category="resident", community=community,
        birth_date=date(1970, 1, 1), in_street_since=date(2000, 1, 1))) for i in range(30)]
    meeting = meetings.create_meeting(desk, council, title="故障演练：居民议事会议",
                                      starts_at=timezone.now() + timedelta(days=1),
                                      place="街道办事处三楼会议室")
    meetings.add_item(desk, meeting, kind=ItemKind.MAJOR_MATTER, title="演练议题")
    meetings.convene_meeting(desk, meeting)
    # A meeting starts on its day: bring the day to now, as an operator's clock would.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now())
    meeting.refresh_from_db()
    meetings.start_meeting(desk, meeting)
    return {"meeting": meeting.pk, "members": [m.pk for m in members],
            "desk": _sessions([desk], second_factor=True)[DESK_STAFF]}


def check(setup_file: str) -> None:
    setup = json.loads(Path(setup_file).read_text())
    ballot = Ballot.objects.get(public_id=setup["ballot"])
    voted = list(Participation.objects.filter(ballot=ballot)
                 .values_list("voter__mobile", flat=True))
    # The residents' own submissions: not the opinions the setup made for deadlines and replies.
    numbers = list(Opinion.objects.filter(author__mobile__startswith=RESIDENT)
                   .exclude(title__startswith=DEADLINE_TITLE)
                   .exclude(title__startswith=REPLY_TITLE).values_list("number", "title"))
    overdue = dict(AuditRecord.objects.filter(action="opinions.overdue")
                   .values_list("object_repr").annotate(n=Count("pk")))
    from django_tasks_db.models import DBTaskResult

    tasks = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("pk")))
    checked, problem = verify_chain()
    print(json.dumps({
        "voted": voted, "cast": CastBallot.objects.filter(ballot=ballot).count(),
        "plaintext": CastBallot.objects.filter(ballot=ballot, content__isnull=False).count(),
        "participations": len(voted),
        "opinions": numbers,
        "duplicate_numbers": Opinion.objects.values("number").annotate(n=Count("pk"))
        .filter(n__gt=1).count(),
        "overdue": {d["number"]: overdue.get(d["number"], 0) for d in setup["deadlines"]},
        "tasks": tasks,
        "notifications": Notification.objects.count(),
        "texts": dict(Notification.objects.exclude(text_status="").values_list("text_status")
                      .annotate(n=Count("pk"))),
        "sent_texts": [f"notice-{pk}" for pk in Notification.objects.filter(
            text_status="sent").values_list("pk", flat=True)],
        "photos": dict(Opinion.objects.filter(author__mobile__startswith=RESIDENT)
                       .values_list("number").annotate(n=Count("photos"))),
        "timeline": dict(Opinion.objects.filter(author__mobile__startswith=RESIDENT)
                         .values_list("number").annotate(n=Count("timeline"))),
        "audit": {"checked": checked, "problem": str(problem) if problem else None},
        **_replies(setup), **_bookings(setup), **_sign_ins(setup),
    }, ensure_ascii=False))


def _replies(setup) -> dict:
    """Per reply text: the stored replies, timeline entries and notices to the resident."""
    numbers = [n for group in setup["replies"].values() for n in group]
    opinions_ = Opinion.objects.filter(number__in=numbers)
    replies = list(Reply.objects.filter(opinion__in=opinions_).values_list("text", flat=True))
    from yishi.opinions.models import TimelineEntry

    timeline = list(TimelineEntry.objects.filter(opinion__in=opinions_, action="reply")
                    .values_list("note", flat=True))
    notices = list(Notification.objects.filter(body__startswith=REPLY_MARK)
                   .values_list("body", "text_status"))
    return {"replies": replies, "reply_timeline": timeline, "reply_notices": notices,
            "replied_states": dict(opinions_.values_list("state").annotate(n=Count("pk")))}


def _bookings(setup) -> dict:
    """Every booking at the bench's receptions, and each reception's places."""
    rows = Booking.objects.filter(session_id__in=setup["receptions"])
    return {
        "bookings": [[b.pk, b.session_id, b.resident.mobile, b.slot, b.state]
                     for b in rows.select_related("resident")],
        "places": {str(s.pk): [s.slots, rows.filter(HOLDS_PLACE, session=s).count()]
                   for s in ReceptionSession.objects.filter(pk__in=setup["receptions"])},
    }


def _sign_ins(setup) -> dict:
    """Per member of the meeting: attendance rows, whether signed in, and the sign-in records
    the audit chain holds."""
    rows = Attendance.objects.filter(meeting_id=setup["meeting"])
    audited = dict(AuditRecord.objects.filter(action="councils.sign_in",
                                              object_id__in=[str(a.pk) for a in rows])
                   .values_list("object_id").annotate(n=Count("pk")))
    return {
        "attendances": {str(a.member_id): [a.signed_in_at is not None, audited.get(str(a.pk), 0)]
                        for a in rows},
        "attendance_rows": rows.count(),
        "quorum_present": meetings.quorum(Meeting.objects.get(pk=setup["meeting"]))["present"],
    }


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    else:
        check(sys.argv[2])
