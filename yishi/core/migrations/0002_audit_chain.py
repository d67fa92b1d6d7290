"""The audit chain's head row, and on PostgreSQL a trigger that refuses UPDATE and DELETE on the
audit trail, so even SQL typed by hand cannot rewrite history without first disabling it."""

from django.db import migrations

PG_TRIGGER = """
CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_audit_append_only BEFORE UPDATE OR DELETE ON core_auditrecord
    FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS core_audit_append_only ON core_auditrecord;
DROP FUNCTION IF EXISTS core_audit_append_only();
"""


def create_head(apps, schema_editor):
    apps.get_model("core", "AuditChainHead").objects.get_or_create(pk=1)


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
