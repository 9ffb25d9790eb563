"""A budget selection over many candidates is a background computation the ranking polls.

BUDGET_BACKGROUND_CANDIDATES is set to 2 here, so the three candidates are "many"; the
DummyBackend (`deferred`) keeps the task queued as the database backend does until a worker runs
it, and the tests run the task function themselves. The in-request flow (few candidates) is in
test_ranking_views.py; both give the same numbers.
"""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from portfolio import prioritisation, tasks
from portfolio.models import Computation, Decision
from tests.conftest import make_initiative, make_user

# The three candidates A, B and C (C a must-do) and their two goals, as the frontier's tests.
from tests.portfolio.test_computations import candidates, goals  # noqa: F401
from tests.tasks import enqueued

pytestmark = pytest.mark.usefixtures("candidates")

URL = reverse("portfolio:ranking")
SAVE = reverse("portfolio:decision_save")
RESULTS = {"HX-Request": "true", "HX-Target": "ranking-results"}
POLL = {"HX-Request": "true", "HX-Target": "budget-state"}
BUDGET = {"budget": "5000000"}


@pytest.fixture
def many():
    with override_settings(BUDGET_BACKGROUND_CANDIDATES=2):
        yield


def poll_url(computation: Computation, query: str = "budget=5000000") -> str:
    return f"{reverse('portfolio:computation', args=[computation.pk])}?{query}"


def test_many_candidates_queue_the_selection_and_the_page_polls(
    client_for, executive, many, deferred, monkeypatch
):
    def not_here(*args, **kwargs):
        raise AssertionError("the request must not run the solver")

    monkeypatch.setattr(prioritisation, "select_optimal", not_here)
    with enqueued() as queued:
        response = client_for(executive).get(URL, BUDGET)
    assert response.status_code == 200 and len(queued) == 1
    computation = Computation.objects.get()
    assert computation.kind == "budget" and computation.status == "queued"
    assert computation.params["budget"] == 5_000_000
    assert "Computing the best set… 0 %" in response.text
    assert 'hx-trigger="every 2s"' in response.text
    assert poll_url(computation).replace("&", "&amp;") in response.text
    # The ranking itself is there at once; only the selection waits (no "Selected" column yet).
    assert response.context["page"].paginator.count == 3
    assert "In the optimal set" not in response.text
    # Asked again (a second click, a colleague): the same computation, nothing more queued.
    with enqueued() as queued:
        client_for(executive).get(URL, BUDGET, headers=RESULTS)
    assert queued == [] and Computation.objects.count() == 1


def test_the_task_gives_what_the_request_would_and_the_ranking_marks_it(
    client_for, executive, deferred
):
    # The same question answered in the request (few candidates) ...
    inline = client_for(executive).get(URL, BUDGET).context["budget"]
    client = client_for(executive)
    # (override_settings, not the `settings` fixture: it would be undone after `deferred` and
    # leave the DummyBackend in place for the tests that follow.)
    with override_settings(BUDGET_BACKGROUND_CANDIDATES=2):
        client.get(URL, BUDGET)
    computation = Computation.objects.get(kind="budget")
    assert tasks.run_computation.call(computation.pk) == {"status": "done"}
    computation.refresh_from_db()
    # ... and by the task: the same sets and figures, plain values.
    result = computation.result
    assert result["rows"] == inline["rows"] and result["chosen"] == inline["chosen"] == ["C", "B"]
    assert result["optimal"]["total_cost"] == inline["optimal"]["total_cost"] == 5_000_000
    assert result["optimal"]["status"] == "optimal"
    assert result["greedy"] == inline["greedy"]
    # The poll, once done, stops polling and loads the results once.
    poll = client.get(poll_url(computation), headers=POLL)
    assert "every 2s" not in poll.text and 'hx-trigger="load"' in poll.text
    assert f'hx-get="{URL}?budget=5000000"' in poll.text
    # The ranking now marks the chosen set in its own table.
    with override_settings(BUDGET_BACKGROUND_CANDIDATES=2):
        page = client.get(URL, BUDGET, headers=RESULTS)
    assert page.context["selected"] == {"B", "C"}
    assert "In the optimal set within the budget" in page.text
    assert 'data-testid="optimal-score">73.3<' in page.text


def test_a_decision_waits_for_the_selection_and_then_keeps_it(client_for, office, many, deferred):
    client = client_for(office)
    form = {"query": "budget=5000000", "budget": "5000000", "comment": "Budget 2027"}
    response = client.post(SAVE, form)
    assert response.status_code == 409
    assert "still being computed" in response.text
    assert response.context["decision_form"]["comment"].value() == "Budget 2027"  # kept
    assert Decision.objects.count() == 0
    computation = Computation.objects.get(kind="budget")
    tasks.run_computation.call(computation.pk)
    response = client.post(SAVE, form)
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert sorted(decision.selection) == ["B", "C"]
    assert decision.selection_method["status"] == "optimal"
    assert set(prioritisation.Selection.RECORDED) <= set(decision.selection_method)
    assert decision.selection_method["objective"] == "score"
    assert Computation.objects.count() == 1  # saving computed nothing again


def test_a_failed_selection_says_so_and_can_be_asked_again(
    client_for, executive, many, deferred, monkeypatch
):
    client = client_for(executive)
    client.get(URL, BUDGET)
    computation = Computation.objects.get()

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(prioritisation, "select_optimal", broken)
    assert tasks.run_computation.call(computation.pk) == {"status": "failed"}
    poll = client.get(poll_url(computation), headers=POLL)
    assert "The best set within the budget could not be computed." in poll.text
    assert "every 2s" not in poll.text and "Try again" in poll.text
    page = client.get(URL, BUDGET, headers=RESULTS)
    assert "The best set within the budget could not be computed." in page.text
    assert "solver crashed" not in page.text + poll.text  # the details are for the log
    monkeypatch.undo()
    with enqueued() as queued:
        again = client.get(URL, {**BUDGET, "retry": "1"}, headers=RESULTS)
    assert len(queued) == 1 and "Computing the best set… 0 %" in again.text
    assert "retry" not in again.text  # the page's links leave the one-off retry out
    computation.refresh_from_db()
    assert computation.status == "queued"


def test_the_poll_without_javascript_goes_back_to_the_ranking(
    client_for, executive, many, deferred
):
    client = client_for(executive)
    client.get(URL, BUDGET)
    computation = Computation.objects.get()
    response = client.get(poll_url(computation))
    assert response.status_code == 302 and response.url == f"{URL}?budget=5000000"


@pytest.mark.parametrize("who", ["no_role", "anonymous"])
def test_only_those_who_may_see_the_ranking_may_poll(client_for, executive, many, deferred, who):
    client_for(executive).get(URL, BUDGET)
    computation = Computation.objects.get()
    if who == "no_role":
        asker = client_for(make_user())
        assert asker.get(poll_url(computation), headers=POLL).status_code == 403
        assert asker.get(URL, BUDGET).status_code == 403
    else:
        response = Client().get(poll_url(computation), headers=POLL)
        assert response.status_code == 302 and "/login" in response.url


def test_a_measurement_meanwhile_does_not_make_a_budget_computation_stale(db, own_department, head):
    """Found by the load test: a measurement recorded anywhere between asking and showing gave
    the selection a new key, so the page asked again and again. A change to a benefit's plan
    (it moves the net present value) still does."""
    from portfolio.views.ranking import _key
    from tests.benefits.factories import TODAY, make_benefit, measure

    benefit = make_benefit(make_initiative(own_department))
    params = {"budget": 1_000_000, "options": {"objective": "npv"}}
    asked = _key(Computation.Kind.BUDGET, params)
    measure(benefit, TODAY, 10, head)
    assert _key(Computation.Kind.BUDGET, params) == asked
    benefit.target_value += 1
    benefit.save()
    assert _key(Computation.Kind.BUDGET, params) != asked
