"""Database side of bench/faults.py, run in the servers' environment:

    python bench/faults_setup.py setup VOTERS RESIDENTS SECONDS FILE
        VOTERS on a council roll with an open ballot sealed to three tellers, RESIDENTS who
        raise opinions, opinions whose acceptance deadlines fall due during the next SECONDS,
        and a signed-in session for each person (written to FILE)
    python bench/faults_setup.py check FILE
        what the database holds afterwards (JSON on stdout), for the invariants"""

import json
import os
import sys
from datetime import timedelta
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

from yishi.core.audit import verify_chain  # noqa: E402
from yishi.core.demo import load_units  # noqa: E402
from yishi.core.models import AuditRecord, Notification, Role, RoleAssignment, Unit, User  # noqa: E402
from yishi.opinions import services as opinions  # noqa: E402
from yishi.opinions.models import Opinion, OpinionCategory  # noqa: E402
from yishi.voting import services as voting  # noqa: E402
from yishi.voting.models import Ballot, CastBallot, Participation  # noqa: E402

VOTER, RESIDENT, STAFF = "173", "174", "17500000000"
DEADLINE_TITLE = "故障演练：受理期限"


def _people(prefix: str, count: int, street) -> list[User]:
    existing = set(User.objects.filter(mobile__startswith=prefix).values_list("mobile", flat=True))
    User.objects.bulk_create([
        User(mobile=f"{prefix}{i:08d}", name=f"演练{prefix}-{i}", password="!", home_unit=street)
        for i in range(count) if f"{prefix}{i:08d}" not in existing], batch_size=5000)
    return list(User.objects.filter(mobile__startswith=prefix).order_by("mobile")[:count])


def _sessions(users) -> dict[str, str]:
    store, expire, rows, keys = SessionStore(), timezone.now() + timedelta(hours=2), [], {}
    for user in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        rows.append(Session(session_key=key, expire_date=expire, session_data=store.encode({
            SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "yishi.core.auth_backends.MobileBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash()})))
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
        "staff": _sessions([staff])[STAFF], "deadlines": due}))


def check(setup_file: str) -> None:
    setup = json.loads(Path(setup_file).read_text())
    ballot = Ballot.objects.get(public_id=setup["ballot"])
    voted = list(Participation.objects.filter(ballot=ballot)
                 .values_list("voter__mobile", flat=True))
    numbers = list(Opinion.objects.filter(author__mobile__startswith=RESIDENT)
                   .exclude(title__startswith=DEADLINE_TITLE).values_list("number", "title"))
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
    }, ensure_ascii=False))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    else:
        check(sys.argv[2])
