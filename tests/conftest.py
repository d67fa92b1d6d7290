"""Shared fixtures: Xihu's units, one person per role (in 西溪, so 北山 is "out of scope"), the
browser with its accessibility check, and the demo loaded once per session (tests/demo.py)."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# between browser steps are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.browser", "tests.demo"]

# Fixtures through which a test reaches the database (pytest-django's, and every fixture that
# asks for one of them shows it in the test's fixture closure).
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences",
                     "django_db_serialized_rollback", "live_server"}


def pytest_collection_modifyitems(config, items):
    """YISHI_TESTS_DATABASE_ONLY=1 leaves out the tests that never touch a database (the tally's
    rules, the text filters, the parsers): .ci/run sets it for its second pass, on PostgreSQL,
    because they have run in the first, on SQLite, and give the same answer on any database."""
    if os.environ.get("YISHI_TESTS_DATABASE_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        uses = (item.get_closest_marker("django_db")
                or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
        (keep if uses else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def xihu(db):
    from yishi.core.demo import load_units

    district, streets = load_units()
    by_name = {s.name: s for s in streets}
    return {
        "district": district,
        "xixi": by_name["西溪街道"],
        "beishan": by_name["北山街道"],
        "xixi_community": by_name["西溪街道"].children.order_by("sort_order").first(),
        "beishan_community": by_name["北山街道"].children.order_by("sort_order").first(),
    }


@pytest.fixture
def people(xihu):
    """One person for each role. District-level roles sit in the district; the rest in 西溪."""
    from yishi.core.models import Role, RoleAssignment, User

    xixi = xihu["xixi"]
    placement = {
        Role.DISTRICT_STAFF: xihu["district"],
        Role.SYSADMIN: xihu["district"],
        Role.STREET_STAFF: xixi,
        Role.DEPUTY: xixi,
        Role.COUNCIL_MEMBER: xixi,
        Role.DEPARTMENT_HANDLER: xixi,
        Role.EXPERT: xixi,
        Role.RESIDENT: xihu["xixi_community"],
    }
    result = {}
    for n, (role, unit) in enumerate(placement.items()):
        user = User.objects.create_user(
            f"1860000{n:04d}", name=f"{role.label}", home_unit=xihu["xixi_community"],
            password="correct horse battery",
        )
        department = xixi.departments.first() if role == Role.DEPARTMENT_HANDLER else None
        RoleAssignment.objects.create(user=user, role=role, unit=unit, department=department)
        result[role.value] = user
    from yishi.core.models import User as U

    result["nobody"] = U.objects.create_user("18600009999", name="No role")
    return result


@pytest.fixture
def verified_login(client):
    """Sign a staff person in with a confirmed second factor, as the staff sign-in would."""

    def login(user):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, confirmed=True, name="test")
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    return login


@pytest.fixture(scope="session", autouse=True)
def _files_of_this_session(tmp_path_factory):
    """Uploads and published audit checkpoints go to a folder of this session, not to var/:
    with `pytest -n 2` each xdist worker has its own (tmp_path_factory's base folder is per
    worker), as it has its own database."""
    from django.conf import settings

    if not settings.configured:
        yield
        return
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("var")
    with override_settings(MEDIA_ROOT=str(folder / "media"),
                           YISHI_AUDIT_CHECKPOINT_FILE=str(folder / "audit-checkpoints.jsonl")):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (page fragments are cached per process). The pure
    tally tests also run without Django (`-p no:django`): then there is nothing to clear."""
    from django.conf import settings

    if settings.configured:
        from django.core.cache import cache

        from yishi.opinions import routing_model

        cache.clear()
        routing_model.reset()
    yield


@pytest.fixture(autouse=True)
def _moderation_lets_clean_texts_through(request):
    """The publishing apps' tests test their own flows: a clean text they post is published at
    once, as in a district that turned on automatic approval (YISHI_MODERATION_AUTO_APPROVE).
    tests/moderation runs with the default (every text waits for a moderator); the demo is
    always loaded with the default (tests/demo.py)."""
    from django.conf import settings

    if "moderation" in request.node.path.parts or not settings.configured:
        yield
        return
    from django.test import override_settings

    with override_settings(YISHI_MODERATION_AUTO_APPROVE=True):
        yield
