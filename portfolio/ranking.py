"""Fetches what the prioritisation needs in a constant number of queries, and runs the maths."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db.models import Sum

from benefits.models import Benefit, hourly_rate
from initiatives.models import Stage
from portfolio import prioritisation
from portfolio.models import Alignment, CouncilGoal


@dataclass
class Candidates:
    goals: list[CouncilGoal]
    rows: list[dict]
    alignment: np.ndarray  # (candidates × goals), 0–5, missing = 0

    @property
    def titles(self) -> list[str]:
        return [row["title"] for row in self.rows]

    @property
    def costs(self) -> np.ndarray:
        return np.array([row["budget"] or 0 for row in self.rows], dtype=np.int64)

    @property
    def must(self) -> np.ndarray:
        return np.array([row["must_do"] for row in self.rows], dtype=bool)


def load_candidates(initiatives, goals: list[CouncilGoal]) -> Candidates:
    """The candidates of an (already filtered) initiative queryset, with their goal scores.

    Two queries: the initiatives, and their alignment scores (filled into the matrix with numpy).
    Expected SEK/year is fetched afterwards, only for the rows shown (`fill_expected_sek`).
    """
    fields = ["id", "ref", "title", "stage", "kind", "budget", "must_do",
              "department__code", "department__name"]  # fmt: skip
    labels = {value: label for value, label in Stage.choices}
    rows = [
        {**dict(zip(fields, values, strict=True)), "expected_sek": None}
        for values in initiatives.open().order_by("title", "id").values_list(*fields)
    ]
    for row in rows:
        row["stage_label"] = labels[row["stage"]]
    alignment = np.zeros((len(rows), len(goals)))
    if rows and goals:
        scores = np.array(
            list(
                Alignment.objects.filter(
                    initiative__in=initiatives.open(), goal__in=goals
                ).values_list("initiative_id", "goal_id", "score")
            ),
            dtype=np.int64,
        ).reshape(-1, 3)
        ids = np.array([row["id"] for row in rows], dtype=np.int64)
        sorter = np.argsort(ids)
        where = np.searchsorted(ids, scores[:, 0], sorter=sorter)
        where = np.clip(where, 0, len(ids) - 1)
        found = ids[sorter[where]] == scores[:, 0]
        goal_ids = np.array([goal.pk for goal in goals], dtype=np.int64)
        column = np.searchsorted(np.sort(goal_ids), scores[:, 1])
        column = np.argsort(goal_ids)[np.clip(column, 0, len(goal_ids) - 1)]
        alignment[sorter[where[found]], column[found]] = scores[found, 2]
    return Candidates(goals, rows, alignment)


def fill_expected_sek(rows: list[dict]) -> None:
    """Set `expected_sek` on the given candidate rows, in one aggregate query."""
    if not rows:
        return
    totals = dict(
        Benefit.objects.filter(initiative_id__in=[row["id"] for row in rows])
        .with_figures(rate=hourly_rate())
        .order_by()
        .values("initiative")
        .annotate(total=Sum("expected_sek"))
        .values_list("initiative", "total")
    )
    for row in rows:
        row["expected_sek"] = totals.get(row["id"])


@dataclass
class RankedRow:
    rank: int
    movement: int | None  # places gained against the saved weights (positive = up)
    row: dict
    score: float
    goal_scores: list[int]
    score_per_million: float | None


class Ranking(Sequence):
    """The candidates in rank order; each row is built only when it is read (a page of 50 of
    10,000 builds 50)."""

    def __init__(self, candidates: Candidates, order, ranks, scores, base_ranks):
        self.candidates, self.order, self.ranks = candidates, order, ranks
        self.scores, self.base_ranks = scores, base_ranks

    def __len__(self) -> int:
        return len(self.order)

    def _row(self, index: int) -> RankedRow:
        row = self.candidates.rows[index]
        budget, score = row["budget"], float(self.scores[index])
        return RankedRow(
            rank=int(self.ranks[index]),
            movement=None
            if self.base_ranks is None
            else int(self.base_ranks[index] - self.ranks[index]),
            row=row,
            score=score,
            goal_scores=[int(v) for v in self.candidates.alignment[index]],
            score_per_million=score / (budget / 1_000_000) if budget else None,
        )

    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self._row(index) for index in self.order[key]]
        return self._row(self.order[key])


def ranked(candidates: Candidates, weights: list[float]) -> Ranking | list:
    """The candidates in rank order under the weights, with movement against the goal weights."""
    if not candidates.rows:
        return []
    scores = prioritisation.strategic_scores(candidates.alignment, weights)
    order, ranks = prioritisation.rank(scores, candidates.titles)
    saved = [float(goal.weight) for goal in candidates.goals]
    try:
        base_scores = prioritisation.strategic_scores(candidates.alignment, saved)
        _base_order, base_ranks = prioritisation.rank(base_scores, candidates.titles)
    except prioritisation.WeightError:
        base_ranks = None
    return Ranking(candidates, order, ranks, scores, base_ranks)


def default_weights(goals: list[CouncilGoal]) -> list[Decimal]:
    return [goal.weight for goal in goals]
