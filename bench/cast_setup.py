"""Database side of bench/cast.py, run in the server's environment:

    python bench/cast_setup.py setup N FILE   N voters on a council roll, two open ballots (a
                                             named vote, stored as cast: the cost without
                                             encryption; and a secret one sealed to three
                                             tellers' key), and a signed-in session per voter
    python bench/cast_setup.py check ID      how many ballots and participations were stored"""

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
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from yishi.core.demo import load_units  # noqa: E402
from yishi.core.models import Role, RoleAssignment, User  # noqa: E402
from yishi.voting import services  # noqa: E402
from yishi.voting.models import Ballot, CastBallot, Participation  # noqa: E402


def setup(count: int, out: str) -> None:
    district, streets = load_units()
    street = streets[1]
    prefix = "171"
    existing = set(User.objects.filter(mobile__startswith=prefix).values_list("mobile", flat=True))
    with transaction.atomic():
        User.objects.bulk_create([
            User(mobile=f"{prefix}{i:08d}", name=f"bench{i}", password="!", home_unit=None)
            for i in range(count) if f"{prefix}{i:08d}" not in existing
        ], batch_size=5000)
    voters = list(User.objects.filter(mobile__startswith=prefix).order_by("mobile")[:count])
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=v, role=Role.COUNCIL_MEMBER, unit=street) for v in voters],
        batch_size=5000, ignore_conflicts=True)
    staff, _ = User.objects.get_or_create(mobile="17200000000", defaults={"name": "bench staff"})
    RoleAssignment.objects.get_or_create(user=staff, role=Role.STREET_STAFF, unit=street,
                                         ends_on=None)
    tellers = voters[:3]
    ballots = {}
    for kind in ("plain", "sealed"):
        ballot = services.create_ballot(
            staff, street, title=f"bench {kind} {timezone.now():%H%M%S}", method="choose",
            max_choices=3, roll_roles="council_member",
            # Every secret ballot is sealed now; a named vote stores what was cast, so it is
            # the same path without the encryption.
            **({"tellers": tellers} if kind == "sealed" else {"secrecy": "named"}),
            options=[services.OptionInput(k, f"项目{k}") for k in "ABCDEFGHIJKL"])
        ballots[kind] = str(services.open_ballot(staff, ballot).public_id)
    store = SessionStore()
    expire = timezone.now() + timedelta(hours=2)
    sessions = []
    rows = []
    for voter in voters:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(voter.pk),
                BACKEND_SESSION_KEY: "yishi.core.auth_backends.MobileBackend",
                HASH_SESSION_KEY: voter.get_session_auth_hash()}
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        sessions.append(key)
    Session.objects.bulk_create(rows, batch_size=5000)
    Path(out).write_text(json.dumps({"ballots": ballots, "sessions": sessions}))


def check(ballot_id: str) -> None:
    ballot = Ballot.objects.get(public_id=ballot_id)
    print(json.dumps({
        "cast": CastBallot.objects.filter(ballot=ballot).count(),
        "plaintext": CastBallot.objects.filter(ballot=ballot, content__isnull=False).count(),
        "participations": Participation.objects.filter(ballot=ballot).count(),
        "entitled": ballot.entitled_count,
    }))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(int(sys.argv[2]), sys.argv[3])
    else:
        check(sys.argv[2])
