from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format

from organisation.numbers import format_number

register = template.Library()


def _fixed(value, places: int, *, drop_whole_places: bool) -> str:
    """What floatformat(value, "<places>g") writes (or "-<places>g" with drop_whole_places), in a
    fraction of its time: it is called some seventy times on an initiative's page. The tests hold
    the two equal; anything but a finite number goes to floatformat itself."""
    argument = f"{'-' if drop_whole_places else ''}{places}g"
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise InvalidOperation
        if drop_whole_places and number == number.to_integral_value():
            places = 0
        rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):  # not a number, infinite, or too long
        return floatformat(value, argument)
    if not rounded:
        rounded = abs(rounded)  # no "-0"
    return number_format(rounded, places, force_grouping=True)


@register.filter
def quantity(value) -> str:
    """An indicator value: up to two decimals, localized, thousands grouped; — when missing."""
    if value is None or value == "":
        return "—"
    return _fixed(value, 2, drop_whole_places=True)


@register.filter
def kronor(value) -> str:
    """Whole kronor, localized and grouped; — when there is no money value."""
    if value is None or value == "":
        return "—"
    return _fixed(value, 0, drop_whole_places=False)


@register.filter
def percent(value) -> str:
    """A rate (0.42) as a whole percentage (42 %); — when undefined."""
    if value is None or value == "":
        return "—"
    return f"{_fixed(Decimal(value) * 100, 0, drop_whole_places=False)}\u00a0%"


@register.filter
def number(value, places: int = 3) -> str:
    """A plain number such as a goal's weight, written as its input field shows it: the active
    language's decimal separator, at most `places` decimals, no trailing zeros (a weight of 1.5
    reads "1,5" in Swedish and "1.5" in English, never "1,500" or "1"); — when missing.

    One format on every page, text and inputs alike (organisation.numbers.format_number).
    """
    if value is None or value == "":
        return "—"
    try:
        decimal = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not decimal.is_finite():
            raise InvalidOperation
        rounded = decimal.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return format_number(rounded if rounded else abs(rounded))
