"""Fetches what the prioritisation needs in a constant number of queries, and runs the maths.

The candidates of a filter (their columns and the goal-score matrix) are cached under the data
version (`portfolio.cache`): any write to initiatives, goals or scores gives a new version, so a
cached matrix is never read after the data behind it changed. Rows are built only when read, in
the language of the request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db.models import Sum

from benefits import calibration
from benefits.models import Benefit, hourly_rate
from initiatives.models import Stage
from portfolio import prioritisation
from portfolio.cache import cached
from portfolio.models import Alignment, CouncilGoal

FIELDS = ("id", "ref", "title", "stage", "kind", "budget", "must_do", "department__code",
          "department__name")  # fmt: skip


@dataclass
class Candidates:
    """The open initiatives of a filter, column by column, with their goal scores."""

    goals: list[CouncilGoal]
    columns: dict[str, list]  # FIELDS → one value per candidate, ordered by title
    alignment: np.ndarray  # (candidates × goals), 0–5, missing = 0
    tie_keys: np.ndarray  # ties within a score go by title, case-blind (prioritisation.tie_keys)

    def __len__(self) -> int:
        return len(self.columns["id"])

    def row(self, index: int) -> dict:
        """One candidate as a dict (a new one each time: callers may add to it)."""
        row = {name: self.columns[name][index] for name in FIELDS}
        row["stage_label"] = str(Stage(row["stage"]).label)
        row["expected_sek"] = None
        row["calibrated_sek"] = None
        return row

    @property
    def titles(self) -> list[str]:
        return self.columns["title"]

    @property
    def costs(self) -> np.ndarray:
        return np.array([budget or 0 for budget in self.columns["budget"]], dtype=np.int64)

    @property
    def must(self) -> np.ndarray:
        return np.asarray(self.columns["must_do"], dtype=bool)


def load_candidates(initiatives, goals: list[CouncilGoal]) -> Candidates:
    """The open candidates of an (already filtered) initiative queryset, with their goal scores.

    Two queries, or one (the data version) when the same filter was loaded since the last write.
    Expected SEK/year is fetched afterwards, only for the rows shown (`fill_expected_sek`).
    """
    initiatives = initiatives.open()
    goal_ids = [goal.pk for goal in goals]
    try:
        sql, params = initiatives.query.sql_with_params()
    except EmptyResultSet:
        empty = {name: [] for name in FIELDS}
        return Candidates(goals, empty, np.zeros((0, len(goals))), np.zeros(0, dtype=np.int64))
    digest = hashlib.sha256(repr((sql, params, goal_ids)).encode()).hexdigest()
    # The candidates read the initiatives (with their departments) and the goal scores only: a
    # new measurement or progress update leaves them cached.
    columns, alignment, tie_keys = cached(
        f"candidates:{digest}",
        lambda: _fetch(initiatives, goal_ids),
        areas=("initiatives", "goals"),
    )
    return Candidates(goals, columns, alignment, tie_keys)


def _fetch(initiatives, goal_ids: list[int]) -> tuple[dict, np.ndarray, np.ndarray]:
    values = list(initiatives.order_by("title", "id").values_list(*FIELDS))
    columns = {name: [row[position] for row in values] for position, name in enumerate(FIELDS)}
    alignment = np.zeros((len(values), len(goal_ids)))
    if values and goal_ids:
        scores = np.array(
            list(
                Alignment.objects.filter(initiative__in=initiatives, goal__in=goal_ids).values_list(
                    "initiative_id", "goal_id", "score"
                )
            ),
            dtype=np.int64,
        ).reshape(-1, 3)
        rows, found_row = _positions(columns["id"], scores[:, 0])
        cols, found_col = _positions(goal_ids, scores[:, 1])
        found = found_row & found_col
        alignment[rows[found], cols[found]] = scores[found, 2]
    return columns, alignment, prioritisation.tie_keys(columns["title"])


def _positions(keys: Sequence[int], values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The position in keys of each value, and whether it is there at all (a score written
    between the two queries may belong to an initiative the first did not see)."""
    keys = np.asarray(keys, dtype=np.int64)
    sorter = np.argsort(keys)
    where = np.clip(np.searchsorted(keys, values, sorter=sorter), 0, max(len(keys) - 1, 0))
    positions = sorter[where]
    return positions, keys[positions] == values


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
    totals = dict(
        benefits.order_by()
        .values("initiative")
        .annotate(total=Sum("expected_sek"))
        .values_list("initiative", "total")
    )
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

    def at(self, index: int) -> RankedRow:
        """The ranked row of the candidate at `index` (a position in Candidates, not a rank)."""
        row = self.candidates.row(index)
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

    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self.at(index) for index in self.order[key]]
        return self.at(self.order[key])


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
