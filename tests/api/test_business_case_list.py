"""NPV, BCR and payback year in /api/v1/initiatives and /api/v1/ranking (issue 14): the figures
of `business_case.figures_for` and of the initiative's page, for the page's items only, in a
constant number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from initiatives.models import CostLine, Initiative
from portfolio import business_case
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import make_benefit
from tests.conftest import make_initiative

LIST = "/api/v1/initiatives"
RANKING = "/api/v1/ranking"


def add_lines(initiative, department, *lines):
    for year, kind, planned in lines:
        CostLine.objects.create(initiative=initiative, year=year, kind=kind, planned=planned,
                                payer=department)  # fmt: skip


@pytest.fixture
def goal(db):
    return CouncilGoal.objects.create(title="Välfärd", weight=Decimal("1"), order=1)


@pytest.fixture
def cases(own_department, other_department, goal, rate):
    start = dt.date(2026, 1, 1)
    # Pays back: a million invested, 50,000 a year running, 2,000 hours a year freed.
    paying = make_initiative(own_department, ref="A-1", planned_start=start)
    add_lines(paying, own_department, (2026, "investment", 1_000_000),
              *[(year, "running", 50_000) for year in range(2027, 2031)])  # fmt: skip
    make_benefit(paying, valued_at_hourly_rate=True, baseline_date=start,
                 target_date=dt.date(2027, 1, 1), target_value=Decimal("2000"))  # fmt: skip
    # Costs and no money back: BCR 0, no payback year.
    costly = make_initiative(other_department, ref="A-2", planned_start=start)
    add_lines(costly, other_department, (2026, "investment", 300_000))
    # Neither cost nor benefit: no BCR (nothing to divide by).
    empty = make_initiative(own_department, ref="A-3", planned_start=start)
    # Money only in the columns (written in bulk): read as the lines it would make.
    columns = make_initiative(own_department, ref="A-4", planned_start=start, budget=200_000,
                              running_cost=10_000)  # fmt: skip
    make_benefit(columns, title="Money", category="financial", unit="SEK/year",
                 sek_per_unit=Decimal("1"), baseline_date=start,
                 target_date=dt.date(2028, 1, 1), target_value=Decimal("90000"))  # fmt: skip
    initiatives = [paying, costly, empty, columns]
    for initiative in initiatives:
        Alignment.objects.create(initiative=initiative, goal=goal, score=3)
    return initiatives


def expected(figures: business_case.Figures) -> dict:
    return {
        "npv": round(figures.npv, 2),
        "bcr": None if figures.bcr is None else round(figures.bcr, 6),
        "payback_year": figures.payback_year,
    }


def figures_of(items) -> dict[str, dict]:
    return {item["ref"]: {key: item[key] for key in ("npv", "bcr", "payback_year")}
            for item in items}  # fmt: skip


def test_the_list_gives_the_figures_of_figures_for(api_as, executive, cases):
    items = api_as(executive).get(LIST).json()["items"]
    found = business_case.figures_for([i.pk for i in cases])
    assert figures_of(items) == {i.ref: expected(found[i.pk]) for i in cases}


def test_the_list_gives_the_figures_of_the_initiatives_page_and_detail(api_as, executive, cases):
    client = api_as(executive)
    listed = figures_of(client.get(LIST).json()["items"])
    for initiative in cases:
        case = business_case.initiative_case(Initiative.objects.get(pk=initiative.pk))
        figures = listed[initiative.ref]
        assert figures["npv"] == pytest.approx(case.npv, abs=0.01)
        assert figures["bcr"] == (None if case.bcr is None else pytest.approx(case.bcr))
        assert figures["payback_year"] == case.payback_year
        detail = client.get(f"{LIST}/{initiative.ref}").json()["business_case"]
        assert figures == {key: detail[key] for key in ("npv", "bcr", "payback_year")}


def test_undefined_figures_are_null(api_as, executive, cases):
    listed = figures_of(api_as(executive).get(LIST).json()["items"])
    assert listed["A-1"]["payback_year"] == 2027 and listed["A-1"]["bcr"] > 1
    assert listed["A-2"] == {"npv": -300_000.0, "bcr": 0.0, "payback_year": None}
    assert listed["A-3"]["bcr"] is None


def test_the_ranking_gives_the_same_figures(api_as, executive, cases):
    client = api_as(executive)
    ranked = client.get(RANKING).json()["items"]
    assert len(ranked) == 4
    found = business_case.figures_for([i.pk for i in cases])
    assert figures_of(ranked) == {i.ref: expected(found[i.pk]) for i in cases}
    assert figures_of(ranked) == figures_of(client.get(LIST).json()["items"])


def test_a_page_has_the_figures_of_its_own_items(api_as, executive, cases):
    client = api_as(executive)
    first = client.get(LIST, {"limit": 2}).json()
    second = client.get(LIST, {"limit": 2, "cursor": first["next_cursor"]}).json()
    everything = figures_of(client.get(LIST).json()["items"])
    assert {**figures_of(first["items"]), **figures_of(second["items"])} == everything
    page = client.get(RANKING, {"limit": 1, "offset": 2}).json()["items"]
    assert figures_of(page) == {page[0]["ref"]: everything[page[0]["ref"]]}


def make_many(n, department, goal):
    for _ in range(n):
        initiative = make_initiative(department, planned_start=dt.date(2026, 1, 1))
        add_lines(initiative, department, (2026, "investment", 1000), (2027, "running", 10))
        make_benefit(initiative, valued_at_hourly_rate=True)
        Alignment.objects.create(initiative=initiative, goal=goal, score=2)


def test_the_list_takes_a_constant_number_of_queries(
    api_as, executive, own_department, goal, rate, django_assert_num_queries
):
    client = api_as(executive)
    client.get("/api/v1/goals")  # the token's first use is recorded
    make_many(3, own_department, goal)
    # token and user, role; the count and the page; the figures: settings, initiatives, their
    # cost lines, their benefits
    with django_assert_num_queries(8):
        assert len(client.get(LIST).json()["items"]) == 3
    make_many(120, own_department, goal)
    with django_assert_num_queries(8):
        assert len(client.get(LIST, {"limit": 500}).json()["items"]) == 123


def test_the_ranking_takes_a_constant_number_of_queries(
    api_as, executive, own_department, goal, rate, django_assert_num_queries
):
    client = api_as(executive)
    client.get("/api/v1/goals")
    make_many(3, own_department, goal)
    # token and user, role; goals; the hourly rate, the candidates, their scores, the rows
    # shown; the figures: settings, initiatives, their cost lines, their benefits
    with django_assert_num_queries(12):
        assert len(client.get(RANKING).json()["items"]) == 3
    make_many(120, own_department, goal)
    with django_assert_num_queries(12):
        assert len(client.get(RANKING, {"limit": 500}).json()["items"]) == 123
