"""A goal's weight reads the same on every page that shows it, as text and in its input: 1.5 is
"1,5" in Swedish and "1.5" in English (never "1,500", "1.500" or a rounded "2")."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from portfolio.models import CouncilGoal, Decision

WRITTEN = {"sv": "1,5", "en": "1.5"}
WRONG = ["1,500", "1.500", "1,50", "1.50"]


@pytest.fixture
def weighted(db):
    return [
        CouncilGoal.objects.create(title="Välfärd", weight=Decimal("1.500"), order=1),
        CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2),
    ]


@pytest.fixture
def client_in(client_for):
    def in_language(user, language: str):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return in_language


@pytest.mark.parametrize(
    "value,sv,en",
    [
        (Decimal("1.500"), "1,5", "1.5"),
        (Decimal("2"), "2", "2"),
        (1.5, "1,5", "1.5"),
        (0.6371, "0,637", "0.637"),
        (Decimal("0.0004"), "0", "0"),
        (None, "—", "—"),
    ],
)
def test_the_number_filter_writes_a_number_as_its_input_does(value, sv, en):
    template = Template("{% load benefit_format %}{{ value|number }}")
    for language, expected in (("sv", sv), ("en", en)):
        with translation.override(language):
            assert template.render(Context({"value": value})) == expected


def weight_cell(html: str) -> str:
    return re.search(r'<td class="num">([^<]*)</td>\s*<td>(?:yes|no|ja|nej)</td>', html)[1]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_goals_list_and_the_goal_form_show_the_weight_alike(
    client_in, office, weighted, language
):
    client = client_in(office, language)
    listed = client.get(reverse("portfolio:goals")).text
    assert weight_cell(listed) == WRITTEN[language]
    form = client.get(reverse("portfolio:goal_edit", args=[weighted[0].pk])).text
    assert re.search(rf'name="weight" value="{re.escape(WRITTEN[language])}"', form)
    for wrong in WRONG:
        assert f">{wrong}<" not in listed


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_rankings_weight_fields_show_the_weight_alike(client_in, office, weighted, language):
    html = client_in(office, language).get(reverse("portfolio:ranking")).text
    field = re.search(rf'<input[^>]*name="w_{weighted[0].pk}"[^>]*>', html)[0]
    assert f'value="{WRITTEN[language]}"' in field


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_ahp_weights_show_in_the_same_format(client_in, office, weighted, language):
    third = CouncilGoal.objects.create(title="Ekonomi", weight=1, order=3)
    a, b, c = weighted[0].pk, weighted[1].pk, third.pk
    response = client_in(office, language).post(
        reverse("portfolio:ahp"), {f"p_{a}_{b}": "3", f"p_{a}_{c}": "5", f"p_{b}_{c}": "3"}
    )
    shown = re.findall(r'data-testid="ahp-weight">([^<]*)<', response.text)
    separator = "," if language == "sv" else "."
    assert shown == [f"0{separator}637", f"0{separator}258", f"0{separator}105"]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_saved_decision_shows_its_weights_in_the_same_format(
    client_in, office, weighted, language
):
    decision = Decision.objects.create(
        comment="Budget 2027",
        weights={"Välfärd": 1.5, "Klimat": 1.0},
        ranking=[],
        created_by=office,
    )
    html = client_in(office, language).get(reverse("portfolio:decision", args=[decision.pk])).text
    assert re.findall(r"Välfärd</dt><dd>([^<]*)</dd>", html) == [WRITTEN[language]]
    assert re.findall(r"Klimat</dt><dd>([^<]*)</dd>", html) == ["1"]
