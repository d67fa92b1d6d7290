"""Indexes for the district's figures (dashboard and evaluation): a period's opinions counted
per street by submission date, reply deadline and rating date, from the index alone. The plain
created_at index is a prefix of (created_at, street), so it goes; (state, reply_deadline) gains
the street, for the overdue figure."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('opinions', '0013_reply_statistics'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='opinion',
            name='opinions_op_state_27c84c_idx',
        ),
        migrations.AddIndex(
            model_name='opinion',
            index=models.Index(fields=['state', 'reply_deadline', 'street'], name='opinion_state_reply_due'),
        ),
        migrations.RemoveIndex(
            model_name='opinion',
            name='opinion_created_at',
        ),
        migrations.AddIndex(
            model_name='opinion',
            index=models.Index(fields=['created_at', 'street'], name='opinion_created_street'),
        ),
        migrations.AddIndex(
            model_name='opinion',
            index=models.Index(fields=['reply_deadline', 'street', 'replied_at'], name='opinion_reply_due_street'),
        ),
        migrations.AddIndex(
            model_name='opinion',
            index=models.Index(fields=['rated_at', 'street', 'rating'], name='opinion_rated_street'),
        ),
    ]
