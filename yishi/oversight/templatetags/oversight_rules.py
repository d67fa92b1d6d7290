"""`{% governing_rule "finance.budget_review" %}`: the line on a module's page that links the
rule of the "886" library governing it (nothing when the library has none for that key)."""

from django import template

register = template.Library()


@register.inclusion_tag("oversight/rules/_governing.html")
def governing_rule(module_key: str):
    from yishi.oversight.queries import governing_rule as lookup

    return {"rule": lookup(module_key)}
