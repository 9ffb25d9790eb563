"""Numbers typed in Finnish (organisation/numbers.py): Django's Finnish formats have a decimal
comma and no-break-space thousands, as Swedish does, so the same readings and refusals hold, with
the messages in Finnish."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import formats, translation

from benefits.forms import BenefitForm, MeasurementForm
from organisation.numbers import format_number, parse_number
from tests.benefits.factories import TODAY, make_benefit


def benefit_data(**changes) -> dict:
    data = {
        "title": "Vapautuneet työtunnit", "category": "redistribution", "unit": "h/vuosi",
        "direction": "higher", "frequency": "quarterly", "baseline_value": "0",
        "baseline_date": "2026-01-01", "target_value": "300", "target_date": "2027-01-01",
        "confidence": "medium",
    }  # fmt: skip
    return {**data, **changes}


def parsed(text: str) -> Decimal:
    with translation.override("fi"):
        return parse_number(text)


def refusal(text: str) -> tuple[str, list[str]]:
    """The refusal's code and its messages, read while Finnish is active (they are lazy)."""
    with translation.override("fi"):
        with pytest.raises(ValidationError) as caught:
            parse_number(text)
        return caught.value.code, caught.value.messages


def test_finnish_has_a_decimal_comma_and_no_break_space_thousands():
    with translation.override("fi"):
        assert formats.get_format("DECIMAL_SEPARATOR") == ","
        assert formats.get_format("THOUSAND_SEPARATOR") == "\xa0"
        assert formats.localize(Decimal("1234567.5")) == "1\xa0234\xa0567,5"


@pytest.mark.parametrize(
    "text,number",
    [
        ("17,4", "17.4"),
        ("1 234,5", "1234.5"),
        ("1\u00a0234\u00a0567,25", "1234567.25"),  # no-break spaces, as Django formats Finnish
        ("1\u202f234", "1234"),  # narrow no-break space
        ("1,234", "1.234"),  # the comma is the decimal separator
        ("-3,5", "-3.5"),
        ("\u22123,5", "-3.5"),  # the minus sign of Finnish typography
        (",5", "0.5"),
        ("0.5", "0.5"),  # a point before other than three digits can only be a decimal point
    ],
)
def test_finnish_reads_a_decimal_comma_and_space_grouped_thousands(text, number):
    assert parsed(text) == Decimal(number)


@pytest.mark.parametrize("text", ["1.234", "1,234.5", "1.234.567", "0.500", "1,2,3", "1.234,5"])
def test_finnish_refuses_what_could_be_read_two_ways_and_says_so_in_finnish(text):
    code, messages = refusal(text)
    assert code == "ambiguous"
    assert messages[0] == (
        f"”{text}” voidaan lukea kahdella tavalla. Kirjoita desimaaliluku muodossa 17,4 ja "
        "tuhannet muodossa 1 234."
    )


def test_finnish_refuses_digits_grouped_other_than_in_threes():
    code, messages = refusal("12 34")
    assert code == "grouping"
    assert messages[0] == (
        "Ryhmittele numerot kolmen ryhmiin, kuten 1 234, tai kirjoita ilman välilyöntejä."
    )


@pytest.mark.parametrize("text", ["", "abc", "1e5", "--5", "1 234 kr", "∞"])
def test_what_is_not_a_number_is_refused_in_finnish(text):
    code, messages = refusal(text)
    assert code == "invalid"
    assert messages == ["Syötä luku."]  # Django's own Finnish


@pytest.mark.parametrize(
    "value,shown",
    [
        (Decimal("17.4000"), "17,4"),
        (Decimal("1000.0000"), "1000"),
        (Decimal("-1234567.25"), "-1234567,25"),
        (400000, "400000"),
    ],
)
def test_a_value_is_shown_in_finnish_and_reads_back_the_same(value, shown):
    with translation.override("fi"):
        assert format_number(value) == shown
        assert parse_number(shown) == Decimal(value)


def test_the_measurement_form_reads_a_finnish_decimal_comma(own_initiative):
    benefit = make_benefit(own_initiative, unit="min per case")
    with translation.override("fi"):
        form = MeasurementForm(
            {"date": TODAY.isoformat(), "value": "17,4", "note": ""}, benefit=benefit
        )
        assert form.is_valid(), form.errors
    assert form.cleaned_data["value"] == Decimal("17.4")


def test_the_benefit_form_refuses_an_ambiguous_value_in_finnish_and_keeps_it(db):
    with translation.override("fi"):
        form = BenefitForm(benefit_data(target_value="1.234", baseline_value="1 234,75"))
        assert not form.is_valid()
        assert "voidaan lukea kahdella tavalla" in form.errors["target_value"][0]
        assert 'value="1.234"' in str(form["target_value"])
        assert "baseline_value" not in form.errors
