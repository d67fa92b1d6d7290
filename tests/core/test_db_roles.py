"""Issue 17.11 on PostgreSQL: the app's own role owned the audit table and could DISABLE TRIGGER.
This creates the runtime role exactly as docs/deploy.md prescribes, connects as it, and tries."""

import re
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
    pytest.mark.django_db(transaction=True),
]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def documented_grants() -> str:
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"```sql\n(-- runtime role grants.*?)```", text, re.S)
    assert block, "docs/deploy.md lost its runtime role grants"
    return block.group(1)


def _dsn(**overrides) -> str:
    settings = {**connection.settings_dict, **overrides}
    parts = [f"dbname={settings['NAME']}", f"user={settings['USER']}",
             f"host={settings['HOST'] or 'localhost'}", f"port={settings['PORT'] or 5432}"]
    if settings.get("PASSWORD"):
        parts.append(f"password={settings['PASSWORD']}")
    return " ".join(parts)


@pytest.fixture
def runtime_role(people):
    """A login role that owns nothing, with the documented grants, connected."""
    from yishi.core import services
    from yishi.core.models import Role

    services.assign_role(people["district_staff"], people["nobody"], Role.EXPERT,
                         people["expert"].role_assignments.first().unit)
    role = f"yishi_app_test_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    owner = psycopg.connect(_dsn(), autocommit=True)
    owner.execute(f'CREATE ROLE "{role}" LOGIN PASSWORD \'{password}\'')
    grants = documented_grants().replace("yishi_app", f'"{role}"').replace(
        ':"DBNAME"', f'"{connection.settings_dict["NAME"]}"')
    owner.execute(grants)
    app = psycopg.connect(_dsn(USER=role, PASSWORD=password), autocommit=True)
    try:
        yield app
    finally:
        app.close()
        owner.execute(f'DROP OWNED BY "{role}"')
        owner.execute(f'DROP ROLE "{role}"')
        owner.close()


def _refused(app, sql) -> str:
    with pytest.raises(psycopg.Error) as caught:
        app.execute(sql)
    return str(caught.value)


def test_runtime_role_cannot_rewrite_the_audit_trail(runtime_role):
    app = runtime_role
    # What the application needs works.
    assert app.execute("SELECT count(*) FROM core_auditrecord").fetchone()[0] >= 1
    app.execute("UPDATE core_auditchainhead SET last_seq = last_seq WHERE id = 1")
    # What a forger needs does not.
    assert "owner" in _refused(
        app, "ALTER TABLE core_auditrecord DISABLE TRIGGER core_audit_append_only")
    assert "owner" in _refused(app, "ALTER TABLE core_auditrecord DISABLE TRIGGER ALL")
    assert "permission denied" in _refused(app, "TRUNCATE core_auditrecord")
    assert "permission denied" in _refused(app, "UPDATE core_auditrecord SET action = 'x'")
    assert "permission denied" in _refused(app, "DELETE FROM core_auditrecord")
    assert "permission denied" in _refused(app, "TRUNCATE core_auditcheckpoint")
    assert "owner" in _refused(app, "DROP TRIGGER core_audit_no_truncate ON core_auditrecord")


def test_truncate_is_refused_by_the_trigger_even_when_granted(runtime_role):
    """Defence in depth: should someone GRANT ALL to the runtime role, the statement trigger
    still refuses TRUNCATE, and the row trigger UPDATE and DELETE."""
    owner = psycopg.connect(_dsn(), autocommit=True)
    role = runtime_role.info.user
    owner.execute(f'GRANT ALL ON core_auditrecord TO "{role}"')
    owner.close()
    assert "append-only" in _refused(runtime_role, "TRUNCATE core_auditrecord")
    assert "append-only" in _refused(runtime_role, "UPDATE core_auditrecord SET action = 'x'")
    assert "append-only" in _refused(runtime_role, "DELETE FROM core_auditrecord")
