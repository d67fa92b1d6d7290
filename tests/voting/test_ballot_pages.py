"""Ballot pages and API through the test client; the verifier as a stand-alone program."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.voting.test_ballots import make_ballot, members  # noqa: F401 - fixture
from yishi.voting import services
from yishi.voting.models import Ballot, BallotState, CastBallot

from . import helpers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def published(people, xihu, members):  # noqa: F811
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu, max_choices=2))
    for member, choice in zip(members, [["A"], ["A", "B"], ["C"], ["A"]], strict=False):
        services.cast_vote(member, ballot, {"choices": choice})
    return helpers.publish(people["street_staff"], ballot)


def test_voter_casts_through_the_pages_with_confirmation(client, people, xihu, members):  # noqa: F811
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu, max_choices=2))
    url = reverse("voting:detail", args=[ballot.public_id])
    client.force_login(members[0])
    page = client.get(url)
    assert page.status_code == 200 and 'name="choice"' in page.content.decode()
    too_many = client.post(url, {"choice": ["A", "B", "C"]})
    assert too_many.status_code == 400 and not CastBallot.objects.exists()
    review = client.post(url, {"choice": ["A", "C"]})
    assert review.status_code == 200 and 'name="step" value="confirm"' in review.content.decode()
    assert not CastBallot.objects.exists()  # nothing is cast before confirming
    done = client.post(url, {"choice": ["A", "C"], "step": "confirm"})
    assert done.status_code == 302
    receipt = client.get(done.url).content.decode()
    code = CastBallot.objects.get().receipt[:4].upper()
    assert code in receipt
    again = client.post(url, {"choice": ["A"], "step": "confirm"})
    assert again.status_code == 400 and CastBallot.objects.count() == 1


def test_anonymous_visitor_is_asked_to_sign_in(client, people, xihu):
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu))
    response = client.post(reverse("voting:detail", args=[ballot.public_id]), {"choice": ["A"]})
    assert response.status_code == 302 and reverse("core:login") in response.url


def test_results_board_and_downloads(client, published):
    html = client.get(reverse("voting:results", args=[published.public_id])).content.decode()
    assert "<svg" in html and "加装电梯" in html
    board = client.get(reverse("voting:board", args=[published.public_id]))
    assert board.status_code == 200
    receipt = CastBallot.objects.filter(ballot=published).first().receipt
    found = client.get(reverse("voting:board", args=[published.public_id]),
                       {"receipt": receipt[:12]}).content.decode()
    assert receipt in found
    data = client.get(reverse("voting:board_json", args=[published.public_id])).json()
    # B and C tie on one vote; the cheaper one wins (lower cost first).
    assert len(data["ballots"]) == len(data["ciphertexts"]) == 4
    assert data["result"]["winners"] == ["A", "C"]
    pb = client.get(reverse("voting:ballot_pb", args=[published.public_id])).content.decode()
    assert pb.startswith("META") and "num_votes;4" in pb


def test_drafts_are_not_public(client, people, xihu):
    ballot = make_ballot(people, xihu)
    assert client.get(reverse("voting:detail", args=[ballot.public_id])).status_code == 404
    assert client.get(f"/api/voting/ballots/{ballot.public_id}").status_code == 404
    assert client.get("/voting/not-a-uuid/").status_code == 404


def test_verifier_needs_nothing_but_the_standard_library(client, published, tmp_path):
    board = client.get(reverse("voting:board_json", args=[published.public_id])).json()
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board, ensure_ascii=False), encoding="utf-8")
    # Django is made unimportable in the child process.
    program = (f"import sys; sys.modules['django'] = None; sys.path.insert(0, {str(ROOT)!r}); "
               "from yishi.voting.verify import main; sys.exit(main(sys.argv[1:]))")
    ok = subprocess.run([sys.executable, "-I", "-c", program, str(path), "--receipt",
                         board["ciphertexts"][0]["tracking_code"][:12]], capture_output=True,
                        text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK" in ok.stdout and "on the board" in ok.stdout
    del board["ballots"][1]  # a ballot that was counted goes missing
    path.write_text(json.dumps(board), encoding="utf-8")
    bad = subprocess.run([sys.executable, "-I", "-c", program, str(path)],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout


def test_staff_pages_create_open_close_publish(client, people, xihu, members,  # noqa: F811
                                               verified_login):
    verified_login(people["street_staff"])
    form = {
        "unit": xihu["xixi"].pk, "title": "社区食堂选址", "method": "choose", "secrecy": "secret",
        "max_choices": 1, "min_choices": 0, "min_support": 0, "pass_rule": "more_than_half_cast",
        "budget_rule": "mes-greedy", "tie_break": "lower_cost_then_draw",
        "roll_source": "roles", "roll_role_choices": ["council_member"], "quorum_fraction": "1/2",
        "options_text": "A | 文三路\nB | 学院路",
    }
    no_tellers = client.post(reverse("voting:manage_create"), form)
    assert no_tellers.status_code == 200 and not Ballot.objects.filter(title="社区食堂选址").exists()
    assert "监票人" in no_tellers.content.decode() or "teller" in no_tellers.content.decode()
    tellers = members[8:11]
    response = client.post(reverse("voting:manage_create"), {
        **form, "teller_mobiles": "\n".join(t.mobile for t in tellers), "threshold": 2})
    assert response.status_code == 302, response.content.decode()[:2000]
    ballot = Ballot.objects.get(title="社区食堂选址")
    assert ballot.threshold == 2 and ballot.tellers.count() == 3
    for action in ("open", "close", "publish"):
        client.post(reverse("voting:manage_action", args=[ballot.public_id, action]))
    ballot.refresh_from_db()
    assert ballot.state == BallotState.CLOSED and ballot.is_sealed  # not without the tellers
    assert "解密" in client.get(reverse("voting:manage", args=[ballot.public_id])).content.decode()


def test_staff_pages_refuse_other_streets(client, people, xihu, verified_login):
    ballot = services.create_ballot(people["district_staff"], xihu["beishan"], title="北山",
                                    method="choose", options=[services.OptionInput("A", "a")],
                                    secrecy="named")
    verified_login(people["street_staff"])
    assert client.get(reverse("voting:manage", args=[ballot.public_id])).status_code == 403
    client.post(reverse("voting:manage_action", args=[ballot.public_id, "open"]))
    assert Ballot.objects.get(pk=ballot.pk).state == BallotState.DRAFT


def test_api_cast_and_results(client, people, xihu, members):  # noqa: F811
    ballot = helpers.open_ballot(
        people["street_staff"],
        make_ballot(people, xihu, method="budget", budget=Decimal("800000")))
    url = f"/api/voting/ballots/{ballot.public_id}/votes"
    assert client.post(url, {"choices": ["A"]}, content_type="application/json").status_code == 401
    client.force_login(members[0])
    over = client.post(url, {"choices": ["A", "B"]}, content_type="application/json")
    assert over.status_code == 422 and over.json()["detail"]
    ok = client.post(url, {"choices": ["A"]}, content_type="application/json")
    assert ok.status_code == 201 and set(ok.json()) == {"code", "hash"}
    twice = client.post(url, {"choices": ["C"]}, content_type="application/json")
    assert twice.status_code == 422
    listing = client.get("/api/voting/ballots").json()
    assert listing[0]["id"] == str(ballot.public_id)
    assert client.get(f"/api/voting/ballots/{ballot.public_id}/results").status_code == 404
    schema = client.get("/api/openapi.json").json()
    assert "/api/voting/ballots/{ballot_id}/votes" in schema["paths"]


def test_staff_inspect_the_roll(client, people, xihu, members, verified_login):  # noqa: F811
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu))
    services.cast_vote(members[0], ballot, {"choices": ["A"]})
    verified_login(people["street_staff"])
    html = client.get(reverse("voting:manage_roll", args=[ballot.public_id])).content.decode()
    assert "委员0" in html and members[0].masked_mobile in html and members[0].mobile not in html


def test_api_staff_flow_with_quorum(client, people, xihu, members, verified_login):  # noqa: F811
    verified_login(people["street_staff"])
    created = client.post("/api/voting/ballots", {
        "unit": xihu["xixi"].code, "title": "关于街道预算的决议", "method": "yes_no",
        "secrecy": "named", "options": [{"key": "R1", "title": "决议"}],
        "roll_roles": ["council_member"], "quorum_required": True,
        "pass_rule": "more_than_half_entitled"}, content_type="application/json")
    assert created.status_code == 201, created.content
    ballot_id = created.json()["id"]
    no_quorum = client.post(f"/api/voting/ballots/{ballot_id}/open")
    assert no_quorum.status_code == 422 and no_quorum.json()["detail"]
    presence = client.post(f"/api/voting/ballots/{ballot_id}/presence",
                           {"mobiles": [m.mobile for m in members[:6]]},
                           content_type="application/json")
    assert presence.json() == {"present_count": 6}
    assert client.post(f"/api/voting/ballots/{ballot_id}/open").json()["state"] == "open"
    bad = client.post("/api/voting/ballots", {"unit": xihu["beishan"].code, "title": "x",
                                              "method": "choose", "options": [{"key": "A",
                                                                               "title": "a"}]},
                      content_type="application/json")
    assert bad.status_code == 403
    wrong = client.post("/api/voting/ballots", {"unit": xihu["xixi"].code, "title": "x",
                                                "method": "choose", "options": []},
                        content_type="application/json")
    assert wrong.status_code == 422


def test_api_refuses_out_of_range_money_and_changes_nothing(client, people, xihu,
                                                            verified_login):
    """A cost of 6e16 used to answer 500, save the ballot, and once opened break the list."""
    verified_login(people["street_staff"])
    base = {"unit": xihu["xixi"].code, "title": "金额越界", "method": "budget",
            "budget": "1000000", "roll_roles": ["council_member"],
            "secrecy": "named"}
    for options, budget, field in [
        ([{"key": "A", "title": "a", "cost": 6e16}], "1000000", "cost"),
        ([{"key": "A", "title": "a", "cost": "-1"}], "1000000", "cost"),
        ([{"key": "A", "title": "a", "cost": "10.001"}], "1000000", "cost"),
        ([{"key": "A", "title": "a", "cost": "100"}], "1e20", "budget"),
        ([{"key": "A", "title": "a", "cost": "NaN"}], "1000000", "cost"),
    ]:
        response = client.post("/api/voting/ballots", {**base, "options": options,
                                                       "budget": budget},
                               content_type="application/json")
        assert response.status_code == 422, (options, budget, response.content)
        assert field in response.content.decode()
    assert not Ballot.objects.filter(title="金额越界").exists()
    assert client.get("/api/voting/ballots").status_code == 200
    with pytest.raises(ValidationError):  # the service holds the same range for every caller
        services.create_ballot(people["street_staff"], xihu["xixi"], title="金额越界",
                               method="budget", budget=Decimal("1000000"),
                               options=[services.OptionInput("A", "a", Decimal("6e16"))])
    assert not Ballot.objects.filter(title="金额越界").exists()


def test_staff_page_names_the_roles_on_the_roll(client, people, xihu, members,  # noqa: F811
                                                verified_login):
    """The roll's roles by their names, in the reader's language: not "(council_member)"."""
    ballot = make_ballot(people, xihu)
    assert ballot.roll_roles == "council_member"
    verified_login(people["street_staff"])
    url = reverse("voting:manage", args=[ballot.public_id])
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url).content.decode()
    assert "议事会成员" in chinese and "council_member" not in chinese
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "(Council member)" in english and "council_member" not in english
