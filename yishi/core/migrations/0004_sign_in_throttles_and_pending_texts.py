"""Throttles keyed by number, number and source, source, or second factor (the old rows were
per number only and are transient: they are dropped); sealed pending texts."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_calendar_day"),
    ]

    operations = [
        migrations.DeleteModel(name="LoginThrottle"),
        migrations.CreateModel(
            name="LoginThrottle",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("key", models.CharField(max_length=96, unique=True)),
                ("failures", models.PositiveIntegerField(default=0)),
                ("window_start", models.DateTimeField(null=True)),
                ("locked_until", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "sign-in throttle",
                "verbose_name_plural": "sign-in throttles",
            },
        ),
        migrations.CreateModel(
            name="PendingText",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("mobile", models.CharField(max_length=11)),
                ("sealed_text", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "verbose_name": "pending text message",
                "verbose_name_plural": "pending text messages",
            },
        ),
    ]
