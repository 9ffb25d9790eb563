"""The ranking fits a 1,280-pixel screen: rank, initiative, department, score, money and the
budget's selection by default; stage, the score on each goal and score per MSEK on request."""

import re

from django.urls import reverse

from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_department, make_initiative
from tests.portfolio import test_ranking_views as views

goals = views.goals  # the fixtures: two goals weighted 2 and 1, and three candidates
candidates = views.candidates
score = views.score

URL = reverse("portfolio:ranking")


def headers(html: str) -> list[str]:
    table = html.split('id="ranking-table"', 1)[1]
    thead = table.split("<thead>", 1)[1].split("</thead>", 1)[0]
    cells = re.findall(r"<th[^>]*>(.*?)</th>", thead, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_the_ranking_shows_the_deciding_columns_by_default(client_for, executive, candidates):
    response = client_for(executive).get(URL)
    assert headers(response.text) == [
        "Rank",
        "Movement",
        "Initiative",
        "Department",
        "Score",
        "Budget (SEK)",
        "Expected SEK/year",
    ]


def test_a_budget_adds_which_initiatives_the_optimal_set_takes(client_for, executive, candidates):
    care, lights, sensors = candidates
    response = client_for(executive).get(URL, {"budget": "5000000"})
    assert headers(response.text)[-1] == "Selected"
    rows = dict(re.findall(r'<tr data-ref="([A-Z])">(.*?)</tr>', response.text, re.S))
    # The must-do sensors (2 MSEK) are in; 3 MSEK left takes the lights, not the care (4 MSEK).
    assert "✓" in rows["C"] and "✓" in rows["B"]
    assert "✓" not in rows["A"]


def test_chosen_columns_come_in_their_place(client_for, executive, goals, candidates):
    response = client_for(executive).get(URL, {"col": ["per_million", "goals", "stage", "x"]})
    assert headers(response.text) == [
        "Rank",
        "Movement",
        "Initiative",
        "Department",
        "Stage",
        "Score",
        "G1",
        "G2",
        "Budget (SEK)",
        "Expected SEK/year",
        "Score per MSEK",
    ]
    assert f"G1 = {goals[0].title}" in response.text
    form = response.text.split('id="ranking-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'name="col" value="goals"[^>]* checked', form)
    assert "<summary>Columns</summary>" in form


def test_optional_columns_add_no_query(
    client_for,
    executive,
    head,
    goals,
    django_assert_num_queries,
):
    department = make_department()
    for i in range(60):
        initiative = make_initiative(department, budget=100_000 * (i + 1))
        score(initiative, goals[i % 2], i % 6)
        measure(make_benefit(initiative, valued_at_hourly_rate=True), TODAY, i, head)
    client = client_for(executive)
    query = {"budget": "3000000"}
    client.get(URL, query)
    # With a budget: the links 2 and their labels 2, the net present value beside the score 4.
    with django_assert_num_queries(19) as plain:
        client.get(URL, query)
    with django_assert_num_queries(len(plain)):
        response = client.get(URL, {**query, "col": ["stage", "goals", "per_million"]})
    assert len(headers(response.text)) == 12  # seven, three chosen (two goals), "Selected"
