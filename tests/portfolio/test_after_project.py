"""The dashboard's "after the project": what the benefits of initiatives closed as completed
realise in operations, and where their follow-up stands, apart from (and within) the headline."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from benefits.models import Benefit, hourly_rate
from portfolio.models import Alignment, CouncilGoal
from tests.api.conftest import make_token
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_department, make_initiative

URL = reverse("portfolio:dashboard")
API = "/api/v1/dashboard"


def money_benefit(initiative, promised, realised, by, **fields):
    """A benefit promising `promised` SEK/year (1 SEK a unit), measured at `realised`."""
    benefit = make_benefit(
        initiative, category="financial", unit="SEK/year", target_value=Decimal(promised),
        sek_per_unit=Decimal("1"), **fields,
    )  # fmt: skip
    if realised is not None:
        measure(benefit, TODAY - dt.timedelta(days=5), realised, by)
    return benefit


def reviewed(verdict: str) -> dict:
    return {"reviewed_at": timezone.now(), "review_outcome": verdict,
            "handed_over_at": timezone.now()}  # fmt: skip


@pytest.fixture
def portfolio(head, own_department, other_department):
    """Closed as completed in both departments, one closed as stopped, one running.

    UTB completed: 100 000 promised / 80 000 realised (reviewed: realised), 50 000 / 20 000
    (reviewed: partly), 40 000 / not measured (handed over, followed up), 10 000 / 0 (not
    reviewed, not handed over). TK completed: 30 000 / 5 000 (reviewed: not realised).
    Stopped (UTB): 70 000 / 10 000. Running (UTB): 60 000 / 30 000.
    """
    goal = CouncilGoal.objects.create(title="Välfärd", weight=1, order=1)
    done = make_initiative(own_department, ref="A", stage="closed", outcome="completed")
    money_benefit(done, 100_000, 80_000, head, title="Kept", **reviewed("realised"))
    money_benefit(done, 50_000, 20_000, head, title="Half", **reviewed("partly"))
    money_benefit(done, 40_000, None, head, title="Followed", handed_over_at=timezone.now())
    money_benefit(done, 10_000, 0, head, title="Waiting")
    make_benefit(done, title="No money", category="quality", unit="%")
    elsewhere = make_initiative(other_department, ref="B", stage="closed", outcome="completed")
    money_benefit(elsewhere, 30_000, 5_000, head, title="Lost", **reviewed("not_realised"))
    stopped = make_initiative(own_department, ref="C", stage="closed", outcome="stopped")
    money_benefit(stopped, 70_000, 10_000, head, title="Stopped")
    running = make_initiative(own_department, ref="D", stage="operation")
    money_benefit(running, 60_000, 30_000, head, title="Running")
    Alignment.objects.create(initiative=done, goal=goal, score=3)
    return {"goal": goal, "done": done}


def test_after_the_project_counts_only_initiatives_closed_as_completed(
    client_for, executive, portfolio
):
    after = client_for(executive).get(URL).context["after"]
    assert after.expected_sek == 100_000 + 50_000 + 40_000 + 10_000 + 30_000
    assert after.realised_sek == 80_000 + 20_000 + 0 + 5_000
    assert after.benefits == 6
    assert (after.followed_up, after.reviewed) == (3, 3)
    assert (after.realised, after.partly, after.not_realised) == (1, 1, 1)


def test_the_headline_still_counts_every_benefit(client_for, executive, portfolio):
    head = client_for(executive).get(URL).context["head"]
    assert head.expected_sek == 230_000 + 70_000 + 60_000
    assert head.realised_sek == 105_000 + 10_000 + 30_000
    assert head.benefits == 8


@pytest.mark.parametrize("department", [None, "own", "other"])
def test_after_the_project_equals_the_registers_sums_to_the_krona(
    client_for, executive, portfolio, own_department, other_department, department
):
    query, benefits = {}, Benefit.objects.all()
    if department:
        chosen = own_department if department == "own" else other_department
        query, benefits = {"department": chosen.pk}, benefits.filter(initiative__department=chosen)
    after = client_for(executive).get(URL, query).context["after"]
    totals = benefits.after_project().with_figures(rate=hourly_rate()).totals()
    assert after.expected_sek == totals["expected_sek_total"]
    assert after.realised_sek == totals["realised_sek_total"]


def test_the_department_filter_applies(client_for, executive, portfolio, other_department):
    after = client_for(executive).get(URL, {"department": other_department.pk}).context["after"]
    assert (after.expected_sek, after.realised_sek, after.benefits) == (30_000, 5_000, 1)
    assert (after.reviewed, after.not_realised, after.followed_up) == (1, 1, 0)


def test_the_goal_filter_applies(client_for, executive, portfolio):
    after = client_for(executive).get(URL, {"goal": portfolio["goal"].pk}).context["after"]
    assert (after.expected_sek, after.realised_sek, after.benefits) == (200_000, 100_000, 5)


def test_the_page_shows_the_block(client_for, executive, portfolio):
    text = client_for(executive).get(URL).text
    assert '<h2 id="after-heading">After the project</h2>' in text
    assert 'data-testid="after-realised">105,000<' in text
    assert "3: 1 realised, 1 partly, 1 not realised" in text


def test_without_closed_initiatives_the_block_says_so(client_for, executive, db):
    make_benefit(make_initiative(make_department()), valued_at_hourly_rate=True)
    text = client_for(executive).get(URL).text
    assert "No benefits of initiatives closed as completed." in text


def test_the_api_has_the_same_figures(client_for, executive, portfolio, own_department):
    api = Client(headers={"Authorization": f"Bearer {make_token(executive)}"})
    for page_query, api_query in [
        ({}, {}),
        ({"department": own_department.pk}, {"department": "UTB"}),
    ]:
        after = client_for(executive).get(URL, page_query).context["after"]
        body = api.get(API, api_query).json()["after_project"]
        assert body["realised_sek"] == float(after.realised_sek)
        assert body["expected_sek"] == float(after.expected_sek)
        assert (body["benefits"], body["followed_up"], body["reviewed"]) == (
            after.benefits, after.followed_up, after.reviewed,
        )  # fmt: skip
        assert (body["realised"], body["partly"], body["not_realised"]) == (
            after.realised, after.partly, after.not_realised,
        )  # fmt: skip


def test_the_dashboard_with_calibrated_figures_runs_the_same_queries_for_few_and_many(
    client_for, executive, head, portfolio, django_assert_num_queries
):
    department = make_department()

    def fill(n):
        for i in range(n):
            initiative = make_initiative(
                department, stage="closed" if i % 2 else "pilot",
                outcome="completed" if i % 2 else "",
            )  # fmt: skip
            verdict = reviewed(["realised", "partly", "not_realised"][i % 3]) if i % 4 == 1 else {}
            benefit = make_benefit(
                initiative, valued_at_hourly_rate=True, target_date=TODAY - dt.timedelta(days=3),
                **verdict,
            )  # fmt: skip
            measure(benefit, TODAY - dt.timedelta(days=i % 90), i, head)

    client = client_for(executive)
    query = {"calibrated": "on"}
    fill(5)
    client.get(URL)
    client.get(URL, query)
    with django_assert_num_queries(30) as plain:  # five of them portfolio.money's, live
        client.get(URL)
    with django_assert_num_queries(len(plain) + 2) as calibrated:
        client.get(URL, query)
    fill(100)
    with django_assert_num_queries(len(calibrated)):
        response = client.get(URL, query)
    assert response.context["calibrated"].expected_sek is not None
