"""Money as people read it: 元 with thousands separators to the fen, or 万元. The same\nnotation in both languages (Chinese and English both group by three with commas)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def wan(value) -> str:
    """In 万元 (ten thousand 元), two decimals: how budgets are usually printed."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) / 10000:,.2f}"


@register.filter
def pct(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):.1f}%"
