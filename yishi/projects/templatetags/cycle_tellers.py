"""{% cycle_tellers cycle %}: the cycle's tellers and the form that names them, on the cycle's
management page, without the page's view having to build the form."""

from django import template

from ..tellers import CycleTellersForm

register = template.Library()


@register.inclusion_tag("projects/_tellers.html", takes_context=True)
def cycle_tellers(context, cycle):
    return {"cycle": cycle, "form": CycleTellersForm(cycle=cycle),
            "tellers": list(cycle.tellers.order_by("name")),
            "csrf_token": context.get("csrf_token"), "request": context.get("request")}
