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
from django.utils.translation import gettext as _

from benefits import calibration
from benefits.expressions import Divide
from benefits.models import (
    MONEY,
    Gainer,
    Measurement,
    PortfolioSetting,
    Realisation,
    indicator_sign,
    signed_sek_per_unit,
)
from initiatives.models import Health, Initiative, Stage, StageChange, StageChangeStatus
from portfolio import money, prioritisation
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


@dataclass
class AfterProject:
    """The benefits of initiatives closed as completed: what they realise in operations, after
    the project, and where their follow-up stands."""

    expected_sek: Decimal | None
    realised_sek: Decimal | None
    benefits: int
    followed_up: int  # no closing review yet
    reviewed: int
    realised: int  # of the reviewed: the review's verdict
    partly: int
    not_realised: int

    @property
    def realisation_rate(self) -> Decimal | None:
        if not self.expected_sek or self.realised_sek is None:
            return None
        return self.realised_sek / self.expected_sek


def after_project(benefits) -> AfterProject:
    """The headline's benefits (annotated `with_figures`) of initiatives closed as completed,
    summed as the register sums them. One query."""
    reviewed = Q(reviewed_at__isnull=False)
    sums = benefits.after_project().aggregate(
        after_expected=Sum("expected_sek"),
        after_realised=Sum("realised_sek"),
        benefits=Count("id"),
        followed_up=Count("id", filter=Q(reviewed_at__isnull=True)),
        reviewed=Count("id", filter=reviewed),
        **{
            f"verdict_{outcome}": Count("id", filter=reviewed & Q(review_outcome=outcome))
            for outcome in Realisation.values
        },
    )
    return AfterProject(
        expected_sek=sums["after_expected"],
        realised_sek=sums["after_realised"],
        benefits=sums["benefits"],
        followed_up=sums["followed_up"],
        reviewed=sums["reviewed"],
        realised=sums[f"verdict_{Realisation.REALISED}"],
        partly=sums[f"verdict_{Realisation.PARTLY}"],
        not_realised=sums[f"verdict_{Realisation.NOT_REALISED}"],
    )


@dataclass
class Calibrated:
    """The headline's expected SEK/year as history suggests it will turn out, offered beside the
    promised figure (reference-class forecasting); it changes nothing."""

    expected_sek: Decimal | None
    promised_sek: Decimal | None
    cases: int  # due benefits the factors rest on
    median: float | None  # their median realisation rate
    min_cases: int = calibration.MIN_CASES

    @property
    def share(self) -> Decimal | None:
        """Calibrated as a share of promised."""
        if self.expected_sek is None or not self.promised_sek:
            return None
        return self.expected_sek / self.promised_sek


def calibrated_headline(benefits, promised_sek: Decimal | None, rate: Decimal) -> Calibrated:
    """The calibrated total of the headline's benefits (annotated `with_figures`). Two queries:
    the due benefits' rates, and the benefits' expected SEK/year by kind and category."""
    factors = calibration.calibration_factors(rate=rate)
    overall = factors.overall
    return Calibrated(
        expected_sek=calibration.calibrated_total(benefits, factors),
        promised_sek=promised_sek,
        cases=factors.cases,
        median=overall.median if overall else None,
    )


def by_department(benefits) -> list[dict]:
    """Expected and realised SEK/year per department, largest expected first. One query."""
    rows = (
        benefits.order_by()
        .values("initiative__department__name")
        .annotate(expected=Sum("expected_sek"), realised=Sum("realised_sek"))
        # Departments without money last on every database (PostgreSQL sorts NULL first).
        .order_by(F("expected").desc(nulls_last=True), "initiative__department__name")
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
    candidates.load(top)
    rows = [{**row, "score": float(scores[i])} for i in top if (row := candidates.row(i))]
    fill_expected_sek(rows)
    return rows


# The same figures read from the sums kept current on write (portfolio.figures) ----------------


def _summed(by_department: dict[int, dict[str, Decimal]]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for sums in by_department.values():
        for key, value in sums.items():
            total[key] = total.get(key, Decimal(0)) + value
    return total


def _money(sums: dict[str, Decimal], key: str) -> Decimal | None:
    """A money sum, None when no benefit has a money value (as SQL's SUM over none)."""
    return sums.get(key, Decimal(0)) if sums.get(f"{key}_n") else None


def _count(sums: dict[str, Decimal], key: str) -> int:
    return int(sums.get(key, 0))


def headline_from(sums: dict[str, Decimal]) -> Headline:
    counts = {stage.value: _count(sums, f"stage:{stage.value}") for stage in STAGE_ORDER}
    return Headline(
        by_stage=[(stage.value, str(stage.label), counts[stage.value]) for stage in STAGE_ORDER],
        total=sum(counts.values()),
        health={health: _count(sums, f"health:{health}") for health in Health.values},
        budget=_count(sums, "budget"),
        cost_to_date=_count(sums, "cost"),
        running_cost=_count(sums, "running"),
        expected_sek=_money(sums, "expected"),
        realised_sek=_money(sums, "realised"),
        benefits=_count(sums, "benefits"),
        measured=_count(sums, "measured"),
        behind_plan=_count(sums, "behind"),
    )


def after_project_from(sums: dict[str, Decimal]) -> AfterProject:
    return AfterProject(
        expected_sek=_money(sums, "after_expected"),
        realised_sek=_money(sums, "after_realised"),
        benefits=_count(sums, "after_benefits"),
        followed_up=_count(sums, "after_followed"),
        reviewed=_count(sums, "after_reviewed"),
        realised=_count(sums, f"after_verdict:{Realisation.REALISED}"),
        partly=_count(sums, f"after_verdict:{Realisation.PARTLY}"),
        not_realised=_count(sums, f"after_verdict:{Realisation.NOT_REALISED}"),
    )


def department_names(ids) -> dict[int, tuple[str, str]]:
    """{id: (code, name)} of the departments. One query."""
    from organisation.models import Department

    found = Department.objects.filter(pk__in=list(ids)).values_list("pk", "code", "name")
    return {pk: (code, name) for pk, code, name in found}


def by_department_from(
    by_department: dict[int, dict[str, Decimal]],
    departments: dict[int, tuple[str, str]] | None = None,
) -> list[dict]:
    """As by_department(): the departments with benefits, largest expected first. One query
    for the names, unless given (`department_names`)."""
    shown = {pk: sums for pk, sums in by_department.items() if sums.get("benefits")}
    if departments is None:
        departments = department_names(shown)
    names = {pk: name for pk, (_code, name) in departments.items()}
    rows = [
        {"label": names.get(pk, ""), "expected": sums.get("expected", Decimal(0)) or 0,
         "realised": sums.get("realised", Decimal(0)) or 0}
        for pk, sums in shown.items()
    ]  # fmt: skip
    return sorted(rows, key=lambda row: (-row["expected"], row["label"]))


def by_goal_from(sums: dict[str, Decimal], goals: list[CouncilGoal], unassigned: str) -> list:
    if not sums.get("benefits"):
        return []
    rows = [
        {
            "label": goal.title,
            "expected": float(sums.get(f"goal_expected:{goal.pk}", 0)),
            "realised": float(sums.get(f"goal_realised:{goal.pk}", 0)),
        }
        for goal in goals
    ]
    expected = float(sums.get("goal_expected:none", 0))
    realised = float(sums.get("goal_realised:none", 0))
    if expected or realised:
        rows.append({"label": unassigned, "expected": expected, "realised": realised})
    return rows


def over_time_from(sums: dict[str, Decimal], today: dt.date | None = None) -> list[dict]:
    """As over_time(): the plan line from its ramps and steps, the realised line from the
    changes by month, each carried forward from before the first month shown."""
    today = today or timezone.localdate()
    months = month_ends(today)

    def month(key: str) -> str:
        return key.split(":", 1)[1]

    series: dict[str, dict[str, float]] = {"plan_ramp": {}, "plan_step": {}, "real": {}}
    for key, value in sums.items():
        prefix = key.split(":", 1)[0]
        if prefix in series:
            series[prefix][month(key)] = float(value)
    first = f"{months[0]:%Y-%m}"
    steps = sum(v for m, v in series["plan_step"].items() if m < first)
    real = sum(v for m, v in series["real"].items() if m < first)
    now = _month_end(today)
    result = []
    for end in months:
        key = f"{end:%Y-%m}"
        steps += series["plan_step"].get(key, 0.0)
        real += series["real"].get(key, 0.0)
        result.append({
            "month": end,
            "planned": series["plan_ramp"].get(key, 0.0) + steps,
            "realised": real if end <= now else None,
        })  # fmt: skip
    return result


def most_behind_from(initiatives, limit: int = 10) -> list[dict]:
    """As most_behind(), from each initiative's gap kept on write. One query."""
    from portfolio.models import InitiativeFigures

    return list(
        InitiativeFigures.objects.filter(initiative__in=initiatives, gap__isnull=False)
        .order_by("-gap", "initiative__ref")
        .values(
            "initiative__ref", "initiative__title", "initiative__department__code", "gap",
            "behind",
        )[:limit]
    )  # fmt: skip


def money_over_time(sums: dict, departments: dict[int, tuple[str, str]], today=None) -> dict:
    """Money by year, who pays and who gains, and the largest flows from one department to
    another, from the sums of portfolio.money's keys (kept or live)."""
    today = today or timezone.localdate()
    labels = {
        "residents": Gainer.RESIDENTS.label,
        "businesses": Gainer.BUSINESSES.label,
        "other": _("Other organisations"),
    }
    return {
        "money_years": money.by_year_from(sums, today),
        "actors": money.actors_from(sums, departments, labels),
        "crossings": money.crossings_from(sums, departments),
    }


def figures_for(
    initiatives, benefits, goals, *, department, goal, rate, unassigned, with_behind=True,
    horizon: int | None = None,
) -> dict:  # fmt: skip
    """The dashboard's figures for a filter: from the sums kept on write when they hold (a few
    thousand rows, whatever the portfolio's size), else live from the benefits (and a rebuild
    of the sums enqueued). The page and the API both read them here."""
    from portfolio import figures

    today = timezone.localdate()
    if figures.is_fresh(rate=rate) or figures.rebuild_soon():
        kept = figures.read(
            department_id=getattr(department, "pk", None), goal_id=getattr(goal, "pk", None)
        )
        sums = _summed(kept)
        departments = department_names(set(kept) | money.department_ids(sums))
        return {
            "head": headline_from(sums),
            "after": after_project_from(sums),
            "departments": by_department_from(kept, departments),
            "by_goal": by_goal_from(sums, goals, unassigned),
            "timeline": over_time_from(sums),
            "behind": most_behind_from(initiatives) if with_behind else [],
            **money_over_time(sums, departments, today),
        }
    if horizon is None:
        horizon = PortfolioSetting.current().horizon_years
    sums = money.load(initiatives, horizon=horizon, rate=rate, today=today).totals()
    return {
        "head": headline(initiatives, benefits),
        "after": after_project(benefits),
        "departments": by_department(benefits),
        "by_goal": by_goal(benefits, initiatives, goals, unassigned),
        "timeline": over_time(benefits, rate),
        "behind": most_behind(benefits) if with_behind else [],
        **money_over_time(sums, department_names(money.department_ids(sums)), today),
    }
