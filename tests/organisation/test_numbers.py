"""Numbers typed in the active language's format (organisation/numbers.py), and the forms."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from benefits.forms import BenefitForm, HourlyRateForm, MeasurementForm
from benefits.models import Measurement
from initiatives.forms import InitiativeForm
from initiatives.models import Initiative
from organisation.numbers import format_number, parse_number
from portfolio.forms import GoalForm, RankingForm, SetupGoalsForm
from portfolio.models import CouncilGoal
from tests.benefits.factories import TODAY, make_benefit
from tests.initiatives.test_edit import form_data


def parsed(text: str, language: str) -> Decimal:
    with translation.override(language):
        return parse_number(text)


def refusal(text: str, language: str) -> ValidationError:
    with translation.override(language), pytest.raises(ValidationError) as caught:
        parse_number(text)
    return caught.value


# Parsing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,number",
    [
        ("17,4", "17.4"),
        ("1 234,5", "1234.5"),
        ("1\u00a0234\u00a0567,25", "1234567.25"),  # no-break spaces, as Django formats Swedish
        ("1\u202f234", "1234"),  # narrow no-break space
        ("1,234", "1.234"),  # the comma is the decimal separator
        ("-3,5", "-3.5"),
        ("\u22123,5", "-3.5"),  # the minus sign Swedish typography uses
        (",5", "0.5"),
        ("  42  ", "42"),
        ("0.5", "0.5"),  # a point before other than three digits can only be a decimal point
    ],
)
def test_swedish_reads_a_decimal_comma_and_space_grouped_thousands(text, number):
    assert parsed(text, "sv") == Decimal(number)


@pytest.mark.parametrize(
    "text,number",
    [
        ("17.4", "17.4"),
        ("1,234.5", "1234.5"),
        ("1,234,567", "1234567"),
        ("1,234", "1234"),  # a comma before exactly three digits groups thousands
        ("1 234.5", "1234.5"),
        ("-0.5", "-0.5"),
    ],
)
def test_english_reads_a_decimal_point_and_comma_grouped_thousands(text, number):
    assert parsed(text, "en") == Decimal(number)


@pytest.mark.parametrize("text", ["1.234", "1,234.5", "1.234.567", "0.500", "1,2,3", "1.234,5"])
def test_swedish_refuses_what_could_be_read_two_ways(text):
    error = refusal(text, "sv")
    assert error.code == "ambiguous"
    assert "Write a decimal as 17,4 and thousands as 1 234." in error.messages[0]


@pytest.mark.parametrize("text", ["17,4", "12,34", "1,2345", "1,234,5", "1.234,5", "1.5.3", "5,"])
def test_english_refuses_a_comma_not_followed_by_exactly_three_digits(text):
    error = refusal(text, "en")
    assert error.code == "ambiguous"
    assert f"“{text}” can be read in two ways" in error.messages[0]
    assert "Write a decimal as 17.4 and thousands as 1,234." in error.messages[0]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_digits_grouped_other_than_in_threes_are_refused(language):
    assert refusal("12 34", language).code == "grouping"


@pytest.mark.parametrize("text", ["", "abc", "1e5", "--5", "1 234 kr", "0x10", "∞"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_what_is_not_a_number_is_refused(text, language):
    assert refusal(text, language).code == "invalid"


@pytest.mark.parametrize(
    "value,swedish,english",
    [
        (Decimal("17.4000"), "17,4", "17.4"),
        (Decimal("1000.0000"), "1000", "1000"),
        (Decimal("0.000"), "0", "0"),
        (Decimal("-1234567.25"), "-1234567,25", "-1234567.25"),
        (400000, "400000", "400000"),
        ("17,4 typed", "17,4 typed", "17,4 typed"),
    ],
)
def test_a_value_is_shown_in_the_language_of_the_page_and_reads_back_the_same(
    value, swedish, english
):
    for language, shown in [("sv", swedish), ("en", english)]:
        with translation.override(language):
            assert format_number(value) == shown
            if not isinstance(value, str):
                assert parse_number(shown) == Decimal(value)


# The forms ----------------------------------------------------------------------------------------


@pytest.fixture
def benefit(own_initiative):
    return make_benefit(own_initiative, unit="min per case")


def measurement_form(benefit, value: str, language: str) -> MeasurementForm:
    with translation.override(language):
        form = MeasurementForm(
            {"date": TODAY.isoformat(), "value": value, "note": ""}, benefit=benefit
        )
        form.is_valid()
    return form


@pytest.mark.parametrize("language,value", [("sv", "17,4"), ("en", "17.4"), ("sv", "17.4")])
def test_the_measurement_form_reads_the_value_in_the_page_language(benefit, language, value):
    form = measurement_form(benefit, value, language)
    assert form.errors == {}
    assert form.cleaned_data["value"] == Decimal("17.4")


def test_the_measurement_form_refuses_a_decimal_comma_in_english_and_keeps_it(benefit):
    form = measurement_form(benefit, "17,4", "en")
    assert "can be read in two ways" in form.errors["value"][0]
    with translation.override("en"):
        assert 'value="17,4"' in str(form["value"])


def test_the_measurement_form_shows_the_benefits_unit_beside_a_text_input(benefit):
    with translation.override("sv"):
        html = str(MeasurementForm(benefit=benefit)["value"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    assert '<span class="unit" id="id_value_unit">min per case</span>' in html
    assert 'aria-describedby="id_value_unit"' in html


def benefit_data(**changes) -> dict:
    data = {
        "title": "Freed hours", "category": "redistribution", "unit": "h/year",
        "direction": "higher", "frequency": "quarterly", "baseline_value": "0",
        "baseline_date": "2026-01-01", "target_value": "300", "target_date": "2027-01-01",
        "confidence": "medium",
    }  # fmt: skip
    return {**data, **changes}


@pytest.mark.parametrize(
    "language,baseline,target,per_unit",
    [("sv", "2,5", "1 234,75", "12,5"), ("en", "2.5", "1,234.75", "12.5")],
)
def test_the_benefit_form_reads_its_values_in_the_page_language(
    db, language, baseline, target, per_unit
):
    data = benefit_data(baseline_value=baseline, target_value=target, sek_per_unit=per_unit)
    with translation.override(language):
        form = BenefitForm(data)
        assert form.is_valid(), form.errors
    assert form.cleaned_data["baseline_value"] == Decimal("2.5")
    assert form.cleaned_data["target_value"] == Decimal("1234.75")
    assert form.cleaned_data["sek_per_unit"] == Decimal("12.5")


def test_the_benefit_form_refuses_an_ambiguous_value_and_keeps_what_was_typed(db):
    with translation.override("sv"):
        form = BenefitForm(benefit_data(target_value="1.234"))
        assert not form.is_valid()
        # The Swedish message, as the page shows it.
        assert "kan läsas på två sätt" in form.errors["target_value"][0]
        assert 'value="1.234"' in str(form["target_value"])


def test_the_benefit_form_shows_saved_values_in_the_page_language_with_their_units(benefit):
    benefit.baseline_value, benefit.sek_per_unit = Decimal("17.4000"), Decimal("12.50")
    for language, baseline in [("sv", "17,4"), ("en", "17.4")]:
        with translation.override(language):
            money = pgettext("unit", "SEK")  # "kr" in Swedish
            form = BenefitForm(instance=benefit)
            html = str(form["baseline_value"])
            assert f'value="{baseline}"' in html and ">min per case</span>" in html
            assert f">{money}</span>" in str(form["sek_per_unit"])


def test_the_benefit_forms_model_bounds_still_apply(db):
    with translation.override("sv"):
        form = BenefitForm(benefit_data(target_value="20 000 000 000"))
        assert not form.is_valid()
    assert "target_value" in form.errors


@pytest.mark.parametrize("language,rate", [("sv", "512,5"), ("en", "512.5")])
def test_the_hourly_rate_reads_the_page_language(db, language, rate):
    with translation.override(language):
        form = HourlyRateForm({"hourly_rate": rate})
        assert form.is_valid(), form.errors
        assert f">{translation.gettext('SEK/h')}</span>" in str(form["hourly_rate"])
    assert form.cleaned_data["hourly_rate"] == Decimal("512.5")


@pytest.mark.parametrize(
    "language,budget,running,cost",
    [("sv", "1 234 567", "12 000", "0"), ("en", "1,234,567", "12,000", "0")],
)
def test_the_initiative_form_reads_whole_kronor_in_the_page_language(
    head, own_initiative, language, budget, running, cost
):
    data = form_data(own_initiative, budget=budget, running_cost=running, cost_to_date=cost)
    with translation.override(language):
        # A new initiative's form: once created, money is edited as cost lines.
        form = InitiativeForm(data, user=head)
        assert form.is_valid(), form.errors
    assert form.cleaned_data["budget"] == 1234567
    assert form.cleaned_data["running_cost"] == 12000
    assert form.cleaned_data["cost_to_date"] == 0


@pytest.mark.parametrize(
    "language,budget,code",
    [("sv", "1,5", "invalid"), ("en", "1.5", "invalid"), ("sv", "1.234", "ambiguous"),
     ("en", "4,5", "ambiguous")],
)  # fmt: skip
def test_the_initiative_form_refuses_kronor_with_decimals_or_an_unclear_separator(
    head, own_initiative, language, budget, code
):
    with translation.override(language):
        form = InitiativeForm(form_data(own_initiative, budget=budget), user=head)
        assert not form.is_valid()
        assert f'value="{budget}"' in str(form["budget"])
    assert [error.code for error in form.errors.as_data()["budget"]] == [code]


def test_the_initiative_form_shows_kronor_with_their_unit_and_a_numeric_keyboard(
    head, own_initiative
):
    with translation.override("sv"):
        form = InitiativeForm(initial={"budget": 400000}, user=head)
        html = str(form["budget"])
        running = str(form["running_cost"])
        money = pgettext("unit", "SEK")  # "kr" in Swedish
    assert 'value="400000"' in html and 'inputmode="numeric"' in html and 'type="text"' in html
    assert f">{money}</span>" in html and ">kr/år</span>" in running


@pytest.fixture
def goals(db):
    return [
        CouncilGoal.objects.create(title="Welfare", weight=Decimal("1.000")),
        CouncilGoal.objects.create(title="Climate", weight=Decimal("2.500")),
    ]


@pytest.mark.parametrize(
    "language,weight,budget",
    [("sv", "1,5", "2 500 000"), ("en", "1.5", "2,500,000")],
)
def test_the_rankings_weights_and_budget_read_the_page_language(goals, language, weight, budget):
    welfare, climate = goals
    data = {f"w_{welfare.pk}": weight, f"w_{climate.pk}": "0", "budget": budget}
    with translation.override(language):
        form = RankingForm(data, goals=goals)
        assert form.is_valid(), form.errors
    assert form.weights() == [1.5, 0.0]
    assert form.budget_value() == 2500000


def test_the_ranking_refuses_an_ambiguous_weight_and_keeps_it(goals):
    welfare, climate = goals
    with translation.override("en"):
        form = RankingForm({f"w_{welfare.pk}": "1,5", f"w_{climate.pk}": "1"}, goals=goals)
        assert not form.is_valid()
        assert 'value="1,5"' in str(form[f"w_{welfare.pk}"])
    assert "can be read in two ways" in form.errors[f"w_{welfare.pk}"][0]


def test_the_ranking_reads_a_saved_weight_the_view_filled_in_as_python_writes_it(goals):
    welfare, climate = goals
    with translation.override("sv"):
        form = RankingForm({f"w_{welfare.pk}": "1.000", f"w_{climate.pk}": "2.500"}, goals=goals)
        assert form.is_valid(), form.errors
        assert 'value="2,5"' in str(form[f"w_{climate.pk}"])
    assert form.weights() == [1.0, 2.5]


@pytest.mark.parametrize("language,weight", [("sv", "1,5"), ("en", "1.5")])
def test_a_goals_weight_reads_the_page_language(db, language, weight):
    data = {"title": "Welfare", "description": "", "weight": weight, "order": "0", "active": "on"}
    with translation.override(language):
        form = GoalForm(data)
        assert form.is_valid(), form.errors
    assert form.cleaned_data["weight"] == Decimal("1.5")


def test_a_goals_saved_weight_is_shown_as_swedish_writes_it(db):
    goal = CouncilGoal.objects.create(title="Welfare", weight=Decimal("1.500"))
    with translation.override("sv"):
        assert 'value="1,5"' in str(GoalForm(instance=goal)["weight"])


@pytest.mark.parametrize("language,weight", [("sv", "2,5"), ("en", "2.5")])
def test_the_setups_goal_weights_read_the_page_language(db, language, weight):
    with translation.override(language):
        form = SetupGoalsForm(
            {"title_1": "Welfare", "weight_1": weight}, suggestions=[], has_goals=False
        )
        assert form.is_valid(), form.errors
    assert form.drafts()[0]["weight"] == Decimal("2.5")


# Through the pages --------------------------------------------------------------------------------


def swedish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    return client


def post_measurement(client, benefit, value: str):
    prefix = f"m{benefit.pk}"
    return client.post(
        reverse("benefits:measurement_create", args=[benefit.pk]),
        {f"{prefix}-date": TODAY.isoformat(), f"{prefix}-value": value, f"{prefix}-note": ""},
    )


def test_a_measurement_typed_with_a_decimal_comma_in_swedish_is_stored_as_it_reads(
    client_for, head, benefit
):
    response = post_measurement(swedish(client_for(head)), benefit, "17,4")
    assert response.status_code == 302
    assert Measurement.objects.get(benefit=benefit).value == Decimal("17.4")


def test_a_measurement_typed_with_a_decimal_comma_in_english_is_refused_and_nothing_stored(
    client_for, head, benefit
):
    response = post_measurement(client_for(head), benefit, "17,4")
    assert response.status_code == 422
    assert "can be read in two ways" in response.text
    assert 'value="17,4"' in response.text
    assert not Measurement.objects.exists()


def test_an_initiative_saved_in_swedish_with_grouped_kronor_keeps_its_amount(
    client_for, head, own_initiative
):
    response = swedish(client_for(head)).post(
        reverse("initiatives:create"),
        {**form_data(own_initiative, budget="1 250 000", running_cost="40\u00a0000"),
         "title": "Ny"},
    )  # fmt: skip
    assert response.status_code == 302
    created = Initiative.objects.get(title="Ny")
    assert (created.budget, created.running_cost) == (1250000, 40000)
