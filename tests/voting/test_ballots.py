"""The ballot engine through its services: definitions, roll, casting, paper ballots, results,
the board and its independent verification."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.permission_matrix import assert_matrix
from yishi.core.models import Role, RoleAssignment, User
from yishi.core.permissions import has_perm
from yishi.voting import count, exchange, queries, services, verify
from yishi.voting.models import (
    Ballot,
    BallotState,
    CastBallot,
    Participation,
    RollEntry,
    RollSource,
)
from yishi.voting.services import OptionInput

from . import helpers

DATA = Path(__file__).resolve().parents[1] / "data" / "pabulib"


@pytest.fixture
def members(xihu, people):
    """Exactly eleven council members of 西溪 (the `people` fixture's member steps down)."""
    RoleAssignment.objects.filter(user=people["council_member"]).update(
        ends_on=timezone.localdate() - timezone.timedelta(days=1))
    result = []
    for i in range(11):
        user = User.objects.create_user(f"1355500{i:04d}", name=f"委员{i}",
                                         home_unit=xihu["xixi_community"])
        RoleAssignment.objects.create(user=user, role=Role.COUNCIL_MEMBER, unit=xihu["xixi"])
        result.append(user)
    return result


def make_ballot(people, xihu, method="choose", **fields):
    options = fields.pop("options", None) or [
        OptionInput("A", "加装电梯", Decimal("600000")),
        OptionInput("B", "老旧小区改造", Decimal("300000")),
        OptionInput("C", "社区食堂", Decimal("200000")),
    ]
    fields.setdefault("roll_source", RollSource.ROLES)
    fields.setdefault("roll_roles", "council_member")
    if fields.get("secrecy", "secret") == "secret":
        fields.setdefault("tellers", helpers.teller_people(people))
    return services.create_ballot(people["street_staff"], xihu["xixi"], title="票选民生实事",
                                  method=method, options=options, **fields)


def test_manage_ballot_permission_matrix(people, xihu):
    assert_matrix(people, xihu, lambda u, unit: has_perm(u, "voting.manage_ballot", unit),
                  in_scope={"district_staff", "street_staff"}, out_of_scope={"district_staff"})


def test_street_staff_cannot_create_in_another_street(people, xihu):
    with pytest.raises(PermissionDenied):
        services.create_ballot(people["street_staff"], xihu["beishan"], title="x",
                               method="choose", options=[OptionInput("A", "a")])
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("fields, options", [
    ({"method": "budget"}, [OptionInput("A", "a", Decimal(1))]),                    # no budget
    ({"method": "budget", "budget": Decimal(10)}, [OptionInput("A", "a")]),          # no cost
    ({"method": "choose"}, [OptionInput("A", "a"), OptionInput("A", "b")]),          # dup code
    ({"method": "choose"}, []),
    ({"method": "choose", "min_choices": 3, "max_choices": 2}, [OptionInput("A", "a")]),
    ({"method": "choose", "closes_at": timezone.now() - timezone.timedelta(days=1)},
     [OptionInput("A", "a")]),
    ({"method": "nonsense"}, [OptionInput("A", "a")]),
])
def test_bad_definitions_change_nothing(people, xihu, fields, options):
    method = fields.pop("method")
    with pytest.raises(ValidationError):
        services.create_ballot(people["street_staff"], xihu["xixi"], title="x", method=method,
                               options=options, **fields)
    assert not Ballot.objects.exists()


def test_choose_ballot_end_to_end(people, xihu, members):
    ballot = make_ballot(people, xihu, max_choices=2, tie_break="key")
    staff = people["street_staff"]
    ballot = helpers.open_ballot(staff, ballot)
    assert ballot.state == BallotState.OPEN and ballot.entitled_count == 11
    receipts = []
    for i, member in enumerate(members[:9]):
        choice = [["A", "B"], ["A", "C"], ["B"]][i % 3]
        receipts.append(services.cast_vote(member, ballot, {"choices": choice}))
    # Invalid ballots: each with its reason, nothing stored.
    cases = [
        (members[9], {"choices": ["A", "B", "C"]}, "too_many"),
        (members[9], {"choices": ["Z"]}, "unknown_option"),
        (members[9], {"choices": ["A", "A"]}, "duplicate_choice"),
        (members[0], {"choices": ["A"]}, "already_voted"),
        (people["resident"], {"choices": ["A"]}, "not_entitled"),
    ]
    for voter, content, code in cases:
        with pytest.raises(ValidationError) as info:
            services.cast_vote(voter, ballot, content)
        assert info.value.code == code
    assert CastBallot.objects.filter(ballot=ballot).count() == 9
    services.close_ballot(staff, ballot)
    with pytest.raises(ValidationError) as info:
        services.cast_vote(members[10], ballot, {"choices": ["A"]})
    assert info.value.code == "closed"
    ballot = helpers.publish(staff, ballot)
    assert ballot.result["counts"] == {"A": 6, "B": 6, "C": 3}
    assert ballot.result["winners"] == ["A", "B"]
    board = queries.board(ballot)
    assert verify.verify(json.loads(json.dumps(board))) == []
    # Each voter finds their ballot; the receipt holds no secret that would prove its content.
    entry = verify.find_receipt(board, receipts[0].code)
    assert entry is not None and entry["tracking_code"] == receipts[0].hash
    assert "content" not in entry
    assert not hasattr(receipts[0], "nonce")


def test_secret_ballot_does_not_store_who_voted_what(people, xihu, members):
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu))
    services.cast_vote(members[0], ballot, {"choices": ["A"]})
    cast = CastBallot.objects.get(ballot=ballot)
    assert cast.voter_id is None
    assert not hasattr(cast, "created_at")
    assert Participation.objects.filter(ballot=ballot, voter=members[0]).exists()
    board = queries.board(ballot)
    assert "voter" not in board["ciphertexts"][0] and cast.content is None


def test_named_vote_shows_names(people, xihu, members):
    ballot = helpers.open_ballot(
        people["street_staff"],
        make_ballot(people, xihu, method="yes_no", secrecy="named",
                    options=[OptionInput("R1", "关于预算的决议")]))
    services.cast_vote(members[0], ballot, {"votes": {"R1": "yes"}})
    assert queries.board(ballot)["ballots"][0]["voter"] == "委员0"


def test_tampered_board_fails_verification(people, xihu, members):
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu, max_choices=2))
    for member in members[:5]:
        services.cast_vote(member, ballot, {"choices": ["C"]})
    services.close_ballot(people["street_staff"], ballot)
    ballot = helpers.publish(people["street_staff"], ballot)
    board = json.loads(json.dumps(queries.board(ballot)))
    board["ballots"][0]["content"] = {"choices": ["A"]}
    assert verify.verify(board)
    board = json.loads(json.dumps(queries.board(ballot)))
    board["ballots"].append(dict(board["ballots"][0]))
    assert any("appears 2 times" in p for p in verify.verify(board))
    board = json.loads(json.dumps(queries.board(ballot)))
    board["result"]["winners"] = ["A"]
    assert verify.verify(board)


@pytest.mark.parametrize("rule, yes, no, abstain, present, passed", [
    ("more_than_half_cast", 3, 2, 1, 6, False),      # 3 of 6 cast is not more than half
    ("more_than_half_cast", 4, 1, 1, 6, True),
    ("more_than_half_present", 4, 0, 0, 8, False),
    ("more_than_half_present", 5, 0, 0, 8, True),
    ("more_than_half_entitled", 5, 0, 0, 11, False),  # 11 members: 6 needed
    ("more_than_half_entitled", 6, 0, 0, 11, True),
    ("two_thirds_entitled", 7, 0, 0, 11, False),      # 2/3 of 11 = 7.33: 8 needed
    ("two_thirds_entitled", 8, 0, 0, 11, True),
])
def test_yes_no_pass_rules(people, xihu, members, rule, yes, no, abstain, present, passed):
    ballot = make_ballot(people, xihu, method="yes_no", pass_rule=rule,
                         options=[OptionInput("R", "决议")])
    services.mark_present(people["street_staff"], ballot, members[:present])
    ballot = helpers.open_ballot(people["street_staff"], ballot)
    answers = ["yes"] * yes + ["no"] * no + ["abstain"] * abstain
    for member, answer in zip(members, answers, strict=False):
        services.cast_vote(member, ballot, {"votes": {"R": answer}})
    services.close_ballot(people["street_staff"], ballot)
    ballot = helpers.publish(people["street_staff"], ballot)
    assert ballot.result["items"]["R"]["passed"] is passed


def test_quorum_is_checked_before_opening(people, xihu, members):
    ballot = make_ballot(people, xihu, method="yes_no", quorum_required=True,
                         options=[OptionInput("R", "决议")])
    services.mark_present(people["street_staff"], ballot, members[:5])  # 5 of 11: no quorum
    with pytest.raises(ValidationError) as info:
        helpers.open_ballot(people["street_staff"], ballot)
    assert info.value.code == "quorum"
    assert Ballot.objects.get(pk=ballot.pk).state == BallotState.DRAFT
    services.mark_present(people["street_staff"], ballot, members[5:6])
    assert helpers.open_ballot(people["street_staff"], ballot).present_count == 6


@pytest.mark.parametrize("counts, rating", [
    ({"satisfied": 5, "basically": 0, "unsatisfied": 5}, "satisfied"),
    ({"satisfied": 4, "basically": 1, "unsatisfied": 5}, "basically"),
    ({"satisfied": 2, "basically": 2, "unsatisfied": 6}, "unsatisfied"),
])
def test_satisfaction_rule(counts, rating):
    assert count.satisfaction_rating(counts) == rating


def test_budget_ballot_and_over_budget(people, xihu, members):
    ballot = make_ballot(people, xihu, method="budget", budget=Decimal("800000"),
                         budget_rule="mes-greedy")
    ballot = helpers.open_ballot(people["street_staff"], ballot)
    with pytest.raises(ValidationError) as info:
        services.cast_vote(members[0], ballot, {"choices": ["A", "B"]})  # 900,000 > 800,000
    assert info.value.code == "over_budget"
    for member, choice in zip(members, [["A"], ["A", "C"], ["B", "C"], ["B"], ["C"]],
                              strict=False):
        services.cast_vote(member, ballot, {"choices": choice})
    services.close_ballot(people["street_staff"], ballot)
    ballot = helpers.publish(people["street_staff"], ballot)
    spent = sum(o.cost for o in ballot.options.filter(key__in=ballot.result["winners"]))
    assert spent <= Decimal("800000") and ballot.result["winners"]
    assert verify.verify(json.loads(json.dumps(queries.board(ballot)))) == []


def test_tie_break_is_fixed_before_opening_and_reproducible(people, xihu):
    ballot = make_ballot(people, xihu, tie_break="lower_cost_then_draw")
    spec = queries.ballot_spec(ballot)
    assert ballot.tie_seed and count.tie_order(spec) == ["C", "B", "A"]
    draw = dict(spec, tie_break="draw")
    assert count.tie_order(draw) == count.tie_order(dict(draw))


def test_paper_ballots_need_a_second_teller(people, xihu, members):
    ballot = helpers.open_ballot(people["street_staff"], make_ballot(people, xihu, max_choices=2))
    first, second = people["street_staff"], people["district_staff"]
    services.cast_vote(members[0], ballot, {"choices": ["A"]})
    with pytest.raises(ValidationError):  # a bad line changes nothing
        services.enter_paper_tally(first, ballot, [{"content": {"choices": ["A", "B", "C"]},
                                                    "count": 2}])
    with pytest.raises(ValidationError):
        services.enter_paper_tally(first, ballot, [{"content": {"choices": ["A"]}, "count": -1}])
    tally = services.enter_paper_tally(
        first, ballot, [{"content": {"choices": ["B"]}, "count": 3},
                        {"content": {"choices": ["A", "C"]}, "count": 1}])
    with pytest.raises(ValidationError) as small:  # a batch of 4 would say what those 4 chose
        services.record_paper_voters(first, ballot, [m.mobile for m in members[1:5]])
    assert "5" in small.value.messages[0]
    assert not Participation.objects.filter(ballot=ballot, channel="paper").exists()
    services.record_paper_voters(first, ballot, [m.mobile for m in members[1:6]])
    with pytest.raises(PermissionDenied):
        services.confirm_paper_tally(first, tally)
    services.close_ballot(first, ballot)
    with pytest.raises(ValidationError):  # pending paper tally blocks publishing
        helpers.publish(first, ballot)
    services.confirm_paper_tally(second, tally)
    with pytest.raises(ValidationError):
        services.confirm_paper_tally(second, tally)
    ballot = helpers.publish(first, ballot)
    assert ballot.result["counts"] == {"A": 2, "B": 3, "C": 1}
    assert queries.turnout(ballot)["by_channel"] == {"online": 1, "paper": 4}
    # A person who voted on paper cannot vote online too (the ballot is closed anyway, but the
    # participation record is what guards it).
    assert Participation.objects.filter(ballot=ballot, voter=members[1]).exists()


def test_roll_from_a_list_is_all_or_nothing(people, xihu, members):
    ballot = make_ballot(people, xihu, roll_source=RollSource.LIST, roll_roles="")
    report = services.set_roll_from_list(people["street_staff"], ballot,
                                         [members[0].mobile, "13000000000", members[0].mobile])
    assert report.added == 0 and [line for line, *_ in report.rejected] == [2, 3]
    assert not RollEntry.objects.filter(ballot=ballot).exists()
    report = services.set_roll_from_list(people["street_staff"], ballot,
                                         [m.mobile for m in members[:4]])
    assert report.added == 4
    assert helpers.open_ballot(people["street_staff"], ballot).entitled_count == 4


def test_mobile_list_from_excel_and_csv(members):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["手机号码"])
    for m in members[:3]:
        book.active.append([int(m.mobile)])
    buffer = BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("roll.xlsx", buffer.getvalue())
    assert exchange.read_mobile_list(upload) == [m.mobile for m in members[:3]]
    csv_upload = SimpleUploadedFile("roll.csv", "手机\n13900000001\n".encode("gb18030"))
    assert exchange.read_mobile_list(csv_upload) == ["13900000001"]
    for bad in (SimpleUploadedFile("roll.xlsx", b"not a workbook"),
                SimpleUploadedFile("roll.pdf", b"%PDF"),
                SimpleUploadedFile("roll.csv", b"header only\n")):
        with pytest.raises(ValidationError):
            exchange.read_mobile_list(bad)


def test_residents_roll_is_snapshotted_at_opening(people, xihu):
    User.objects.filter(pk=people["resident"].pk).update(verified_at=timezone.now())
    ballot = make_ballot(people, xihu, roll_source=RollSource.RESIDENTS, roll_roles="")
    ballot = helpers.open_ballot(people["street_staff"], ballot)
    entitled = ballot.entitled_count
    assert RollEntry.objects.filter(ballot=ballot, voter=people["resident"]).exists()
    # Someone verified after opening is not on the roll.
    late = User.objects.create_user("13566660000", name="late", home_unit=xihu["xixi_community"])
    User.objects.filter(pk=late.pk).update(verified_at=timezone.now())
    with pytest.raises(ValidationError):
        services.cast_vote(late, ballot, {"choices": ["A"]})
    assert RollEntry.objects.filter(ballot=ballot).count() == entitled


def test_state_graph_refuses_illegal_moves(people, xihu):
    ballot = make_ballot(people, xihu)
    with pytest.raises(ValidationError):
        services.close_ballot(people["street_staff"], ballot)
    with pytest.raises(ValidationError):
        helpers.publish(people["street_staff"], ballot)
    with pytest.raises(ValidationError):
        services.cancel_ballot(people["street_staff"], ballot, "  ")
    services.cancel_ballot(people["street_staff"], ballot, "议题撤回")
    with pytest.raises(ValidationError):
        helpers.open_ballot(people["street_staff"], ballot)


def test_scheduled_window_opens_and_closes(people, xihu, members):
    now = timezone.now()
    ballot = make_ballot(people, xihu, opens_at=now - timezone.timedelta(minutes=1),
                         closes_at=now + timezone.timedelta(hours=1))
    assert services.run_due_transitions(now) == (1, 0)
    assert services.run_due_transitions(now) == (0, 0)
    services.cast_vote(members[0], Ballot.objects.get(pk=ballot.pk), {"choices": ["A"]})
    later = now + timezone.timedelta(hours=2)
    assert services.run_due_transitions(later) == (0, 1)
    assert Ballot.objects.get(pk=ballot.pk).state == BallotState.CLOSED


@pytest.mark.parametrize("name", ["Poland_Warszawa_2017_Nadwisle.pb", "Netherlands_Assen_2024.pb",
                                  "Poland_Zabrze_2021_Biskupice.pb"])
@pytest.mark.parametrize("rule", ["greedy", "mes-greedy", "mes-add1-greedy"])
def test_imported_pabulib_election_matches_the_reference(people, xihu, name, rule):
    expected = json.loads((DATA / "expected.json").read_text())[name]["rules"][rule]["selected"]
    ballot = exchange.import_pb(people["district_staff"], xihu["district"],
                                (DATA / name).read_text(encoding="utf-8"), name=name, rule=rule)
    assert ballot.result["winners"] == expected
    board = json.loads(json.dumps(queries.board(ballot)))
    assert verify.verify(board) == []
    # … and written back out as pabulib, the same election.
    from yishi.voting import pabulib, pb_rules

    again = pabulib.loads(exchange.export_pb(ballot))
    assert pb_rules.select(rule, again.costs, again.budget, again.approval_ballots()) == expected


def test_unsupported_pabulib_kind_is_named(people, xihu):
    ordinal = next(p for p in DATA.glob("*.pb")
                   if "vote_type;ordinal" in p.read_text(encoding="utf-8")
                   or "vote_type;cumulative" in p.read_text(encoding="utf-8"))
    with pytest.raises(ValidationError) as info:
        exchange.import_pb(people["district_staff"], xihu["district"],
                           ordinal.read_text(encoding="utf-8"), name=ordinal.name)
    assert "ordinal" in str(info.value) or "cumulative" in str(info.value) or "排序" in str(
        info.value) or "累积" in str(info.value)
    with pytest.raises(ValidationError):
        exchange.import_pb(people["district_staff"], xihu["district"], "not a pb file", name="x")
    assert not Ballot.objects.exists()
