from decimal import Decimal

import pytest
from django.urls import reverse

from portfolio.models import Alignment, CouncilGoal, Decision
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_department, make_initiative, make_user

URL = reverse("portfolio:ranking")
ROLES = ["office", "head", "executive", "no_role", "anonymous"]


@pytest.fixture
def users(office, head, executive, db):
    return {"office": office, "head": head, "executive": executive,
            "no_role": make_user(None, username="norole"), "anonymous": None}  # fmt: skip


def expected(role: str, allowed: set[str], ok: int) -> int:
    if role == "anonymous":
        return 302
    return ok if role in allowed else 403


@pytest.fixture
def goals(db):
    return [
        CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1),
        CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2),
    ]


def score(initiative, goal, value, reason=""):
    Alignment.objects.create(initiative=initiative, goal=goal, score=value, reason=reason)


@pytest.fixture
def candidates(goals, own_department, other_department):
    care = make_initiative(own_department, ref="A", title="Digital omsorg", budget=4_000_000)
    lights = make_initiative(other_department, ref="B", title="Smarta trafikljus", budget=3_000_000)
    sensors = make_initiative(
        other_department, ref="C", title="Energisensorer", budget=2_000_000, must_do=True
    )
    make_initiative(own_department, ref="D", title="Closed", stage="closed", outcome="completed")
    score(care, goals[0], 5)
    score(lights, goals[1], 5)
    score(sensors, goals[0], 1)
    score(sensors, goals[1], 4)
    return care, lights, sensors  # fmt: skip


def refs(response) -> list[str]:
    return [item.row["ref"] for item in response.context["page"]]


def test_the_ranking_follows_the_formula_and_leaves_closed_ones_out(
    client_for, executive, candidates
):
    response = client_for(executive).get(URL)
    # care 100×(2·5)/(5·3) = 66.7; sensors 100×(2·1+4)/15 = 40; lights 100×5/15 = 33.3
    assert refs(response) == ["A", "C", "B"]
    assert [round(item.score, 1) for item in response.context["page"]] == [66.7, 40.0, 33.3]


def test_changing_a_weight_reranks_and_shows_the_movement(client_for, executive, candidates, goals):
    response = client_for(executive).get(
        URL, {f"w_{goals[0].pk}": "1", f"w_{goals[1].pk}": "3"},
        headers={"HX-Request": "true", "HX-Target": "ranking-results"},
    )  # fmt: skip
    assert response.text.lstrip().startswith('<div id="ranking-results"')
    assert refs(response) == ["B", "C", "A"]
    assert [item.movement for item in response.context["page"]] == [2, 0, -2]


def test_equal_scores_share_a_rank_and_go_by_title(client_for, executive, goals, own_department):
    for ref, title in [("X", "Beta"), ("Y", "Alfa"), ("Z", "Gamma")]:
        initiative = make_initiative(own_department, ref=ref, title=title)
        score(initiative, goals[0], 3 if ref != "Z" else 1)
    response = client_for(executive).get(URL)
    assert refs(response) == ["Y", "X", "Z"]
    assert [item.rank for item in response.context["page"]] == [1, 1, 3]


@pytest.mark.parametrize(
    "query",
    [
        {"department": "nope"},
        {"stage": "bogus"},
        {"w_999": "x"},
        {"budget": "-5"},
        {"budget": "lots"},
        {"page": "zz"},
    ],
)
def test_bad_parameters_never_fail(client_for, executive, candidates, query):
    assert client_for(executive).get(URL, query).status_code == 200


def test_all_zero_weights_are_refused_with_a_message(client_for, executive, candidates, goals):
    response = client_for(executive).get(URL, {f"w_{goals[0].pk}": "0", f"w_{goals[1].pk}": "0"})
    assert "At least one goal needs a weight above zero" in response.text
    assert refs(response) == ["A", "C", "B"]  # the saved weights are used instead


def test_filters_narrow_the_candidates(client_for, executive, candidates, other_department):
    response = client_for(executive).get(URL, {"department": other_department.pk})
    assert refs(response) == ["C", "B"]


def test_the_budget_shows_the_optimum_beside_the_greedy_set(client_for, executive, candidates):
    response = client_for(executive).get(URL, {"budget": "5000000"})
    budget = response.context["budget"]
    # Must-do C (2 M) is in; A (4 M) no longer fits, so B (3 M) joins: 40 + 33.3.
    assert budget["optimal"]["total_cost"] == 5_000_000
    assert round(budget["optimal"]["total_score"], 1) == 73.3
    assert budget["greedy"]["total_cost"] == 2_000_000
    assert 'id="frontier"' in response.text


def test_the_frontier_never_falls_and_reaches_every_candidate(client_for, executive, candidates):
    response = client_for(executive).get(
        reverse("portfolio:frontier"), {"budget": "5000000"},
        headers={"HX-Request": "true", "HX-Target": "frontier"},
    )  # fmt: skip
    assert response.text.lstrip().startswith('<div id="frontier"')
    assert 'id="chart-frontier"' in response.text
    page = client_for(executive).get(reverse("portfolio:frontier"), {"budget": "5000000"})
    points = page.context["frontier"]
    assert points[0][0] == 2_000_000  # the must-do alone
    assert points[-1] == (9_000_000, pytest.approx(66.667 + 40 + 33.333, abs=0.01))
    scores = [score for _budget, score in points]
    assert scores == sorted(scores)


def test_must_dos_over_the_budget_get_a_clear_message(client_for, executive, candidates):
    response = client_for(executive).get(URL, {"budget": "1000000"})
    assert response.context["budget"]["error"] == 2_000_000
    assert "must-do initiatives alone cost" in response.text


def test_sensitivity_is_reproducible(client_for, executive, candidates):
    client = client_for(executive)
    url = reverse("portfolio:sensitivity")
    first = client.get(url, {"delta": "30", "draws": "200", "top_k": "1"})
    again = client.get(url, {"delta": "30", "draws": "200", "top_k": "1"})
    rows = [(r["low"], r["high"], r["top_share"]) for r in first.context["rows"]]
    assert rows == [(r["low"], r["high"], r["top_share"]) for r in again.context["rows"]]
    assert first.context["rows"][0]["top_share"] == 1.0  # care leads under every draw


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_saves_a_decision(client_for, users, candidates, role):
    response = client_for(users[role]).post(
        reverse("portfolio:decision_save"), {"comment": "KS 2026-12-01", "budget": "5000000"}
    )
    assert response.status_code == expected(role, {"office"}, 302)
    assert Decision.objects.exists() == (role == "office")


def test_a_saved_decision_keeps_the_ranking_and_selection_and_is_immutable(
    client_for, office, candidates
):
    client_for(office).post(
        reverse("portfolio:decision_save"), {"comment": "KS 2026-12-01", "budget": "5000000"}
    )
    decision = Decision.objects.get()
    assert [row["ref"] for row in decision.ranking] == ["A", "C", "B"]
    assert sorted(decision.selection) == ["B", "C"]
    assert decision.weights == {"Välfärd": 2.0, "Klimat": 1.0}
    decision.comment = "changed"
    with pytest.raises(ValueError):
        decision.save()
    with pytest.raises(ValueError):
        decision.delete()
    page = client_for(office).get(decision.get_absolute_url())
    assert "KS 2026-12-01" in page.text


def test_a_decision_needs_a_comment(client_for, office, candidates):
    response = client_for(office).post(
        reverse("portfolio:decision_save"), {"comment": "", "registry_number": "KS 2026/7"}
    )
    assert response.status_code == 422
    assert "comment" in response.context["decision_form"].errors
    assert response.context["decision_form"]["registry_number"].value() == "KS 2026/7"
    assert not Decision.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_everyone_with_a_role_reads_the_ranking_goals_and_decisions(client_for, users, goals, role):
    client = client_for(users[role])
    for url in [URL, reverse("portfolio:goals"), reverse("portfolio:decisions")]:
        assert client.get(url).status_code == expected(role, {"office", "head", "executive"}, 200)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_edits_goals(client_for, users, goals, role):
    client = client_for(users[role])
    response = client.post(
        reverse("portfolio:goal_edit", args=[goals[0].pk]),
        {"title": "Ny titel", "weight": "3", "order": "1", "active": "on"},
    )
    assert response.status_code == expected(role, {"office"}, 302)
    goals[0].refresh_from_db()
    assert (goals[0].title == "Ny titel") == (role == "office")
    assert client.get(reverse("portfolio:ahp")).status_code == expected(role, {"office"}, 200)


def test_a_negative_goal_weight_is_refused(client_for, office, goals):
    response = client_for(office).post(
        reverse("portfolio:goal_create"), {"title": "X", "weight": "-1", "order": "3"}
    )
    assert response.status_code == 422
    assert CouncilGoal.objects.count() == 2


@pytest.mark.parametrize("department", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_scores_initiatives_against_goals(
    client_for, users, goals, own_initiative, other_initiative, role, department
):
    initiative = own_initiative if department == "own" else other_initiative
    goal = goals[0]
    response = client_for(users[role]).post(
        reverse("portfolio:alignment_set", args=[initiative.ref, goal.pk]),
        {f"g{goal.pk}-score": "4", f"g{goal.pk}-reason": "Direkt nytta för omsorgen"},
    )
    assert response.status_code == expected(role, {"office"}, 302)
    assert Alignment.objects.filter(initiative=initiative).exists() == (role == "office")


def test_scoring_inline_returns_the_goal_section(client_for, office, goals, own_initiative):
    goal = goals[1]
    response = client_for(office).post(
        reverse("portfolio:alignment_set", args=[own_initiative.ref, goal.pk]),
        {f"g{goal.pk}-score": "3", f"g{goal.pk}-reason": "Mindre resor"},
        headers={"HX-Request": "true", "HX-Target": "goals"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="goals"')
    assert Alignment.objects.get().score == 3


@pytest.mark.parametrize("value", ["6", "-1", "x"])
def test_a_score_outside_0_to_5_is_refused(client_for, office, goals, own_initiative, value):
    goal = goals[0]
    response = client_for(office).post(
        reverse("portfolio:alignment_set", args=[own_initiative.ref, goal.pk]),
        {f"g{goal.pk}-score": value, f"g{goal.pk}-reason": "typed"},
        headers={"HX-Request": "true", "HX-Target": "goals"},
    )
    assert response.status_code == 422
    assert "typed" in response.text
    assert not Alignment.objects.exists()


def test_everyone_sees_the_scores_and_reasons(client_for, executive, goals, own_initiative):
    score(own_initiative, goals[0], 4, "Jämlik service")
    response = client_for(executive).get(own_initiative.get_absolute_url())
    assert "Jämlik service" in response.text and "Välfärd" in response.text
    assert response.context["can_score"] is False
    assert f"/portfolio/initiatives/{own_initiative.ref}/goals/" not in response.text


def test_ahp_derives_weights_and_warns_when_inconsistent(client_for, office, goals):
    third = CouncilGoal.objects.create(title="Ekonomi", weight=1, order=3)
    a, b, c = goals[0].pk, goals[1].pk, third.pk
    client = client_for(office)
    consistent = client.post(
        reverse("portfolio:ahp"), {f"p_{a}_{b}": "3", f"p_{a}_{c}": "5", f"p_{b}_{c}": "3"}
    )
    weights = [round(w, 3) for _goal, w in consistent.context["result"]["rows"]]
    assert weights == [0.637, 0.258, 0.105]
    assert consistent.context["result"]["ahp"].is_consistent
    bad = client.post(
        reverse("portfolio:ahp"),
        {f"p_{a}_{b}": "9", f"p_{a}_{c}": "1/9", f"p_{b}_{c}": "9", "action": "save"},
    )
    assert not bad.context["result"]["ahp"].is_consistent
    assert "Warning" in bad.text
    goals[0].refresh_from_db()
    assert goals[0].weight == 2  # not saved while inconsistent
    client.post(
        reverse("portfolio:ahp"),
        {f"p_{a}_{b}": "3", f"p_{a}_{c}": "5", f"p_{b}_{c}": "3", "action": "save"},
    )
    goals[0].refresh_from_db()
    assert goals[0].weight == Decimal("0.637")  # fmt: skip


def test_the_ranking_runs_the_same_queries_for_5_and_200_initiatives(
    client_for, executive, head, goals, django_assert_max_num_queries
):
    department = make_department()

    def fill(n):
        for i in range(n):
            initiative = make_initiative(department, budget=100_000 * (i + 1))
            score(initiative, goals[i % 2], i % 6)
            measure(make_benefit(initiative, valued_at_hourly_rate=True), TODAY, i, head)

    client = client_for(executive)
    fill(5)
    query = {f"w_{goals[0].pk}": "1", "budget": "3000000"}
    client.get(URL, query)
    # At most 19: the chosen set's refs cost one query more unless the page already read them
    # all (5 initiatives fit on one page); the links 2 and their labels 2, the net present value
    # beside the score 4.
    with django_assert_max_num_queries(19):
        client.get(URL, query)
    fill(195)
    with django_assert_max_num_queries(19):
        response = client.get(URL, query)
    assert response.context["page"].paginator.count == 200


def test_the_office_form_shows_the_saved_score(client_for, office, goals, own_initiative):
    score(own_initiative, goals[0], 4, "Saved")
    response = client_for(office).get(
        reverse("portfolio:alignment_edit", args=[own_initiative.ref])
    )
    row = next(r for r in response.context["alignment_rows"] if r["goal"] == goals[0])
    assert row["form"]["score"].value() == 4


def test_the_initiative_page_shows_the_scores_and_the_forms_only_on_edit_scores(
    client_for, office, goals, own_initiative
):
    score(own_initiative, goals[0], 4, "Jämlik service")
    edit_url = reverse("portfolio:alignment_edit", args=[own_initiative.ref])
    page = client_for(office).get(own_initiative.get_absolute_url())
    assert page.context["can_score"] is True and page.context["editing"] is False
    assert all(row["form"] is None for row in page.context["alignment_rows"])
    assert f'href="{edit_url}"' in page.text and "Jämlik service" in page.text

    fragment = client_for(office).get(
        edit_url, headers={"HX-Request": "true", "HX-Target": "goals"}
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="goals"')
    assert fragment.text.count("<form") == len(goals)
    assert "<html" not in fragment.text
    # Without JavaScript the same forms come as a page of their own.
    whole = client_for(office).get(edit_url)
    assert "<html" in whole.text and whole.text.count("<form") >= len(goals)


def test_nobody_scores_an_archived_initiative(client_for, office, goals, own_initiative):
    client_for(office).post(reverse("initiatives:archive", args=[own_initiative.ref]))
    edit_url = reverse("portfolio:alignment_edit", args=[own_initiative.ref])
    assert client_for(office).get(edit_url).status_code == 403
    assert 'href="' + edit_url not in client_for(office).get(own_initiative.get_absolute_url()).text


def test_the_score_forms_run_the_same_queries_for_2_and_8_goals(
    client_for, office, goals, own_initiative, django_assert_num_queries
):
    client = client_for(office)
    edit_url = reverse("portfolio:alignment_edit", args=[own_initiative.ref])
    client.get(edit_url)
    with django_assert_num_queries(6) as first:
        client.get(edit_url)
    count = len(first)
    for n in range(6):
        goal = CouncilGoal.objects.create(title=f"Mål {n}", weight=Decimal("1"), order=10 + n)
        score(own_initiative, goal, n % 6, f"Skäl {n}")
    with django_assert_num_queries(count):
        response = client.get(edit_url)
    assert response.text.count("<form") >= 8


def test_the_budget_says_the_set_is_optimal(client_for, executive, candidates):
    response = client_for(executive).get(URL, {"budget": "5000000"})
    assert response.context["budget"]["optimal"]["optimal"]
    assert "Optimal: no other set within the budget scores higher." in response.text


def test_the_frontier_loads_only_when_asked_for(client_for, executive, candidates, monkeypatch):
    from portfolio import prioritisation

    def refuse(*args, **kwargs):
        raise AssertionError("the frontier must not run with the budget view")

    monkeypatch.setattr(prioritisation, "frontier_points", refuse)
    response = client_for(executive).get(URL, {"budget": "5000000"})
    assert response.status_code == 200
    frontier = response.text[response.text.index('<div id="frontier"') :]
    frontier = frontier[: frontier.index("</div>")]
    assert 'hx-trigger="load"' not in frontier and "hx-get=" in frontier  # on a click


def not_proven(monkeypatch, gap_share=0.0123):
    """Make the view's solver answer as if its time had run out, a gap of gap_share."""
    from dataclasses import replace

    from portfolio import prioritisation

    real = prioritisation.select_optimal

    def stopped(*args, **kwargs):
        found = real(*args, **kwargs)
        bound = found.total_score / (1 - gap_share)
        return replace(found, status=prioritisation.BEST_FOUND, bound=bound, seconds=5.0)

    monkeypatch.setattr(prioritisation, "select_optimal", stopped)


def test_a_set_found_when_the_time_ran_out_says_so_with_its_gap(
    client_for, executive, candidates, monkeypatch
):
    not_proven(monkeypatch)
    response = client_for(executive).get(URL, {"budget": "5000000"})
    assert response.context["budget"]["optimal"]["status"] == "best_found"
    assert "Best found in 5.0 s; at most 1.23 % below the optimum." in response.text
    assert "Best set found: summed score" in response.text
    assert "Optimal: no other set" not in response.text


def test_saving_a_set_found_when_the_time_ran_out_warns(
    client_for, office, candidates, monkeypatch
):
    not_proven(monkeypatch)
    response = client_for(office).post(
        reverse("portfolio:decision_save"), {"comment": "KS 2026-12-01", "budget": "5000000"},
        follow=True,
    )  # fmt: skip
    assert sorted(Decision.objects.get().selection) == ["B", "C"]
    assert "not the proven optimum: at most 1.23 % below it" in response.text


def test_the_frontier_says_which_points_are_not_proven(
    client_for, executive, candidates, monkeypatch
):
    not_proven(monkeypatch)
    response = client_for(executive).get(reverse("portfolio:frontier"), {"budget": "5000000"})
    assert not response.context["all_optimal"]
    assert "at most 1.23 % below the optimum" in response.text
    assert 'data-testid="frontier-status"' in response.text


@pytest.mark.parametrize("fragment", [True, False])
def test_too_many_draws_are_refused_with_a_message_keeping_what_was_typed(
    client_for, executive, candidates, monkeypatch, fragment
):
    from portfolio import prioritisation

    monkeypatch.setattr(prioritisation, "sensitivity", None)  # must not run
    headers = {"HX-Request": "true", "HX-Target": "sensitivity"} if fragment else {}
    response = client_for(executive).get(
        reverse("portfolio:sensitivity"), {"draws": "5000", "delta": "30"}, headers=headers
    )
    assert response.status_code == 200
    assert "At most 2000 draws" in response.text
    if fragment:  # the ranking page's own form keeps what was typed; only the result is swapped
        assert response.text.lstrip().startswith('<div id="sensitivity"')
    else:
        assert response.context["rows"] == []
        assert response.context["options"]["draws"].value() == "5000"
        assert 'value="5000"' in response.text  # the form on the page keeps it


def test_too_many_candidates_are_refused_with_a_message(
    client_for, executive, candidates, monkeypatch
):
    from portfolio.views import ranking

    monkeypatch.setattr(ranking, "SENSITIVITY_MAX_CANDIDATES", 2)
    response = client_for(executive).get(reverse("portfolio:sensitivity"), {"draws": "100"})
    assert response.context["rows"] == []
    assert "takes at most 2 candidates; this filter has 3" in response.text


def test_sensitivity_ranks_only_the_rows_it_shows(client_for, executive, candidates):
    response = client_for(executive).get(reverse("portfolio:sensitivity"), {"draws": "100"})
    rows = response.context["rows"]
    assert [row["ranked"].row["ref"] for row in rows] == ["A", "C", "B"]
    assert all(1 <= row["low"] <= row["high"] <= 3 for row in rows)
