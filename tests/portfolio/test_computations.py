"""The frontier and large sensitivity runs as background computations the page polls.

The default ImmediateBackend runs the task inside the request, so the page shows the result at
once (tests/portfolio/test_ranking_views.py covers that flow); here the DummyBackend keeps the
task queued, as the database backend does until a worker runs it, and the tests run the task
function themselves.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portfolio import prioritisation, tasks
from portfolio.cache import bump_data_version
from portfolio.models import Alignment, Computation, CouncilGoal
from tests.conftest import make_initiative, make_user
from tests.tasks import enqueued

FRONTIER = reverse("portfolio:frontier")
SENSITIVITY = reverse("portfolio:sensitivity")
FRONTIER_FRAGMENT = {"HX-Request": "true", "HX-Target": "frontier"}
SENSITIVITY_FRAGMENT = {"HX-Request": "true", "HX-Target": "sensitivity"}
POLL = {"HX-Request": "true", "HX-Target": "frontier"}


@pytest.fixture
def goals(db):
    return [
        CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1),
        CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2),
    ]


@pytest.fixture
def candidates(goals, own_department, other_department):
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


def poll_url(computation: Computation, query: str = "budget=5000000") -> str:
    return f"{reverse('portfolio:computation', args=[computation.pk])}?{query}"


def ask_frontier(client):
    return client.get(FRONTIER, {"budget": "5000000"}, headers=FRONTIER_FRAGMENT)


def test_the_frontier_is_queued_and_the_page_polls(client_for, executive, candidates, deferred):
    with enqueued() as queued:
        response = ask_frontier(client_for(executive))
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="frontier" aria-live="polite"')
    assert "Computing… 0 %" in response.text
    assert 'hx-trigger="every 2s"' in response.text
    computation = Computation.objects.get()
    assert computation.status == "queued" and computation.requested_by == executive
    assert poll_url(computation).replace("&", "&amp;") in response.text
    assert 'id="chart-frontier"' not in response.text
    assert len(queued) == 1
    # Without JavaScript, the page itself says so and offers to reload.
    page = client_for(executive).get(FRONTIER, {"budget": "5000000"})
    assert "Computing… 0 %" in page.text and ">Reload the page</a>" in page.text


def test_the_task_stores_the_result_and_the_poll_shows_it(
    client_for, executive, candidates, deferred
):
    client = client_for(executive)
    ask_frontier(client)
    computation = Computation.objects.get()
    assert tasks.run_computation.call(computation.pk) == {"status": "done"}
    computation.refresh_from_db()
    assert computation.status == "done" and computation.progress == 100
    assert computation.finished_at is not None
    points = computation.result["points"]
    assert points[0]["budget"] == 2_000_000  # the must-do alone
    assert points[-1]["score"] == pytest.approx(140, abs=0.01)
    response = client.get(poll_url(computation), headers=POLL)
    assert 'id="chart-frontier"' in response.text
    assert "every 2s" not in response.text  # the polling stops
    # The page itself now shows the stored result, without computing again.
    with enqueued() as queued:
        page = client.get(FRONTIER, {"budget": "5000000"})
    assert queued == [] and page.context["frontier"][0] == (2_000_000, pytest.approx(40.0))
    # Run again, the task does nothing.
    assert tasks.run_computation.call(computation.pk) == {"status": "nothing to do"}


def test_the_frontier_reports_progress_per_solved_point(
    client_for, executive, candidates, deferred, monkeypatch
):
    ask_frontier(client_for(executive))
    computation = Computation.objects.get()
    seen = []
    real = prioritisation.select_optimal

    def watch(*args, **kwargs):
        seen.append(Computation.objects.get().progress)
        return real(*args, **kwargs)

    monkeypatch.setattr(prioritisation, "select_optimal", watch)
    tasks.run_computation.call(computation.pk)
    assert seen[0] == 0 and seen == sorted(seen) and len(set(seen)) == len(seen) > 2


def test_the_same_question_twice_shares_one_computation(
    client_for, executive, office, candidates, deferred
):
    with enqueued() as queued:
        ask_frontier(client_for(executive))
        ask_frontier(client_for(office))
        # The same weights written otherwise (the saved ones, explicitly) are the same question.
        goal = CouncilGoal.objects.get(title="Välfärd")
        client_for(office).get(
            FRONTIER, {"budget": "5000000", f"w_{goal.pk}": "2.0"}, headers=FRONTIER_FRAGMENT
        )
    assert Computation.objects.count() == 1 and len(queued) == 1
    # Another budget, or changed data, is another question.
    with enqueued() as queued:
        client_for(office).get(FRONTIER, {"budget": "6000000"}, headers=FRONTIER_FRAGMENT)
        bump_data_version("goals")
        ask_frontier(client_for(office))
    assert Computation.objects.count() == 3 and len(queued) == 2


def test_a_failed_computation_says_so_and_can_be_asked_again(
    client_for, executive, candidates, deferred, monkeypatch
):
    client = client_for(executive)
    ask_frontier(client)
    computation = Computation.objects.get()

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(prioritisation, "select_optimal", broken)
    assert tasks.run_computation.call(computation.pk) == {"status": "failed"}
    computation.refresh_from_db()
    assert computation.status == "failed" and "solver crashed" in computation.error
    response = client.get(poll_url(computation), headers=POLL)
    assert "The efficient frontier could not be computed." in response.text
    assert "Try again" in response.text and "every 2s" not in response.text
    assert "solver crashed" not in response.text  # the details are for the log
    # Asked again without `retry` (another click on the frontier link): the failure, not a loop.
    with enqueued() as queued:
        assert "could not be computed" in ask_frontier(client).text
    assert queued == []
    monkeypatch.undo()
    with enqueued() as queued:
        again = client.get(FRONTIER, {"budget": "5000000", "retry": "1"}, headers=FRONTIER_FRAGMENT)
    assert len(queued) == 1 and "Computing… 0 %" in again.text
    assert "retry" not in again.text  # the page's links leave the one-off retry out
    computation.refresh_from_db()
    assert computation.status == "queued" and computation.error == ""


def test_a_failed_computation_with_the_immediate_backend(
    client_for, executive, candidates, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(prioritisation, "select_optimal", broken)
    response = client_for(executive).get(FRONTIER, {"budget": "5000000"})
    assert response.status_code == 200
    assert "The efficient frontier could not be computed." in response.text


def test_the_poll_runs_the_same_queries_for_a_short_and_a_long_result(client_for, executive, db):
    def done(points: int, key: str) -> Computation:
        result = {
            "points": [
                {"budget": 1000 * i, "score": float(i), "optimal": True, "gap_percent": 0.0}
                for i in range(points)
            ],
            "budget": None,
            "seconds": 5.0,
        }
        return Computation.objects.create(kind="frontier", key=key, status="done", result=result)

    client = client_for(executive)
    counts = []
    for computation in (done(2, "a"), done(12, "b")):
        client.get(poll_url(computation), headers=POLL)  # the session warmed up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(poll_url(computation), headers=POLL)
        assert response.status_code == 200 and 'id="chart-frontier"' in response.text
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 5


@pytest.mark.parametrize("role", ["no_role", "anonymous"])
def test_only_people_with_a_role_see_a_computation(client_for, candidates, deferred, role):
    computation = Computation.objects.create(kind="frontier", key="k", status="queued")
    user = make_user(None, username="norole") if role == "no_role" else None
    client = client_for(user)
    response = client.get(poll_url(computation), headers=POLL)
    assert response.status_code == (403 if user else 302)
    assert client.get(FRONTIER, {"budget": "5000000"}).status_code == (403 if user else 302)
    assert Computation.objects.count() == 1


def test_the_poll_without_htmx_goes_back_to_the_page(client_for, executive, db):
    computation = Computation.objects.create(kind="frontier", key="k", status="queued")
    response = client_for(executive).get(poll_url(computation))
    assert response.status_code == 302
    assert response.url == f"{FRONTIER}?budget=5000000"
    missing = client_for(executive).get(
        reverse("portfolio:computation", args=[computation.pk + 1]), headers=POLL
    )
    assert missing.status_code == 404


def test_a_large_sensitivity_run_is_a_background_computation(
    client_for, executive, candidates, deferred, settings
):
    settings.SENSITIVITY_BACKGROUND_SIZE = 299  # 3 candidates × 100 draws is above it
    client = client_for(executive)
    with enqueued() as queued:
        response = client.get(
            SENSITIVITY, {"draws": "100", "top_k": "1"}, headers=SENSITIVITY_FRAGMENT
        )
    assert response.text.lstrip().startswith('<div id="sensitivity"')
    assert "Computing… 0 %" in response.text and 'hx-trigger="every 2s"' in response.text
    assert len(queued) == 1
    computation = Computation.objects.get(kind="sensitivity")
    assert tasks.run_computation.call(computation.pk) == {"status": "done"}
    poll = client.get(
        poll_url(computation, "draws=100&top_k=1"),
        headers={"HX-Request": "true", "HX-Target": "sensitivity"},
    )
    assert "every 2s" not in poll.text
    assert poll.text.count('data-testid="top-share"') == 3
    assert 'id="chart-sensitivity"' in poll.text
    # The page gives the same rows as a small run computed in the request.
    background = client.get(SENSITIVITY, {"draws": "100", "top_k": "1"}).context["rows"]
    settings.SENSITIVITY_BACKGROUND_SIZE = 300
    with enqueued() as queued:
        inline = client.get(SENSITIVITY, {"draws": "100", "top_k": "1"}).context["rows"]
    assert queued == [] and Computation.objects.count() == 1
    assert [(r["ranked"].row["ref"], r["low"], r["high"], r["top_share"]) for r in background] == [
        (r["ranked"].row["ref"], r["low"], r["high"], r["top_share"]) for r in inline
    ]


def test_old_computations_are_deleted_keeping_the_newest(db):
    for number in range(5):
        Computation.objects.create(kind="frontier", key=f"done{number}", status="done")
    pending = Computation.objects.create(kind="frontier", key="pending", status="queued")
    other = Computation.objects.create(kind="sensitivity", key="s", status="done")
    assert tasks.prune_computations("frontier", keep=2) == 3
    kept = set(Computation.objects.values_list("key", flat=True))
    assert kept == {"done3", "done4", pending.key, other.key}


def test_a_computation_lost_by_a_stopped_worker_can_be_asked_again(
    client_for, executive, candidates, deferred
):
    client = client_for(executive)
    ask_frontier(client)
    Computation.objects.update(created_at=timezone.now() - Computation.LOST_AFTER * 2)
    response = ask_frontier(client)
    assert "the background worker may be stopped" in response.text
    assert "every 2s" not in response.text and "Try again" in response.text
    with enqueued() as queued:
        again = client.get(FRONTIER, {"budget": "5000000", "retry": "1"}, headers=FRONTIER_FRAGMENT)
    assert len(queued) == 1 and "Computing… 0 %" in again.text
    assert not Computation.objects.get().lost
