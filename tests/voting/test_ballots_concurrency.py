"""One person, one vote under concurrent requests; no vote lost when many vote at once;
scheduled transitions fire once with several workers."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.core.test_concurrency import run_together
from tests.voting import helpers
from tests.voting.test_ballots import make_ballot
from yishi.core.models import AuditRecord, Role, RoleAssignment, User
from yishi.voting import services
from yishi.voting.models import Ballot, BallotState, CastBallot, Participation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def voters(xihu):
    result = []
    for i in range(16):
        user = User.objects.create_user(f"1357700{i:04d}", name=f"V{i}")
        RoleAssignment.objects.create(user=user, role=Role.COUNCIL_MEMBER, unit=xihu["xixi"])
        result.append(user)
    return result


def test_same_voter_concurrently_stores_exactly_one(people, xihu, voters):
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu))
    outcomes = run_together(lambda i: services.cast_vote(voters[0], ballot, {"choices": ["A"]}),
                            count=12)
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1
    errors = [v for kind, v in outcomes if kind == "error"]
    assert all(isinstance(e, ValidationError) and e.code == "already_voted" for e in errors), errors
    assert Participation.objects.filter(ballot=ballot).count() == 1
    assert CastBallot.objects.filter(ballot=ballot).count() == 1


def test_many_voters_at_once_lose_nothing(people, xihu, voters):
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu))
    outcomes = run_together(lambda i: services.cast_vote(voters[i], ballot, {"choices": ["B"]}),
                            count=len(voters))
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert CastBallot.objects.filter(ballot=ballot).count() == len(voters)
    ballot = helpers.publish(people["street_staff"], ballot)
    assert ballot.result["counts"]["B"] == len(voters)


def test_close_races_with_votes_without_losing_any(people, xihu, voters):
    """Votes and the close arrive together: every vote that was accepted is counted."""
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu))

    def act(i):
        if i == 0:
            return services.close_ballot(people["street_staff"], ballot)
        return services.cast_vote(voters[i], ballot, {"choices": ["A"]})

    outcomes = run_together(act, count=len(voters))
    accepted = sum(1 for i, (kind, _) in enumerate(outcomes) if i and kind == "ok")
    assert Ballot.objects.get(pk=ballot.pk).state == BallotState.CLOSED
    assert CastBallot.objects.filter(ballot=ballot).count() == accepted
    assert Participation.objects.filter(ballot=ballot).count() == accepted


def test_scheduled_close_fires_once_with_several_workers(people, xihu):
    now = timezone.now()
    ballot = make_ballot(people, xihu, opens_at=now - timezone.timedelta(minutes=5),
                         closes_at=now + timezone.timedelta(minutes=1))
    services.run_due_transitions(now)
    before = AuditRecord.objects.filter(action="voting.close_ballot").count()
    later = now + timezone.timedelta(minutes=2)
    outcomes = run_together(lambda i: services.run_due_transitions(later), count=6)
    closed = sum(v[1] for kind, v in outcomes if kind == "ok")
    assert closed == 1, outcomes
    assert AuditRecord.objects.filter(action="voting.close_ballot").count() == before + 1
    assert Ballot.objects.get(pk=ballot.pk).state == BallotState.CLOSED


def test_sealed_ballot_votes_at_once_and_tellers_at_once_count_exactly_once(people, xihu,
                                                                           voters):
    """Sealed: every voter at once, then all three tellers bring their shares at the same
    moment — the ballot row lock lets exactly one request decrypt, and nothing is doubled."""
    from yishi.voting import tellers
    from yishi.voting.models import DecryptedBallot

    staff = people["street_staff"]
    teller_people = [staff, people["deputy"], people["expert"]]
    ballot = services.open_ballot(staff, make_ballot(people, xihu, tellers=teller_people,
                                                      threshold=2))
    shares = [tellers.take_share(t, ballot) for t in teller_people]
    outcomes = run_together(lambda i: services.cast_vote(voters[i], ballot, {"choices": ["B"]}),
                            count=len(voters))
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert not CastBallot.objects.filter(ballot=ballot, content__isnull=False).exists()
    services.close_ballot(staff, ballot)
    outcomes = run_together(
        lambda i: tellers.bring_share(teller_people[i], ballot, shares[i]), count=3)
    counted = [v for kind, v in outcomes if kind == "ok" and v.decrypted is not None]
    errors = [v for kind, v in outcomes if kind == "error"]
    assert counted, outcomes
    assert all(isinstance(e, ValidationError) and e.code == "state" for e in errors), errors
    assert DecryptedBallot.objects.filter(ballot=ballot).count() == len(voters)
    assert AuditRecord.objects.filter(action="voting.decrypt_ballots").count() == 1
    ballot = services.publish_results(staff, Ballot.objects.get(pk=ballot.pk))
    assert ballot.result["counts"]["B"] == len(voters)
