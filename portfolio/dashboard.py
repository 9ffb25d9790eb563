"""The executive dashboard's figures: database aggregation, a constant number of queries.

Every money figure comes from the same annotations as the benefits register
(`Benefit.objects.with_figures`), so the two agree to the krona for the same filter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    Q,
    Sum,
)
from django.utils import timezone

from benefits.expressions import Divide
from benefits.models import MONEY, Measurement, indicator_sign, signed_sek_per_unit
from initiatives.models import Health, Initiative, Stage, StageChange, StageChangeStatus
from portfolio import prioritisation
from portfolio.models import Alignment, CouncilGoal
from portfolio.ranking import fill_expected_sek, load_candidates

STAGE_ORDER = [Stage.IDEA, Stage.PILOT, Stage.SCALING, Stage.OPERATION, Stage.CLOSED]
MONTHS_BACK, MONTHS_AHEAD = 24, 12


def filter_initiatives(initiatives, *, department=None, goal=None):
    """A department, and/or the initiatives that serve a goal (a score of 1 or more)."""
    if department is not None:
        initiatives = initiatives.filter(department=department)
    if goal is not None:
        initiatives = initiatives.filter(alignments__goal=goal, alignments__score__gte=1)
    return initiatives


@dataclass
class Headline:
    by_stage: list[tuple[str, str, int]]
    total: int
    health: dict[str, int]
    budget: int
    cost_to_date: int
    running_cost: int
    expected_sek: Decimal | None
    realised_sek: Decimal | None
    benefits: int
    measured: int
    behind_plan: int

    @property
    def realisation_rate(self) -> Decimal | None:
        if not self.expected_sek or self.realised_sek is None:
            return None
        return self.realised_sek / self.expected_sek


def headline(initiatives, benefits) -> Headline:
    """Three queries: stages, the initiatives' sums and health, the benefits' sums."""
    counts = dict(initiatives.order_by().values_list("stage").annotate(n=Count("id")))
    sums = initiatives.with_health().aggregate(
        budget=Sum("budget"),
        cost=Sum("cost_to_date"),
        running=Sum("running_cost"),
        **{
            health: Count("id", filter=Q(health=health) & ~Q(stage=Stage.CLOSED))
            for health in Health.values
        },
    )
    money = benefits.aggregate(
        expected_sek_total=Sum("expected_sek"),
        realised_sek_total=Sum("realised_sek"),
        benefits=Count("id"),
        measured=Count("id", filter=Q(latest_value__isnull=False)),
        behind=Count("id", filter=Q(behind_plan=True)),
    )
    return Headline(
        by_stage=[
            (stage.value, str(stage.label), counts.get(stage.value, 0)) for stage in STAGE_ORDER
        ],
        total=sum(counts.values()),
        health={health: sums[health] for health in Health.values},
        budget=sums["budget"] or 0,
        cost_to_date=sums["cost"] or 0,
        running_cost=sums["running"] or 0,
        expected_sek=money["expected_sek_total"],
        realised_sek=money["realised_sek_total"],
        benefits=money["benefits"],
        measured=money["measured"],
        behind_plan=money["behind"],
    )


def by_department(benefits) -> list[dict]:
    """Expected and realised SEK/year per department, largest expected first. One query."""
    rows = (
        benefits.order_by()
        .values("initiative__department__name")
        .annotate(expected=Sum("expected_sek"), realised=Sum("realised_sek"))
        .order_by("-expected", "initiative__department__name")
    )
    return [
        {"label": row["initiative__department__name"], "expected": row["expected"] or 0,
         "realised": row["realised"] or 0}
        for row in rows
    ]  # fmt: skip


def by_goal(benefits, initiatives, goals: list[CouncilGoal], unassigned: str) -> list[dict]:
    """Money split over the goals in proportion to each initiative's alignment scores.

    Two queries: the money per initiative, and the scores. An initiative with no score on any
    active goal counts as unassigned, so the parts add up to the whole.
    """
    money = list(
        benefits.order_by()
        .values("initiative")
        .annotate(expected=Sum("expected_sek"), realised=Sum("realised_sek"))
    )
    if not money:
        return []
    ids = np.array([row["initiative"] for row in money], dtype=np.int64)
    column = {goal.pk: j for j, goal in enumerate(goals)}
    scores = np.zeros((len(money), len(goals) + 1))
    found = np.array(
        list(
            Alignment.objects.filter(initiative__in=initiatives, goal__in=goals).values_list(
                "initiative_id", "goal_id", "score"
            )
        ),
        dtype=np.int64,
    ).reshape(-1, 3)
    if len(found):
        sorter = np.argsort(ids)
        where = np.clip(np.searchsorted(ids, found[:, 0], sorter=sorter), 0, len(ids) - 1)
        known = ids[sorter[where]] == found[:, 0]
        columns = np.array([column[g] for g in found[:, 1].tolist()], dtype=np.int64)
        scores[sorter[where[known]], columns[known]] = found[known, 2]
    scores[scores[:, :-1].sum(axis=1) == 0, -1] = 1  # unassigned
    shares = scores / scores.sum(axis=1, keepdims=True)
    expected = np.array([float(row["expected"] or 0) for row in money])
    realised = np.array([float(row["realised"] or 0) for row in money])
    labels = [goal.title for goal in goals] + [unassigned]
    split_expected, split_realised = expected @ shares, realised @ shares
    return [
        {"label": label, "expected": split_expected[j], "realised": split_realised[j]}
        for j, label in enumerate(labels)
        if j < len(goals) or split_expected[j] or split_realised[j]
    ]


def month_ends(today: dt.date) -> list[dt.date]:
    first = dt.date(today.year, today.month, 1)
    months = []
    for offset in range(-MONTHS_BACK, MONTHS_AHEAD + 1):
        year, month = divmod(first.month - 1 + offset + 1, 12)
        next_first = dt.date(first.year + year, month + 1, 1)
        months.append(next_first - dt.timedelta(days=1))
    return months


def over_time(benefits, rate: Decimal, today: dt.date | None = None) -> list[dict]:
    """Planned and realised SEK/year of the whole portfolio at each month end. Two queries.

    Planned: the plan line of every benefit with a money value, summed, in one aggregate with a
    column per month. Realised: the measurements' changes summed by month, then accumulated.
    """
    today = today or timezone.localdate()
    months = month_ends(today)
    with_money = benefits.filter(Q(valued_at_hourly_rate=True) | Q(sek_per_unit__isnull=False))
    # The plan lines summed in the database by (baseline date, target date), then evaluated at
    # every month end at once: each group's expected SEK/year × the elapsed share of its plan.
    groups = list(
        with_money.order_by()
        .values("baseline_date", "target_date")
        .annotate(total=Sum("expected_sek"))
    )
    planned = np.zeros(len(months))
    if groups:
        ends = np.array([m.toordinal() for m in months], dtype=float)
        start = np.array([g["baseline_date"].toordinal() for g in groups], dtype=float)
        stop = np.array([g["target_date"].toordinal() for g in groups], dtype=float)
        total = np.array([float(g["total"] or 0) for g in groups])
        span = np.where(stop > start, stop - start, 1.0)
        share = np.clip((ends[None, :] - start[:, None]) / span[:, None], 0.0, 1.0)
        share = np.where((stop <= start)[:, None], (ends[None, :] >= stop[:, None]), share)
        planned = total @ share
    # Summed by day in the database, by month here: SQLite has no native month truncation.
    realised_by_day = (
        Measurement.objects.filter(benefit__in=with_money.values("pk"))
        .order_by()
        .values("date")
        .annotate(
            change=Sum(
                ExpressionWrapper(
                    F("delta") * money_factor_of("benefit__", rate), output_field=MONEY
                )
            )
        )
    )
    changes: dict[tuple[int, int], float] = {}
    for row in realised_by_day:
        key = (row["date"].year, row["date"].month)
        changes[key] = changes.get(key, 0.0) + float(row["change"] or 0)
    result, running = [], 0.0
    before = sum(v for (y, m), v in changes.items() if (y, m) < (months[0].year, months[0].month))
    running = before
    for i, month in enumerate(months):
        running += changes.get((month.year, month.month), 0.0)
        result.append({
            "month": month,
            "planned": float(planned[i]),
            "realised": running if month <= _month_end(today) else None,
        })  # fmt: skip
    return result


def _month_end(today: dt.date) -> dt.date:
    return month_ends(today)[MONTHS_BACK]


def money_factor_of(prefix: str, rate: Decimal):
    """SEK/year per unit of change in a related benefit's indicator (fields through `prefix`)."""
    return indicator_sign(prefix) * signed_sek_per_unit(rate, prefix)


def most_behind(benefits, limit: int = 10) -> list[dict]:
    """The initiatives furthest behind their plan: summed gap between planned and realised, as a
    share of the expected improvement, over their benefits behind plan. One query."""
    gap = Divide(F("planned_improvement") - F("realised_improvement"), F("expected_improvement"))
    return list(
        benefits.filter(behind_plan=True)
        .exclude(expected_improvement=0)
        .order_by()
        .values("initiative__ref", "initiative__title", "initiative__department__code")
        .annotate(gap=Sum(ExpressionWrapper(gap, output_field=MONEY)), behind=Count("id"))
        .order_by("-gap", "initiative__ref")[:limit]
    )


def latest_decisions(initiatives, limit: int = 8):
    """The latest stage decisions (approved, declined or changed by the office). One query."""
    return list(
        StageChange.objects.filter(initiative__in=initiatives)
        .exclude(status=StageChangeStatus.PROPOSED)
        .select_related("initiative", "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def pilots_waiting(initiatives, today: dt.date | None = None) -> list[Initiative]:
    """Pilots with a scale proposal waiting for the office, or past their planned end. One query."""
    today = today or timezone.localdate()
    return list(
        initiatives.filter(stage=Stage.PILOT)
        .filter(Q(stage_changes__status=StageChangeStatus.PROPOSED) | Q(planned_end__lt=today))
        .annotate(
            proposals=Count(
                "stage_changes", filter=Q(stage_changes__status=StageChangeStatus.PROPOSED)
            )
        )
        .select_related("department")
        .order_by("planned_end", "ref")
        .distinct()[:20]
    )


BUBBLES = 200


def score_vs_value(initiatives, goals: list[CouncilGoal]) -> list[dict]:
    """Strategic score (with the goals' weights) against expected SEK/year, for the BUBBLES
    highest-scoring open initiatives (a chart of thousands of bubbles shows nothing). Three
    queries."""
    if not goals:
        return []
    candidates = load_candidates(initiatives, goals)
    if not len(candidates):
        return []
    try:
        scores = prioritisation.strategic_scores(
            candidates.alignment, [float(goal.weight) for goal in goals]
        )
    except prioritisation.WeightError:
        return []
    top = np.argsort(-scores, kind="stable")[:BUBBLES]
    rows = [{**candidates.row(i), "score": float(scores[i])} for i in top]
    fill_expected_sek(rows)
    return rows
