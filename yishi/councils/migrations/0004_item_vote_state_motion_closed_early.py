"""An agenda item's vote gets its own state (declared in workflows.ITEM); the free resolution
text becomes the motion (the wording put to the vote), and an early close is recorded."""

from django.db import migrations, models


def vote_states(apps, schema_editor):
    AgendaItem = apps.get_model("councils", "AgendaItem")
    AgendaItem.objects.filter(resolved_at__isnull=False).update(state="resolved")
    pending = AgendaItem.objects.filter(resolved_at__isnull=True, ballot__isnull=False)
    pending.filter(ballot__state="open").update(state="voting")
    pending.filter(ballot__state__in=["closed", "published"]).update(state="counting")


class Migration(migrations.Migration):

    dependencies = [
        ("councils", "0003_invitation"),
        ("voting", "0001_initial"),
    ]

    operations = [
        migrations.RenameField("agendaitem", "resolution", "motion"),
        migrations.AlterField(
            model_name="agendaitem", name="motion",
            field=models.TextField(blank=True, verbose_name="motion put to the vote (表决事项)")),
        migrations.AddField(
            model_name="agendaitem", name="state",
            field=models.CharField(choices=[("pending", "Not yet voted"), ("voting", "Vote open"),
                                            ("counting", "Vote closed, being counted"),
                                            ("resolved", "Resolved")],
                                   default="pending", max_length=10, verbose_name="vote")),
        migrations.AddField(
            model_name="agendaitem", name="closed_early",
            field=models.BooleanField(
                default=False,
                verbose_name="vote closed before enough members had voted")),
        migrations.AddField(
            model_name="agendaitem", name="votes_cast",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="votes cast")),
        migrations.RunPython(vote_states, migrations.RunPython.noop),
    ]
