"""A cycle's tellers: who may be one, how many, the form on the cycle's page and the API; the
cycle's ballot and satisfaction ballot sealed to them, and refused without them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.projects.conftest import next_phase, proposal
from yishi.core.models import AuditRecord, Role, RoleAssignment, User
from yishi.projects import services
from yishi.projects.tellers import eligible_tellers, set_cycle_tellers
from yishi.voting.models import CastBallot, Teller

pytestmark = pytest.mark.django_db


@pytest.fixture
def bare_cycle(people, xihu, categories):
    return services.open_cycle(people["street_staff"], services.CycleInput(
        unit=xihu["xixi"], year=2029, title="无监票人", budget=Decimal("1000000"),
        starts_at=timezone.now() - timedelta(minutes=1), seats=1))


def _to_ballot_phase(staff, cycle, people, xihu, categories):
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    next_phase(staff, cycle)
    services.approve(staff, project)
    next_phase(staff, cycle)
    services.publish_notice(staff, cycle)
    next_phase(staff, cycle)
    return project


def test_who_may_be_a_teller_and_how_many(people, xihu, bare_cycle):
    staff = people["street_staff"]
    three = [staff, people["deputy"], people["council_member"]]
    assert set(three) <= set(eligible_tellers(bare_cycle))
    # A resident, an expert, a handler and another street's staff are not tellers here.
    other = User.objects.create_user("18611112222", name="北山工作人员")
    RoleAssignment.objects.create(user=other, role=Role.STREET_STAFF, unit=xihu["beishan"])
    for wrong in (people["resident"], people["expert"], people["department_handler"], other):
        assert wrong not in eligible_tellers(bare_cycle)
        with pytest.raises(ValidationError) as info:
            set_cycle_tellers(staff, bare_cycle, three[:2] + [wrong], 2)
        assert "tellers" in info.value.message_dict
    for tellers, threshold, field in [(three[:2], 2, "tellers"), (three + [staff], 2, "tellers"),
                                      (three, 1, "threshold"), (three, 4, "threshold")]:
        with pytest.raises(ValidationError) as info:
            set_cycle_tellers(staff, bare_cycle, tellers, threshold)
        assert field in info.value.message_dict
    with pytest.raises(PermissionDenied):
        set_cycle_tellers(people["deputy"], bare_cycle, three, 2)
    assert not bare_cycle.tellers.exists()
    set_cycle_tellers(staff, bare_cycle, three, 3)
    bare_cycle.refresh_from_db()
    assert set(bare_cycle.tellers.all()) == set(three) and bare_cycle.teller_threshold == 3
    assert AuditRecord.objects.filter(action="projects.set_tellers").count() == 1


def test_no_ballot_without_tellers_then_sealed_to_them(people, xihu, categories, bare_cycle,
                                                       council):
    staff = people["street_staff"]
    _to_ballot_phase(staff, bare_cycle, people, xihu, categories)
    with pytest.raises(ValidationError) as info:
        services.open_ballot(staff, bare_cycle)
    assert "tellers" in info.value.message_dict
    bare_cycle.refresh_from_db()
    assert bare_cycle.ballot is None  # nothing half-made
    three = [staff, people["deputy"], people["council_member"]]
    set_cycle_tellers(staff, bare_cycle, three, 2)
    ballot = services.open_ballot(staff, bare_cycle)
    assert ballot.secrecy == "secret" and ballot.is_sealed and ballot.threshold == 2
    assert {t.user for t in Teller.objects.filter(ballot=ballot)} == set(three)
    from yishi.voting import services as voting

    voting.cast_vote(council[0], ballot, {"choices": [bare_cycle.projects.get().option_key]})
    row = CastBallot.objects.get(ballot=ballot)
    assert row.content is None and row.ciphertext


def test_the_form_on_the_cycle_page(client, people, xihu, cycle, verified_login):
    staff = people["street_staff"]
    verified_login(staff)
    url = reverse("projects:manage_cycle", args=[cycle.pk])
    page = client.get(url).content.decode()
    assert 'id="tellers"' in page and "tellers-tellers" in page
    assert people["deputy"].masked_mobile in page
    save = reverse("projects:manage_cycle_tellers", args=[cycle.pk])
    bad = client.post(save, {"tellers-tellers": [staff.pk, people["deputy"].pk],
                             "tellers-threshold": 2})
    html = bad.content.decode()
    assert bad.status_code == 400 and "field-invalid" in html and 'checked' in html
    assert set(cycle.tellers.all()) == {staff, people["deputy"], people["council_member"]}
    ok = client.post(save, {"tellers-tellers": [staff.pk, people["deputy"].pk,
                                                people["council_member"].pk],
                            "tellers-threshold": 3})
    assert ok.status_code == 302 and ok.url.endswith("#tellers")
    cycle.refresh_from_db()
    assert cycle.teller_threshold == 3


def test_other_street_staff_cannot_name_tellers(client, people, xihu, cycle, verified_login):
    other = User.objects.create_user("18611113333", name="北山工作人员", password="x" * 12)
    RoleAssignment.objects.create(user=other, role=Role.STREET_STAFF, unit=xihu["beishan"])
    verified_login(other)
    response = client.post(reverse("projects:manage_cycle_tellers", args=[cycle.pk]),
                           {"tellers-tellers": [other.pk], "tellers-threshold": 2})
    assert response.status_code == 403
    api = client.put(f"/api/projects/cycles/{cycle.pk}/tellers",
                     {"tellers": [other.mobile] * 3, "threshold": 2},
                     content_type="application/json")
    assert api.status_code == 403
    assert other not in cycle.tellers.all()


def test_the_api(client, people, xihu, bare_cycle, verified_login):
    verified_login(people["street_staff"])
    url = f"/api/projects/cycles/{bare_cycle.pk}/tellers"
    assert client.get(url).json() == {"tellers": [], "threshold": 2}
    short = client.put(url, {"tellers": [people["street_staff"].mobile], "threshold": 2},
                       content_type="application/json")
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "tellers"
    unknown = client.put(url, {"tellers": ["13000000000"] * 3}, content_type="application/json")
    assert unknown.status_code == 422
    three = [people["street_staff"], people["deputy"], people["council_member"]]
    ok = client.put(url, {"tellers": [u.mobile for u in three], "threshold": 2},
                    content_type="application/json")
    assert ok.status_code == 200 and sorted(ok.json()["tellers"]) == sorted(u.name for u in three)
