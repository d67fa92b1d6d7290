"""Sealed secret ballots: encrypted at cast, keys with the tellers, shuffled and decrypted at the
count — and an attacker holding the database trying every way to pair voters with choices."""

import itertools
import json

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from yishi.core.models import AuditRecord, Role, RoleAssignment, User
from yishi.voting import queries, sealing, services, tellers, verify
from yishi.voting.models import (
    Ballot,
    CastBallot,
    DecryptedBallot,
    PaperBatch,
    Participation,
    Teller,
)
from yishi.voting.services import OptionInput

KEYS = ["QZXA", "QZXB", "QZXC", "QZXD", "QZXE", "QZXF"]
# Thirty different ballots: each voter's content is unique, so pairing voters with decrypted
# ballots by any order can be scored exactly.
CONTENTS = [{"choices": list(c)} for c in
            (list(itertools.combinations(KEYS, 2)) + list(itertools.combinations(KEYS, 3)))[:30]]
# A random permutation has on average one fixed point; seven or more has odds of about 1 in
# 5000. A linkage that works pairs all thirty.
CHANCE = 6


@pytest.fixture
def voters(xihu, people):
    RoleAssignment.objects.filter(user=people["council_member"]).delete()
    result = []
    for i in range(30):
        user = User.objects.create_user(f"1366600{i:04d}", name=f"投票人{i}",
                                         home_unit=xihu["xixi_community"])
        RoleAssignment.objects.create(user=user, role=Role.COUNCIL_MEMBER, unit=xihu["xixi"])
        result.append(user)
    return result


@pytest.fixture
def teller_people(xihu, people):
    return [people["street_staff"], people["deputy"], people["expert"]]


def sealed_ballot(people, xihu, teller_people, **fields):
    fields.setdefault("max_choices", 6)
    ballot = services.create_ballot(
        people["street_staff"], xihu["xixi"], title="封存票选", method="choose",
        options=[OptionInput(k, f"项目{k}") for k in KEYS], roll_roles="council_member",
        tellers=teller_people, threshold=2, **fields)
    return ballot


def open_and_take(people, ballot, teller_people) -> list[str]:
    ballot = services.open_ballot(people["street_staff"], ballot)
    return ballot, [tellers.take_share(t, ballot) for t in teller_people]


def test_secret_ballot_needs_three_tellers_and_a_sane_threshold(people, xihu, teller_people):
    make = lambda **kw: services.create_ballot(  # noqa: E731
        people["street_staff"], xihu["xixi"], title="x", method="choose",
        options=[OptionInput("A", "a")], **kw)
    for kwargs, code in [({"tellers": teller_people[:2]}, "tellers"),
                         ({"tellers": teller_people + [teller_people[0]]}, "tellers"),
                         ({"tellers": teller_people, "threshold": 4}, "threshold"),
                         ({"tellers": teller_people, "threshold": 1}, "threshold"),
                         ({"tellers": teller_people, "secrecy": "named"}, "tellers")]:
        with pytest.raises(ValidationError) as info:
            make(**kwargs)
        assert info.value.code == code
    assert not Ballot.objects.exists() and not Teller.objects.exists()


def test_full_flow_shares_once_quorum_count_board_and_verify(people, xihu, voters,
                                                             teller_people):
    ballot = sealed_ballot(people, xihu, teller_people, publish_key=True)
    ballot, shares = open_and_take(people, ballot, teller_people)
    assert ballot.is_sealed and len(set(shares)) == 3
    with pytest.raises(ValidationError) as again:
        tellers.take_share(teller_people[0], ballot)
    assert again.value.code == "taken"
    with pytest.raises(PermissionDenied):
        tellers.take_share(voters[0], ballot)
    receipts = [services.cast_vote(v, ballot, c) for v, c in zip(voters, CONTENTS, strict=True)]
    rows = list(CastBallot.objects.filter(ballot=ballot))
    assert all(r.content is None and r.voter_id is None for r in rows)
    assert len({len(bytes(r.ciphertext)) for r in rows}) == 1  # sizes say nothing
    assert {r.receipt for r in rows} == {r.hash for r in receipts}
    assert all(sealing.tracking_code(bytes(r.ciphertext)) == r.receipt for r in rows)
    with pytest.raises(ValidationError):  # shares are brought after the close only
        tellers.bring_share(teller_people[0], ballot, shares[0])
    services.close_ballot(people["street_staff"], ballot)
    with pytest.raises(ValidationError) as sealed:
        services.publish_results(people["street_staff"], ballot)
    assert sealed.value.code == "sealed"
    # One share is not a quorum: nothing is decrypted, and the page says how many are here.
    progress = tellers.bring_share(teller_people[0], ballot, shares[0].upper() + "  ")
    assert (progress.brought, progress.needed, progress.decrypted) == (1, 2, None)
    assert not DecryptedBallot.objects.exists()
    progress = tellers.bring_share(teller_people[2], ballot, shares[2])
    assert progress.decrypted == 30
    ballot = services.publish_results(people["street_staff"], Ballot.objects.get(pk=ballot.pk))
    expected = {k: sum(k in c["choices"] for c in CONTENTS) for k in KEYS}
    assert ballot.result["counts"] == expected
    board = json.loads(json.dumps(queries.board(ballot)))
    assert len(board["ciphertexts"]) == len(board["ballots"]) == 30
    assert verify.verify(board) == []
    # The published key lets anyone check that the ciphertexts hold the published ballots.
    board["ballots"][0]["content"] = board["ballots"][1]["content"]
    board["result"] = None
    assert any("decrypt to the published" in p for p in verify.verify(board))
    board = json.loads(json.dumps(queries.board(ballot)))
    del board["ballots"][3]
    assert any("30 ciphertexts but 29" in p for p in verify.verify(board))


def test_wrong_shares_are_refused_and_nothing_is_decrypted(people, xihu, voters, teller_people):
    ballot = sealed_ballot(people, xihu, teller_people)
    ballot, shares = open_and_take(people, ballot, teller_people)
    other = sealed_ballot(people, xihu, teller_people)
    other, other_shares = open_and_take(people, other, teller_people)
    for voter, content in zip(voters[:5], CONTENTS, strict=False):
        services.cast_vote(voter, ballot, content)
    services.close_ballot(people["street_staff"], ballot)
    words = shares[0].split()
    misspelt = " ".join(words[:5] + ["academic" if words[5] != "academic" else "acid"]
                        + words[6:])
    cases = [(teller_people[0], misspelt, "unreadable"),
             (teller_people[0], " ".join(words[:-1]), "unreadable"),
             (teller_people[0], other_shares[0], "other_ballot"),
             (teller_people[0], shares[1], "not_yours")]
    for teller, text, code in cases:
        with pytest.raises(ValidationError) as info:
            tellers.bring_share(teller, ballot, text)
        assert info.value.code == code, code
        assert info.value.messages[0]
    with pytest.raises(PermissionDenied):
        tellers.bring_share(voters[0], ballot, shares[0])
    assert not Teller.objects.filter(ballot=ballot, share_brought_at__isnull=False).exists()
    # Shares that are each well formed but do not give the ballot's published key (here the
    # public key was swapped in the database): refused, nothing decrypted, shares forgotten.
    real = ballot.public_key
    Ballot.objects.filter(pk=ballot.pk).update(public_key=other.public_key)
    tellers.bring_share(teller_people[0], ballot, shares[0])
    with pytest.raises(ValidationError) as info:
        tellers.bring_share(teller_people[1], ballot, shares[1])
    assert info.value.code == "wrong_key"
    assert not DecryptedBallot.objects.exists()
    assert Ballot.objects.get(pk=ballot.pk).decrypted_at is None
    assert not Teller.objects.filter(ballot=ballot, share_brought_at__isnull=False).exists()
    Ballot.objects.filter(pk=ballot.pk).update(public_key=real)
    tellers.bring_share(teller_people[0], ballot, shares[0])
    assert tellers.bring_share(teller_people[1], ballot, shares[1]).decrypted == 5


def test_lost_shares_mean_no_count(people, xihu, voters, teller_people, client):
    ballot = sealed_ballot(people, xihu, teller_people)
    ballot = services.open_ballot(people["street_staff"], ballot)
    share = tellers.take_share(teller_people[0], ballot)
    services.cast_vote(voters[0], ballot, CONTENTS[0])
    services.close_ballot(people["street_staff"], ballot)
    # Shares not taken by the close are gone from memory: one teller alone cannot count.
    with pytest.raises(ValidationError) as info:
        tellers.take_share(teller_people[1], ballot)
    assert info.value.code == "gone"
    assert tellers.bring_share(teller_people[0], ballot, share).decrypted is None
    page = client.get(reverse("voting:detail", args=[ballot.public_id])).content.decode()
    assert "2" in page and ("监票人" in page or "tellers" in page)


def _rows(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}"')
        return [repr(row) for row in cursor.fetchall()]


# A ballot's content cannot be stored without its key, quoted as JSON or a Python repr has it;
# nothing else in the database carries it (the option codes alone are in the options table).
MARKERS = ['"choices"', "'choices'"]


def _tables() -> list[str]:
    # The test harness's own copy of the demo (tests/demo.py) is not the platform's data.
    return [t for t in connection.introspection.table_names()
            if not t.startswith("yishi_snapshot_")]


def _tables_holding(markers=MARKERS) -> set[str]:
    found = set()
    for table in _tables():
        if any(m in text for text in _rows(table) for m in markers):
            found.add(table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in _tables():
                cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')
                if any(m in text for (text,) in cursor.fetchall() for m in markers):
                    found.add(table)
    return found


def _sqlite_dump() -> bytes:
    connection.ensure_connection()
    return connection.connection.serialize()


def _fixed_points(ordered_contents: list[dict], expected: list[dict]) -> int:
    return sum(a == b for a, b in zip(ordered_contents, expected, strict=True))


def _project_ballot(people, xihu, teller_people):
    """A livelihood-project cycle's ballot, opened by the projects app: six candidates, sealed
    to the cycle's tellers. Returns the ballot and each test key's option code."""
    from datetime import timedelta
    from decimal import Decimal

    from tests.projects.conftest import next_phase
    from yishi.projects import services as projects
    from yishi.projects.models import Category
    from yishi.projects.tellers import set_cycle_tellers

    staff = people["street_staff"]
    category = Category.objects.create(code="attack", name="养老服务")
    cycle = projects.open_cycle(staff, projects.CycleInput(
        unit=xihu["xixi"], year=2030, title="封存项目票选", budget=Decimal("9000000"),
        starts_at=timezone.now() - timedelta(minutes=1), seats=6, min_support=0))
    set_cycle_tellers(staff, cycle, teller_people, 2)
    candidates = [projects.propose(people["resident"], cycle, projects.ProposalInput(
        title=f"项目{k}", description="测试", category=category,
        community=xihu["xixi_community"], beneficiaries="居民", estimated_cost="100000"))
        for k in KEYS]
    next_phase(staff, cycle)
    for project in candidates:
        projects.approve(staff, project)
    next_phase(staff, cycle)
    projects.publish_notice(staff, cycle)
    next_phase(staff, cycle)
    ballot = projects.open_ballot(staff, cycle)
    assert ballot.is_sealed and ballot.max_choices == 6
    return ballot, {k: p.option_key for k, p in zip(KEYS, candidates, strict=True)}


@pytest.mark.parametrize("kind", ["plain", "project"])
def test_attacker_with_the_database_links_no_voter_to_a_choice(client, people, xihu, voters,
                                                              teller_people, kind):
    if kind == "plain":
        ballot, shares = open_and_take(people, sealed_ballot(people, xihu, teller_people),
                                       teller_people)
        codes = {k: k for k in KEYS}
    else:
        # Tellers are council members, deputies or staff of the street (not the expert).
        teller_people = [people["street_staff"], people["deputy"], voters[0]]
        ballot, codes = _project_ballot(people, xihu, teller_people)
        shares = [tellers.take_share(t, ballot) for t in teller_people]
    expected = [{"choices": [codes[k] for k in c["choices"]]} for c in CONTENTS]
    # Voters cast through the pages, so their sessions are there to be searched as well.
    for voter, content in zip(voters, expected, strict=True):
        client.force_login(voter)
        response = client.post(reverse("voting:detail", args=[ballot.public_id]),
                               {"choice": content["choices"], "step": "confirm"})
        assert response.status_code == 302
    services.close_ballot(people["street_staff"], ballot)

    # Before the count: no plaintext anywhere — not in any table, not in the database bytes.
    assert _tables_holding() == set()
    if connection.vendor == "sqlite":
        dump = _sqlite_dump()
        assert "封存".encode() in dump  # the scan sees this test's rows
        # The file also holds the test harness's copy of the demo (its published ballots
        # included), so look for this ballot's own option codes, whole.
        for form in (b'"choices": ["', b'"choices":["', b"'choices': ['"):
            for code in codes.values():
                assert form + code.encode() + form[-1:] not in dump, code
    for session in Session.objects.all():
        decoded = json.dumps(session.get_decoded(), ensure_ascii=False)
        assert "choices" not in decoded and not any(c in decoded for c in codes.values())

    tellers.bring_share(teller_people[1], ballot, shares[1])
    assert tellers.bring_share(teller_people[2], ballot, shares[2]).decrypted == 30
    # After the count the contents are public, in one table only, with nothing to pair them.
    assert _tables_holding() == {DecryptedBallot._meta.db_table}
    if connection.vendor == "sqlite":
        assert b'"choices"' in _sqlite_dump()  # the same scan would have found them

    voter_order = list(Participation.objects.filter(ballot=ballot).order_by("id")
                       .values_list("voter_id", flat=True))
    assert voter_order == [v.pk for v in voters]  # the attacker knows who voted in what order
    by_time = list(Participation.objects.filter(ballot=ballot).order_by("voted_at", "id")
                   .values_list("voter_id", flat=True))
    assert by_time == voter_order
    table = DecryptedBallot._meta.db_table
    physical = "rowid" if connection.vendor == "sqlite" else "ctid"
    attempts = {}
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT content FROM "{table}" WHERE ballot_id = %s ORDER BY {physical}',
                       [ballot.pk])
        attempts["physical row order"] = [row[0] for row in cursor.fetchall()]
        if connection.vendor == "postgresql":
            cursor.execute(f'SELECT xmin::text, content FROM "{table}" WHERE ballot_id = %s '
                           'ORDER BY xmin::text::bigint', [ballot.pk])
            rows = cursor.fetchall()
            assert len({x for x, _c in rows}) == 1  # one transaction: xmin tells nothing
            attempts["xmin"] = [c for _x, c in rows]
            cursor.execute('SELECT p.voter_id, c.ctid::text FROM voting_participation p '
                           'JOIN voting_castballot c ON c.xmin = p.xmin')
            # xmin pairs a voter with a ciphertext — which is why the content is encrypted.
    attempts["id order"] = list(DecryptedBallot.objects.filter(ballot=ballot).order_by("id")
                                .values_list("content", flat=True))
    attempts["reverse id order"] = attempts["id order"][::-1]
    # Pair through the ciphertexts: their row order follows the participations exactly.
    cast_table = CastBallot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT receipt FROM "{cast_table}" WHERE ballot_id = %s '
                       f'ORDER BY {physical}', [ballot.pk])
        cast_order = [row[0] for row in cursor.fetchall()]
    receipts_by_hash = {r: i for i, r in enumerate(sorted(cast_order))}
    attempts["tracking-code order"] = [attempts["id order"][receipts_by_hash[r]]
                                       for r in cast_order]
    for name, ordered in attempts.items():
        contents = [json.loads(c) if isinstance(c, str) else c for c in ordered]
        assert sorted(map(json.dumps, contents)) == sorted(map(json.dumps, expected)), name
        assert _fixed_points(contents, expected) <= CHANCE, f"{name} links voters to choices"

    # Audit records, task rows and notifications hold no content and no voter-ballot pair.
    for record in AuditRecord.objects.all():
        text = json.dumps([record.before, record.after], ensure_ascii=False)
        assert "choices" not in text
        assert not any(f'"{codes[k]}"]' in text for k in KEYS[:2])
    from yishi.core.models import Notification

    for note in Notification.objects.all():
        assert "choices" not in f"{note.subject} {note.body}"
    assert not any(t.startswith("django_tasks") and _rows(t) for t in
                   connection.introspection.table_names())
    # The receipt page shows the tracking code once, and the session forgets it.
    client.force_login(voters[-1])
    assert client.get(reverse("voting:receipt", args=[ballot.public_id])).status_code in (200, 404)


def test_admin_and_paper_batches_pair_nobody_with_a_content(client, people, xihu, voters,
                                                           teller_people):
    ballot = sealed_ballot(people, xihu, teller_people)
    ballot, shares = open_and_take(people, ballot, teller_people)
    first, second = people["street_staff"], people["district_staff"]
    tally = services.enter_paper_tally(first, ballot, [{"content": CONTENTS[0], "count": 5}])
    with pytest.raises(ValidationError) as small:
        services.record_paper_voters(first, ballot, [v.mobile for v in voters[:1]])
    assert small.value.code == "voters" and "5" in small.value.messages[0]
    assert not Participation.objects.filter(ballot=ballot).exists()
    batch = services.record_paper_voters(first, ballot, [v.mobile for v in voters[:5]])
    assert batch.voters == 5 and PaperBatch.objects.count() == 1
    with pytest.raises(ValidationError):  # the same people again
        services.record_paper_voters(first, ballot, [v.mobile for v in voters[:5]])
    services.confirm_paper_tally(second, tally)
    paper_rows = CastBallot.objects.filter(ballot=ballot, channel="paper")
    assert paper_rows.count() == 5 and not paper_rows.filter(content__isnull=False).exists()
    # The tally itself says what was counted, never who: it has no voter field at all.
    assert "voters" not in {f.name for f in type(tally)._meta.get_fields()}
    admin = User.objects.create_superuser("18600008888", password="x")
    client.force_login(admin)
    for url in ("/admin/voting/papertally/", f"/admin/voting/papertally/{tally.pk}/change/",
                "/admin/voting/ballot/"):
        page = client.get(url).content.decode()
        assert voters[0].mobile not in page and voters[0].name not in page
    services.close_ballot(first, ballot)
    tellers.bring_share(teller_people[0], ballot, shares[0])
    assert tellers.bring_share(teller_people[1], ballot, shares[1]).decrypted == 5
    ballot = services.publish_results(first, Ballot.objects.get(pk=ballot.pk))
    assert ballot.result["counts"]["QZXA"] == 5


def test_expired_sessions_are_cleared_by_the_periodic_worker(client, people):
    from yishi.core.periodic import JOBS

    client.force_login(people["resident"])
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    client.force_login(people["deputy"])
    assert Session.objects.count() == 2
    JOBS["sessions.clear_expired"]()
    assert Session.objects.count() == 1


def test_a_share_after_the_count_changes_nothing(people, xihu, voters, teller_people):
    ballot = sealed_ballot(people, xihu, teller_people)
    ballot, shares = open_and_take(people, ballot, teller_people)
    for voter, content in zip(voters[:4], CONTENTS, strict=False):
        services.cast_vote(voter, ballot, content)
    services.close_ballot(people["street_staff"], ballot)
    for i in range(2):
        tellers.bring_share(teller_people[i], ballot, shares[i])
    assert DecryptedBallot.objects.filter(ballot=ballot).count() == 4
    with pytest.raises(ValidationError) as info:
        tellers.bring_share(teller_people[2], ballot, shares[2])
    assert info.value.code == "state"
    assert DecryptedBallot.objects.filter(ballot=ballot).count() == 4


def test_a_stale_ballot_object_still_seals(people, xihu, voters, teller_people):
    """A caller holding the Ballot from before it opened (no key on the object) must not cast
    in plaintext: the key is read with the lock."""
    draft = sealed_ballot(people, xihu, teller_people)
    services.open_ballot(people["street_staff"], draft)
    assert draft.public_key == ""
    services.cast_vote(voters[0], draft, CONTENTS[0])
    cast = CastBallot.objects.get(ballot=draft)
    assert cast.content is None and cast.ciphertext


def test_an_altered_ciphertext_stops_the_count(people, xihu, voters, teller_people):
    ballot = sealed_ballot(people, xihu, teller_people)
    ballot, shares = open_and_take(people, ballot, teller_people)
    for voter, content in zip(voters[:3], CONTENTS, strict=False):
        services.cast_vote(voter, ballot, content)
    services.close_ballot(people["street_staff"], ballot)
    row = CastBallot.objects.filter(ballot=ballot).first()
    altered = bytes(row.ciphertext)[:-1] + bytes([bytes(row.ciphertext)[-1] ^ 1])
    CastBallot.objects.filter(pk=row.pk).update(ciphertext=altered)
    tellers.bring_share(teller_people[0], ballot, shares[0])
    with pytest.raises(ValidationError) as info:
        tellers.bring_share(teller_people[1], ballot, shares[1])
    assert info.value.code == "tampered"
    assert not DecryptedBallot.objects.filter(ballot=ballot).exists()
    assert Ballot.objects.get(pk=ballot.pk).decrypted_at is None
