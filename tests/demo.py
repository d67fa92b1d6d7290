"""The Xihu demo, loaded once per test session (per xdist worker) and restored for each test
that asks for the `demo` fixture.

`load_demo` takes 10-30 s; the suite used to run it for two dozen tests. Here it runs once:
every model table's rows are copied into snapshot tables in the test database itself (a schema
on PostgreSQL, prefixed tables on SQLite), and `demo` puts them back with one INSERT … SELECT
per table. The copy lives in the same database because that is the one thing both engines can
read inside the test's own transaction: a `db` test restores and rolls back like any other
test, a `transactional_db`/live_server test restores with a commit (so the live server's
threads and the browser see the demo) and is flushed by pytest-django afterwards. See
docs/testing.md.
"""

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import override_settings

BASE, DEMO = "base", "demo"
# The demo's year of opinions is smaller in tests (4,000 in `load_demo`): every test restores
# every row, and the full year would make each restore five times slower (0.3 → 1.6 s of CPU
# on SQLite). tests/opinions/test_stats_year.py loads a full-size year where it needs one.
DEMO_OPINIONS_YEAR = 400


def _models():
    """Every model that owns a table, with the columns Django writes (a column the database
    generates itself, such as PostgreSQL's search_vector, is left for it to compute)."""
    existing = set(connection.introspection.table_names())
    return [model for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
            and model._meta.db_table in existing]


# Tables the database fills by itself from other tables' rows (triggers): the restore's
# INSERTs into the opinions table write them again, so they are emptied, not copied.
DERIVED = {"opinions_opinionstatsdelta"}
# Append-only on PostgreSQL: row triggers refuse DELETE, so these are emptied with TRUNCATE, which
# the tables' owner (the test database's creator) may still do.
APPEND_ONLY = {"core_auditrecord", "core_auditcheckpoint"}
# What post_migrate writes into a fresh database; a flush would delete and re-create it.
KEPT = {"django_content_type", "auth_permission"}


def _columns(model) -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(field.column) for field in model._meta.local_concrete_fields)


def _snapshot_table(name: str, table: str) -> str:
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # A schema, because a prefix could push a long table name past PostgreSQL's 63 bytes.
        return f"{quote(f'yishi_snapshot_{name}')}.{quote(table)}"
    return quote(f"yishi_snapshot_{name}__{table}")


def take(name: str) -> None:
    """Copy every model table's rows into the snapshot `name` (replacing an older one)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            schema = connection.ops.quote_name(f"yishi_snapshot_{name}")
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            cursor.execute(f"CREATE SCHEMA {schema}")
        for model in _models():
            if model._meta.db_table in DERIVED:
                continue
            target = _snapshot_table(name, model._meta.db_table)
            if connection.vendor != "postgresql":
                cursor.execute(f"DROP TABLE IF EXISTS {target}")
            cursor.execute(f"CREATE TABLE {target} AS SELECT {_columns(model)} "
                           f"FROM {connection.ops.quote_name(model._meta.db_table)}")


def restore(name: str, *, flush: bool = False) -> None:
    """Empty every model table and fill it from the snapshot `name`. Foreign keys are deferred
    to the end of the transaction, so the order of tables does not matter.

    Before a test the tables hold no more than a fresh test database (content types,
    permissions), and DELETE empties them far quicker than PostgreSQL's TRUNCATE, which makes
    new files for every table and index. `flush` empties a whole loaded demo as Django's flush
    does (TRUNCATE: the audit table refuses DELETE)."""
    from django.contrib.contenttypes.models import ContentType

    models = _models()
    quote = connection.ops.quote_name
    with transaction.atomic():
        tables = [model._meta.db_table for model in models]
        if flush:
            postgres = connection.vendor == "postgresql"
            if postgres:
                # TRUNCATE refuses tables with pending deferred foreign-key checks (rows the
                # test changed in this transaction): run those checks now, defer them again
                # for the refill.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        with connection.cursor() as cursor:
            if not flush:
                for table in tables:
                    cursor.execute(f"DELETE FROM {quote(table)}")
            for table in DERIVED & set(tables):  # what emptying the others' triggers wrote
                cursor.execute(f"DELETE FROM {quote(table)}")
            for model in models:
                if model._meta.db_table in DERIVED:
                    continue
                columns = _columns(model)
                cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
                               f"SELECT {columns} FROM {_snapshot_table(name, model._meta.db_table)}")
            # SQLite's AUTOINCREMENT follows explicit ids by itself; PostgreSQL's sequences
            # must be moved past the restored rows.
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    # Content types are cached by id, and the restored ids need not be the ones a flush
    # re-created.
    ContentType.objects.clear_cache()


def empty() -> None:
    """Return the database to what a fresh test database holds: what Django's `flush` and the
    post_migrate signal after it leave, in a fraction of the time on PostgreSQL. `flush`
    TRUNCATEs every table, which makes new files for each of 165 tables and their indexes (about
    2 s per transactional test on two cores, a quarter of the PostgreSQL suite); a DELETE of the
    rows such a test leaves takes milliseconds. Content types and permissions are kept rather
    than deleted and re-created.

    On PostgreSQL a superuser (as in CI) deletes with triggers off (`session_replication_role`,
    as pg_restore does): the deferred foreign-key checks of a whole demo's rows took 3 s, and no
    trigger need write the derived tables or guard the audit trail while everything goes.
    Another role deletes with the checks deferred and TRUNCATEs the append-only tables."""
    from django.contrib.contenttypes.models import ContentType

    quote = connection.ops.quote_name
    tables = {model._meta.db_table for model in _models()} - KEPT
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        untriggered = False
        if postgres:
            cursor.execute("SHOW is_superuser")
            untriggered = cursor.fetchone()[0] == "on"
            cursor.execute("SET LOCAL session_replication_role = replica" if untriggered
                           else "SET CONSTRAINTS ALL DEFERRED")
        later = set() if untriggered else DERIVED | (APPEND_ONLY if postgres else set())
        for table in sorted(tables - later):
            cursor.execute(f"DELETE FROM {quote(table)}")
        for table in sorted(DERIVED & tables & later):  # after the tables whose triggers write them
            cursor.execute(f"DELETE FROM {quote(table)}")
        if append_only := sorted(APPEND_ONLY & tables & later):
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in append_only)}")
    ContentType.objects.clear_cache()


@pytest.fixture(scope="session", autouse=True)
def _quick_flush():
    """Transactional (and browser) tests end with `empty()` instead of Django's `flush`. Only for
    the plain case: a test case that names its apps, resets sequences or restores serialized
    data keeps Django's own teardown."""
    from django.test import TransactionTestCase

    django_teardown = TransactionTestCase._fixture_teardown

    def teardown(case):
        if (case.available_apps is not None or case.reset_sequences or case.serialized_rollback
                or set(case._databases_names(include_mirrors=False)) != {"default"}):
            return django_teardown(case)
        empty()

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = django_teardown


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker):
    """Load the demo once into this session's test database, keep its rows as a snapshot and
    return the database to the state the other tests expect."""
    from django.core.cache import cache
    from django.core.management import call_command

    from yishi.core.sms import LocmemBackend

    with django_db_blocker.unblock():
        take(BASE)
        # The demo as a district installs it: every text waits for a moderator (the publishing
        # apps' tests otherwise run with automatic approval, tests/conftest.py).
        with override_settings(YISHI_MODERATION_AUTO_APPROVE=False):
            call_command("load_demo", quiet=True, opinions_year=DEMO_OPINIONS_YEAR)
        take(DEMO)
        restore(BASE, flush=True)
    cache.clear()
    LocmemBackend.outbox.clear()
    return DEMO


@pytest.fixture
def demo(db, demo_snapshot):
    """The Xihu demo, as `manage.py load_demo` leaves it, in this test's database. Changes
    the test makes are rolled back (or flushed, for transactional tests) like any other."""
    from django.contrib.contenttypes.models import ContentType

    from yishi.core.sms import LocmemBackend

    restore(demo_snapshot)
    LocmemBackend.outbox.clear()
    yield
    ContentType.objects.clear_cache()
