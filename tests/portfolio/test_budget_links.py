"""The budget selection with "requires" links, groups of alternatives and blocked candidates:
still exact (checked against every subset), and never breaking a link."""

import itertools

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from portfolio import prioritisation as p


def links(requires=(), groups=(), blocked=None) -> p.Links:
    return p.Links(
        requires=np.array(requires, dtype=np.int64).reshape(-1, 2),
        groups=tuple(np.array(group, dtype=np.int64) for group in groups),
        blocked=None if blocked is None else np.array(blocked, dtype=bool),
    )


def brute(scores, costs, budget, must, given: p.Links) -> float | None:
    """The best summed score over every subset that keeps everything; None when none does."""
    n = len(scores)
    best = None
    for bits in itertools.product((False, True), repeat=n):
        mask = np.array(bits, dtype=bool)
        if (np.asarray(must) & ~mask).any() or int(np.asarray(costs)[mask].sum()) > budget:
            continue
        if not given.holds(mask):
            continue
        total = float(np.asarray(scores, dtype=float)[mask].sum())
        best = total if best is None else max(best, total)
    return best


def test_b_is_chosen_only_with_a():
    # B scores most but needs A, which scores little: together they fit, and beat C alone.
    scores, costs = [1.0, 10.0, 8.0], [40, 40, 70]
    found = p.select_optimal(scores, costs, 80, links=links(requires=[(1, 0)]))
    assert found.chosen.tolist() == [True, True, False] and found.optimal
    # Without room for both, B cannot come alone: C is the best.
    found = p.select_optimal(scores, costs, 75, links=links(requires=[(1, 0)]))
    assert found.chosen.tolist() == [False, False, True]


def test_at_most_one_of_a_group_of_alternatives():
    found = p.select_optimal([5.0, 6.0, 1.0], [10, 10, 10], 100, links=links(groups=[[0, 1]]))
    assert found.chosen.tolist() == [False, True, True]


def test_a_blocked_candidate_and_what_requires_it_are_never_chosen():
    given = links(requires=[(2, 1)], blocked=[False, True, False])
    found = p.select_optimal([1.0, 9.0, 9.0], [1, 1, 1], 100, links=given)
    assert found.chosen.tolist() == [True, False, False]


def test_what_a_must_do_requires_is_chosen_and_paid_for():
    given = links(requires=[(0, 1)])
    found = p.select_optimal([1.0, 0.0, 5.0], [10, 30, 30], 45, [True, False, False], links=given)
    assert found.chosen.tolist() == [True, True, False]
    with pytest.raises(p.BudgetError):
        p.select_optimal([1.0, 0.0], [10, 30], 35, [True, False], links=given)


def test_must_dos_that_exclude_each_other_are_refused():
    with pytest.raises(p.ConstraintError) as error:
        p.select_optimal([1.0, 1.0], [1, 1], 10, [True, True], links=links(groups=[[0, 1]]))
    assert error.value.args == ("alternatives", [0, 1])
    with pytest.raises(p.ConstraintError) as error:
        p.select_optimal([1.0], [1], 10, [True], links=links(blocked=[True]))
    assert error.value.args == ("blocked", [0])


def test_a_negative_net_present_value_is_taken_only_for_what_it_allows():
    # A loses 2, B needs A and gains 5: both. D loses and nothing needs it: never.
    given = links(requires=[(1, 0)])
    found = p.select_optimal([-2.0, 5.0, 1.0, -1.0], [10, 10, 10, 0], 30, links=given)
    assert found.chosen.tolist() == [True, True, True, False]


def test_a_linked_item_cannot_use_room_the_fixed_ones_took():
    # Found by hypothesis: item 6 is fixed in by the reduction and takes all the room; the
    # solver's budget row then had "c ≤ 1" for no room at all, and took item 5 as well.
    given = links(requires=[(5, 2)], blocked=[1, 1, 0, 0, 1, 0, 0, 1, 1])
    must = [False, False, True, True, False, False, False, False, False]
    found = p.select_optimal([0.0, 0, 0, 0, 0, 1, 2, 0, 0], [0, 0, 0, 0, 0, 1, 1, 1, 1], 1, must,
                             links=given)  # fmt: skip
    assert found.optimal and found.chosen.tolist() == [0, 0, 1, 1, 0, 0, 1, 0, 0]


def test_the_rank_order_set_keeps_the_links():
    given = links(requires=[(0, 1)], groups=[[2, 3]])
    greedy = p.select_greedy([0, 1, 2, 3], [10, 10, 10, 10], 40, links=given, scores=[4, 3, 2, 1])
    # 0 needs 1, not taken yet when 0's turn comes: passed over; 3 is 2's alternative.
    assert greedy.chosen.tolist() == [False, True, True, False]
    assert given.holds(greedy.chosen)


@st.composite
def problems(draw):
    n = draw(st.integers(1, 9))
    scores = draw(st.lists(st.integers(-20, 60), min_size=n, max_size=n))
    costs = draw(st.lists(st.integers(0, 50), min_size=n, max_size=n))
    must = draw(st.lists(st.booleans().map(lambda b: b and False), min_size=n, max_size=n))
    must = [draw(st.integers(0, 9)) == 0 for _ in range(n)]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n))
    pairs = sorted({(b, a) for b, a in pairs if b != a})
    shuffled = draw(st.permutations(range(n)))
    cut = draw(st.integers(0, n))
    groups = [g for g in (shuffled[:cut][:3], shuffled[:cut][3:]) if len(g) > 1]
    blocked = [draw(st.integers(0, 11)) == 0 for _ in range(n)]
    budget = draw(st.integers(0, 200))
    return [float(x) for x in scores], costs, budget, must, links(pairs, groups, blocked)


@settings(max_examples=300, deadline=None)
@given(problems())
def test_the_optimum_with_links_equals_the_best_of_every_subset(problem):
    scores, costs, budget, must, given_links = problem
    note(repr((scores, costs, budget, must, given_links)))
    best = brute(scores, costs, budget, must, given_links)
    if best is None:
        with pytest.raises((p.BudgetError, p.ConstraintError)):
            p.select_optimal(scores, costs, budget, must, links=given_links)
        return
    found = p.select_optimal(scores, costs, budget, must, links=given_links)
    assert found.optimal
    assert given_links.holds(found.chosen)
    assert (found.chosen | ~np.array(must)).all()
    assert found.total_cost <= budget
    assert found.total_score == pytest.approx(best, abs=1e-9)
    greedy = p.select_greedy(
        np.argsort(-np.array(scores), kind="stable"), costs, budget, must, scores=scores,
        links=given_links,
    )  # fmt: skip
    assert given_links.holds(greedy.chosen) and greedy.total_cost <= budget


@settings(max_examples=100, deadline=None)
@given(problems())
def test_without_links_the_answer_is_what_it_was(problem):
    scores, costs, budget, must, _links = problem
    scores = [max(score, 0.0) for score in scores]  # strategic scores are never negative
    try:
        plain = p.select_optimal(scores, costs, budget, must)
    except p.BudgetError:
        with pytest.raises(p.BudgetError):
            p.select_optimal(scores, costs, budget, must, links=p.Links())
        return
    empty = p.select_optimal(scores, costs, budget, must, links=p.Links())
    assert empty.chosen.tolist() == plain.chosen.tolist()
    assert brute(scores, costs, budget, must, p.Links()) == pytest.approx(plain.total_score)


def test_a_thousand_candidates_with_a_hundred_links_are_solved_exactly():
    rng = np.random.default_rng(7)
    n = 1000
    scores = rng.integers(1, 100, n).astype(float)
    costs = rng.integers(1, 50, n) * 10_000
    pairs = rng.choice(n, size=(60, 2), replace=False)
    groups = [rng.choice(n, 3, replace=False) for _ in range(40)]
    given = links(pairs, groups)
    found = p.select_optimal(scores, costs, int(costs.sum() // 3), links=given, time_limit=30)
    assert found.optimal and given.holds(found.chosen)
