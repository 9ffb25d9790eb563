"""The heavy maths of the prioritisation on its own: the budget solver and the sensitivity.

    .venv/bin/python bench/solver.py                # the standard cases
    .venv/bin/python bench/solver.py solve 10000 0.1 [seconds] [notable]
    .venv/bin/python bench/solver.py linked 1000 100 0.1   # with "requires" links and groups
    .venv/bin/python bench/solver.py sensitivity 10000 1000 [track]

No database and no Django: the same random portfolio the synthetic loader writes (five goals
scored 0–5 on a triangular distribution, budgets log-normal around 600,000 SEK rounded to 10,000,
3 % without a budget, 5 % must-do), so the figures are the maths alone. Each case runs in a
process of its own, so its peak memory (ru_maxrss, minus the interpreter and numpy/scipy loaded)
is its own. Timings are wall clock on this machine; read them ±30 % (bench/notes.md).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portfolio import prioritisation as p  # noqa: E402

WEIGHTS = np.array([1.5, 1, 1, 0.8, 1.2])  # the synthetic goals' weights


def portfolio(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Alignment (n × 5), costs and must-do flags like portfolio/synthetic.py's."""
    rng = np.random.default_rng(seed)
    modes = np.array([2, 1, 2, 1, 2])
    alignment = np.minimum(5, np.floor(rng.triangular(0, modes, 5.99, size=(n, 5)))).astype(int)
    costs = np.round(rng.lognormal(13.3, 1.0, n), -4).astype(np.int64)
    costs[rng.random(n) < 0.03] = 0
    must = rng.random(n) < 0.05
    return alignment, costs, must


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def solve(n: int, share: float, seconds: float | None, table: bool = True) -> str:
    """One budget selection: `share` of the summed cost as the budget (`table`: allow the
    exact dynamic-programming tables)."""
    alignment, costs, must = portfolio(n)
    scores = p.strategic_scores(alignment, WEIGHTS)
    budget = int(costs.sum() * share)
    start = time.perf_counter()
    unit = p.score_unit(WEIGHTS)
    if not table:  # branch and bound only, as before the tables
        p.DP_CELLS = 0
    found = p.select_optimal(scores, costs, budget, must, time_limit=seconds, unit=unit)
    wall = time.perf_counter() - start
    return (
        f"solve n={n} budget={share:.0%} limit={seconds} table={table}: {wall:.2f} s, "
        f"{found.status}, "
        f"score {found.total_score:.1f}, bound {found.bound:.1f}, gap {found.gap:.2e}, "
        f"cost {found.total_cost} ≤ {budget}"
    )


def random_links(n: int, count: int, seed: int = 11) -> p.Links:
    """`count` constraints among n candidates: two thirds "requires" links (acyclic: a later
    candidate requires an earlier one), one third groups of three alternatives."""
    rng = np.random.default_rng(seed)
    pairs = []
    while len(pairs) < count * 2 // 3:
        a, b = sorted(rng.choice(n, 2, replace=False).tolist())
        pairs.append((b, a))
    spare = rng.permutation(n)
    groups = tuple(spare[3 * i : 3 * i + 3] for i in range(count - len(pairs)))
    return p.Links(requires=np.array(pairs, dtype=np.int64), groups=groups)


def linked(n: int, count: int, share: float, seconds: float) -> str:
    """The budget selection with `count` links and groups (issue 14: 1,000 and 100, ≤ 2 s)."""
    alignment, costs, must = portfolio(n)
    must[:] = False  # must-dos that exclude each other would make the case infeasible
    scores = p.strategic_scores(alignment, WEIGHTS)
    links = random_links(n, count)
    budget = int(costs.sum() * share)
    start = time.perf_counter()
    found = p.select_optimal(
        scores, costs, budget, must, links=links, time_limit=seconds, unit=p.score_unit(WEIGHTS)
    )
    wall = time.perf_counter() - start
    assert links.holds(found.chosen) and found.total_cost <= budget
    verdict = "no target"
    if n <= 1000:
        verdict = "target ≤ 2 s and optimal: " + ("PASS" if wall <= 2 and found.optimal else "MISS")
    return (
        f"linked n={n} constraints={count} budget={share:.0%}: {wall:.2f} s, {found.status}, "
        f"score {found.total_score:.1f}, gap {found.gap:.2e}; {verdict}"
    )


def frontier(n: int, seconds: float) -> str:
    alignment, costs, must = portfolio(n)
    scores = p.strategic_scores(alignment, WEIGHTS)
    start = time.perf_counter()
    unit = p.score_unit(WEIGHTS)
    points = p.frontier_points(scores, costs, must, points=12, time_limit=seconds, unit=unit)
    wall = time.perf_counter() - start
    proven = sum(selection.optimal for _budget, selection in points)
    return f"frontier n={n} limit={seconds}: {wall:.2f} s, {proven}/{len(points)} proven optimal"


def sensitivity(n: int, draws: int, track: int | None) -> str:
    """One sensitivity run, tracking the ranks of `track` candidates (None: all)."""
    alignment, _costs, _must = portfolio(n)
    before = _peak_mb()
    tracked = None if track is None else np.arange(track)
    tracemalloc.start()
    start = time.perf_counter()
    p.sensitivity(alignment, WEIGHTS, draws=draws, top_k=10, track=tracked)
    wall = time.perf_counter() - start
    _current, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (
        f"sensitivity n={n} draws={draws} track={track or 'all'}: {wall:.2f} s, "
        f"numpy peak {traced / 2**20:.0f} MB (tracemalloc), "
        f"process peak +{_peak_mb() - before:.0f} MB"
    )


CASES = [
    ["solve", "1000", "0.1"],
    ["solve", "1000", "0.3"],
    ["solve", "8000", "0.1"],
    ["solve", "8000", "0.3"],
    ["solve", "10000", "0.1"],
    ["solve", "10000", "0.3"],
    ["solve", "10000", "0.06"],
    ["solve", "10000", "0.3", "5", "notable"],
    ["solve", "8000", "0.1", "5", "notable"],
    ["solve", "10000", "0.1", "0.05", "notable"],
    ["frontier", "10000", "5"],
    ["frontier", "1000", "5"],
    ["linked", "1000", "100", "0.1"],
    ["linked", "1000", "100", "0.3"],
    ["linked", "10000", "100", "0.1"],
    ["sensitivity", "10000", "1000", "30"],
    ["sensitivity", "10000", "1000"],
    ["sensitivity", "10000", "2000", "30"],
]


def main(argv: list[str]) -> None:
    if not argv:
        for case in CASES:
            subprocess.run([sys.executable, __file__, *case], check=True)
        return
    kind, *rest = argv
    if kind == "solve":
        seconds = float(rest[2]) if len(rest) > 2 else 5.0
        print(solve(int(rest[0]), float(rest[1]), seconds, table=rest[3:4] != ["notable"]))
    elif kind == "linked":
        print(linked(int(rest[0]), int(rest[1]), float(rest[2]), 5.0))
    elif kind == "frontier":
        print(frontier(int(rest[0]), float(rest[1])))
    elif kind == "sensitivity":
        print(sensitivity(int(rest[0]), int(rest[1]), int(rest[2]) if len(rest) > 2 else None))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
