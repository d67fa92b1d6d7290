"""Money as people read it: 元 with thousands separators to the fen, or 万元."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def yuan(value) -> str:
    if value is None or value == "":
        return "—"
    return number_format(Decimal(value), 2, use_l10n=True, force_grouping=True)


@register.filter
def wan(value) -> str:
    """In 万元 (ten thousand 元), two decimals: how budgets are usually printed."""
    if value is None or value == "":
        return "—"
    return number_format(Decimal(value) / 10000, 2, use_l10n=True, force_grouping=True)


@register.filter
def pct(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):.1f}%"
