"""The heavy maths under bounds: the time-limited budget solver says what it found, the exact
table agrees with brute force, and the chunked sensitivity equals the unchunked one. No timing
assertions here: timings are bench/solver.py's."""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import prioritisation as p
from tests.portfolio.test_prioritisation import brute_force


def big_instance(n=8000, share=0.1, seed=7):
    """The synthetic loader's kind of portfolio (as bench/solver.py): many near-ties, hard to
    prove."""
    rng = np.random.default_rng(seed)
    weights = [1.5, 1, 1, 0.8, 1.2]
    alignment = np.minimum(
        5, np.floor(rng.triangular(0, np.array([2, 1, 2, 1, 2]), 5.99, size=(n, 5)))
    )
    costs = np.round(rng.lognormal(13.3, 1.0, n), -4).astype(np.int64)
    costs[rng.random(n) < 0.03] = 0
    must = rng.random(n) < 0.05
    scores = p.strategic_scores(alignment, weights)
    return scores, costs, int(costs.sum() * share), must, weights


def assert_valid(selection, costs, budget, must):
    assert selection.total_cost == int(costs[selection.chosen].sum()) <= budget
    assert selection.chosen[must].all()
    assert selection.bound >= selection.total_score
    assert selection.gap >= 0


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.integers(0, 5), min_size=3, max_size=3),
            st.integers(0, 5_000_000),
            st.booleans(),
        ),
        min_size=1,
        max_size=10,
    ),
    st.lists(st.integers(0, 3000), min_size=3, max_size=3).filter(any),
    st.integers(0, 20_000_000),
    st.sampled_from([1, 7, 10_000]),
)
def test_the_exact_tables_are_optimal_against_brute_force(items, milli_weights, budget, step):
    # Scores as the ranking makes them (0–5 against goals, weights in thousandths), so the
    # selection may use the table over whole profits; costs in round steps, the table over costs.
    weights = [w / 1000 for w in milli_weights]
    scores = p.strategic_scores(np.array([item[0] for item in items]), weights)
    costs = np.array([item[1] // step * step for item in items], dtype=np.int64)
    must = np.array([item[2] and cost < 3_000_000 for item, cost in zip(items, costs, strict=True)])
    expected = brute_force(scores, costs, budget, must)
    if expected is None:
        with pytest.raises(p.BudgetError):
            p.select_optimal(scores, costs, budget, must, unit=p.score_unit(weights))
        return
    selection = p.select_optimal(scores, costs, budget, must, unit=p.score_unit(weights))
    assert selection.optimal and selection.gap == 0
    assert selection.total_score == pytest.approx(expected, abs=1e-6)
    assert_valid(selection, costs, budget, must)


def test_the_table_and_the_solver_agree_on_a_big_instance():
    scores, costs, budget, must, weights = big_instance(n=2000)
    by_table = p.select_optimal(scores, costs, budget, must, unit=p.score_unit(weights))
    by_solver = p.select_optimal(scores, costs, budget, must)
    assert by_table.optimal and by_solver.optimal
    assert by_table.total_score == pytest.approx(by_solver.total_score, abs=1e-6)


@pytest.mark.parametrize("cells", [p.DP_CELLS, 0])
def test_a_wrong_unit_costs_only_speed(monkeypatch, cells):
    monkeypatch.setattr(p, "DP_CELLS", cells)  # 0: no table, the solver
    scores, costs = [10.5, 7.25, 3.1, 6.0], [5, 4, 3, 6]
    selection = p.select_optimal(scores, costs, 8, unit=1.0)  # 7.25 is no whole multiple
    assert selection.optimal and selection.chosen.tolist() == [True, False, True, False]


def test_the_table_over_costs_takes_float_scores():
    # Costs in steps of 10,000; scores with no common unit.
    scores = [0.1 * np.pi, 0.2 * np.e, 0.3 * np.sqrt(2), 0.05]
    costs = [30_000, 40_000, 50_000, 10_000]
    selection = p.select_optimal(scores, costs, 80_000)
    assert selection.optimal
    assert selection.total_score == pytest.approx(brute_force(scores, costs, 80_000, [False] * 4))


def test_a_tiny_time_limit_gives_the_best_found_with_its_gap():
    scores, costs, budget, must, _weights = big_instance()
    selection = p.select_optimal(scores, costs, budget, must, time_limit=1e-9)
    assert not selection.optimal
    assert selection.status in {p.BEST_FOUND, p.GREEDY_FALLBACK}
    assert 0 < selection.gap < 0.01  # the LP bound is close on a knapsack this size
    assert_valid(selection, costs, budget, must)
    assert selection.record()["status"] == selection.status


def no_tables(monkeypatch):
    """Branch and bound only: the core goes to the (stand-in) solver, not to an exact table."""
    monkeypatch.setattr(p, "DP_CELLS", 0)


def fake_milp(x_of, dual_of=None, status=1):
    """A stand-in for scipy's milp that stops as if its time ran out."""

    def milp(c, **_kwargs):
        n = len(c)
        x = None if x_of is None else x_of(n)
        dual = None if dual_of is None else dual_of(c)
        return SimpleNamespace(x=x, status=status, mip_dual_bound=dual)

    return milp


def test_a_worse_set_from_the_solver_leaves_the_incumbent_flagged(monkeypatch):
    scores, costs, budget, must, weights = big_instance()
    exact = p.select_optimal(scores, costs, budget, must, unit=p.score_unit(weights))
    no_tables(monkeypatch)
    # The solver stops having found nothing but the empty core, with a loose dual bound.
    reduced = {}

    def x_of(n):
        reduced["n"] = n
        return np.zeros(n)

    monkeypatch.setattr(p, "milp", fake_milp(x_of, lambda c: float(c.sum())))
    selection = p.select_optimal(scores, costs, budget, must, time_limit=5)
    assert reduced["n"] > 0
    # An empty core set is worse than the greedy incumbent: the incumbent is kept, flagged.
    assert selection.status == p.GREEDY_FALLBACK
    assert selection.bound >= exact.total_score >= selection.total_score
    assert_valid(selection, costs, budget, must)


def test_a_solver_set_better_than_the_incumbent_is_shown_as_best_found(monkeypatch):
    scores, costs, budget, must, weights = big_instance(n=2000)
    exact = p.select_optimal(scores, costs, budget, must, unit=p.score_unit(weights))
    no_tables(monkeypatch)
    real_milp = p.milp

    def stopped(c, **kwargs):
        result = real_milp(c, **kwargs)  # the optimum of the core, reported as if unproven
        return SimpleNamespace(x=result.x, status=1, mip_dual_bound=result.fun - 1.0)

    monkeypatch.setattr(p, "milp", stopped)
    selection = p.select_optimal(scores, costs, budget, must, time_limit=30)
    assert selection.status == p.BEST_FOUND and not selection.optimal
    assert selection.total_score == pytest.approx(exact.total_score)
    assert selection.bound == pytest.approx(exact.total_score + 1.0)
    assert selection.gap_percent >= 100 * selection.gap > 0
    assert_valid(selection, costs, budget, must)


def test_no_set_from_the_solver_falls_back_to_the_greedy_set_and_says_so(monkeypatch):
    scores, costs, budget, must, _weights = big_instance()
    no_tables(monkeypatch)
    monkeypatch.setattr(p, "milp", fake_milp(None))
    selection = p.select_optimal(scores, costs, budget, must, time_limit=5)
    assert selection.status == p.GREEDY_FALLBACK and not selection.optimal
    assert selection.gap > 0
    assert_valid(selection, costs, budget, must)


def test_the_frontier_shares_its_time_and_says_which_points_are_proven():
    scores, costs, _budget, must, weights = big_instance(n=3000)
    points = p.frontier_points(scores, costs, must, points=5, time_limit=1e-9)
    assert len(points) == 5
    for amount, found in points:
        assert_valid(found, costs, amount, must)
    proven = p.frontier_points(scores, costs, must, points=5, unit=p.score_unit(weights))
    assert all(found.optimal for _amount, found in proven)
    assert [round(f.total_score, 6) for _a, f in proven] == sorted(
        round(f.total_score, 6) for _a, f in proven
    )


def test_the_rank_order_set_claims_no_bound():
    greedy = p.select_greedy([0, 1], [5, 5], 5, scores=[2.0, 1.0])
    assert greedy.status == p.RANK_ORDER and greedy.bound is None and not greedy.optimal


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunked_sensitivity_equals_unchunked_exactly(seed, chunk):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 80))
    alignment = rng.integers(0, 6, size=(n, 4))
    alignment[n // 2] = alignment[0]  # a tie in every draw
    weights = rng.uniform(0.1, 3, 4)
    options = {"delta": 0.4, "draws": 150, "top_k": 5, "seed": seed}
    whole = p.sensitivity(alignment, weights, chunk=10_000, **options)
    chunked = p.sensitivity(alignment, weights, chunk=chunk, **options)
    assert chunked.rank_low.tolist() == whole.rank_low.tolist()
    assert chunked.rank_high.tolist() == whole.rank_high.tolist()
    assert chunked.top_share.tolist() == whole.top_share.tolist()
    assert whole.rank_low[n // 2] == whole.rank_low[0]


def test_tracked_candidates_get_the_same_ranges_and_the_rest_none():
    rng = np.random.default_rng(9)
    alignment = rng.integers(0, 6, size=(60, 3))
    whole = p.sensitivity(alignment, [1, 2, 3], draws=200, top_k=5)
    tracked = [3, 17, 42]
    some = p.sensitivity(alignment, [1, 2, 3], draws=200, top_k=5, track=tracked, chunk=16)
    assert some.rank_low[tracked].tolist() == whole.rank_low[tracked].tolist()
    assert some.rank_high[tracked].tolist() == whole.rank_high[tracked].tolist()
    assert some.top_share.tolist() == whole.top_share.tolist()
    untracked = np.setdiff1d(np.arange(60), tracked)
    assert (some.rank_low[untracked] == 0).all() and (some.rank_high[untracked] == 0).all()
