from django.core.management import call_command

from yishi.core.models import Department, RoleAssignment, Unit, UnitKind, User
from yishi.deputies.models import LiaisonStation


def snapshot():
    return (
        sorted(Unit.objects.values_list("code", "name", "path")),
        sorted(User.objects.values_list("mobile", "name")),
        sorted(RoleAssignment.objects.values_list("user__mobile", "role", "unit__code")),
        Department.objects.count(),
        sorted(LiaisonStation.objects.values_list("code", "name")),
    )


def test_demo_is_complete(demo):
    streets = Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN])
    assert {u.name for u in streets} == {
        "北山街道", "西溪街道", "灵隐街道", "翠苑街道", "文新街道", "古荡街道", "转塘街道",
        "留下街道", "蒋村街道", "西湖街道", "三墩镇", "双浦镇",
    }
    assert all(s.children.count() >= 6 for s in streets)
    assert {s.name for s in LiaisonStation.objects.filter(kind="themed")} == {
        "翠苑一区代表联络站", "云栖小镇代表联络站", "龙坞茶镇代表联络站", "艺创小镇代表联络站",
    }
    assert all(u.name.endswith("（演示）") for u in User.objects.all())
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == {"district_staff", "street_staff", "deputy", "council_member",
                     "department_handler", "expert", "resident", "sysadmin", "finance_staff"}


def test_loading_again_is_deterministic_idempotent_and_prints_the_logins(demo, capsys):
    """The `demo` fixture is a copy of the session's first load_demo; loading once more on top
    of it must change nothing (and a load without --quiet prints the logins)."""
    from yishi.voting.models import Ballot

    first, ballots = snapshot(), Ballot.objects.count()
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "13900000001" in out and "yishi-demo-2026" in out
    assert snapshot() == first
    assert Ballot.objects.count() == ballots


def test_scale_adds_residents_once(demo):
    call_command("load_demo", quiet=True, scale=500)
    residents = User.objects.filter(mobile__startswith="170")
    assert residents.count() == 500
    assert RoleAssignment.objects.filter(user__mobile__startswith="170", role="resident").count() == 500
    call_command("load_demo", quiet=True, scale=700)
    assert residents.count() == 700
    assert RoleAssignment.objects.filter(user__mobile__startswith="170").count() == 700


def test_demo_ballots(demo):
    # The voting demo's own two ballots (the projects demo holds its cycles' ballots too).
    from yishi.voting.demo import OPEN, PUBLISHED
    from yishi.voting.models import Ballot, BallotState

    ours = Ballot.objects.filter(title__in=[OPEN, PUBLISHED])
    published = ours.get(state=BallotState.PUBLISHED)
    assert len(published.result["winners"]) == 10 and published.result["ballots"] == 9
    open_ballot = ours.get(state=BallotState.OPEN)
    assert open_ballot.roll.filter(voter__mobile="13900040201").exists()
