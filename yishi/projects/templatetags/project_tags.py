"""Template filters of the projects pages: money in one format, and a form's fields as HTML for
includes/action.html (which takes the fields of a workflow action as `fields`)."""

from decimal import Decimal, InvalidOperation

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yuan(value) -> str:
    """An amount in yuan as residents read it: thousands separated, fen only when there are
    any, the unit always shown ("1,250,000 元", "3,500.50 元")."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if amount == amount.to_integral_value():
        figure = f"{amount:,.0f}"
    else:
        figure = f"{amount:,.2f}"
    return _("%(amount)s yuan") % {"amount": figure}


@register.filter
def as_fields(form) -> str:
    """The form's fields, errors beside them, as includes/form.html renders them."""
    if form is None:
        return ""
    return mark_safe(render_to_string("includes/form.html", {"form": form}))  # noqa: S308
