"""Full-text index of opinions: an FTS5 table with triggers on SQLite, a generated tsvector
column with a GIN index on PostgreSQL (see yishi/opinions/search.py)."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE opinions_fts USING fts5(search_tokens, content='opinions_opinion', "
    "content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER opinions_fts_insert AFTER INSERT ON opinions_opinion BEGIN "
    "INSERT INTO opinions_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    "CREATE TRIGGER opinions_fts_delete AFTER DELETE ON opinions_opinion BEGIN "
    "INSERT INTO opinions_fts(opinions_fts, rowid, search_tokens) "
    "VALUES ('delete', old.id, old.search_tokens); END",
    "CREATE TRIGGER opinions_fts_update AFTER UPDATE OF search_tokens ON opinions_opinion BEGIN "
    "INSERT INTO opinions_fts(opinions_fts, rowid, search_tokens) "
    "VALUES ('delete', old.id, old.search_tokens); "
    "INSERT INTO opinions_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS opinions_fts_update", "DROP TRIGGER IF EXISTS opinions_fts_delete",
    "DROP TRIGGER IF EXISTS opinions_fts_insert", "DROP TABLE IF EXISTS opinions_fts",
]
# A stored, generated tsvector: the index's recheck and the planner's statistics read it
# directly instead of running to_tsvector on every candidate row.
POSTGRES = [
    "ALTER TABLE opinions_opinion ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_tokens)) STORED",
    "CREATE INDEX opinions_search_gin ON opinions_opinion USING GIN (search_vector)",
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS opinions_search_gin",
                 "ALTER TABLE opinions_opinion DROP COLUMN IF EXISTS search_vector"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE if vendor == "sqlite" else POSTGRES if vendor == "postgresql" else []:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP if vendor == "postgresql" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("opinions", "0003_search_tokens")]
    operations = [migrations.RunPython(forwards, backwards)]
