"""The maths of prioritisation, without a database."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import prioritisation as p


def test_the_score_follows_the_formula():
    alignment = np.array([[5, 0, 0], [3, 4, 1], [0, 0, 0]])
    weights = [2, 1, 1]
    # S = 100 × Σ w·a / (5 × Σ w): (10)/(20) = 50; (6+4+1)/20 = 55; 0.
    assert p.strategic_scores(alignment, weights).tolist() == pytest.approx([50, 55, 0])


def test_full_alignment_on_every_goal_scores_100():
    assert p.strategic_scores(np.full((1, 4), 5), [1, 2, 3, 0]).tolist() == [100]


@pytest.mark.parametrize("weights", [[0, 0], [-1, 2], [float("nan"), 1]])
def test_weights_must_be_non_negative_and_not_all_zero(weights):
    with pytest.raises(p.WeightError):
        p.strategic_scores(np.ones((1, 2)), weights)


def test_equal_scores_share_a_rank_and_ties_go_by_title():
    scores = [40, 80, 60, 80, 60.0000000001]
    titles = ["E", "b", "C", "a", "D"]
    order, ranks = p.rank(scores, titles)
    assert [titles[i] for i in order] == ["a", "b", "C", "D", "E"]
    assert ranks.tolist() == [5, 1, 3, 1, 3]


def test_an_empty_ranking_is_empty():
    order, ranks = p.rank([], [])
    assert len(order) == len(ranks) == 0


def test_ahp_matches_the_published_three_goal_example():
    # The classic 3×3 example (e.g. Saaty 1980; repeated in most AHP primers):
    # weights 0.637, 0.258, 0.105, λmax 3.039, CR 0.033.
    result = p.ahp(np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]))
    assert result.weights == pytest.approx([0.6370, 0.2583, 0.1047], abs=5e-4)
    assert result.lambda_max == pytest.approx(3.0385, abs=5e-4)
    assert result.consistency_ratio == pytest.approx(0.0332, abs=5e-4)
    assert result.is_consistent


def test_a_perfectly_consistent_matrix_gives_its_weights_back_with_cr_zero():
    truth = np.array([0.4, 0.3, 0.2, 0.1])
    result = p.ahp(truth[:, None] / truth[None, :])
    assert result.weights == pytest.approx(truth)
    assert result.consistency_ratio == pytest.approx(0, abs=1e-9)


def test_an_intransitive_matrix_is_flagged_inconsistent():
    matrix = p.ahp_matrix(3, {(0, 1): 9, (1, 2): 9, (0, 2): 1 / 9})
    result = p.ahp(matrix)
    assert result.consistency_ratio > p.CONSISTENCY_LIMIT
    assert not result.is_consistent


def test_the_reciprocal_matrix_is_built_from_the_upper_judgements():
    matrix = p.ahp_matrix(3, {(0, 1): 3, (0, 2): 5, (1, 2): 3})
    assert matrix[1, 0] == pytest.approx(1 / 3) and matrix[2, 1] == pytest.approx(1 / 3)


def test_sensitivity_is_reproducible_with_the_same_seed():
    rng = np.random.default_rng(1)
    alignment = rng.integers(0, 6, size=(50, 4))
    first = p.sensitivity(alignment, [1, 2, 3, 4], draws=200, top_k=5, seed=7)
    again = p.sensitivity(alignment, [1, 2, 3, 4], draws=200, top_k=5, seed=7)
    assert first.rank_low.tolist() == again.rank_low.tolist()
    assert first.top_share.tolist() == again.top_share.tolist()


def test_sensitivity_without_perturbation_is_the_ranking_itself():
    rng = np.random.default_rng(2)
    alignment = rng.integers(0, 6, size=(30, 3))
    weights = [1, 1, 2]
    _order, ranks = p.rank(p.strategic_scores(alignment, weights), [str(i) for i in range(30)])
    result = p.sensitivity(alignment, weights, delta=0.0, draws=20, top_k=10)
    assert result.rank_low.tolist() == ranks.tolist() == result.rank_high.tolist()
    assert result.top_share.tolist() == [1.0 if r <= 10 else 0.0 for r in ranks]


def test_a_dominant_initiative_stays_first_in_every_draw():
    alignment = np.array([[5, 5, 5], [1, 2, 3], [3, 2, 1]])
    result = p.sensitivity(alignment, [1, 1, 1], delta=0.5, draws=500, top_k=1)
    assert result.top_share[0] == 1.0 and result.rank_high[0] == 1


def brute_force(scores, costs, budget, must):
    best = None
    for combo in itertools.product([False, True], repeat=len(scores)):
        mask = np.array(combo, dtype=bool)
        if (np.asarray(must) & ~mask).any() or np.asarray(costs)[mask].sum() > budget:
            continue
        total = float(np.asarray(scores)[mask].sum())
        if best is None or total > best + 1e-9:
            best = total
    return best


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 100, allow_nan=False),
            st.integers(0, 5_000_000),
            st.booleans(),
        ),
        min_size=1,
        max_size=10,
    ),
    st.integers(0, 20_000_000),
)
def test_the_budget_selection_is_optimal_against_brute_force(items, budget):
    scores = [item[0] for item in items]
    costs = [item[1] for item in items]
    must = [item[2] and item[1] < 3_000_000 for item in items]
    expected = brute_force(scores, costs, budget, must)
    if expected is None:
        with pytest.raises(p.BudgetError):
            p.select_optimal(scores, costs, budget, must)
        return
    selection = p.select_optimal(scores, costs, budget, must)
    assert selection.total_score == pytest.approx(expected, abs=1e-6)
    assert selection.total_cost <= budget
    assert selection.chosen[np.asarray(must)].all()


def test_must_dos_are_always_selected_even_when_they_score_nothing():
    selection = p.select_optimal([90, 0, 80], [100, 100, 100], 200, [False, True, False])
    assert selection.chosen.tolist() == [True, True, False]


def test_must_dos_over_the_budget_are_refused_with_their_cost():
    with pytest.raises(p.BudgetError) as error:
        p.select_optimal([1, 1], [300, 400], 500, [True, True])
    assert error.value.args[0] == 700


def test_the_optimum_beats_the_greedy_rank_order_where_greedy_runs_out():
    scores, costs = [60, 50, 50], [100, 60, 60]
    order, _ = p.rank(scores, ["a", "b", "c"])
    greedy = p.select_greedy(order, costs, 120, scores=scores)
    optimal = p.select_optimal(scores, costs, 120)
    assert greedy.chosen.tolist() == [True, False, False] and greedy.total_score == 60
    assert optimal.chosen.tolist() == [False, True, True] and optimal.total_score == 100


def test_the_frontier_never_falls_as_the_budget_grows():
    rng = np.random.default_rng(3)
    scores, costs = rng.uniform(0, 100, 40), rng.integers(1, 1_000_000, 40)
    frontier = p.efficient_frontier(scores, costs, points=12)
    values = [score for _budget, score in frontier]
    assert values == sorted(values)
    assert values[-1] == pytest.approx(scores.sum())
