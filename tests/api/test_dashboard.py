"""/api/v1/dashboard: the dashboard page's figures, which agree with the benefits register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from organisation.models import Department
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_department, make_initiative, make_update

URL = "/api/v1/dashboard"
PAGE = reverse("portfolio:dashboard")
REGISTER = reverse("benefits:register")


@pytest.fixture
def portfolio(head, own_department, other_department):
    welfare = CouncilGoal.objects.create(title="Välfärd", weight=2, order=1)
    climate = CouncilGoal.objects.create(title="Klimat", weight=1, order=2)
    robot = make_initiative(own_department, ref="A", stage="operation", budget=1_000_000)
    lights = make_initiative(other_department, ref="B", stage="pilot", budget=2_000_000)
    make_initiative(other_department, ref="C", budget=300_000)
    make_update(robot, head, health="green")
    make_update(lights, head, health="red")
    hours = make_benefit(robot, title="Hours", valued_at_hourly_rate=True)
    measure(hours, TODAY - dt.timedelta(days=10), 100, head)
    fuel = make_benefit(
        lights, title="Fuel", category="financial", unit="SEK/year",
        target_value=Decimal("100000"), sek_per_unit=Decimal("1"),
    )  # fmt: skip
    measure(fuel, TODAY, 60000, head)
    make_benefit(lights, title="Satisfaction", category="quality", unit="%")
    Alignment.objects.create(initiative=robot, goal=welfare, score=4)
    Alignment.objects.create(initiative=lights, goal=climate, score=5)
    return {"welfare": welfare, "climate": climate}


def test_the_headline_has_the_portfolios_figures(api_as, executive, portfolio):
    head = api_as(executive).get(URL).json()["headline"]
    assert head["total"] == 3
    assert [row["count"] for row in head["by_stage"]] == [1, 1, 0, 1, 0]
    assert head["health"] == {"green": 1, "amber": 0, "red": 1}
    assert head["budget"] == 3_300_000
    assert head["expected_sek"] == 400 * 450 + 100_000
    assert head["realised_sek"] == 100 * 450 + 60_000
    assert head["realisation_rate"] == pytest.approx(105_000 / 280_000)
    assert (head["benefits"], head["measured"], head["behind_plan"]) == (3, 2, 1)


@pytest.mark.parametrize("filters", ["", "department", "goal"])
def test_the_figures_equal_the_dashboard_pages(
    client_for, api_as, executive, portfolio, own_department, filters
):
    page_query, api_query = {}, {}
    if filters == "department":
        page_query, api_query = {"department": own_department.pk}, {"department": "UTB"}
    elif filters == "goal":
        page_query = api_query = {"goal": portfolio["climate"].pk}
    context = client_for(executive).get(PAGE, page_query).context
    body = api_as(executive).get(URL, api_query).json()
    head = context["head"]
    assert body["headline"]["total"] == head.total
    assert body["headline"]["expected_sek"] == float(head.expected_sek)
    assert body["headline"]["realised_sek"] == float(head.realised_sek)
    assert body["by_department"] == [
        {"label": row["label"], "expected": float(row["expected"]),
         "realised": float(row["realised"])}
        for row in context["departments"]
    ]  # fmt: skip
    assert [row["label"] for row in body["by_goal"]] == [row["label"] for row in context["by_goal"]]
    assert [row["expected"] for row in body["by_goal"]] == pytest.approx(
        [row["expected"] for row in context["by_goal"]]
    )
    assert [row["month"] for row in body["over_time"]] == [
        row["month"].isoformat() for row in context["timeline"]
    ]
    assert [row["realised"] for row in body["over_time"]] == [
        row["realised"] for row in context["timeline"]
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"department": "NOPE"}, "department: no department has the code 'NOPE'."),
        ({"goal": "999"}, "goal: there is no active council goal with the id 999."),
        ({"goal": "-1"}, "goal: Input should be greater than or equal to 1"),
        ({"goal": "climate"}, "goal: Input should be a valid integer"),
    ],
)
def test_a_bad_filter_is_a_400(api_as, executive, portfolio, params, message):
    response = api_as(executive).get(URL, params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_an_inactive_goal_is_a_400(api_as, executive, portfolio):
    portfolio["climate"].active = False
    portfolio["climate"].save()
    response = api_as(executive).get(URL, {"goal": portfolio["climate"].pk})
    assert response.status_code == 400


def test_archived_initiatives_do_not_count_even_for_the_office(api_as, office, portfolio, head):
    archived = make_initiative(make_department(), budget=10**9, archived_at="2026-01-01T00:00Z")
    make_benefit(archived, valued_at_hourly_rate=True)
    assert api_as(office).get(URL).json()["headline"]["budget"] == 3_300_000


def test_the_dashboard_takes_a_constant_number_of_queries(
    api_as, executive, head, portfolio, rate, django_assert_num_queries
):
    department = make_department()

    def fill(n):
        for i in range(n):
            initiative = make_initiative(department, budget=1000 * i, stage="pilot")
            make_update(initiative, head, health="amber")
            benefit = make_benefit(initiative, valued_at_hourly_rate=i % 2 == 0)
            measure(benefit, TODAY - dt.timedelta(days=i % 90), i, head)
            Alignment.objects.create(initiative=initiative, goal=portfolio["welfare"], score=i % 6)

    client = api_as(executive)
    client.get("/api/v1/goals")  # the token's first use is recorded
    fill(5)
    # token and user, role; hourly rate, goals; headline 3, after the project 1, departments 1,
    # goals 2, months 2; whether the sums kept on write hold (not here: tests/portfolio/
    # test_figures.py reads those); money by year and who pays, who gains 5
    with django_assert_num_queries(19) as first:
        client.get(URL)
    fill(195)
    with django_assert_num_queries(len(first)):
        client.get(URL)


def test_on_the_demo_city_each_departments_totals_equal_the_register(client_for, api_as, db):
    settings.DEBUG = True
    try:
        call_command("load_demo", stdout=open("/dev/null", "w"))
    finally:
        settings.DEBUG = False
    executive = User.objects.get(username="ledningen")
    client, api = client_for(executive), api_as(executive)
    compared = 0
    for department in Department.objects.all():
        totals = client.get(REGISTER, {"department": department.pk}).context["totals"]
        head = api.get(URL, {"department": department.code}).json()["headline"]
        for key in ("expected_sek", "realised_sek"):
            register = totals[f"{key}_total"]
            assert head[key] == (None if register is None else float(register))
        compared += totals["expected_sek_total"] is not None
    assert compared > 3
