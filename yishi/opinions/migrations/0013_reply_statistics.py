"""Each opinion's and each assignment's first reply kept as it was (time, the deadline then,
working days to it), so that the statistics aggregate them in the database; filled for the
opinions already replied to from their first-round replies."""

from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor):
    from django.utils import timezone

    from yishi.core.workdays import workdays_between

    Reply = apps.get_model("opinions", "Reply")
    Assignment = apps.get_model("opinions", "Assignment")
    Opinion = apps.get_model("opinions", "Opinion")
    seen_assignments, seen_opinions = set(), set()
    replies = (Reply.objects.filter(round=1).select_related("assignment", "opinion")
               .order_by("created_at", "id"))
    for reply in replies.iterator(chunk_size=2000):
        opinion, assignment = reply.opinion, reply.assignment
        days = workdays_between(timezone.localtime(opinion.created_at).date(),
                                timezone.localtime(reply.created_at).date())
        if assignment.pk not in seen_assignments:
            seen_assignments.add(assignment.pk)
            Assignment.objects.filter(pk=assignment.pk).update(
                first_replied_at=reply.created_at, first_reply_due=assignment.deadline,
                reply_workdays=days)
        if assignment.is_lead and opinion.pk not in seen_opinions:
            seen_opinions.add(opinion.pk)
            Opinion.objects.filter(pk=opinion.pk).update(
                first_replied_at=reply.created_at,
                first_reply_due=opinion.reply_deadline or assignment.deadline,
                reply_workdays=days)


# PostgreSQL: without it the planner guesses hundreds of thousands of street × month groups for
# the statistics query, sorts a year of opinions on disk and compiles it with JIT (5.7 s at a
# million opinions under load); with it, it knows there are ~150 and hashes them (3.1 s, same
# load; see bench/opinion_stats.py).
STREET_MONTH = ("CREATE STATISTICS IF NOT EXISTS opinion_street_month ON street_id, "
                "(date_trunc('month', created_at AT TIME ZONE 'Asia/Shanghai')) "
                "FROM opinions_opinion")


def street_month_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STREET_MONTH)


def drop_street_month_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS opinion_street_month")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0007_finance_staff_role'),
        ('opinions', '0012_case_system_handoff'),
        ('core', '0003_calendar_day'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='assignment',
            name='first_replied_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='first replied'),
        ),
        migrations.AddField(
            model_name='assignment',
            name='first_reply_due',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='first reply due'),
        ),
        migrations.AddField(
            model_name='assignment',
            name='reply_workdays',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name='working days to first reply'),
        ),
        migrations.AddField(
            model_name='opinion',
            name='first_replied_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='first replied'),
        ),
        migrations.AddField(
            model_name='opinion',
            name='first_reply_due',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='first reply due'),
        ),
        migrations.AddField(
            model_name='opinion',
            name='reply_workdays',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name='working days to first reply'),
        ),
        migrations.AddIndex(
            model_name='opinion',
            index=models.Index(fields=['created_at'], name='opinion_created_at'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(street_month_statistics, drop_street_month_statistics),
    ]
