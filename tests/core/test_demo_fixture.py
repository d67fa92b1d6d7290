"""The session's demo snapshot (tests/demo.py): restored whole, private to each test, absent
from tests that do not ask for it."""

import pytest

from tests.demo import restore
from yishi.core.models import RoleAssignment, Unit, User


def state():
    return (User.objects.count(), sorted(Unit.objects.values_list("code", "name")),
            User.objects.order_by("pk").values_list("pk", "mobile").last(),
            RoleAssignment.objects.count())


def test_a_test_without_the_demo_sees_none_of_it(db, demo_snapshot):
    assert not User.objects.exists()
    assert not Unit.objects.filter(name="西溪街道").exists()


def test_changes_to_the_demo_are_undone_by_the_next_restore(demo):
    before = state()
    assert before[0] > 100
    Unit.objects.filter(name="西溪街道").update(name="改过的名字")
    RoleAssignment.objects.filter(user__mobile__startswith="138").delete()
    added = User.objects.create_user("18612345678", name="新人")  # ids continue past the demo's
    assert added.pk > before[2][0]
    assert state() != before
    restore("demo", flush=True)  # the tables hold a whole demo now, audit trail included
    assert state() == before
    assert User.objects.create_user("18612345678", name="新人").pk > before[2][0]


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_gets_the_demo_committed(demo):
    from django.db import connection

    assert not connection.in_atomic_block
    assert User.objects.filter(mobile="13900010201").exists()
    Unit.objects.filter(name="西溪街道").update(name="改过的名字")  # flushed after the test


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_ends_as_a_fresh_database_begins(demo):
    """What replaces Django's flush after each transactional test (tests/demo.py `empty`)
    leaves no row of a whole demo, audit trail and derived tables included, keeps the content
    types, and leaves the triggers on for the next test."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from tests.demo import KEPT, _models, empty

    assert ContentType.objects.exists()
    empty()
    left = [m._meta.db_table for m in _models()
            if m._meta.db_table not in KEPT and m._base_manager.exists()]
    assert left == []
    assert ContentType.objects.get_for_model(User).model == "user"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"


def test_units_go_into_an_empty_database_as_they_are_kept_in_a_loaded_one(db):
    """load_units fills an empty database and puts back, in a loaded one, what was changed or
    deleted: both give the same units and departments, paths included."""
    from yishi.core.demo import load_units
    from yishi.core.models import Department

    def rows():
        return (list(Unit.objects.order_by("code").values_list(
                    "code", "parent__code", "path", "kind", "name", "name_en", "sort_order",
                    "description")),
                list(Department.objects.order_by("street__code", "name").values_list(
                    "street__code", "name", "kind", "name_en")))

    district, streets = load_units()
    fresh = rows()
    assert len(streets) == 12 and all(s.parent_id == district.pk for s in streets)
    assert district.path == f"{district.code}/" and streets[0].path.startswith(district.path)
    Unit.objects.filter(pk=streets[0].pk).update(name="改过的名字")
    Department.objects.filter(street=streets[1]).first().delete()
    assert load_units()[1] == streets
    assert rows() == fresh
