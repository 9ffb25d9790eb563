"""The maths of prioritisation, over plain numbers: no ORM, no Django.

Scores, shared ranks, AHP weights with the consistency ratio, sensitivity of the ranking to the
weights, and the exact budget selection. Arrays are numpy; every function is vectorised so that
10,000 initiatives × 1,000 draws stays well under a second or two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

MAX_ALIGNMENT = 5

# Saaty's random consistency indices by matrix size (Saaty 1980; the values most texts use).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
                10: 1.49}  # fmt: skip
CONSISTENCY_LIMIT = 0.10
SAATY_SCALE = (1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9)


class WeightError(ValueError):
    """Weights that cannot rank: negative, or all zero."""


def check_weights(weights: Sequence[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or (w < 0).any() or not np.isfinite(w).all():
        raise WeightError("weights must be finite and ≥ 0")
    if w.sum() <= 0:
        raise WeightError("at least one weight must be above zero")
    return w


def strategic_scores(alignment: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    """S_i = 100 × Σ_g w_g·a_ig / (5 × Σ_g w_g), for an (initiatives × goals) matrix of 0–5."""
    w = check_weights(weights)
    a = np.asarray(alignment, dtype=float).reshape(-1, len(w))
    return 100.0 * (a @ w) / (MAX_ALIGNMENT * w.sum())


def _same(scores: np.ndarray) -> np.ndarray:
    # Scores are sums of products of small numbers; round away floating-point noise so that
    # equal scores tie exactly.
    return np.round(scores, 9)


def tie_keys(titles: Sequence[str]) -> np.ndarray:
    """Integer keys that order the titles case-blind: compute once, rank many times."""
    folded = np.asarray([str(t).casefold() for t in titles], dtype=object)
    keys = np.empty(len(folded), dtype=np.int64)
    keys[np.argsort(folded, kind="stable")] = np.arange(len(folded))
    return keys


def rank(
    scores: Sequence[float], titles: Sequence[str] | None = None, *, keys: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Order (indices, best first) and competition ranks (1, 2, 2, 4) of the scores.

    Equal scores share a rank; within a tie the order is by title (or by `keys`, from
    `tie_keys(titles)`).
    """
    s = _same(np.asarray(scores, dtype=float))
    if keys is None:
        keys = tie_keys(titles if titles is not None else [""] * len(s))
    order = np.lexsort((keys, -s)) if len(s) else np.array([], dtype=int)
    sorted_scores = s[order]
    position = np.arange(1, len(s) + 1)
    is_new = np.ones(len(s), dtype=bool)
    is_new[1:] = sorted_scores[1:] != sorted_scores[:-1]
    ranks_sorted = np.maximum.accumulate(np.where(is_new, position, 0)) if len(s) else position
    ranks = np.empty(len(s), dtype=int)
    ranks[order] = ranks_sorted
    return order, ranks


@dataclass(frozen=True)
class AHPResult:
    weights: np.ndarray
    lambda_max: float
    consistency_index: float
    consistency_ratio: float

    @property
    def is_consistent(self) -> bool:
        return self.consistency_ratio <= CONSISTENCY_LIMIT


def ahp_matrix(size: int, judgements: dict[tuple[int, int], float]) -> np.ndarray:
    """A reciprocal pairwise matrix from the judgements a_ij for i < j (a_ji = 1 / a_ij)."""
    m = np.ones((size, size))
    for (i, j), value in judgements.items():
        if value <= 0:
            raise ValueError("pairwise judgements must be positive")
        m[i, j], m[j, i] = value, 1.0 / value
    return m


def ahp(matrix: np.ndarray) -> AHPResult:
    """Weights as the principal eigenvector of a reciprocal matrix, with Saaty's CR = CI / RI."""
    m = np.asarray(matrix, dtype=float)
    n = m.shape[0]
    if m.shape != (n, n) or n == 0:
        raise ValueError("the pairwise matrix must be square")
    eigenvalues, eigenvectors = np.linalg.eig(m)
    principal = int(np.argmax(eigenvalues.real))
    vector = np.abs(eigenvectors[:, principal].real)
    weights = vector / vector.sum()
    lambda_max = float(eigenvalues[principal].real)
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX.get(n, 1.49)
    cr = ci / ri if ri else 0.0
    return AHPResult(weights, lambda_max, max(ci, 0.0), max(cr, 0.0))


@dataclass(frozen=True)
class Sensitivity:
    rank_low: np.ndarray  # 5th percentile of the rank over the draws (the best it gets)
    rank_high: np.ndarray  # 95th percentile (the worst)
    top_share: np.ndarray  # share of draws in which it is in the top K


def sensitivity(
    alignment: np.ndarray,
    weights: Sequence[float],
    *,
    delta: float = 0.2,
    draws: int = 1000,
    top_k: int = 10,
    seed: int = 20261123,
) -> Sensitivity:
    """Rank ranges under weights each perturbed by up to ±delta (uniform, multiplicative).

    Reproducible: the same seed gives the same answer. Ties share the better rank in each draw.
    """
    w = check_weights(weights)
    a = np.asarray(alignment, dtype=float).reshape(-1, len(w))
    n = a.shape[0]
    if n == 0:
        empty = np.array([])
        return Sensitivity(empty, empty, empty)
    rng = np.random.default_rng(seed)
    factors = 1.0 + rng.uniform(-delta, delta, size=(draws, len(w)))
    drawn = w * factors  # (draws, goals)
    # The common factor 100 / (5 Σw) changes no order within a draw, so it is left out. The sum
    # runs goal by goal, element-wise (not through BLAS, whose blocking may add in another order
    # for other rows), so equal alignment rows give bit-identical scores and tie without rounding.
    # One row per draw, so every sort runs over contiguous memory.
    # Single precision halves the memory traffic; the ranks it gives are what matters here.
    drawn32, a32 = drawn.astype(np.float32), a.astype(np.float32)
    scores = np.zeros((draws, n), dtype=np.float32)
    for goal in range(len(w)):
        scores += drawn32[:, goal : goal + 1] * a32[:, goal]
    # Any sort will do: tied scores get the same rank below, whatever their order.
    order = np.argsort(-scores, axis=1)
    sorted_scores = np.take_along_axis(scores, order, axis=1)
    position = np.broadcast_to(np.arange(1, n + 1, dtype=np.int32), sorted_scores.shape)
    is_new = np.ones(sorted_scores.shape, dtype=bool)
    is_new[:, 1:] = sorted_scores[:, 1:] != sorted_scores[:, :-1]
    ranks_sorted = np.maximum.accumulate(np.where(is_new, position, 0), axis=1)
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=1)
    # The 5th and 95th percentiles ("nearest" method) by partial sort, per initiative.
    per_initiative = np.ascontiguousarray(ranks.T)
    k_low, k_high = round(0.05 * (draws - 1)), round(0.95 * (draws - 1))
    parted = np.partition(per_initiative, (k_low, k_high), axis=1)
    low, high = parted[:, k_low], parted[:, k_high]
    return Sensitivity(low.astype(int), high.astype(int), (ranks <= top_k).mean(axis=0))


class BudgetError(ValueError):
    """The must-do initiatives alone cost more than the budget."""


@dataclass(frozen=True)
class Selection:
    chosen: np.ndarray  # boolean mask over the candidates
    total_score: float
    total_cost: int


def _selection(mask: np.ndarray, scores: np.ndarray, costs: np.ndarray) -> Selection:
    return Selection(mask, float(scores[mask].sum()), int(costs[mask].sum()))


def select_optimal(
    scores: Sequence[float], costs: Sequence[int], budget: int, must: Sequence[bool] | None = None
) -> Selection:
    """The set with the highest summed score whose summed cost is within the budget.

    Must-do initiatives are always in. An exact 0/1 knapsack solved as a mixed-integer programme
    (HiGHS through scipy, with no optimality gap allowed), checked in exact integer arithmetic.
    """
    s = np.asarray(scores, dtype=float)
    c = np.asarray(costs, dtype=np.int64)
    forced = np.zeros(len(s), dtype=bool) if must is None else np.asarray(must, dtype=bool)
    forced_cost = int(c[forced].sum())
    if forced_cost > budget:
        raise BudgetError(forced_cost)
    free = ~forced & (c <= budget - forced_cost)
    mask = forced.copy()
    if free.any():
        # Free items that cost nothing are always worth taking; the rest go to the solver.
        zero = free & (c == 0)
        mask |= zero
        open_items = np.flatnonzero(free & ~zero)
        if len(open_items):
            room = budget - forced_cost
            result = milp(
                c=-s[open_items],
                constraints=LinearConstraint(c[open_items] / room, -np.inf, 1.0),
                integrality=np.ones(len(open_items)),
                bounds=Bounds(0, 1),
                options={"mip_rel_gap": 0.0, "presolve": True},
            )
            if result.x is not None:
                picked = open_items[np.round(result.x).astype(bool)]
                # Guard the solver's tolerances with exact integers: drop the worst-ratio item
                # until the set fits (never needed in practice, but never over budget).
                while int(c[picked].sum()) > room:
                    worst = np.argmin(s[picked] / np.maximum(c[picked], 1))
                    picked = np.delete(picked, worst)
                mask[picked] = True
    return _selection(mask, s, c)


def select_greedy(
    order: Sequence[int],
    costs: Sequence[int],
    budget: int,
    must: Sequence[bool] | None = None,
    scores: Sequence[float] | None = None,
) -> Selection:
    """Take initiatives in rank order while the money lasts (must-dos first): the naive set."""
    c = np.asarray(costs, dtype=np.int64)
    forced = np.zeros(len(c), dtype=bool) if must is None else np.asarray(must, dtype=bool)
    s = np.zeros(len(c)) if scores is None else np.asarray(scores, dtype=float)
    mask = forced.copy()
    spent = int(c[forced].sum())
    for i in order:
        if mask[i]:
            continue
        if spent + int(c[i]) > budget:
            break
        mask[i] = True
        spent += int(c[i])
    return _selection(mask, s, c)


def efficient_frontier(
    scores: Sequence[float],
    costs: Sequence[int],
    must: Sequence[bool] | None = None,
    points: int = 20,
) -> list[tuple[int, float]]:
    """(budget, best achievable score) at evenly spaced budgets from the must-dos to everything."""
    c = np.asarray(costs, dtype=np.int64)
    forced = np.zeros(len(c), dtype=bool) if must is None else np.asarray(must, dtype=bool)
    low, high = int(c[forced].sum()), int(c.sum())
    if high <= low:
        return [(low, float(np.asarray(scores, dtype=float).sum()))]
    levels = np.unique(np.linspace(low, high, points).round().astype(np.int64))
    return [(int(b), select_optimal(scores, costs, int(b), must).total_score) for b in levels]
