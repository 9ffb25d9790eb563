"""Fetches what the prioritisation needs in a constant number of queries, and runs the maths."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import OuterRef, Subquery

from benefits.models import Benefit, hourly_rate
from initiatives.models import Stage
from portfolio import prioritisation
from portfolio.models import Alignment, CouncilGoal


@dataclass
class Candidates:
    goals: list[CouncilGoal]
    rows: list[dict]
    alignment: np.ndarray  # (candidates × goals), 0–5, missing = 0
    reasons: dict[tuple[int, int], str] = field(default_factory=dict)

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

    Three queries: the hourly rate, the initiatives with their expected SEK/year, and their
    alignment scores.
    """
    rate = hourly_rate()
    expected = Benefit.objects.filter(initiative=OuterRef("pk")).expected_sek_by_initiative(
        rate=rate
    )
    rows = list(
        initiatives.open()
        .annotate(expected_sek=Subquery(expected))
        .order_by("title", "id")
        .values(
            "id",
            "ref",
            "title",
            "stage",
            "kind",
            "budget",
            "must_do",
            "department__code",
            "department__name",
            "expected_sek",
        )  # fmt: skip
    )
    for row in rows:
        row["stage_label"] = Stage(row["stage"]).label
    position = {row["id"]: index for index, row in enumerate(rows)}
    column = {goal.pk: index for index, goal in enumerate(goals)}
    alignment = np.zeros((len(rows), len(goals)))
    reasons = {}
    if rows and goals:
        scores = Alignment.objects.filter(
            initiative__in=initiatives.open(), goal__in=goals
        ).values_list("initiative_id", "goal_id", "score", "reason")
        for initiative_id, goal_id, score, reason in scores:
            if initiative_id in position:
                alignment[position[initiative_id], column[goal_id]] = score
                reasons[(initiative_id, goal_id)] = reason
    return Candidates(goals, rows, alignment, reasons)


@dataclass
class RankedRow:
    rank: int
    movement: int | None  # places gained against the saved weights (positive = up)
    row: dict
    score: float
    goal_scores: list[int]
    score_per_million: float | None


def ranked(candidates: Candidates, weights: list[float]) -> list[RankedRow]:
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
    result = []
    for index in order:
        row = candidates.rows[index]
        budget = row["budget"]
        result.append(
            RankedRow(
                rank=int(ranks[index]),
                movement=None if base_ranks is None else int(base_ranks[index] - ranks[index]),
                row=row,
                score=float(scores[index]),
                goal_scores=[int(v) for v in candidates.alignment[index]],
                score_per_million=float(scores[index]) / (budget / 1_000_000) if budget else None,
            )
        )
    return result


def default_weights(goals: list[CouncilGoal]) -> list[Decimal]:
    return [goal.weight for goal in goals]
