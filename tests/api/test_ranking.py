"""/api/v1/goals and /api/v1/ranking: the same order as the ranking page for the same weights."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from portfolio import business_case
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import make_benefit
from tests.conftest import make_initiative

URL = "/api/v1/ranking"


@pytest.fixture
def goals(db):
    return [
        CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1),
        CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2),
    ]


@pytest.fixture
def candidates(goals, own_department, other_department):
    care = make_initiative(own_department, ref="A", title="Digital omsorg", budget=4_000_000)
    lights = make_initiative(other_department, ref="B", title="Smarta trafikljus", stage="pilot")
    sensors = make_initiative(other_department, ref="C", title="Energisensorer", must_do=True)
    make_initiative(own_department, ref="D", title="Closed", stage="closed", outcome="completed")
    make_initiative(own_department, ref="E", title="Lika", kind="rpa")
    make_initiative(own_department, ref="F", title="Arkiv", archived_at="2026-01-01T00:00Z")
    for initiative, goal, score in [
        (care, 0, 5), (lights, 1, 5), (sensors, 0, 1), (sensors, 1, 4),
    ]:  # fmt: skip
        Alignment.objects.create(initiative=initiative, goal=goals[goal], score=score)
    make_benefit(care, valued_at_hourly_rate=True)
    return care, lights, sensors


def test_goals_are_the_active_ones_in_order(api_as, executive, goals):
    CouncilGoal.objects.create(title="Gammalt", order=0, active=False)
    goals[0].description = "En sammanhållen stad"
    goals[0].save()
    body = api_as(executive).get("/api/v1/goals").json()
    assert body == {
        "count": 2,
        "items": [
            {"id": goals[0].pk, "title": "Välfärd", "description": "En sammanhållen stad",
             "weight": 2.0, "order": 1},
            {"id": goals[1].pk, "title": "Klimat", "description": "", "weight": 1.0, "order": 2},
        ],
    }  # fmt: skip


def test_a_ranked_row_has_its_score_and_goal_scores(api_as, executive, goals, candidates, rate):
    body = api_as(executive).get(URL).json()
    assert body["weights"] == {str(goals[0].pk): 2.0, str(goals[1].pk): 1.0}
    assert body["count"] == 4  # closed and archived ones are no candidates
    first = body["items"][0]
    # The business case's figures: those of business_case.figures_for (test_business_case_list)
    figures = business_case.figures_for([candidates[0].pk])[candidates[0].pk]
    assert {key: first.pop(key) for key in ("npv", "bcr", "payback_year")} == {
        "npv": round(figures.npv, 2), "bcr": round(figures.bcr, 6), "payback_year": None,
    }  # fmt: skip
    assert first == {
        "rank": 1,
        "ref": "A",
        "title": "Digital omsorg",
        "department": "UTB",
        "stage": "idea",
        "must_do": False,
        "score": pytest.approx(100 * 10 / 15),
        "goal_scores": {str(goals[0].pk): 5, str(goals[1].pk): 0},
        "budget": 4_000_000,
        "expected_sek": 400 * 450,
    }


@pytest.mark.parametrize(
    "weights", [None, ("1", "3"), ("0", "1"), ("2.5", "2.5"), ("", "4"), ("7", None)]
)
def test_the_order_equals_the_ranking_pages(
    client_for, api_as, executive, goals, candidates, weights
):
    params = {}
    for goal, weight in zip(goals, weights or (), strict=False):
        if weight is not None:
            params[f"w_{goal.pk}"] = weight
    page = client_for(executive).get(reverse("portfolio:ranking"), params).context["page"]
    expected = [(row.rank, row.row["ref"], pytest.approx(row.score)) for row in page]
    items = api_as(executive).get(URL, params).json()["items"]
    assert [(item["rank"], item["ref"], item["score"]) for item in items] == expected


def test_the_ranking_filters_and_pages(api_as, executive, goals, candidates):
    client = api_as(executive)
    refs = lambda params: [item["ref"] for item in client.get(URL, params).json()["items"]]  # noqa: E731
    assert refs({}) == ["A", "C", "B", "E"]
    assert refs({"department": "TK"}) == ["C", "B"]
    assert refs({"stage": "pilot"}) == ["B"]
    assert refs({"kind": "rpa"}) == ["E"]
    assert refs({"limit": 2, "offset": 1}) == ["C", "B"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "the weight must be between 0 and 99999.999"),
        ("100000", "the weight must be between 0 and 99999.999"),
        ("lots", "the weight must be a number, not 'lots'"),
        ("NaN", "the weight must be a number, not 'NaN'"),
        ("Infinity", "the weight must be a number, not 'Infinity'"),
    ],
)
def test_a_bad_weight_is_a_400(api_as, executive, goals, value, message):
    response = api_as(executive).get(URL, {f"w_{goals[0].pk}": value})
    assert response.status_code == 400
    assert response.json()["detail"] == f"w_{goals[0].pk}: {message}."


def test_all_zero_weights_are_a_400(api_as, executive, goals):
    response = api_as(executive).get(URL, {f"w_{goal.pk}": "0" for goal in goals})
    assert response.status_code == 400
    assert response.json()["detail"] == "At least one goal needs a weight above zero."


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"w_999": "1"}, "w_999: there is no active council goal with the id '999'."),
        ({"w_x": "1"}, "w_x: there is no active council goal with the id 'x'."),
        ({"department": "NOPE"}, "department: no department has the code 'NOPE'."),
        ({"stage": "closed"}, "stage: Input should be 'idea', 'pilot', 'scaling' or 'operation'"),
        ({"kind": "x"}, "kind: Input should be"),
        ({"limit": "1000"}, "limit: Input should be less than or equal to 500"),
    ],
)
def test_other_bad_parameters_are_a_400(api_as, executive, goals, params, message):
    response = api_as(executive).get(URL, params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_the_ranking_takes_a_constant_number_of_queries(
    api_as, executive, goals, own_department, rate, django_assert_num_queries
):
    def make(n):
        for i in range(n):
            initiative = make_initiative(own_department, budget=1000 * i)
            Alignment.objects.create(initiative=initiative, goal=goals[i % 2], score=i % 6)
            make_benefit(initiative)

    client = api_as(executive)
    client.get("/api/v1/goals")  # the token's first use is recorded
    make(5)
    # token and user, role; goals; the hourly rate, the candidates, their scores, the rows shown;
    # the business case's figures of the page (settings, initiatives, cost lines, benefits)
    with django_assert_num_queries(12):
        assert client.get(URL).json()["count"] == 5
    make(195)
    with django_assert_num_queries(12):
        assert client.get(URL).json()["count"] == 200
