"""The staff page offers what the state allows (irreversible steps asked first), the paper-ballot
desk without typed syntax (with undo), the tellers' API (share once, count by quorum, wrong
share refused) and the ballot's API detail with its actions and count status."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from tests.voting.test_ballots import make_ballot, members  # noqa: F401 - fixture
from yishi.core.models import AuditRecord
from yishi.voting import services
from yishi.voting import tellers as teller_service
from yishi.voting.models import (
    Ballot,
    BallotState,
    DecryptedBallot,
    PaperBatch,
    PaperTally,
    Participation,
    Teller,
)
from yishi.voting.services import OptionInput
from yishi.voting.workflows import BALLOT

from . import helpers

pytestmark = pytest.mark.django_db


def _manage(client, ballot) -> str:
    return client.get(reverse("voting:manage", args=[ballot.public_id])).content.decode()


def _act(ballot, action):
    return reverse("voting:manage_action", args=[ballot.public_id, action])


def test_the_page_offers_exactly_what_the_state_allows(client, people, xihu, members,  # noqa: F811
                                                       verified_login):
    staff = people["street_staff"]
    verified_login(staff)
    ballot = make_ballot(people, xihu)
    html = _manage(client, ballot)
    assert _act(ballot, "open") in html and _act(ballot, "close") not in html
    assert _act(ballot, "publish") not in html and _act(ballot, "cancel") in html
    helpers.open_ballot(staff, ballot)
    html = _manage(client, ballot)
    assert _act(ballot, "open") not in html and _act(ballot, "publish") not in html
    # Close and cancel are irreversible: set apart, each behind a panel that says what happens.
    irreversible = html.split('class="actions actions-irreversible"', 1)[1]
    assert _act(ballot, "close") in irreversible and _act(ballot, "cancel") in irreversible
    assert html.count('class="action-confirm"') == 2
    with translation.override("zh-hans"):
        for name in ("close_ballot", "cancel_ballot"):
            assert escape(str(BALLOT[name].confirm)) in html
    assert 'name="reason"' in irreversible
    # The district's staff of another street see no buttons at all: not theirs.
    client.force_login(people["resident"])
    assert client.get(reverse("voting:manage", args=[ballot.public_id])).status_code == 403


def test_paper_desk_counts_per_content_with_errors_beside_fields(client, people, xihu,
                                                                 members,  # noqa: F811
                                                                 verified_login):
    staff, second = people["street_staff"], people["district_staff"]
    ballot = helpers.open_ballot(staff, make_ballot(people, xihu, max_choices=2))
    verified_login(staff)
    url = _act(ballot, "paper")
    # A row ticked without a number, and a row with three choices of two: both beside their
    # fields, what was ticked kept, nothing entered.
    bad = client.post(url, {"paper-row0-choices": ["A"],
                            "paper-row1-choices": ["A", "B", "C"], "paper-row1-count": "3"})
    html = bad.content.decode()
    assert bad.status_code == 400 and not PaperTally.objects.exists()
    assert 'id="id_paper-row0-count_error"' in html and 'id="id_paper-row1-choices_error"' in html
    assert html.count("checked") >= 4
    nothing = client.post(url, {})
    assert nothing.status_code == 400 and not PaperTally.objects.exists()
    ok = client.post(url, {"paper-row0-choices": ["A", "C"], "paper-row0-count": "12",
                           "paper-row1-choices": ["B"], "paper-row1-count": "3"})
    assert ok.status_code == 302 and ok.url.endswith("#paper")
    tally = PaperTally.objects.get()
    assert tally.lines == [{"content": {"choices": ["A", "C"]}, "count": 12},
                           {"content": {"choices": ["B"]}, "count": 3}]
    # Undo: the teller withdraws their own entry before a second teller confirms it.
    assert "撤销此条录入" in _manage(client, ballot) or "Undo this entry" in _manage(client, ballot)
    client.post(_act(ballot, "reject-paper"), {"tally": tally.pk})
    tally.refresh_from_db()
    assert tally.state == "rejected"
    assert AuditRecord.objects.filter(action="voting.reject_paper_tally").exists()
    client.post(url, {"paper-row0-choices": ["A"], "paper-row0-count": "5"})
    verified_login(second)
    client.post(_act(ballot, "confirm-paper"), {"tally": PaperTally.objects.get(
        state="entered").pk})
    assert PaperTally.objects.filter(state="confirmed").count() == 1
    ballot = helpers.publish(staff, ballot)
    assert ballot.result["counts"]["A"] == 5


def test_choose_one_desk_is_a_number_per_option(client, people, xihu, members,  # noqa: F811
                                                verified_login):
    staff = people["street_staff"]
    ballot = helpers.open_ballot(staff, make_ballot(people, xihu, max_choices=1))
    verified_login(staff)
    html = _manage(client, ballot)
    assert 'name="paper-count-A"' in html and 'name="paper-count-C"' in html
    assert "paper-row0" not in html
    client.post(_act(ballot, "paper"), {"paper-count-A": "7", "paper-count-C": "2"})
    assert PaperTally.objects.get().lines == [{"content": {"choices": ["A"]}, "count": 7},
                                              {"content": {"choices": ["C"]}, "count": 2}]


def test_paper_voters_in_batches_with_undo(client, people, xihu, members,  # noqa: F811
                                           verified_login):
    staff = people["street_staff"]
    ballot = helpers.open_ballot(staff, make_ballot(people, xihu))
    verified_login(staff)
    url = _act(ballot, "paper-voters")
    four = client.post(url, {"voters": "\n".join(m.mobile for m in members[:4])})
    assert four.status_code == 400 and "field-invalid" in four.content.decode()
    assert members[0].mobile in four.content.decode()  # what was typed is kept
    assert not PaperBatch.objects.exists() and not Participation.objects.exists()
    ok = client.post(url, {"voters": "\n".join(m.mobile for m in members[:5])})
    assert ok.status_code == 302 and ok.url.endswith("#paper")
    batch = PaperBatch.objects.get()
    assert Participation.objects.filter(paper_batch=batch).count() == 5
    # Someone else cannot undo it; the one who recorded it can, once.
    verified_login(people["district_staff"])
    client.post(_act(ballot, "undo-paper-voters"), {"batch": batch.pk})
    assert PaperBatch.objects.filter(pk=batch.pk).exists()
    verified_login(staff)
    client.post(_act(ballot, "undo-paper-voters"), {"batch": batch.pk})
    assert not PaperBatch.objects.exists() and not Participation.objects.exists()
    assert AuditRecord.objects.filter(action="voting.undo_paper_voters").count() == 1
    services.cast_vote(members[0], ballot, {"choices": ["A"]})  # may vote again


def test_tellers_bring_their_shares_through_the_api(client, people, xihu, members,  # noqa: F811
                                                   verified_login):
    staff = people["street_staff"]
    tellers = helpers.teller_people(people)
    ballot = services.open_ballot(staff, make_ballot(people, xihu, tellers=tellers,
                                                     threshold=2))
    url = f"/api/voting/ballots/{ballot.public_id}"
    assert client.post(f"{url}/share").status_code == 401
    client.force_login(members[0])
    assert client.post(f"{url}/share").status_code == 403  # not a teller
    shares = {}
    for teller in tellers:
        verified_login(teller)
        taken = client.post(f"{url}/share")
        assert taken.status_code == 200, taken.content
        body = taken.json()
        assert len(body["share"].split()) >= 20 and body["qr_svg"].startswith("<svg")
        shares[teller.pk] = body["share"]
        again = client.post(f"{url}/share")
        assert again.status_code == 422 and "share" not in again.json()
    for n, member in enumerate(members[:4]):
        services.cast_vote(member, ballot, {"choices": ["A"] if n % 2 else ["B"]})
    verified_login(tellers[0])
    early = client.post(f"{url}/count", {"share": shares[tellers[0].pk]},
                        content_type="application/json")
    assert early.status_code == 422  # after the close only
    detail = client.get(url).json()
    assert detail["count"] == {"needed": 2, "tellers": 3, "taken": 3, "brought": 0,
                               "decrypted": False, "countable": True}
    services.close_ballot(staff, ballot)
    # Another teller's share, and words that are no share: refused, nothing decrypted.
    other = client.post(f"{url}/count", {"share": shares[tellers[1].pk]},
                        content_type="application/json")
    with translation.override("zh-hans"):
        assert other.status_code == 422
        assert other.json()["detail"] == str(teller_service.SHARE_MESSAGES["not_yours"]())
    junk = client.post(f"{url}/count", {"share": "abandon " * 20},
                       content_type="application/json")
    assert junk.status_code == 422 and not DecryptedBallot.objects.exists()
    first = client.post(f"{url}/count", {"share": shares[tellers[0].pk]},
                        content_type="application/json").json()
    assert first == {"brought": 1, "needed": 2, "decrypted": None}
    verified_login(tellers[2])
    done = client.post(f"{url}/count", {"share": shares[tellers[2].pk]},
                       content_type="application/json").json()
    assert done["decrypted"] == 4 and DecryptedBallot.objects.filter(ballot=ballot).count() == 4
    # The same count as by the page: staff publish from the decrypted ballots.
    ballot = services.publish_results(staff, Ballot.objects.get(pk=ballot.pk))
    assert ballot.result["counts"] == {"A": 2, "B": 2, "C": 0}


def test_short_quorum_is_said_from_the_close(client, people, xihu, members,  # noqa: F811
                                             verified_login):
    staff = people["street_staff"]
    tellers = helpers.teller_people(people)
    ballot = services.open_ballot(staff, make_ballot(people, xihu, tellers=tellers,
                                                     threshold=3))
    teller_service.take_share(tellers[0], ballot)
    teller_service.take_share(tellers[1], ballot)
    services.close_ballot(staff, ballot)  # the third share is forgotten: 2 of 3 needed 3
    detail = client.get(f"/api/voting/ballots/{ballot.public_id}").json()
    assert detail["count"]["countable"] is False
    verified_login(tellers[0])
    page = client.get(reverse("voting:teller", args=[ballot.public_id])).content.decode()
    assert "message-error" in page and ("cannot be counted" in page or "无法计票" in page)
    assert Teller.objects.filter(ballot=ballot, share_taken_at__isnull=False).count() == 2


def test_api_detail_lists_the_actions_allowed_now(client, people, xihu, verified_login):
    staff = people["street_staff"]
    ballot = helpers.open_ballot(staff, make_ballot(people, xihu, method="budget",
                                                    budget=Decimal("800000")))
    url = f"/api/voting/ballots/{ballot.public_id}"
    assert client.get(url).json()["actions"] == []  # a visitor may do nothing
    verified_login(staff)
    actions = {a["name"]: a for a in client.get(url).json()["actions"]}
    assert set(actions) == {"close_ballot", "cancel_ballot"}
    assert actions["close_ballot"]["confirm"] and actions["cancel_ballot"]["confirm"]
    assert Ballot.objects.get(pk=ballot.pk).state == BallotState.OPEN


def test_api_refuses_a_secret_ballot_without_tellers_naming_the_field(client, people, xihu,
                                                                      verified_login):
    verified_login(people["street_staff"])
    response = client.post("/api/voting/ballots", {
        "unit": xihu["xixi"].code, "title": "无监票人", "method": "choose",
        "options": [{"key": "A", "title": "a"}], "roll_roles": ["council_member"]},
        content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tellers"
    assert not Ballot.objects.filter(title="无监票人").exists()
    with pytest.raises(services.BallotError) as info:
        services.create_ballot(people["street_staff"], xihu["xixi"], title="无监票人",
                               method="choose", options=[OptionInput("A", "a")])
    assert info.value.code == "tellers" and "tellers" in info.value.message_dict
