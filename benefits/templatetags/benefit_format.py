from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def quantity(value) -> str:
    """An indicator value: up to two decimals, localized, thousands grouped; — when missing."""
    if value is None or value == "":
        return "—"
    return floatformat(value, "-2g")


@register.filter
def kronor(value) -> str:
    """Whole kronor, localized and grouped; — when there is no money value."""
    if value is None or value == "":
        return "—"
    return floatformat(value, "0g")


@register.filter
def percent(value) -> str:
    """A rate (0.42) as a whole percentage (42 %); — when undefined."""
    if value is None or value == "":
        return "—"
    return f"{floatformat(Decimal(value) * 100, '0g')}\u00a0%"
