"""The number filters write exactly what Django's floatformat writes, in both languages."""

from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation

from benefits.templatetags.benefit_format import kronor, percent, quantity

VALUES = [
    0, 1, -1, 7, 1234, -1234, 1234567, 10**12,
    0.5, 0.125, -0.004, 0.005, 2.675, 1234.5, -1234.565, 1 / 3, 1e-7, 123456.789,
    Decimal("0"), Decimal("-0.00"), Decimal("0.001"), Decimal("-0.001"), Decimal("12.50"),
    Decimal("12.345"), Decimal("12.355"), Decimal("-12.355"), Decimal("99999.995"),
    Decimal("1E+3"), Decimal("1234567.891"), Decimal("3.0000001"), Decimal("-7.5"),
    "12.5", "1000", "-0.5",
]  # fmt: skip


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_filters_write_what_floatformat_writes(value, language):
    with translation.override(language):
        assert quantity(value) == floatformat(value, "-2g")
        assert kronor(value) == floatformat(value, "0g")
        assert percent(value) == f"{floatformat(Decimal(value) * 100, '0g')}\u00a0%"


@pytest.mark.parametrize("value", [None, ""])
def test_a_missing_value_is_a_dash(value):
    assert quantity(value) == kronor(value) == percent(value) == "—"


def test_what_is_not_a_finite_number_is_left_to_floatformat():
    for value in ["not a number", float("inf"), float("nan"), Decimal("1E+40")]:
        assert quantity(value) == floatformat(value, "-2g")
        assert kronor(value) == floatformat(value, "0g")
