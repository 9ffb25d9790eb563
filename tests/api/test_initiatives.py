"""/api/v1/initiatives and /api/v1/initiatives/{ref}: the list's filters, paging and the detail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from benefits.models import PortfolioSetting
from initiatives.models import CostLine
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_initiative, make_update

LIST = "/api/v1/initiatives"


def refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["ref"] for item in response.json()["items"]]


@pytest.fixture
def archived(own_department):
    return make_initiative(own_department, ref="OLD-1", archived_at=timezone.now())


def test_an_initiative_comes_with_its_fields(api_as, executive, own_initiative, head):
    own_initiative.owner = head
    own_initiative.budget = 1_500_000
    own_initiative.tags = "AI, skolor"
    own_initiative.planned_start = dt.date(2026, 1, 15)
    own_initiative.save()
    make_update(own_initiative, head, days_ago=3, health="amber")
    item = api_as(executive).get(LIST).json()["items"][0]
    assert item == {
        "ref": "DIG-2026-001",
        "title": "Skolmjölksroboten",
        "summary": "",
        "kind": "other",
        "stage": "idea",
        "outcome": "",
        "department": "UTB",
        "owner": "head",
        "planned_start": "2026-01-15",
        "planned_end": None,
        "budget": 1_500_000,
        "running_cost": None,
        "cost_to_date": None,
        "must_do": False,
        "tags": ["AI", "skolor"],
        "health": "amber",
        "last_update_on": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "archived": False,
        # The budget spent in the start year, and no benefit (test_business_case_list).
        "npv": -1_500_000.0,
        "bcr": 0.0,
        "payback_year": None,
    }


@pytest.mark.parametrize("role", ["head", "executive"])
def test_only_the_office_sees_archived_initiatives(api_as, users_by_role, archived, role):
    client = api_as(users_by_role[role])
    assert refs(client.get(LIST)) == []
    assert client.get(f"{LIST}/OLD-1").status_code == 404
    response = client.get(LIST, {"archived": "true"})
    assert response.status_code == 403
    assert "archived" in response.json()["detail"]


def test_the_office_lists_archived_initiatives_on_request(api_as, office, archived, own_initiative):
    client = api_as(office)
    assert refs(client.get(LIST)) == ["DIG-2026-001"]
    assert refs(client.get(LIST, {"archived": "true"})) == ["OLD-1"]
    detail = client.get(f"{LIST}/OLD-1").json()
    assert detail["archived"] is True


def test_the_list_filters_like_the_list_page(api_as, executive, own_department, other_department):
    author = executive
    a = make_initiative(own_department, ref="A-1", title="Robot", stage="pilot", kind="rpa")
    make_initiative(other_department, ref="B-1", title="Sensors", stage="pilot", kind="iot")
    c = make_initiative(own_department, ref="C-1", title="Skola", summary="robotens lärdomar")
    make_update(a, author, health="red")
    make_update(c, author, health="green")
    client = api_as(executive)
    assert refs(client.get(LIST, {"department": "UTB"})) == ["A-1", "C-1"]
    assert refs(client.get(LIST, {"stage": "pilot"})) == ["A-1", "B-1"]
    assert refs(client.get(LIST, {"kind": "iot"})) == ["B-1"]
    assert refs(client.get(LIST, {"health": "red"})) == ["A-1"]
    assert refs(client.get(LIST, {"health": "none"})) == ["B-1"]
    assert refs(client.get(LIST, {"q": "robot"})) == ["A-1", "C-1"]
    assert refs(client.get(LIST, {"q": "robot", "department": "UTB", "stage": "idea"})) == ["C-1"]


def test_pages_are_in_a_stable_order_by_ref(api_as, executive, own_department):
    for n in (5, 3, 1, 4, 2):
        make_initiative(own_department, ref=f"P-{n}", title="Same title")
    client = api_as(executive)
    first = client.get(LIST, {"limit": 2}).json()
    assert (first["count"], first["offset"], first["limit"]) == (5, 0, 2)
    assert [item["ref"] for item in first["items"]] == ["P-1", "P-2"]
    assert refs(client.get(LIST, {"limit": 2, "offset": 2})) == ["P-3", "P-4"]
    assert refs(client.get(LIST, {"limit": 2, "offset": 4})) == ["P-5"]
    assert refs(client.get(LIST, {"offset": 10})) == []
    assert client.get(LIST).json()["limit"] == 100


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"department": "NOPE"}, "department: no department has the code 'NOPE'"),
        ({"stage": "done"}, "stage: Input should be 'idea'"),
        ({"kind": "robot"}, "kind: Input should be 'pilot'"),
        ({"health": "blue"}, "health: Input should be 'green'"),
        ({"limit": "ten"}, "limit: Input should be a valid integer"),
        ({"limit": "0"}, "limit: Input should be greater than or equal to 1"),
        ({"limit": "501"}, "limit: Input should be less than or equal to 500"),
        ({"offset": "-1"}, "offset: Input should be greater than or equal to 0"),
        ({"offset": "1.5"}, "offset: Input should be a valid integer"),
        ({"archived": "maybe"}, "archived: Input should be a valid boolean"),
        ({"q": "x" * 201}, "q: String should have at most 200 characters"),
        ({"q": "a\x00b"}, "q: Value error, must not contain NUL characters"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(api_as, office, own_department, params, message):
    response = api_as(office).get(LIST, params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_the_list_takes_a_constant_number_of_queries(
    api_as, executive, own_department, head, rate, django_assert_num_queries
):
    def make(n):
        for _ in range(n):
            initiative = make_initiative(own_department, owner=head, tags="a, b")
            make_update(initiative, head)

    client = api_as(executive)
    make(5)
    # token and user, its use, role; the department code, the count and the page; the page's
    # business case figures (settings, initiatives, cost lines, benefits)
    with django_assert_num_queries(10):
        assert len(client.get(LIST, {"department": "UTB"}).json()["items"]) == 5
    make(195)
    with django_assert_num_queries(9):  # the token's use is recorded at most once a minute
        response = client.get(LIST, {"limit": 500, "department": "UTB"})
    assert len(response.json()["items"]) == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # a token opens no session


@pytest.fixture
def goals(db):
    return [
        CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1),
        CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2),
        CouncilGoal.objects.create(title="Gammalt", weight=Decimal("1"), order=3, active=False),
    ]


def test_the_detail_has_benefits_with_figures_measurements_and_goal_scores(
    api_as, executive, head, own_initiative, goals, rate
):
    benefit = make_benefit(own_initiative, valued_at_hourly_rate=True)
    measure(benefit, TODAY - dt.timedelta(days=100), 100, head)
    measure(benefit, TODAY - dt.timedelta(days=10), 150, head)
    make_benefit(own_initiative, title="Nöjdare elever", category="quality", unit="%")
    Alignment.objects.create(initiative=own_initiative, goal=goals[1], score=4, reason="CO2")
    Alignment.objects.create(initiative=own_initiative, goal=goals[0], score=2)
    Alignment.objects.create(initiative=own_initiative, goal=goals[2], score=5)
    detail = api_as(executive).get(f"{LIST}/DIG-2026-001").json()
    assert detail["ref"] == "DIG-2026-001"
    money, quality = detail["benefits"]
    assert money["title"] == "Freed staff hours"
    assert money["expected_improvement"] == 400
    assert money["realised_improvement"] == 150
    assert money["realisation_rate"] == pytest.approx(0.375)
    assert money["expected_sek"] == 400 * 450
    assert money["realised_sek"] == 150 * 450
    assert money["planned_improvement"] == pytest.approx(200, abs=1)
    assert money["behind_plan"] is True
    assert money["measurements"] == [
        {"date": (TODAY - dt.timedelta(days=100)).isoformat(), "value": 100.0, "note": ""},
        {"date": (TODAY - dt.timedelta(days=10)).isoformat(), "value": 150.0, "note": ""},
    ]
    assert quality["expected_sek"] is None
    assert quality["realised_improvement"] is None
    assert quality["measurements"] == []
    assert detail["goal_scores"] == [
        {"goal_id": goals[0].pk, "title": "Välfärd", "score": 2, "reason": ""},
        {"goal_id": goals[1].pk, "title": "Klimat", "score": 4, "reason": "CO2"},
    ]


def test_the_detail_figures_match_the_models_own(api_as, executive, head, own_initiative, rate):
    benefit = make_benefit(
        own_initiative, direction="lower", baseline_value=Decimal("30"),
        target_value=Decimal("12.5"), sek_per_unit=Decimal("1234.56"), is_disbenefit=True,
    )  # fmt: skip
    measure(benefit, TODAY - dt.timedelta(days=5), "21.25", head)
    benefit.refresh_from_db()
    out = api_as(executive).get(f"{LIST}/DIG-2026-001").json()["benefits"][0]
    assert out["expected_sek"] == pytest.approx(float(benefit.get_expected_sek(rate)))
    assert out["realised_sek"] == pytest.approx(float(benefit.get_realised_sek(rate)))
    assert out["realisation_rate"] == pytest.approx(float(benefit.get_realisation_rate()))
    assert out["behind_plan"] is benefit.is_behind_plan()


def test_an_unknown_ref_is_a_404_in_json(api_as, executive):
    response = api_as(executive).get(f"{LIST}/NOPE-1")
    assert response.status_code == 404
    assert response.json() == {"detail": "No initiative 'NOPE-1' that you may see."}


def test_the_detail_takes_a_constant_number_of_queries(
    api_as, executive, head, own_initiative, goals, rate, django_assert_num_queries
):
    for goal in goals:
        Alignment.objects.create(initiative=own_initiative, goal=goal, score=3)
    for n in range(20):
        benefit = make_benefit(own_initiative, title=f"Benefit {n}")
        for days in range(1, 11):
            measure(benefit, TODAY - dt.timedelta(days=days * 15), days, head)
    client = api_as(executive)
    client.get("/api/v1/goals")  # the token's first use is recorded
    for year in range(2020, 2040):
        CostLine.objects.create(
            initiative=own_initiative, year=year, kind="running", planned=1000,
            payer=own_initiative.department,
        )  # fmt: skip
    # token and user, role; the initiative, the hourly rate, benefits, measurements, scores;
    # the business case's settings, cost lines, benefits and measurements
    with django_assert_num_queries(11):
        detail = client.get(f"{LIST}/DIG-2026-001").json()
    assert len(detail["benefits"]) == 20
    assert sum(len(b["measurements"]) for b in detail["benefits"]) == 200


def test_the_detail_gives_the_business_case_as_the_page_does(
    api_as, executive, head, own_department
):
    setting = PortfolioSetting.current()
    setting.discount_rate = Decimal("0")
    setting.save()
    initiative = make_initiative(own_department, ref="BC-1", planned_start=dt.date(2026, 1, 1))
    CostLine.objects.create(
        initiative=initiative, year=2026, kind="investment", planned=1_000_000, actual=900_000,
        payer=own_department,
    )  # fmt: skip
    # 500 units × 1,000 SEK a year from 1 January 2026 (baseline = target), for 5 years.
    make_benefit(
        initiative, baseline_value=Decimal("0"), target_value=Decimal("500"),
        baseline_date=dt.date(2026, 1, 1), target_date=dt.date(2026, 1, 1),
        sek_per_unit=Decimal("1000"),
    )  # fmt: skip
    case = api_as(executive).get(f"{LIST}/BC-1").json()["business_case"]
    assert (case["base_year"], case["horizon_years"], case["discount_rate_percent"]) == (
        2026, 10, 0.0,
    )  # fmt: skip
    # Rate 0: 5 × 500,000 − 1,000,000; BCR 2.5; cumulative 0 in 2027.
    assert (case["npv"], case["bcr"], case["payback_year"]) == (1_500_000, 2.5, 2027)
    first = case["years"][0]
    assert (first["year"], first["cost"], first["benefit"], first["actual_cost"]) == (
        2026, 1_000_000, 500_000, 900_000,
    )  # fmt: skip
    assert [year["benefit"] for year in case["years"]] == [500_000] * 5 + [0] * 6
