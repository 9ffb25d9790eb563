"""No text that reaches a chart can end the script block that carries the chart's figure.

A department head once made the office's browser approve their own stage proposal by naming a
benefit `</script><b hx-post=...>`: the figure was embedded with json.dumps and |safe, the name
closed the block, and htmx acted on the injected attribute. Every chart-bearing page is rendered
here with that payload in every text a chart shows.
"""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_department, make_initiative

PAYLOAD = '</script><b hx-get="/portfolio/decisions/" hx-trigger="load">x</b><script>'


@pytest.fixture
def poisoned(head, office):
    department = make_department(f"Förvaltning {PAYLOAD}", "EVIL")
    goal = CouncilGoal.objects.create(title=f"Mål {PAYLOAD}", weight=1)
    initiative = make_initiative(
        department, ref="DIG-2026-666", title=f"Robot {PAYLOAD}", budget=1_000_000
    )
    Alignment.objects.create(initiative=initiative, goal=goal, score=4, reason=PAYLOAD)
    benefit = make_benefit(
        initiative,
        title=f"Timmar {PAYLOAD}",
        unit="h </script><b hx-get=/x>",  # a unit holds 40 characters
        sek_per_unit=Decimal("450"),
    )
    measure(benefit, TODAY, 100, office)
    return initiative


def assert_nothing_injected(html: str) -> list[dict]:
    assert "<b hx-get" not in html
    assert 'hx-trigger="load">x</b>' not in html
    figures = re.findall(r'<script id="[^"]+-data" type="application/json">(.*?)</script>', html)
    assert figures, "no chart on the page"
    # Each block is whole JSON, and the payload is in it as text.
    parsed = [json.loads(block) for block in figures]
    # (titles may be cut short in a label, so look for the start of the payload)
    assert any("</script><b hx-get" in text for figure in parsed for text in strings(figure))
    return parsed


def strings(value):
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def test_the_dashboard_charts_keep_every_name_as_text(client_for, executive, poisoned):
    response = client_for(executive).get(reverse("portfolio:dashboard"))
    assert response.status_code == 200
    assert len(assert_nothing_injected(response.text)) == 6


def test_the_benefit_chart_keeps_its_title_and_unit_as_text(client_for, office, poisoned):
    response = client_for(office).get(poisoned.get_absolute_url())
    assert response.status_code == 200
    assert_nothing_injected(response.text)


def test_the_sensitivity_chart_keeps_initiative_titles_as_text(client_for, executive, poisoned):
    response = client_for(executive).get(
        reverse("portfolio:sensitivity"), {"delta": "30", "draws": "50", "top_k": "1"}
    )
    assert response.status_code == 200
    assert_nothing_injected(response.text)


def test_the_frontier_chart_is_embedded_escaped(client_for, executive, poisoned):
    response = client_for(executive).get(reverse("portfolio:frontier"), {"budget": "5000000"})
    assert response.status_code == 200
    html = response.text
    assert "<b hx-get" not in html
    block = re.search(
        r'<script id="chart-frontier-data" type="application/json">(.*?)</script>', html
    )
    figure = json.loads(block[1])
    # In millions of kronor (portfolio.charts.MoneyScale): the one candidate's budget, 1 MSEK,
    # and the chosen budget, 5 MSEK, a point of its own (everything fits it).
    assert figure["data"][0]["x"][-2:] == [1, 5]
    assert figure["layout"]["annotations"][0]["x"] == 5


def test_htmx_refuses_scripts_eval_and_other_hosts(client_for, executive, db):
    """The second wall: injected markup could not make htmx eval code or call another host."""
    html = client_for(executive).get(reverse("portfolio:dashboard")).text
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)[1])
    # allowScriptTags stays on: off, htmx strips every script from swapped content, the figures'
    # JSON included. No inline script runs anyway: the CSP allows only our own files.
    assert config["allowEval"] is False
    assert config["selfRequestsOnly"] is True
    assert re.search(r'<figure class="chart-figure" hx-disable>', html)
