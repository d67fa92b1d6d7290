"""The statistics as appended changes (OpinionStatsDelta), kept by triggers on the opinions
table on both databases, and filled from the opinions already there."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "opinions_opinionstatsdelta"
COLUMNS = "street_id, created_at, received, replied, on_time, rated, satisfied, reply_days"
# What one opinion row adds (sign +1) or takes away (-1); a merged opinion counts nothing.
# Mirrors stats._aggregates: received, first reply given, given by its due time, rated,
# satisfied or basically satisfied, working days to the first reply.
PG_ROW = ("{r}.street_id, {r}.created_at, {s}1, {s}({r}.first_replied_at IS NOT NULL)::int, "
          "{s}COALESCE({r}.first_replied_at <= {r}.first_reply_due, false)::int, "
          "{s}({r}.rating IN ('satisfied', 'basically', 'unsatisfied'))::int, "
          "{s}({r}.rating IN ('satisfied', 'basically'))::int, {s}COALESCE({r}.reply_workdays, 0)")
SQLITE_ROW = ("{r}.street_id, {r}.created_at, {s}1, {s}({r}.first_replied_at IS NOT NULL), "
              "{s}COALESCE({r}.first_replied_at <= {r}.first_reply_due, 0), "
              "{s}({r}.rating IN ('satisfied', 'basically', 'unsatisfied')), "
              "{s}({r}.rating IN ('satisfied', 'basically')), {s}COALESCE({r}.reply_workdays, 0)")
# The last opinion deleted empties the summary: a flush (Django's empties tables one by one, in
# no fixed order) leaves no figures behind, whichever table it empties first.
# An update that changes none of these leaves the figures alone (most updates: search words,
# deadlines, reminders).
CHANGED = ("(OLD.state = 'merged') IS NOT (NEW.state = 'merged') "
           "OR OLD.street_id IS NOT NEW.street_id OR OLD.created_at IS NOT NEW.created_at "
           "OR OLD.first_replied_at IS NOT NEW.first_replied_at "
           "OR OLD.first_reply_due IS NOT NEW.first_reply_due OR OLD.rating IS NOT NEW.rating "
           "OR OLD.reply_workdays IS NOT NEW.reply_workdays")

POSTGRES = [
    f"""CREATE FUNCTION opinions_stats_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM opinions_opinion) THEN
    DELETE FROM {TABLE};
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state <> 'merged' THEN
    INSERT INTO {TABLE} ({COLUMNS}) VALUES ({PG_ROW.format(r="OLD", s="-")});
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.state <> 'merged' THEN
    INSERT INTO {TABLE} ({COLUMNS}) VALUES ({PG_ROW.format(r="NEW", s="")});
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER opinions_stats_insert_delete AFTER INSERT OR DELETE ON opinions_opinion "
    "FOR EACH ROW EXECUTE FUNCTION opinions_stats_change()",
    "CREATE TRIGGER opinions_stats_update AFTER UPDATE ON opinions_opinion FOR EACH ROW "
    f"WHEN ({CHANGED.replace('IS NOT', 'IS DISTINCT FROM')}) "
    "EXECUTE FUNCTION opinions_stats_change()",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS opinions_stats_update ON opinions_opinion",
                 "DROP TRIGGER IF EXISTS opinions_stats_insert_delete ON opinions_opinion",
                 "DROP FUNCTION IF EXISTS opinions_stats_change()"]
SQLITE = [
    "CREATE TRIGGER opinions_stats_insert AFTER INSERT ON opinions_opinion "
    f"WHEN NEW.state <> 'merged' BEGIN INSERT INTO {TABLE} ({COLUMNS}) "
    f"SELECT {SQLITE_ROW.format(r='NEW', s='')}; END",
    "CREATE TRIGGER opinions_stats_delete AFTER DELETE ON opinions_opinion BEGIN "
    f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {SQLITE_ROW.format(r='OLD', s='-')} "
    "WHERE OLD.state <> 'merged' AND EXISTS (SELECT 1 FROM opinions_opinion); "
    f"DELETE FROM {TABLE} WHERE NOT EXISTS (SELECT 1 FROM opinions_opinion); END",
    f"CREATE TRIGGER opinions_stats_update AFTER UPDATE ON opinions_opinion WHEN {CHANGED} "
    f"BEGIN INSERT INTO {TABLE} ({COLUMNS}) SELECT {SQLITE_ROW.format(r='OLD', s='-')} "
    "WHERE OLD.state <> 'merged'; "
    f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {SQLITE_ROW.format(r='NEW', s='')} "
    "WHERE NEW.state <> 'merged'; END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS opinions_stats_update",
               "DROP TRIGGER IF EXISTS opinions_stats_delete",
               "DROP TRIGGER IF EXISTS opinions_stats_insert"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    row = PG_ROW if vendor == "postgresql" else SQLITE_ROW
    for sql in SQLITE if vendor == "sqlite" else POSTGRES if vendor == "postgresql" else []:
        schema_editor.execute(sql)
    # The opinions already there, one row each (`manage.py rebuild_opinion_stats` or the
    # periodic compaction folds them per street and day).
    schema_editor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {row.format(r='o', s='')} "
                          "FROM opinions_opinion o WHERE o.state <> 'merged'")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP if vendor == "postgresql" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_notification_text_claimed_at'),
        ('opinions', '0015_search_what_the_public_reads'),
    ]

    operations = [
        migrations.CreateModel(
            name='OpinionStatsDelta',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(verbose_name='received')),
                ('received', models.IntegerField(default=0, verbose_name='received')),
                ('replied', models.IntegerField(default=0, verbose_name='replied')),
                ('on_time', models.IntegerField(default=0, verbose_name='replied on time')),
                ('rated', models.IntegerField(default=0, verbose_name='rated')),
                ('satisfied', models.IntegerField(default=0, verbose_name='satisfied or basically satisfied')),
                ('reply_days', models.IntegerField(default=0, verbose_name='working days to first reply')),
                ('street', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.unit', verbose_name='street')),
            ],
            options={
                'verbose_name': 'statistics change (统计增量)',
                'verbose_name_plural': 'statistics changes',
                'indexes': [models.Index(fields=['created_at', 'street'], name='opinion_stats_at')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
