"""The maths of prioritisation, over plain numbers: no ORM, no Django.

Scores, shared ranks, AHP weights with the consistency ratio, sensitivity of the ranking to the
weights, and the exact budget selection. Arrays are numpy; every function is vectorised so that
10,000 initiatives × 1,000 draws stays well under a second or two.

The heavy ones are bounded, and pure (parameters in, result out, so a background task can call
them as a view does): the sensitivity in memory proportional to the candidates, not to draws ×
candidates; the budget selection by a time limit, after which it says what it has (the proven
optimum, or the best set found with how far below the optimum it may be at most). Timings and
memory: bench/solver.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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
    # Ranks of the tracked candidates; 0 for the others (a real rank is never 0).
    rank_low: np.ndarray  # 5th percentile of the rank over the draws (the best it gets)
    rank_high: np.ndarray  # 95th percentile (the worst)
    top_share: np.ndarray  # share of draws in which it is in the top K (every candidate)


SENSITIVITY_CHUNK = 64  # draws ranked at a time: memory is this × candidates, whatever the draws


def _draw_ranks(scores: np.ndarray) -> np.ndarray:
    """Competition ranks (1, 2, 2, 4) within each row of a (draws × candidates) score block."""
    # Any sort will do: tied scores get the same rank below, whatever their order.
    order = np.argsort(-scores, axis=1)
    sorted_scores = np.take_along_axis(scores, order, axis=1)
    position = np.broadcast_to(np.arange(1, scores.shape[1] + 1, dtype=np.int32), scores.shape)
    is_new = np.ones(scores.shape, dtype=bool)
    is_new[:, 1:] = sorted_scores[:, 1:] != sorted_scores[:, :-1]
    ranks_sorted = np.maximum.accumulate(np.where(is_new, position, 0), axis=1)
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=1)
    return ranks


def sensitivity(
    alignment: np.ndarray,
    weights: Sequence[float],
    *,
    delta: float = 0.2,
    draws: int = 1000,
    top_k: int = 10,
    seed: int = 20261123,
    track: Sequence[int] | None = None,
    chunk: int = SENSITIVITY_CHUNK,
) -> Sensitivity:
    """Rank ranges under weights each perturbed by up to ±delta (uniform, multiplicative).

    Reproducible: the same seed gives the same answer, whatever the chunk size. Ties share the
    better rank in each draw.

    Exact, and bounded in memory: the draws are ranked `chunk` at a time (scores and ranks of
    chunk × candidates), the top-K counts add up per candidate, and only the ranks of the
    `track`ed candidates (the ones a page shows; all when None) are kept over every draw
    (draws × tracked int32) for their exact 5th and 95th percentiles. Untracked candidates get
    rank 0 in `rank_low` and `rank_high` (a real rank is never 0). With the page's 30 tracked
    rows, 1,000 draws over 10,000 candidates peak near 20 MB (and 0.5 s) instead of the 325 MB
    (and 4.7 s) that ranking every draw at once took (bench/solver.py).
    """
    w = check_weights(weights)
    a = np.asarray(alignment, dtype=float).reshape(-1, len(w))
    n = a.shape[0]
    if n == 0:
        empty = np.array([])
        return Sensitivity(empty, empty, empty)
    tracked = np.arange(n) if track is None else np.asarray(track, dtype=np.int64)
    rng = np.random.default_rng(seed)
    # All factors drawn up front (draws × goals, small), so chunking never changes the draws.
    factors = 1.0 + rng.uniform(-delta, delta, size=(draws, len(w)))
    # The common factor 100 / (5 Σw) changes no order within a draw, so it is left out. The sum
    # runs goal by goal, element-wise (not through BLAS, whose blocking may add in another order
    # for other rows), so equal alignment rows give bit-identical scores and tie without rounding.
    # One row per draw, so every sort runs over contiguous memory. Single precision halves the
    # memory traffic; the ranks it gives are what matters here.
    drawn32, a32 = (w * factors).astype(np.float32), a.astype(np.float32)
    in_top = np.zeros(n, dtype=np.int64)
    kept = np.empty((len(tracked), draws), dtype=np.int32)
    for first in range(0, draws, max(1, chunk)):
        block = drawn32[first : first + max(1, chunk)]
        scores = np.zeros((len(block), n), dtype=np.float32)
        for goal in range(len(w)):
            scores += block[:, goal : goal + 1] * a32[:, goal]
        ranks = _draw_ranks(scores)
        in_top += (ranks <= top_k).sum(axis=0)
        kept[:, first : first + len(block)] = ranks[:, tracked].T
    # The 5th and 95th percentiles ("nearest" method) by partial sort, per tracked initiative.
    k_low, k_high = round(0.05 * (draws - 1)), round(0.95 * (draws - 1))
    parted = np.partition(kept, (k_low, k_high), axis=1)
    low, high = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    low[tracked], high[tracked] = parted[:, k_low], parted[:, k_high]
    return Sensitivity(low, high, in_top / draws)


class BudgetError(ValueError):
    """The must-do initiatives alone cost more than the budget."""


class ConstraintError(ValueError):
    """The must-dos cannot all be chosen: args (reason, positions). Reasons: "blocked" (a
    must-do requires what cannot be chosen), "alternatives" (two must-dos are alternatives)."""


@dataclass(frozen=True)
class Links:
    """Constraints beside the budget, in positions of the candidates.

    `requires` (k × 2): b may be chosen only with a (a link to an initiative already in
    operation is satisfied and not given); `groups`: at most one of each; `blocked`: may not be
    chosen at all (it requires what is no candidate and not in operation, or its alternative is
    in operation already).
    """

    requires: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    groups: tuple[np.ndarray, ...] = ()
    blocked: np.ndarray | None = None

    def __bool__(self) -> bool:
        return bool(len(self.requires) or self.groups or (
            self.blocked is not None and self.blocked.any()))  # fmt: skip

    def linked(self, size: int) -> np.ndarray:
        """The positions in a "requires" link or a group, as a mask."""
        mask = np.zeros(size, dtype=bool)
        mask[np.asarray(self.requires, dtype=np.int64).reshape(-1, 2).ravel()] = True
        for group in self.groups:
            mask[np.asarray(group, dtype=np.int64)] = True
        return mask

    def prepared(self, forced: np.ndarray, available: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(forced, available) made consistent with the links: what a must-do requires is a
        must-do too; an alternative of a must-do, and whatever requires what cannot be chosen,
        cannot be chosen. Raises ConstraintError when the must-dos conflict."""
        forced, available = forced.copy(), available.copy()
        if self.blocked is not None:
            available &= ~np.asarray(self.blocked, dtype=bool)
        pairs = np.asarray(self.requires, dtype=np.int64).reshape(-1, 2)
        b, a = pairs[:, 0], pairs[:, 1]
        while len(pairs):  # the requirements of must-dos, transitively
            more = a[forced[b] & ~forced[a]]
            if not len(more):
                break
            forced[more] = True
        for group in self.groups:
            group = np.asarray(group, dtype=np.int64)
            chosen = group[forced[group]]
            if len(chosen) > 1:
                raise ConstraintError("alternatives", chosen.tolist())
            if len(chosen):
                available[group[~forced[group]]] = False
        while len(pairs):  # what requires what cannot be chosen, transitively
            cut = b[available[b] & ~available[a] & ~forced[a]]
            if not len(cut):
                break
            available[cut] = False
        if (forced & ~available).any():
            raise ConstraintError("blocked", np.flatnonzero(forced & ~available).tolist())
        return forced, available

    def holds(self, mask: np.ndarray) -> bool:
        """Whether a chosen set keeps every link."""
        pairs = np.asarray(self.requires, dtype=np.int64).reshape(-1, 2)
        if len(pairs) and (mask[pairs[:, 0]] & ~mask[pairs[:, 1]]).any():
            return False
        if any(mask[np.asarray(group, dtype=np.int64)].sum() > 1 for group in self.groups):
            return False
        return self.blocked is None or not (mask & np.asarray(self.blocked, dtype=bool)).any()


# How a selection was found (Selection.status).
OPTIMAL = "optimal"  # proven best
BEST_FOUND = "best_found"  # the solver's best set when its time ran out, with a proven bound
# The solver found no set (or none better) in time: the set taken by score per krona, bounded.
GREEDY_FALLBACK = "greedy_fallback"
RANK_ORDER = "rank_order"  # taken in rank order until the money ran out (select_greedy)


@dataclass(frozen=True)
class Selection:
    chosen: np.ndarray  # boolean mask over the candidates
    total_score: float
    total_cost: int
    status: str = OPTIMAL
    # A proven upper bound on the best summed score within the budget: the optimum lies between
    # total_score and bound. None for the rank-order set, which proves nothing.
    bound: float | None = None
    seconds: float = 0.0  # time spent choosing

    @property
    def optimal(self) -> bool:
        return self.status == OPTIMAL

    @property
    def gap(self) -> float:
        """At most this share below the optimum: (bound − found) / bound, 0 when optimal.

        Since optimum ≤ bound, (optimum − found) / optimum ≤ (bound − found) / bound.
        """
        if self.optimal or self.bound is None or self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.total_score) / self.bound)

    @property
    def gap_percent(self) -> float:
        """The gap in per cent, rounded up to two decimals: never shown smaller than it is."""
        return math.ceil(self.gap * 10_000 - 1e-9) / 100

    # The keys of record(): what a saved decision keeps of how its set was found.
    RECORDED = ("status", "score", "bound", "gap", "gap_percent", "seconds")

    def record(self) -> dict:
        """How the set was found, as plain values for a saved decision."""
        return {
            "status": self.status,
            "score": round(self.total_score, 6),
            "bound": None if self.bound is None else round(self.bound, 6),
            "gap": round(self.gap, 8),
            "gap_percent": self.gap_percent,
            "seconds": round(self.seconds, 3),
        }


def _selection(mask: np.ndarray, scores: np.ndarray, costs: np.ndarray, **how) -> Selection:
    return Selection(mask, float(scores[mask].sum()), int(costs[mask].sum()), **how)


@dataclass(frozen=True)
class _Reduced:
    """A knapsack cut down to its core by the Lagrangian (Dembo–Hammer) reduction."""

    fixed_in: np.ndarray  # positions of the items every optimal set takes
    core: np.ndarray  # positions the reduction could not decide
    incumbent: np.ndarray  # positions of a feasible set (greedy by score per krona)
    bound: float  # the LP (Dantzig) upper bound on the best score


def _by_ratio(s: np.ndarray, c: np.ndarray, room: int) -> tuple[np.ndarray, int, np.ndarray]:
    """Items by score per krona (ties by position), how many fit in a row, their running cost."""
    order = np.lexsort((np.arange(len(s)), -(s / c)))
    filled = np.cumsum(c[order])
    return order, int(np.searchsorted(filled, room, side="right")), filled


def _lp_bound(s: np.ndarray, c: np.ndarray, room: int) -> float:
    """Dantzig's bound: the whole items in ratio order, then the fitting part of the next."""
    order, fits, filled = _by_ratio(s, c, room)
    if fits == len(s):
        return float(s.sum())
    left = room - (int(filled[fits - 1]) if fits else 0)
    return float(s[order[:fits]].sum()) + float(s[order[fits]]) * left / float(c[order[fits]])


def _reduce(
    s: np.ndarray, c: np.ndarray, room: int, extra: tuple[np.ndarray, np.ndarray] | None = None
) -> _Reduced:
    """Fix the items whose choice the LP bound already decides; the solver gets the rest.

    Sorted by score per krona, the items that fit in a row form the LP optimum up to the
    critical item, whose ratio λ prices the money. For any set, the score is at most
    L = λ·room + Σ max(0, s_j − λ·c_j); choosing item j against its LP side costs at least
    |s_j − λ·c_j|. When L − |s_j − λ·c_j| falls below a set already found, no optimal set
    chooses j that way, so j is fixed. On the synthetic portfolio 80–99 % of the items are
    fixed, and what is left (a core of some hundreds) goes to an exact table or the solver,
    which on the whole problem spent 20 s in its presolve alone. All items here have a positive
    score and a positive cost that fits the room.

    `extra` are items (scores, costs) bound by links, decided by the solver, not here: they are
    left out of the incumbent (leaving them all out is always allowed) and add to the bound what
    they could add with their links dropped, so the bound stays an upper bound.
    """
    positions = np.arange(len(s))
    if not len(s):
        return _Reduced(positions, positions, positions, _extra_bound(extra, 0.0))
    order, fits, filled = _by_ratio(s, c, room)
    tied = extra is not None and len(extra[0]) > 0
    if fits == len(s) and not tied:
        return _Reduced(positions, positions[:0], positions, float(s.sum()))
    # The price of money: the critical item's ratio; 0 when all free items fit (then only the
    # linked ones compete with them for the room).
    ratio = s[order[fits]] / c[order[fits]] if fits < len(s) else 0.0
    reduced = s - ratio * c
    bound = ratio * room + float(np.maximum(reduced, 0).sum()) + _extra_bound(extra, ratio)
    # The incumbent: the LP's whole items, then whatever else still fits, in ratio order.
    take = np.zeros(len(s), dtype=bool)
    take[order[:fits]] = True
    left = room - (int(filled[fits - 1]) if fits else 0)
    for j in order[fits:]:
        if c[j] <= left:
            take[j] = True
            left -= int(c[j])
    found = float(s[take].sum())
    margin = 1e-9 * max(1.0, bound)  # floating-point sums: fix only with room to spare
    decided = bound - np.abs(reduced) < found - margin
    return _Reduced(
        positions[decided & (reduced > 0)], positions[~decided], np.flatnonzero(take), bound
    )


def _extra_bound(extra: tuple[np.ndarray, np.ndarray] | None, ratio: float) -> float:
    """What linked items can add at most to the Lagrangian bound at this price of money."""
    if extra is None or not len(extra[0]):
        return 0.0
    return float(np.maximum(extra[0] - ratio * extra[1], 0).sum())


def _link_rows(links: Links | None, open_items: np.ndarray, core: np.ndarray):
    """The links among the core's items as rows over the core's positions: "requires" pairs
    (b, a) and groups. A requirement outside the core is chosen already (or b could not be
    open), so it holds; a group's members outside the core are not chosen."""
    if links is None:
        return None
    where = np.full(int(open_items.max()) + 1 if len(open_items) else 0, -1, dtype=np.int64)
    where[open_items[core]] = np.arange(len(core))

    def at(positions) -> np.ndarray:
        positions = np.asarray(positions, dtype=np.int64)
        inside = positions < len(where)
        found = np.full(len(positions), -1, dtype=np.int64)
        found[inside] = where[positions[inside]]
        return found

    pairs = np.asarray(links.requires, dtype=np.int64).reshape(-1, 2)
    b, a = at(pairs[:, 0]), at(pairs[:, 1])
    keep = (b >= 0) & (a >= 0)
    groups = [found[found >= 0] for found in (at(group) for group in links.groups)]
    return np.stack([b[keep], a[keep]], axis=1), [g for g in groups if len(g) > 1]


DP_CELLS = 40_000_000  # the exact table's size limit: 40 MB of flags and well under a second


def score_unit(weights: Sequence[float], decimals: int = 3) -> float:
    """Strategic scores are whole multiples of this when the weights have `decimals` decimals.

    S = 100 · Σ w·a / (5 · Σ w) with whole scores a, so S · Σw · 10^d / 20 = Σ (w · 10^d)·a is
    whole. The budget selection uses it for an exact table instead of branch and bound; it
    checks the multiples itself, so a wrong unit costs only speed.
    """
    total = float(check_weights(weights).sum())
    return 20.0 / (total * 10**decimals)


def _whole_profits(s: np.ndarray, unit: float | None) -> np.ndarray | None:
    """The scores as whole multiples of `unit` (divided by their common divisor), or None."""
    if not unit or unit <= 0 or not len(s):
        return None
    q = s / unit
    whole = np.round(q)
    if np.abs(q - whole).max() > 1e-6 or whole.max() > 2**52 or (whole <= 0).any():
        return None
    whole = whole.astype(np.int64)
    return whole // np.gcd.reduce(whole)


def _knapsack_table(
    s: np.ndarray, c: np.ndarray, room: int, unit: float | None
) -> np.ndarray | None:
    """The exact 0/1 knapsack by a dynamic-programming table: positions taken, or None.

    Two tables can do it: over the costs in steps of their greatest common divisor (budgets are
    usually round sums, so 10,000 SEK steps are common), or over whole profits when the scores
    are whole multiples of `unit`. The smaller is used; None when both would pass DP_CELLS
    (then the mixed-integer solver takes it).
    """
    step = int(np.gcd.reduce(c))
    by_cost = len(c) * (room // step + 1)
    profits = _whole_profits(s, unit)
    by_profit = math.inf
    if profits is not None:
        by_profit = len(c) * (math.floor(_lp_bound(profits.astype(float), c, room) + 1e-6) + 1)
    if min(by_cost, by_profit) > DP_CELLS:
        return None
    if by_cost <= by_profit:
        return _table_by_cost(s, c // step, room // step)
    return _table_by_profit(profits, c, room)


def _table_by_cost(s: np.ndarray, w: np.ndarray, capacity: int) -> np.ndarray:
    """best[W] is the highest summed score within a cost of W steps; `took` remembers which
    item improved which cell, to read the set back from the last item to the first."""
    best = np.zeros(capacity + 1)
    took = np.zeros((len(s), capacity + 1), dtype=bool)
    for i, (score, weight) in enumerate(zip(s.tolist(), w.tolist(), strict=True)):
        candidate = best[: capacity + 1 - weight] + score  # a copy: from before this item
        better = candidate > best[weight:]
        took[i, weight:] = better
        best[weight:] = np.where(better, candidate, best[weight:])
    taken, left = [], capacity
    for i in range(len(s) - 1, -1, -1):
        if took[i, left]:
            taken.append(i)
            left -= int(w[i])
    return np.array(sorted(taken), dtype=np.int64)


def _table_by_profit(p: np.ndarray, c: np.ndarray, room: int) -> np.ndarray:
    """least[P] is the least cost that reaches a summed profit of exactly P; profits above the
    LP bound are never reachable within the room, so the table stops there. Costs stay exact
    integers."""
    top = math.floor(_lp_bound(p.astype(float), c, room) + 1e-6)
    never = np.iinfo(np.int64).max // 2
    least = np.full(top + 1, never, dtype=np.int64)
    least[0] = 0
    took = np.zeros((len(p), top + 1), dtype=bool)
    reach = 0
    for i, (profit, cost) in enumerate(zip(p.tolist(), c.tolist(), strict=True)):
        high = min(reach + profit, top)
        if high < profit:
            continue
        candidate = least[: high - profit + 1] + cost  # a copy: from before this item
        better = candidate < least[profit : high + 1]
        took[i, profit : high + 1] = better
        least[profit : high + 1] = np.where(better, candidate, least[profit : high + 1])
        reach = high
    best = int(np.flatnonzero(least <= room).max())
    taken = []
    for i in range(len(p) - 1, -1, -1):
        if best and took[i, best]:
            taken.append(i)
            best -= int(p[i])
    return np.array(sorted(taken), dtype=np.int64)


def _solve_core(
    s: np.ndarray, c: np.ndarray, room: int, seconds: float | None, rows=None
) -> tuple[np.ndarray | None, float, bool]:
    """The 0/1 knapsack on the core by HiGHS: (positions taken or None, upper bound, proven).

    Presolve is off: on a single knapsack row HiGHS's presolve spent ~20 s at 10,000 items and
    found nothing the reduction had not; with 100 links among 1,000 candidates it took 1.1 s
    against 0.26 s without (bench/solver.py linked). With links (`rows`: "requires" pairs and
    groups, `_link_rows`) each is a row more: x_b − x_a ≤ 0, Σ x_group ≤ 1. No gap is allowed,
    so "proven" means the optimum.
    """
    options: dict = {"mip_rel_gap": 0.0, "presolve": False}
    if seconds is not None:
        options["time_limit"] = max(seconds, 1e-3)
    # The budget row scaled to 1 (c / room ≤ 1); with no room left, c ≤ 0.
    constraints = [LinearConstraint(c / room, -np.inf, 1.0) if room > 0 else
                   LinearConstraint(c.astype(float), -np.inf, 0.0)]  # fmt: skip
    if rows is not None:
        pairs, groups = rows
        if len(pairs):
            matrix = np.zeros((len(pairs), len(s)))
            matrix[np.arange(len(pairs)), pairs[:, 0]] += 1
            matrix[np.arange(len(pairs)), pairs[:, 1]] -= 1
            constraints.append(LinearConstraint(matrix, -np.inf, 0.0))
        if groups:
            matrix = np.zeros((len(groups), len(s)))
            for row, group in enumerate(groups):
                matrix[row, group] = 1
            constraints.append(LinearConstraint(matrix, -np.inf, 1.0))
    result = milp(
        c=-s,
        constraints=constraints,
        integrality=np.ones(len(s)),
        bounds=Bounds(0, 1),
        options=options,
    )
    dual = getattr(result, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and np.isfinite(dual) else math.inf
    taken = None if result.x is None else np.flatnonzero(np.round(result.x) > 0)
    if taken is not None and result.status == 0:
        bound = min(bound, float(s[taken].sum()))
    return taken, bound, result.status == 0


def select_optimal(
    scores: Sequence[float],
    costs: Sequence[int],
    budget: int,
    must: Sequence[bool] | None = None,
    *,
    links: Links | None = None,
    time_limit: float | None = None,
    unit: float | None = None,
) -> Selection:
    """The set with the highest summed score whose summed cost is within the budget.

    Must-do initiatives are always in, with what they require. With `links`, "requires" links
    and groups of alternatives hold too (then the linked items go to the mixed-integer solver
    with their links as rows; the free ones are still reduced first, so 1,000 candidates with
    100 links stay well under a second). Scores may be negative (net present value): a free
    item that scores nothing is never taken, a linked one only for what it allows.

    An exact 0/1 knapsack: reduced by the LP bound (`_reduce`); the undecided core then solved
    exactly by a table (`_knapsack_table`: over the costs in steps of their common divisor, or
    over whole profits when the scores are whole multiples of `unit`, see `score_unit`) when one
    is small enough and no links bind it, else as a mixed-integer programme (HiGHS through
    scipy, with no optimality gap allowed); the result checked in exact integer arithmetic.

    With a `time_limit` (seconds, the whole selection) the answer says what it is, never a
    silent guess: `OPTIMAL` when proven; else `BEST_FOUND`, the best set the solver found, or
    `GREEDY_FALLBACK` when it found none in time (the set by score per krona). Either carries a
    proven upper bound, so the page can say how far below the optimum it may be at most.
    """
    start = time.perf_counter()
    s = np.asarray(scores, dtype=float)
    c = np.asarray(costs, dtype=np.int64)
    forced = np.zeros(len(s), dtype=bool) if must is None else np.asarray(must, dtype=bool)
    links = links or None
    linked = np.zeros(len(s), dtype=bool) if links is None else links.linked(len(s))
    available = np.ones(len(s), dtype=bool)
    if links is not None:
        forced, available = links.prepared(forced, available)
    forced_cost = int(c[forced].sum())
    if forced_cost > budget:
        raise BudgetError(forced_cost)
    room = budget - forced_cost
    if links is not None:  # what cannot fit, and so whatever requires it, cannot be chosen
        forced, available = links.prepared(forced, available & (forced | (c <= room)))
    # Items that cost nothing are always worth taking; items that score nothing (or cannot fit)
    # never add anything. The rest are the open choice. An item in a link or a group is an open
    # choice whatever it costs or scores: what it requires or excludes decides.
    mask = forced | ((c == 0) & ~linked & available & (s >= 0))
    base = float(s[mask].sum())
    choice = ~mask & available & (c <= room)
    free = np.flatnonzero(choice & ~linked & (s > 0))
    tied = np.flatnonzero(choice & linked)
    if not len(free) and not len(tied):
        return _selection(mask, s, c, bound=base, seconds=time.perf_counter() - start)
    open_items = np.concatenate([free, tied])
    os_, oc = s[open_items], c[open_items]
    nf = len(free)
    # Relaxing the links gives an upper bound, so the reduction still fixes the free items the
    # bound decides; the linked ones all go to the solver with their links.
    reduced = _reduce(os_[:nf], oc[:nf], room, extra=(os_[nf:], oc[nf:]))
    picked, bound, status = reduced.incumbent, reduced.bound, GREEDY_FALLBACK
    core = reduced.core
    core_room = room - int(oc[reduced.fixed_in].sum())
    core = np.concatenate([core[oc[core] <= core_room], np.arange(nf, len(open_items))])
    left = None if time_limit is None else time_limit - (time.perf_counter() - start)
    rows = _link_rows(links, open_items, core) if len(tied) else None
    if not len(core):
        picked, bound, status = reduced.fixed_in, float(os_[reduced.fixed_in].sum()), OPTIMAL
    elif left is not None and left <= 0:
        pass  # the time ran out: the incumbent, flagged, with the LP bound
    elif (
        rows is None
        and (table := _knapsack_table(os_[core], oc[core], core_room, unit)) is not None
    ):
        picked, status = np.concatenate([reduced.fixed_in, core[table]]), OPTIMAL
        bound = float(os_[picked].sum())
    else:
        taken, core_bound, proven = _solve_core(os_[core], oc[core], core_room, left, rows)
        fixed_score = float(os_[reduced.fixed_in].sum())
        bound = min(bound, fixed_score + core_bound)
        if taken is not None:
            solver_set = np.concatenate([reduced.fixed_in, core[taken]])
            if proven or os_[solver_set].sum() >= os_[picked].sum():
                picked, status = solver_set, OPTIMAL if proven else BEST_FOUND
    # Guard the solver's tolerances with exact integers: drop the worst-ratio item until the set
    # fits (never needed in practice, but never over budget), and never break a link (then the
    # incumbent, which keeps them all).
    while int(oc[picked].sum()) > room:
        picked = np.delete(picked, np.argmin(os_[picked] / np.maximum(oc[picked], 1)))
        status = BEST_FOUND if status == OPTIMAL else status
    if links is not None:
        trial = mask.copy()
        trial[open_items[picked]] = True
        if not links.holds(trial):
            picked, status = reduced.incumbent, GREEDY_FALLBACK
    mask[open_items[picked]] = True
    found = float(s[mask].sum())
    bound = max(base + bound, found)
    if status != OPTIMAL and bound - found <= 1e-9 * max(1.0, bound):
        status = OPTIMAL  # the bound met the set found: proven after all
    if status == OPTIMAL:
        bound = found  # not a rounding error above or below it
    return _selection(mask, s, c, status=status, bound=bound, seconds=time.perf_counter() - start)


def select_greedy(
    order: Sequence[int],
    costs: Sequence[int],
    budget: int,
    must: Sequence[bool] | None = None,
    scores: Sequence[float] | None = None,
    links: Links | None = None,
) -> Selection:
    """Take initiatives in rank order while the money lasts (must-dos first): the naive set.

    With `links`, one that requires another not taken yet, or whose alternative is taken, or
    that cannot be chosen at all, is passed over (its place is not held for later)."""
    c = np.asarray(costs, dtype=np.int64)
    forced = np.zeros(len(c), dtype=bool) if must is None else np.asarray(must, dtype=bool)
    s = np.zeros(len(c)) if scores is None else np.asarray(scores, dtype=float)
    available = np.ones(len(c), dtype=bool)
    requires: dict[int, list[int]] = {}
    group_of: dict[int, int] = {}
    if links:
        forced, available = links.prepared(forced, available)
        for b, a in np.asarray(links.requires, dtype=np.int64).reshape(-1, 2).tolist():
            requires.setdefault(b, []).append(a)
        for number, group in enumerate(links.groups):
            group_of.update((int(i), number) for i in group)
    mask = forced.copy()
    taken_groups = {group_of[i] for i in np.flatnonzero(forced).tolist() if i in group_of}
    spent = int(c[forced].sum())
    for i in order:
        if mask[i]:
            continue
        if not available[i] or not all(mask[a] for a in requires.get(int(i), ())):
            continue
        if group_of.get(int(i), -1) in taken_groups:
            continue
        if spent + int(c[i]) > budget:
            break
        mask[i] = True
        spent += int(c[i])
        if int(i) in group_of:
            taken_groups.add(group_of[int(i)])
    return _selection(mask, s, c, status=RANK_ORDER)


def frontier_budgets(
    costs: Sequence[int],
    must: Sequence[bool] | None,
    points: int,
    *,
    chosen: int | None = None,
    links: Links | None = None,
) -> list[int]:
    """Evenly spaced budgets from the must-dos alone to everything (at most `points`), with the
    chosen budget, exactly, whenever a set fits within it.

    The lowest is what the must-dos cost, with what they require (`links`); the highest what all
    the candidates cost. A chosen budget above that is a point too (everything fits, so its set
    is the top one); one below the must-dos is none, for no set fits it: the caller says so.
    Raises ConstraintError when the must-dos conflict.
    """
    c = np.asarray(costs, dtype=np.int64)
    forced = np.zeros(len(c), dtype=bool) if must is None else np.asarray(must, dtype=bool)
    if links:
        forced, _available = links.prepared(forced, np.ones(len(c), dtype=bool))
    low, high = int(c[forced].sum()), int(c.sum())
    if high <= low:
        budgets = [low]
    else:
        spaced = np.unique(np.linspace(low, high, points).round().astype(np.int64))
        budgets = [int(b) for b in spaced]
    if chosen is not None and int(chosen) >= low:
        budgets = sorted({*budgets, int(chosen)})
    return budgets


def frontier_points(
    scores: Sequence[float],
    costs: Sequence[int],
    must: Sequence[bool] | None = None,
    points: int = 20,
    *,
    chosen: int | None = None,
    links: Links | None = None,
    time_limit: float | None = None,
    unit: float | None = None,
    on_point: Callable[[int, int], None] | None = None,
) -> list[tuple[int, Selection]]:
    """(budget, selection) at the budgets of `frontier_budgets`, lowest first: each the set
    `select_optimal` chooses at exactly that budget, the chosen budget among them.

    At most `points` solves (one more for the chosen budget), all within `time_limit` seconds
    together: each gets an equal share of what is left, so a quick one leaves more to the next.
    Each selection says whether it is proven optimal. One the time cut short is never worse than
    the set before it, which fits its larger budget too: then that set, with this budget's
    bound (the same set at two budgets is a true answer at both). `on_point(done, of)` hears of
    each solve (a task's progress).
    """
    budgets = frontier_budgets(costs, must, points, chosen=chosen, links=links)
    # Forwarded only when given: select_optimal without links is the plain knapsack.
    linked = {} if links is None else {"links": links}
    s = np.asarray(scores, dtype=float)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    result: list[tuple[int, Selection]] = []
    for done, budget in enumerate(budgets):
        share = None
        if deadline is not None:
            share = max(0.0, deadline - time.perf_counter()) / (len(budgets) - done)
        found = select_optimal(scores, costs, budget, must, **linked, time_limit=share, unit=unit)
        if result and not found.optimal and result[-1][1].total_score > found.total_score:
            before, bound = result[-1][1], found.bound
            proven = bound is not None and before.total_score >= bound - 1e-9 * max(1.0, bound)
            found = _selection(
                before.chosen, s, np.asarray(costs, dtype=np.int64),
                status=OPTIMAL if proven else BEST_FOUND,
                bound=before.total_score if proven else bound, seconds=found.seconds,
            )  # fmt: skip
        result.append((budget, found))
        if on_point is not None:
            on_point(done + 1, len(budgets))
    return result


def efficient_frontier(
    scores: Sequence[float],
    costs: Sequence[int],
    must: Sequence[bool] | None = None,
    points: int = 20,
    *,
    chosen: int | None = None,
    links: Links | None = None,
    time_limit: float | None = None,
    unit: float | None = None,
) -> list[tuple[int, float]]:
    """(budget, best achievable score) at the budgets of `frontier_budgets`, lowest first.

    The score is the best found (`frontier_points` tells whether each is proven optimal).
    """
    found = frontier_points(
        scores, costs, must, points, chosen=chosen, links=links, time_limit=time_limit, unit=unit
    )
    return [(budget, selection.total_score) for budget, selection in found]
