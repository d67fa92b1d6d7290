"""The vote path does what one person, one vote needs and nothing else (issue 18): after the
first vote in a process, a vote through the API reads the session, the person (with whether
they hold a staff role, in the same query), the ballot, the ballot's state under its lock, and
writes the participation (checked against the roll in the same statement) and the ballot."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.voting.test_ballots import make_ballot, members  # noqa: F401 - fixture
from yishi.voting.models import CastBallot, Participation

from . import helpers


def _statements(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_a_vote_costs_six_statements(client, people, xihu, members):  # noqa: F811
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu, max_choices=2))
    url = f"/api/voting/ballots/{ballot.public_id}/votes"
    client.force_login(members[0])
    assert client.post(url, {"choices": ["A"]}, content_type="application/json").status_code == 201
    client.force_login(members[1])
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, {"choices": ["B"]}, content_type="application/json")
    assert response.status_code == 201
    statements = _statements(ctx)
    assert len(statements) == 6, "\n".join(statements)
    assert not [s for s in statements if "core_roleassignment" in s and "EXISTS" not in s]
    assert not [s for s in statements if "voting_option" in s]
    assert CastBallot.objects.filter(ballot=ballot).count() == 2
    assert Participation.objects.filter(ballot=ballot).count() == 2


def test_the_one_statement_still_refuses_the_unentitled_and_the_second_vote(
        client, people, xihu, members):  # noqa: F811
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu, max_choices=2))
    url = f"/api/voting/ballots/{ballot.public_id}/votes"
    client.force_login(people["nobody"])
    outsider = client.post(url, {"choices": ["A"]}, content_type="application/json")
    assert outsider.status_code == 422 and "名册" in outsider.json()["detail"]
    client.force_login(members[0])
    assert client.post(url, {"choices": ["A"]}, content_type="application/json").status_code == 201
    again = client.post(url, {"choices": ["B"]}, content_type="application/json")
    assert again.status_code == 422 and "已经参加过" in again.json()["detail"]
    assert Participation.objects.filter(ballot=ballot).count() == 1
    assert CastBallot.objects.filter(ballot=ballot).count() == 1
