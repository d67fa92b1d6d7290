"""The search index holds what the public reads (search.py): the opinions whose text is held or
hidden, edited by a moderator or masked, are reindexed. Texts approved as written keep their
index (it already matched it)."""

from django.db import migrations

PUBLISHED = ("approved", "edited")


def reindex_moderated(apps, schema_editor):
    from yishi.moderation.text import mask
    from yishi.opinions.search import words

    ContentType = apps.get_model("contenttypes", "ContentType")
    ModerationItem = apps.get_model("moderation", "ModerationItem")
    Opinion = apps.get_model("opinions", "Opinion")
    Reply = apps.get_model("opinions", "Reply")
    kind = ContentType.objects.filter(app_label="opinions", model="opinion").first()
    if kind is None:
        return
    for item in ModerationItem.objects.filter(content_type=kind).iterator(chunk_size=2000):
        if item.state in PUBLISHED and item.public == item.original:
            continue
        opinion = Opinion.objects.filter(pk=item.object_id).only("title", "text").first()
        if opinion is None:
            continue
        if item.state in PUBLISHED:
            title = item.public.get("title", mask(opinion.title))
            text = item.public.get("text", mask(opinion.text))
        else:
            title = text = ""
        replies = " ".join(Reply.objects.filter(opinion_id=opinion.pk)
                           .values_list("text", flat=True))
        Opinion.objects.filter(pk=opinion.pk).update(
            search_tokens=" ".join(words(f"{title} {text} {replies}")))


class Migration(migrations.Migration):
    dependencies = [("opinions", "0014_oversight_figure_indexes"), ("moderation", "0001_initial"),
                    ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(reindex_moderated, migrations.RunPython.noop)]
