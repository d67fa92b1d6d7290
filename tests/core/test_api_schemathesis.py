"""schemathesis over the whole API, signed in as district staff and as a resident: no 5xx,
every response matches the schema, every returned status is documented.

Bounded examples per operation so the run stays within a few minutes on two cores. It runs on
PostgreSQL only (the CI runs the suite on both databases within a 20-minute budget, and the
API's input handling does not depend on the database); YISHI_SCHEMATHESIS=1 runs it on SQLite
too."""

import os

import pytest
import schemathesis
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from yishi.api import api

load_all_checks()

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

# The coverage phase (every boundary and negative value of every parameter) takes far longer
# than the budget on two shared cores; the bounds it would probe are tested one by one in
# test_api_contract.py. YISHI_SCHEMATHESIS_COVERAGE=1 turns it on for a deep run.
CONFIG = SchemathesisConfig.from_dict({"phases": {
    "coverage": {"enabled": os.environ.get("YISHI_SCHEMATHESIS_COVERAGE") == "1"},
    "stateful": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
schema.app = get_wsgi_application()

EXAMPLES = hypothesis_settings(
    max_examples=int(os.environ.get("YISHI_SCHEMATHESIS_EXAMPLES", "5")), deadline=None,
    derandomize=True, database=None,
    suppress_health_check=list(HealthCheck))


@pytest.fixture
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, which closes the database connection at the
    end of each request; the test's transaction lives on that connection (Django's test client
    disconnects the same signals)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def signed_in(people, verified_login, client, _keep_the_test_connection):
    """The cookies and header of a signed-in person (session, second factor, CSRF token)."""
    from django.middleware.csrf import _get_new_csrf_string

    if connection.vendor != "postgresql" and os.environ.get("YISHI_SCHEMATHESIS") != "1":
        pytest.skip("schemathesis runs on PostgreSQL (or with YISHI_SCHEMATHESIS=1)")

    done = {}

    def sign_in(role):
        if role in done:
            return done[role]
        verified_login(people[role])
        token = _get_new_csrf_string()
        cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
                   settings.CSRF_COOKIE_NAME: token}
        done[role] = {"cookies": cookies, "headers": {"X-CSRFToken": token}}
        return done[role]

    return sign_in


def _check(case, auth):
    # The generated session cookie stands for "signed in": it becomes the person's real session.
    # Cases sent without it (or with a broken one, by the auth checks) stay anonymous.
    if case.cookies and settings.SESSION_COOKIE_NAME in case.cookies:
        case.cookies = {**case.cookies, **auth["cookies"]}
        case.headers = {**(case.headers or {}), **auth["headers"]}
    # A schema-valid request may still be refused by the business rules (a cycle not in its
    # nomination phase, an unknown street code): that is a 4xx with the error body, not a fault.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


@schema.parametrize()
@EXAMPLES
def test_api_as_district_staff(case, signed_in):
    _check(case, signed_in("district_staff"))


@schema.parametrize()
@EXAMPLES
def test_api_as_resident(case, signed_in):
    _check(case, signed_in("resident"))
