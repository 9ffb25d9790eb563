"""Fetches what the prioritisation needs in a constant number of queries, and runs the maths.

The candidates of a filter are cached under the data versions of what they read
(`portfolio.cache`): any write to initiatives, goals or scores gives a new version, so a cached
matrix is never read after the data behind it changed. Only numbers are cached (ids, costs,
must-do, the goal-score matrix, the tie keys): numpy arrays, which a worker unpickles as a few
blocks of memory. Names and refs are read from the database for the rows a page shows (one query),
and rows are built only when read, in the language of the request.

Caching the names too made every ranking request at 100,000 initiatives unpickle a million small
Python objects (about 10 MB a request, and worker memory that grew by a sixth in a load test).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db.models import Sum

from benefits import calibration
from benefits.models import Benefit, hourly_rate
from initiatives.models import Initiative, Stage
from portfolio import prioritisation
from portfolio.cache import cached
from portfolio.models import Alignment, CouncilGoal

FIELDS = ("id", "ref", "title", "stage", "kind", "budget", "must_do", "department__code",
          "department__name")  # fmt: skip
# Above this many rows to read, the details come from the filter's own query (one query for all
# candidates) rather than from a list of ids (SQLite allows only so many parameters).
BY_ID = 900


@dataclass
class Candidates:
    """The open initiatives of a filter, ordered by title, as arrays, with their goal scores."""

    goals: list[CouncilGoal]
    ids: np.ndarray  # int64
    costs: np.ndarray  # int64: the budget, 0 when there is none
    must: np.ndarray  # bool
    alignment: np.ndarray  # int8 (candidates × goals), 0–5, missing = 0
    tie_keys: np.ndarray  # ties within a score go by title, case-blind (prioritisation.tie_keys)
    spent: np.ndarray  # int64: cost to date
    running: np.ndarray  # int64: running cost a year
    operating: np.ndarray  # bool: in operation already (no candidate for a budget by default)
    initiatives: object = None  # the filter's queryset, to read the details of rows shown
    _details: dict[int, tuple] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def load(self, indices: Iterable[int]) -> None:
        """Read the details of the candidates at these positions not read yet: one query."""
        wanted = [int(self.ids[index]) for index in indices]
        wanted = [pk for pk in wanted if pk not in self._details]
        if not wanted:
            return
        if len(wanted) > BY_ID and self.initiatives is not None:
            found = self.initiatives.values_list(*FIELDS)
        else:
            found = Initiative.objects.filter(pk__in=wanted).values_list(*FIELDS)
        self._details.update((values[0], values) for values in found)

    def row(self, index: int) -> dict | None:
        """One candidate as a dict (a new one each time: callers may add to it); None when it
        was deleted since its candidates were cached."""
        self.load([index])
        values = self._details.get(int(self.ids[index]))
        if values is None:
            return None
        row = dict(zip(FIELDS, values, strict=True))
        row["stage_label"] = str(Stage(row["stage"]).label)
        row["expected_sek"] = None
        row["calibrated_sek"] = None
        return row

    def refs(self, indices: Sequence[int]) -> list[str]:
        """The refs of the candidates at these positions, in that order (the deleted left out)."""
        self.load(indices)
        found = (self._details.get(int(self.ids[index])) for index in indices)
        return [values[1] for values in found if values is not None]


def load_candidates(initiatives, goals: list[CouncilGoal]) -> Candidates:
    """The open candidates of an (already filtered) initiative queryset, with their goal scores.

    Two queries, or one (the data version) when the same filter was loaded since the last write;
    the rows shown cost one more (`Candidates.load`). Expected SEK/year is fetched afterwards,
    only for the rows shown (`fill_expected_sek`).
    """
    initiatives = initiatives.open()
    goal_ids = [goal.pk for goal in goals]
    try:
        sql, params = initiatives.query.sql_with_params()
    except EmptyResultSet:
        none = np.zeros(0, dtype=np.int64)
        return Candidates(goals, none, none, none.astype(bool),
                          np.zeros((0, len(goals)), dtype=np.int8), none, none, none,
                          none.astype(bool))  # fmt: skip
    digest = hashlib.sha256(repr((sql, params, goal_ids)).encode()).hexdigest()
    # The candidates read the initiatives and the goal scores only: a new measurement or
    # progress update leaves them cached.
    arrays = cached(
        f"candidate-arrays:{digest}",
        lambda: _fetch(initiatives, goal_ids),
        areas=("initiatives", "goals"),
    )
    return Candidates(goals, *arrays, initiatives=initiatives)


def _fetch(initiatives, goal_ids: list[int]) -> tuple[np.ndarray, ...]:
    values = list(
        initiatives.order_by("title", "id").values_list(
            "id", "title", "budget", "must_do", "cost_to_date", "running_cost", "stage"
        )
    )

    def column(position: int, dtype, of=lambda value: value or 0) -> np.ndarray:
        return np.fromiter((of(row[position]) for row in values), dtype=dtype, count=len(values))

    ids, costs, must = column(0, np.int64), column(2, np.int64), column(3, bool)
    spent, running = column(4, np.int64), column(5, np.int64)
    operating = column(6, bool, lambda stage: stage == Stage.OPERATION)
    alignment = np.zeros((len(values), len(goal_ids)), dtype=np.int8)
    if values and goal_ids:
        scores = np.array(
            list(
                Alignment.objects.filter(initiative__in=initiatives, goal__in=goal_ids).values_list(
                    "initiative_id", "goal_id", "score"
                )
            ),
            dtype=np.int64,
        ).reshape(-1, 3)
        rows, found_row = _positions(ids, scores[:, 0])
        cols, found_col = _positions(goal_ids, scores[:, 1])
        found = found_row & found_col
        alignment[rows[found], cols[found]] = scores[found, 2]
    tie_keys = prioritisation.tie_keys([row[1] for row in values])
    return ids, costs, must, alignment, tie_keys, spent, running, operating


def _positions(keys: Sequence[int], values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The position in keys of each value, and whether it is there at all (a score written
    between the two queries may belong to an initiative the first did not see)."""
    keys = np.asarray(keys, dtype=np.int64)
    sorter = np.argsort(keys)
    where = np.clip(np.searchsorted(keys, values, sorter=sorter), 0, max(len(keys) - 1, 0))
    positions = sorter[where]
    return positions, keys[positions] == values


def expected_by_initiative(benefits) -> dict[int, Decimal | None]:
    """Expected SEK/year summed per initiative over benefits annotated `with_figures`: one
    aggregate query."""
    return dict(
        benefits.order_by()
        .values("initiative")
        .annotate(total=Sum("expected_sek"))
        .values_list("initiative", "total")
    )


def fill_expected_sek(items: Sequence[RankedRow | dict], *, calibrate: bool = False) -> None:
    """Set `expected_sek` on the given ranked rows (or candidate dicts), in one aggregate query.

    With `calibrate`, also `calibrated_sek`: what history suggests the promise is worth
    (benefits.calibration), two queries more. It is shown beside the promise and used for
    nothing else: scores, ranks and the budget's selection never read it.
    """
    if not items:
        return
    rows = [item.row if isinstance(item, RankedRow) else item for item in items]
    rate = hourly_rate()
    benefits = Benefit.objects.filter(initiative_id__in=[row["id"] for row in rows]).with_figures(
        rate=rate
    )
    totals = expected_by_initiative(benefits)
    for row in rows:
        row["expected_sek"] = totals.get(row["id"])
    if calibrate:
        factors = calibration.calibration_factors(rate=rate)
        calibrated = calibration.calibrated_by_initiative(benefits, factors)
        for row in rows:
            row["calibrated_sek"] = calibrated.get(row["id"])


@dataclass
class RankedRow:
    rank: int
    movement: int | None  # places gained against the saved weights (positive = up)
    row: dict
    score: float
    goal_scores: list[int]
    score_per_million: float | None
    index: int  # the candidate's position in Candidates


class Ranking(Sequence):
    """The candidates in rank order; each row is built only when it is read (a page of 50 of
    10,000 builds 50)."""

    def __init__(self, candidates: Candidates, order, ranks, scores, base_ranks):
        self.candidates, self.order, self.ranks = candidates, order, ranks
        self.scores, self.base_ranks = scores, base_ranks

    def __len__(self) -> int:
        return len(self.order)

    def at(self, index: int) -> RankedRow | None:
        """The ranked row of the candidate at `index` (a position in Candidates, not a rank);
        None when it was deleted since its candidates were cached."""
        row = self.candidates.row(index)
        if row is None:
            return None
        budget, score = row["budget"], float(self.scores[index])
        return RankedRow(
            rank=int(self.ranks[index]),
            movement=None
            if self.base_ranks is None
            else int(self.base_ranks[index] - self.ranks[index]),
            row=row,
            score=score,
            goal_scores=self.candidates.alignment[index].astype(int).tolist(),
            score_per_million=score / (budget / 1_000_000) if budget else None,
            index=int(index),
        )

    def rows(self, indices: Sequence[int]) -> list[RankedRow]:
        """The ranked rows at these candidate positions, their details read in one query."""
        self.candidates.load(indices)
        return [row for row in map(self.at, indices) if row is not None]

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self.rows(self.order[key])
        return self.at(self.order[key])

    def __iter__(self) -> Iterator[RankedRow]:
        return iter(self.rows(self.order))

    def keep(self, mask: np.ndarray) -> None:
        """Show only the candidates in `mask` (a filter on the result, such as "only the
        chosen"), in the same order and with the same ranks."""
        self.order = self.order[np.asarray(mask, dtype=bool)[self.order]]


def ranked(candidates: Candidates, weights: list[float]) -> Ranking | list:
    """The candidates in rank order under the weights, with movement against the goal weights."""
    if not len(candidates):
        return []
    scores = prioritisation.strategic_scores(candidates.alignment, weights)
    order, ranks = prioritisation.rank(scores, keys=candidates.tie_keys)
    saved = [float(goal.weight) for goal in candidates.goals]
    try:
        base_scores = prioritisation.strategic_scores(candidates.alignment, saved)
        _base_order, base_ranks = prioritisation.rank(base_scores, keys=candidates.tie_keys)
    except prioritisation.WeightError:
        base_ranks = None
    return Ranking(candidates, order, ranks, scores, base_ranks)


def default_weights(goals: list[CouncilGoal]) -> list[Decimal]:
    return [goal.weight for goal in goals]
