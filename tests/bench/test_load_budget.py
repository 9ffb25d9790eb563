"""The benchmark's budget selection (issue #17): each timed request solves again, and the load
test's budget user follows the page's polling as a browser does.

No timing here (make bench measures): the tests check that the bench times what it says, against
the app's real pages. BUDGET_BACKGROUND_CANDIDATES is 2, so the three candidates are "many".
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from bench.load import (
    ANSWERED,
    POLL,
    budget_state,
    memory_by_request,
    pages_summary,
    request_kind,
)
from bench.run import budget_spec, forget_budget_computations, verdict
from portfolio import tasks
from portfolio.models import Alignment, Computation, CouncilGoal
from tests.conftest import make_initiative

URL = reverse("portfolio:ranking")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def many_candidates(own_department, settings):
    settings.BUDGET_BACKGROUND_CANDIDATES = 2
    goal = CouncilGoal.objects.create(title="Välfärd", weight=Decimal("1"), order=1)
    for ref, budget, score in [("A", 4_000_000, 5), ("B", 3_000_000, 4), ("C", 2_000_000, 1)]:
        initiative = make_initiative(own_department, ref=ref, title=ref, budget=budget)
        Alignment.objects.create(initiative=initiative, goal=goal, score=score)


def test_the_budget_user_follows_the_polling_to_the_answer(
    client_for, office, many_candidates, deferred
):
    client = client_for(office)
    page = client.get(URL, {"budget": "5000000", "stage": ""})
    state, url = budget_state(page.text)
    computation = Computation.objects.get(kind="budget")
    # The URL the page polls, as the browser sends it (the &amp; of the HTML unescaped).
    assert state == "pending"
    poll = reverse("portfolio:computation", args=[computation.pk])
    assert url == f"{poll}?budget=5000000&stage="
    assert budget_state(client.get(url, headers=HTMX).text) == ("pending", url)
    tasks.run_computation.call(computation.pk)
    state, reload = budget_state(client.get(url, headers=HTMX).text)
    assert (state, reload) == ("done", f"{URL}?budget=5000000&stage=")
    shown = client.get(reload, headers={**HTMX, "HX-Target": "ranking-results"})
    assert budget_state(shown.text) == ("answered", None)


def test_a_failed_selection_is_no_answer(client_for, office, many_candidates, deferred):
    client = client_for(office)
    client.get(URL, {"budget": "5000000"})
    Computation.objects.filter(kind="budget").update(status=Computation.Status.FAILED)
    assert budget_state(client.get(URL, {"budget": "5000000"}).text) == ("failed", None)
    assert budget_state(client.get(URL).text) == ("none", None)


def test_forgetting_the_stored_selection_makes_the_next_request_solve_again(
    client_for, office, many_candidates
):
    # The immediate backend (the bench's default): the request runs the task.
    client = client_for(office)
    client.get(URL, {"budget": "5000000"})
    first = Computation.objects.get(kind="budget")
    frontier = Computation.objects.create(kind="frontier", key="f", params={})
    page = client.get(URL, {"budget": "5000000"})
    assert Computation.objects.get(kind="budget").pk == first.pk  # read back, not solved
    assert forget_budget_computations() == 1
    page = client.get(URL, {"budget": "5000000"})
    again = Computation.objects.get(kind="budget")
    assert again.pk != first.pk and again.status == Computation.Status.DONE
    assert budget_state(page.text) == ("answered", None)
    assert Computation.objects.filter(pk=frontier.pk).exists()  # other kinds stay


def test_a_budget_row_over_many_candidates_times_the_background_task(settings):
    settings.BUDGET_BACKGROUND_CANDIDATES = 2_000
    background = budget_spec("budget", "Budget selection", "/u", [], 7_955)
    assert background["before"] is forget_budget_computations
    assert "time to the background task's answer (7,955 candidates)" in background["name"]
    in_request = budget_spec("budget", "Budget selection", "/u", [], 1_000)
    assert "before" not in in_request
    assert in_request["name"] == "Budget selection (1,000 candidates)"
    assert background["background"] and not in_request["background"]


def test_query_counts_are_compared_only_between_rows_computed_the_same_way():
    def size(queries: int, background: bool) -> dict:
        row = {"key": "budget", "name": "Budget", "median_ms": 1.0, "queries": queries}
        return {"pages": [{**row, "background": background}], "peer": {"queries": 6}}

    def query_checks(small: dict, large: dict) -> list[dict]:
        result = {"sizes": {"100": small, "100000": large}}
        return [check for check in verdict(result) if "Budget: same query count" in check["target"]]

    assert query_checks(size(7, False), size(22, True)) == []
    [check] = query_checks(size(7, False), size(8, False))
    assert not check["passed"]


def test_the_pages_p95_leaves_out_the_budget_polls_and_answer():
    lines = [f"ranking\t{ms}\t0\n" for ms in range(1, 101)]
    lines += [f"{ANSWERED}\t9000\t1\n", f"{POLL}\t5000\t1\n", "dashboard\t50\t1\n"]
    # 101 page requests (1..100 ms and 50 ms): the 96th of them in order is 95 ms.
    assert pages_summary(lines) == {"requests": 101, "errors": 1, "p95_ms": 95.0}


def test_memory_by_request_finds_the_requests_that_raise_a_worker():
    def line(path, query, before_mb, after_mb, at):
        return f"GET\t{path}\t{query}\t{before_mb * 1024}\t{after_mb * 1024}\t100\t{at}"

    lines = [
        line("/initiatives/", "", 100, 101, 1),  # a raise, before the settled time
        line("/portfolio/ranking/", "budget=5", 101, 130, 2),
        line("/portfolio/dashboard/", "", 130, 125, 3),  # given back
        line("/portfolio/dashboard/", "", 125, 129, 4),  # below the highest: no raise
        line("/portfolio/ranking/computations/7/", "budget=5", 129, 131, 5),
    ]
    found = memory_by_request({"1": lines}, settled=2)["kinds"]
    assert found["ranking, budget"]["raised_after_settled_mb"] == 29
    assert found["initiative list"] == {
        "count": 1,
        "mean_change_mb": 1.0,
        "largest_change_mb": 1.0,
        "raised_mb": 1.0,
        "raised_after_settled_mb": 0.0,
        "mean_ms": 100,
    }
    assert found["dashboard"]["raised_mb"] == 0 and found["dashboard"]["mean_change_mb"] == -0.5
    assert found[POLL]["raised_mb"] == 1


@pytest.mark.parametrize(
    ("method", "path", "query", "kind"),
    [
        ("GET", "/portfolio/ranking/", "", "ranking"),
        ("GET", "/portfolio/ranking/", "budget=1", "ranking, budget"),
        ("GET", "/portfolio/ranking/computations/3/", "", POLL),
        ("POST", "/benefits/4/measurements/", "", "measurement POST"),
        ("GET", "/benefits/4/measurements/", "", "measurement form"),
        ("GET", "/initiatives/SYN-000001/", "", "initiative detail"),
    ],
)
def test_requests_are_told_apart_by_kind(method, path, query, kind):
    assert request_kind(method, path, query) == kind
