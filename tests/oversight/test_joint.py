"""Joint supervision (监督联动): a matter across several streets; the district and the staff of a
participating street add to the shared timeline, others cannot (the attack: another street's
staff by id gets 404/403 and nothing changes); linked records are resolved through their
module's queries."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection
from django.utils import timezone

from tests.permission_matrix import assert_matrix
from yishi.core.models import Role, RoleAssignment, Unit, UnitKind, User
from yishi.oversight import joint
from yishi.oversight.joint_models import JointEntry, JointLink, JointState

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def third_staff(xihu):
    third = Unit.objects.filter(kind=UnitKind.STREET).exclude(
        pk__in=[xihu["xixi"].pk, xihu["beishan"].pk]).order_by("sort_order").first()
    user = User.objects.create_user("18611110009", name="第三街道工委", password="correct horse battery")
    RoleAssignment.objects.create(user=user, role=Role.STREET_STAFF, unit=third)
    return user


@pytest.fixture
def matter(people, xihu):
    return joint.start_matter(people["district_staff"], joint.MatterInput(
        title="交界河道整治", description="联合监督河道整治",
        streets=[xihu["xixi"], xihu["beishan"]], started_on=TODAY() - timedelta(days=10)))


def test_participating_streets_share_the_timeline(matter, people, xihu, beishan_staff):
    joint.add_entry(people["district_staff"], matter, kind="visit", date=TODAY(),
                    text="现场察看", street=xihu["beishan"])
    entry = joint.add_entry(people["street_staff"], matter, kind="finding", date=TODAY(),
                            text="发现排污口", street=xihu["beishan"])
    assert entry.street == xihu["xixi"]  # street staff record for their own street
    joint.add_entry(beishan_staff, matter, kind="visit", date=TODAY(), text="回访")
    deputy = people["deputy"]
    joint.add_deputy(people["street_staff"], matter, xihu["xixi"], deputy)
    assert list(joint.matters_for(deputy)) == [matter]
    joint.conclude(people["district_staff"], matter, "整改完成")
    matter.refresh_from_db()
    assert matter.state == JointState.CONCLUDED
    with pytest.raises(ValidationError):
        joint.add_entry(people["street_staff"], matter, kind="visit", date=TODAY(), text="晚了")
    assert matter.entries.count() == 3


def test_another_streets_staff_can_neither_read_nor_add(matter, people, third_staff,
                                                        own_login):
    with pytest.raises(PermissionDenied):
        joint.add_entry(third_staff, matter, kind="visit", date=TODAY(), text="闯入")
    for person in (people["resident"], people["nobody"], people["deputy"]):
        with pytest.raises(PermissionDenied):
            joint.add_entry(person, matter, kind="visit", date=TODAY(), text="闯入")
    assert list(joint.matters_for(third_staff)) == []
    client = own_login(third_staff)
    assert client.get(f"/oversight/joint/{matter.pk}/").status_code == 404
    assert client.post(f"/oversight/joint/{matter.pk}/entry/", {
        "kind": "visit", "date": TODAY().isoformat(), "text": "闯入"}).status_code == 404
    assert client.get(f"/api/oversight/joint/{matter.pk}").status_code == 404
    assert client.post(f"/api/oversight/joint/{matter.pk}/entries", {
        "kind": "visit", "date": TODAY().isoformat(), "text": "闯入"},
        content_type="application/json").status_code == 404
    assert JointEntry.objects.count() == 0


def test_contribution_rule_matrix(people, xihu):
    """May add to the timeline of a matter of this street (and another): every role, in and out
    of scope."""
    matters = {}

    def action(user, unit):
        street = unit.parent
        if street.pk not in matters:
            other = Unit.objects.filter(kind=UnitKind.STREET).exclude(
                pk__in=[xihu["xixi"].pk, xihu["beishan"].pk]).order_by("sort_order").first()
            matters[street.pk] = joint.start_matter(people["district_staff"], joint.MatterInput(
                title="x", description="x", streets=[street, other]))
        return joint.may_contribute(user, matters[street.pk])

    assert_matrix(people, xihu, action, in_scope={"district_staff", "street_staff"},
                  out_of_scope={"district_staff"})


@pytest.mark.parametrize("case", ["one-street", "future", "before-start", "bad-kind",
                                  "unknown-record", "other-street-record", "empty-conclusion"])
def test_bad_input(case, matter, people, xihu, third_staff):
    from yishi.oversight import services

    district = people["district_staff"]
    with pytest.raises(ValidationError) as refused:
        if case == "one-street":
            joint.start_matter(district, joint.MatterInput(title="x", description="x",
                                                           streets=[xihu["xixi"]]))
        elif case == "future":
            joint.add_entry(district, matter, kind="visit", date=TODAY() + timedelta(days=1),
                            text="x")
        elif case == "before-start":
            joint.add_entry(district, matter, kind="visit", date=TODAY() - timedelta(days=30),
                            text="x")
        elif case == "bad-kind":
            joint.add_entry(district, matter, kind="party", date=TODAY(), text="x")
        elif case == "unknown-record":
            joint.link_record(district, matter, "opinion", "NOPE-1")
        elif case == "other-street-record":
            task = services.assign_task(district, services.TaskInput(
                title="别处", description="x",
                streets=[type(xihu["xixi"]).objects.get(
                    pk=RoleAssignment.objects.get(user=third_staff).unit_id)], workdays=5))
            joint.link_record(district, matter, "assignment", str(task.assignments.get().pk))
        else:
            joint.add_entry(district, matter, kind="visit", date=TODAY(), text="x")
            joint.conclude(district, matter, "  ")
    assert refused.value.messages
    assert JointLink.objects.count() == 0
    matter.refresh_from_db()
    assert matter.state == JointState.OPEN


def test_links_resolve_through_the_modules(matter, people, xihu):
    from yishi.opinions import services as opinions
    from yishi.opinions.models import OpinionCategory
    from yishi.oversight import services

    category = OpinionCategory.objects.create(code="river", name="河道")
    opinion = opinions.submit_opinion(people["resident"], opinions.Intake(
        title="河道有垃圾", text="河面漂浮垃圾。", category=category,
        community=xihu["xixi_community"], is_public=True))
    task = services.assign_task(people["district_staff"], services.TaskInput(
        title="河道整治", description="x", streets=[xihu["beishan"]], workdays=5))
    joint.link_record(people["street_staff"], matter, "opinion", opinion.number)
    joint.link_record(people["district_staff"], matter, "assignment",
                      str(task.assignments.get().pk))
    with pytest.raises(ValidationError):
        joint.link_record(people["district_staff"], matter, "opinion", opinion.number)
    found = [joint.resolve(link) for link in matter.links.all()]
    assert {f["label"] for f in found} == {f"{opinion.number} 河道有垃圾", "河道整治 · 北山街道"}


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_identical_links_make_one(people, xihu):
    from yishi.oversight import services

    matter = joint.start_matter(people["district_staff"], joint.MatterInput(
        title="并发", description="x", streets=[xihu["xixi"], xihu["beishan"]]))
    task = services.assign_task(people["district_staff"], services.TaskInput(
        title="并发关联", description="x", streets=[xihu["xixi"]], workdays=5))
    reference = str(task.assignments.get().pk)
    barrier = threading.Barrier(20)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            joint.link_record(User.objects.get(pk=people["street_staff"].pk),
                              type(matter).objects.get(pk=matter.pk), "assignment", reference)
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("ok") == 1, outcomes
    assert JointLink.objects.filter(matter=matter).count() == 1


def test_list_page_for_each_role(matter, people, third_staff, own_login):
    assert matter.title in own_login(people["district_staff"]).get("/oversight/joint/").content.decode()
    assert matter.title in own_login(people["street_staff"]).get("/oversight/joint/").content.decode()
    page = own_login(third_staff).get("/oversight/joint/")
    assert page.status_code == 200 and matter.title not in page.content.decode()
    assert own_login(people["resident"]).get("/oversight/joint/").status_code == 403
