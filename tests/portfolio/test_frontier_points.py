"""The efficient frontier as points, each an optimum computed at exactly its budget: the chosen
budget always among them, each point's set listed, nothing drawn between two points, and a point
the time cut short drawn and labelled as the best found (issue 14)."""

import json
import re
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import prioritisation as p
from portfolio import tasks
from portfolio.models import Alignment, Computation, CouncilGoal
from tests.conftest import make_initiative, make_user
from tests.portfolio.test_prioritisation import brute_force

FRONTIER = reverse("portfolio:frontier")
POLL = {"HX-Request": "true", "HX-Target": "frontier"}


# --- The maths: prioritisation.frontier_points ---------------------------------------------


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 100), st.integers(0, 5_000_000), st.booleans()),
        min_size=1,
        max_size=9,
    ),
    st.integers(0, 30_000_000),
    st.integers(2, 6),
)
def test_every_point_is_the_exact_optimum_and_the_chosen_budget_is_one(items, chosen, points):
    scores = [float(s) for s, _c, _m in items]
    costs = [c for _s, c, _m in items]
    must = [m for _s, _c, m in items]
    floor = sum(c for c, m in zip(costs, must, strict=True) if m)
    found = p.frontier_points(scores, costs, must, points, chosen=chosen)
    budgets = [budget for budget, _selection in found]
    assert budgets == sorted(set(budgets)) and budgets[0] == floor
    assert (chosen in budgets) == (chosen >= floor)  # above everything too; below the must-dos not
    for budget, selection in found:
        fresh = p.select_optimal(scores, costs, budget, must)
        assert selection.optimal
        assert selection.total_score == pytest.approx(brute_force(scores, costs, budget, must))
        assert selection.total_score == pytest.approx(fresh.total_score)
        assert (selection.chosen == fresh.chosen).all()  # the set listed is the one chosen


def test_the_chosen_budget_is_a_point_between_the_evenly_spaced_ones():
    scores, costs, must = [66.7, 33.3, 40.0], [4_000_000, 3_000_000, 2_000_000], [0, 0, 1]
    spaced = p.frontier_budgets(costs, must, 12)
    assert 5_000_000 not in spaced
    found = dict(p.frontier_points(scores, costs, must, 12, chosen=5_000_000))
    assert sorted(found) == sorted([*spaced, 5_000_000])
    at_chosen = found[5_000_000]
    assert at_chosen.chosen.tolist() == [False, True, True]
    assert at_chosen.total_score == p.select_optimal(scores, costs, 5_000_000, must).total_score


def test_two_budgets_with_the_same_set_are_both_points():
    found = p.frontier_points([5.0, 1.0], [10, 100], points=3, chosen=20)
    assert [budget for budget, _s in found] == [0, 20, 55, 110]
    assert found[1][1].chosen.tolist() == found[2][1].chosen.tolist() == [True, False]


def test_links_reach_every_point_and_raise_the_floor():
    # 2 requires 0; the must-do 1 requires 0, so the lowest budget holds 0 and 1.
    links = p.Links(requires=np.array([[2, 0], [1, 0]]))
    scores, costs, must = [1.0, 2.0, 50.0, 30.0], [40, 10, 10, 45], [False, True, False, False]
    found = p.frontier_points(scores, costs, must, 4, chosen=60, links=links)
    assert found[0][0] == 50 and 60 in dict(found)
    for budget, selection in found:
        fresh = p.select_optimal(scores, costs, budget, must, links=links)
        assert links.holds(selection.chosen)
        assert (selection.chosen == fresh.chosen).all()


def test_a_point_the_time_cut_short_never_falls_below_the_one_before(monkeypatch):
    scores, costs = [5.0, 4.0, 3.0], [10, 10, 10]
    real = p.select_optimal

    def poor_at_20(*args, **kwargs):
        found = real(*args, **kwargs)
        if args[2] != 20:
            return found
        nothing = np.zeros(3, dtype=bool)
        return p.Selection(nothing, 0.0, 0, status=p.BEST_FOUND, bound=12.0)

    monkeypatch.setattr(p, "select_optimal", poor_at_20)
    found = dict(p.frontier_points(scores, costs, points=4, chosen=20))
    at_20 = found[20]
    # The set at 10 fits 20 too: shown there, still not proven, with 20's own bound.
    assert at_20.chosen.tolist() == found[10].chosen.tolist() == [True, False, False]
    assert at_20.status == p.BEST_FOUND and at_20.bound == 12.0 and at_20.gap > 0


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def candidates(db, own_department, other_department):
    goals = [
        CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1),
        CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2),
    ]
    care = make_initiative(own_department, ref="A", title="Digital omsorg", budget=4_000_000)
    lights = make_initiative(other_department, ref="B", title="Smarta trafikljus", budget=3_000_000)
    sensors = make_initiative(
        other_department, ref="C", title="Energisensorer", budget=2_000_000, must_do=True
    )
    for initiative, goal, value in [
        (care, goals[0], 5), (lights, goals[1], 5), (sensors, goals[0], 1), (sensors, goals[1], 4)
    ]:  # fmt: skip
        Alignment.objects.create(initiative=initiative, goal=goal, score=value)
    return care, lights, sensors


def expected_set(budget: int) -> set[str]:
    """C (2 M) is a must-do; A (4 M, 66.7) beats B (3 M, 33.3) when it fits."""
    if budget >= 9_000_000:
        return {"A", "B", "C"}
    if budget >= 6_000_000:
        return {"A", "C"}
    return {"B", "C"} if budget >= 5_000_000 else {"C"}


def figure(html: str) -> dict:
    block = re.search(
        r'<script id="chart-frontier-data" type="application/json">(.*?)</script>', html
    )
    return json.loads(block[1])


def test_the_chosen_budget_is_a_point_and_its_row_is_marked(client_for, executive, candidates):
    response = client_for(executive).get(FRONTIER, {"budget": "5000000"})
    assert response.status_code == 200
    points = Computation.objects.get().result["points"]
    chosen = [point for point in points if point["chosen"]]
    assert len(chosen) == 1 and chosen[0]["budget"] == 5_000_000
    assert chosen[0]["score"] == pytest.approx(73.333, abs=0.001)
    assert chosen[0]["refs"] == ["C", "B"]  # in rank order
    assert chosen[0]["cost"] == 5_000_000 and chosen[0]["count"] == 2
    # The same set and score as the ranking page's selection at that budget.
    ranking = client_for(executive).get(reverse("portfolio:ranking"), {"budget": "5000000"})
    assert chosen[0]["score"] == pytest.approx(ranking.context["budget"]["optimal"]["total_score"])
    assert sorted(ranking.context["budget"]["chosen"]) == sorted(chosen[0]["refs"])
    html = response.text
    row = html[html.index('data-testid="frontier-chosen"') :]
    row = row[: row.index("</tr>")]
    assert "(the chosen budget)" in row and "C, B" in row and "Proven optimal" in row
    assert "<caption>The best set at each budget level computed</caption>" in html
    assert '<th scope="row" class="num">' in html and html.count('scope="col"') == 6


def test_every_point_lists_the_set_it_scores(client_for, executive, candidates):
    client_for(executive).get(FRONTIER, {"budget": "5000000"})
    points = Computation.objects.get().result["points"]
    assert len(points) == 13  # twelve evenly spaced and the chosen budget
    for point in points:
        assert set(point["refs"]) == expected_set(point["budget"]), point
        assert point["count"] == len(point["refs"])
        assert point["optimal"] and point["status"] == p.OPTIMAL and point["gap_percent"] == 0


def test_the_chart_draws_points_only_with_the_chosen_one_labelled(
    client_for, executive, candidates
):
    drawn = figure(client_for(executive).get(FRONTIER, {"budget": "5000000"}).text)
    assert all(trace["mode"] == "markers" for trace in drawn["data"])
    assert not any("line" in trace["mode"] for trace in drawn["data"])
    assert not drawn["layout"].get("shapes")
    ringed = drawn["data"][-1]
    assert ringed["name"] == "The chosen budget" and ringed["x"] == [5]
    assert drawn["layout"]["annotations"][0]["text"] == "Chosen budget"


def test_points_the_time_cut_short_are_drawn_and_labelled_as_best_found(
    client_for, executive, candidates, monkeypatch
):
    real = p.select_optimal

    def stopped(*args, **kwargs):
        found = real(*args, **kwargs)
        return replace(found, status=p.BEST_FOUND, bound=found.total_score / (1 - 0.0123))

    monkeypatch.setattr(p, "select_optimal", stopped)
    response = client_for(executive).get(FRONTIER, {"budget": "5000000"})
    points = Computation.objects.get().result["points"]
    assert all(point["status"] == p.BEST_FOUND and not point["optimal"] for point in points)
    assert "Best found, at most 1.23 % below the optimum" in response.text
    assert "<td>Proven optimal</td>" not in response.text
    traces = figure(response.text)["data"]
    best = [trace for trace in traces if trace["name"] == "Best set found, not proven optimal"]
    assert best[0]["marker"]["symbol"] == "diamond-open" and len(best[0]["x"]) == 13


def test_a_chosen_budget_below_the_must_dos_is_no_point_and_says_so(
    client_for, executive, candidates
):
    response = client_for(executive).get(FRONTIER, {"budget": "1000000"})
    result = Computation.objects.get().result
    assert not any(point["chosen"] for point in result["points"])
    assert result["below_must"] == 2_000_000
    assert 'data-testid="frontier-below-must"' in response.text
    assert "is below what the must-do initiatives cost" in response.text


def test_a_long_set_folds_into_details_and_says_how_many_are_not_listed(client_for, executive, db):
    refs = [f"R{number}" for number in range(200)]
    result = {
        "points": [{"budget": 1000, "score": 9.0, "cost": 900, "count": 250, "status": "optimal",
                    "optimal": True, "gap_percent": 0.0, "chosen": True, "refs": refs}],
        "budget": 1000, "seconds": 5.0, "refs_shown": 200, "below_must": None,
    }  # fmt: skip
    computation = Computation.objects.create(kind="frontier", key="k", status="done", result=result)
    url = reverse("portfolio:computation", args=[computation.pk])
    html = client_for(executive).get(url, headers=POLL).text
    assert "<details><summary>250 initiatives</summary>R0, R1," in html
    assert "R199 and 50 more, not listed</details>" in html


def test_the_task_reads_every_points_refs_in_the_same_queries_whatever_the_size(
    client_for, executive, own_department, deferred
):
    goal = CouncilGoal.objects.create(title="Välfärd", weight=Decimal("1"), order=1)

    def queries_for(size: int) -> int:
        for number in range(size):
            initiative = make_initiative(own_department, budget=100_000 * (number % 7 + 1))
            Alignment.objects.create(initiative=initiative, goal=goal, score=number % 5 + 1)
        client_for(executive).get(FRONTIER, headers=POLL)
        computation = Computation.objects.order_by("-pk").first()
        with CaptureQueriesContext(connection) as captured:
            tasks.run_computation.call(computation.pk)
        computation.refresh_from_db()
        points = computation.result["points"]
        assert len(points) == 12 and len(points[-1]["refs"]) == Alignment.objects.count()
        return len(captured)

    assert queries_for(3) == queries_for(60)


@pytest.mark.parametrize(
    "role,status",
    [("executive", 200), ("office", 200), ("head", 200), ("no_role", 403), ("anonymous", 302)],
)
def test_who_may_see_the_frontier(client_for, users_by_role, candidates, role, status):
    user = {**users_by_role, "no_role": make_user(None, username="norole"), "anonymous": None}
    response = client_for(user[role]).get(FRONTIER, {"budget": "5000000"})
    assert response.status_code == status
    assert ("(the chosen budget)" in response.text) == (status == 200)
