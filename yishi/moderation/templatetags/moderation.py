"""`{% published obj "field" %}`: the one rule for what a person reads of a resident's text
(moderation.queries.published), and `{% moderation_note obj %}`: the line beside it (under
review / hidden with the reason for the author, "report this" for the public)."""

from django import template

from .. import queries

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def published(context, obj, field):
    return queries.published(obj, field, _user(context))


@register.inclusion_tag("moderation/_note.html", takes_context=True)
def moderation_note(context, obj):
    return {"note": queries.status(obj, _user(context))}
