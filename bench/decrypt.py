"""Decrypt and count a sealed ballot of N ballots (default 100,000, the size of a large pabulib
election) the way the tellers do: two of three shares brought, the key rebuilt, the ciphertexts
shuffled and decrypted into the published table, then the result computed (participatory
budget, Method of Equal Shares completed greedily).

    python bench/decrypt.py [--ballots 100000] [--database-url URL]

Uses a fresh SQLite file by default (PostgreSQL with --database-url). The ciphertexts are made
with the same sealing code as a cast, written in bulk (no HTTP: bench/cast.py measures that).
Prints the seconds for each step; exits 1 if the count took 60 s or more."""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIMIT = 60.0


def run(ballots: int) -> int:
    import django

    django.setup()
    from django.utils import timezone

    from yishi.core.demo import load_units
    from yishi.core.models import Role, RoleAssignment, User
    from yishi.voting import sealing, services, tellers
    from yishi.voting.models import Ballot, BallotState, CastBallot, Channel
    from yishi.voting.queries import ballot_spec

    _district, streets = load_units()
    street = streets[1]
    staff, _ = User.objects.get_or_create(mobile="17200000000", defaults={"name": "bench staff"})
    RoleAssignment.objects.get_or_create(user=staff, role=Role.STREET_STAFF, unit=street,
                                         ends_on=None)
    people = []
    for i in range(3):
        user, _ = User.objects.get_or_create(mobile=f"1720000000{i + 1}",
                                             defaults={"name": f"teller {i}"})
        RoleAssignment.objects.get_or_create(user=user, role=Role.COUNCIL_MEMBER, unit=street,
                                             ends_on=None)
        people.append(user)
    keys = [f"P{i:02d}" for i in range(20)]
    rng = random.Random(100000)
    ballot = services.create_ballot(
        staff, street, title=f"decrypt bench {timezone.now():%H%M%S}", method="budget",
        budget=Decimal("5000000"), budget_rule="mes-greedy", roll_roles="council_member",
        tellers=people, threshold=2,
        options=[services.OptionInput(k, f"项目{k}", Decimal(rng.randrange(100, 2000) * 1000))
                 for k in keys])
    ballot = services.open_ballot(staff, ballot)
    shares = [tellers.take_share(t, ballot) for t in people]
    spec = ballot_spec(ballot)
    costs = {o["key"]: Decimal(o["cost"]) for o in spec["options"]}
    started = time.perf_counter()
    rows = []
    for _n in range(ballots):
        chosen, spent = [], Decimal(0)
        for key in rng.sample(keys, rng.randint(1, 6)):
            if spent + costs[key] <= Decimal("5000000"):
                chosen.append(key)
                spent += costs[key]
        ciphertext = sealing.seal(spec, ballot.public_key, {"choices": sorted(chosen)})
        rows.append(CastBallot(ballot=ballot, ciphertext=ciphertext, channel=Channel.ONLINE,
                               receipt=sealing.tracking_code(ciphertext)))
    CastBallot.objects.bulk_create(rows, batch_size=5000)
    del rows
    print(f"setup: {ballots} ballots sealed and stored in {time.perf_counter() - started:.1f} s")
    Ballot.objects.filter(pk=ballot.pk).update(state=BallotState.CLOSED,
                                               closed_at=timezone.now())
    ballot.refresh_from_db()
    started = time.perf_counter()
    tellers.bring_share(people[0], ballot, shares[0])
    progress = tellers.bring_share(people[2], ballot, shares[2])
    decrypted = time.perf_counter() - started
    ballot = services.publish_results(staff, Ballot.objects.get(pk=ballot.pk))
    total = time.perf_counter() - started
    print(f"decrypt: {progress.decrypted} ballots shuffled, decrypted and stored in "
          f"{decrypted:.1f} s ({progress.decrypted / decrypted:.0f} ballots/s)")
    print(f"count: result ({spec['budget_rule']}) computed in {total - decrypted:.1f} s; "
          f"selected {len(ballot.result['winners'])} of {len(keys)}")
    print(f"total: {total:.1f} s for {ballots} ballots — "
          + ("OK (< 60 s)" if total < LIMIT else "TOO SLOW (>= 60 s)"))
    return 0 if progress.decrypted == ballots and total < LIMIT else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run(args.ballots)
    with tempfile.TemporaryDirectory(prefix="yishi-decrypt-") as tmp:
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="yishi.settings", YISHI_VAR_DIR=tmp,
                   DATABASE_URL=args.database_url or f"sqlite:///{tmp}/bench.sqlite3")
        env.pop("YISHI_TESTING", None)
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v",
                        "0"], env=env, check=True, cwd=ROOT)
        return subprocess.run([sys.executable, __file__, "--child", "--ballots",
                               str(args.ballots)], env=env, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
