"""The dashboard's figures kept current on write (issue 17), not recomputed on read.

Each initiative *contributes* to sums: one to "initiatives" and to "stage:pilot", its budget to
"budget", each benefit to "benefits", its expected SEK/year to "expected", its planned line to the
months of "plan_ramp:…"/"plan_step:…", its measurements' changes to "real:…", its money split over
the council goals by its scores to "goal_expected:…" (the same figures, definition for definition,
as portfolio.dashboard computes live from the benefits register's annotations), and its
business case's money by year and by actor to "cost_planned:2027", "pays:12", "flow:12>15" …
(portfolio.money, which also computes them live).

The sums are kept per slice (department × goal served, 0 for every initiative) in `FigureTotal`;
what each initiative last contributed is kept in `InitiativeFigures`. A write that changes an
initiative calls `refresh([its id])` in its own transaction: the initiative's contribution is
computed afresh (a handful of queries), the old one subtracted and the new one added with one
statement (an upsert that increments, so two writers never lose each other's change). So the
first read after a write costs what every read costs: the slice's rows, a few thousand at most.

Two things change without a write: "behind plan" moves with the date, and money moves with the
hourly rate and the set of active goals. `FiguresState` says for which day and rate the sums hold;
when they do not hold (a new day, a new rate, a goal switched on or off, a bulk load), `is_fresh()`
is false, the dashboard computes live (as before this module) and `rebuild()` (a background task,
enqueued then and by the nightly timer) recomputes everything. `check()` recomputes from scratch
and compares, to the krona: `manage.py check_figures`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import ExpressionWrapper, F, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from benefits.models import MONEY, Benefit, Measurement, PortfolioSetting, hourly_rate
from initiatives.models import CostLine, Initiative, Outcome, Stage
from portfolio import bulk, money
from portfolio.models import (
    Alignment,
    CouncilGoal,
    FiguresState,
    FigureTotal,
    InitiativeFigures,
)

logger = logging.getLogger(__name__)

ALL = 0  # the slice of every initiative, whatever goals it serves
CHUNK = 2000  # initiatives computed per round of queries
ZERO = 0.0
EPSILON = 1e-7  # below the stored precision: float noise, not a change
UNASSIGNED = "none"


@dataclass
class Contribution:
    """What one initiative adds to the sums of the slices it is in."""

    department_id: int | None = None
    goals: list[int] = field(default_factory=list)
    # Floats: a sum of a hundred thousand benefits stays exact to far below a krona, and the
    # arithmetic is ten times faster than Decimal's. Stored as decimals.
    values: dict[str, float] = field(default_factory=dict)
    expected_sek: float | None = None
    gap: float | None = None
    behind: int = 0

    def add(self, key: str, amount) -> None:
        if amount:
            self.values[key] = self.values.get(key, ZERO) + float(amount)

    def slices(self) -> list[tuple[int, int]]:
        if self.department_id is None:
            return []
        return [(self.department_id, goal) for goal in [ALL, *self.goals]]


def month_end(day: dt.date) -> dt.date:
    first_next = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


# Month number (year × 12 + month − 1) → (the day number of its last day, its ramp key, its step
# key): the plan line of every benefit walks these, a million steps in a rebuild at 100,000.
_MONTHS: dict[int, tuple[int, str, str]] = {}


def _month(number: int) -> tuple[int, str, str]:
    found = _MONTHS.get(number)
    if found is None:
        year, month = divmod(number, 12)
        end = month_end(dt.date(year, month + 1, 1)).toordinal()
        label = f"{year:04d}-{month + 1:02d}"
        found = _MONTHS[number] = (end, f"plan_ramp:{label}", f"plan_step:{label}")
    return found


def _plan_line(contribution: Contribution, money: float, start: dt.date, stop: dt.date) -> None:
    """The benefit's planned SEK/year at every month end, as the dashboard's plan line has it:
    money × clamp((end − baseline) / (target − baseline), 0, 1), 1 from the target on when the
    dates are equal. Stored as a ramp (the months strictly between) and a step (the month the
    target falls in, carried forward when read), so a benefit touches a few rows, not all."""
    if not money:
        return
    values = contribution.values
    step = _month(stop.year * 12 + stop.month - 1)[2]
    values[step] = values.get(step, ZERO) + money
    first, last = start.toordinal(), stop.toordinal()
    if last <= first:
        return
    span = float(last - first)
    number = start.year * 12 + start.month - 1
    while True:
        end, ramp, _step = _month(number)
        if end >= last:
            return
        if end > first:
            values[ramp] = values.get(ramp, ZERO) + money * (end - first) / span
        number += 1


def _ids_chunks(ids: list[int] | None) -> Iterable[list[int] | None]:
    if ids is None:
        yield None
        return
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def compute(
    ids: list[int] | None, *, today: dt.date, rate: Decimal, active_goals: list[int]
) -> dict[int, Contribution]:
    """The contributions of the given initiatives (None: all), eight queries per CHUNK of them
    and one for the horizon.

    Archived initiatives contribute nothing: the dashboard reads the active ones only.
    """
    horizon = PortfolioSetting.current().horizon_years
    result: dict[int, Contribution] = {}
    for chunk in _ids_chunks(ids):
        result.update(
            _compute_chunk(
                chunk, today=today, rate=rate, active_goals=active_goals, horizon=horizon
            )
        )
    return result


def _compute_chunk(
    ids: list[int] | None,
    *,
    today: dt.date,
    rate: Decimal,
    active_goals: list[int],
    horizon: int,
) -> dict[int, Contribution]:
    initiatives = Initiative.objects.all() if ids is None else Initiative.objects.filter(pk__in=ids)
    result: dict[int, Contribution] = {pk: Contribution() for pk in (ids or [])}
    closed_completed: set[int] = set()
    for pk, department_id, stage, outcome, archived_at, budget, cost, running, health in (
        initiatives.with_health()
        .order_by()
        .values_list(
            "pk", "department_id", "stage", "outcome", "archived_at", "budget", "cost_to_date",
            "running_cost", "health",
        )
    ):  # fmt: skip
        contribution = result.setdefault(pk, Contribution())
        if archived_at is not None:
            continue
        contribution.department_id = department_id
        contribution.add("initiatives", 1)
        contribution.add(f"stage:{stage}", 1)
        if stage != Stage.CLOSED and health:
            contribution.add(f"health:{health}", 1)
        contribution.add("budget", budget or 0)
        contribution.add("cost", cost or 0)
        contribution.add("running", running or 0)
        if stage == Stage.CLOSED and outcome == Outcome.COMPLETED:
            closed_completed.add(pk)
    live = {pk for pk, c in result.items() if c.department_id is not None}
    if not live:
        return result
    scope = Q(initiative__in=initiatives.filter(archived_at__isnull=True).values("pk"))
    money_by_initiative: dict[int, tuple[float | None, float | None]] = {}
    for row in (
        Benefit.objects.filter(scope)
        .with_figures(rate=rate, today=today)
        .order_by()
        .values_list(
            "initiative_id", "expected_sek", "realised_sek", "latest_value", "behind_plan",
            "expected_improvement", "planned_improvement", "realised_improvement",
            "reviewed_at", "review_outcome", "baseline_date", "target_date",
        )
    ):  # fmt: skip
        (pk, expected, realised, latest, behind, e_imp, p_imp, r_imp, reviewed_at, verdict,
         baseline, target) = row  # fmt: skip
        contribution = result[pk]
        contribution.add("benefits", 1)
        if latest is not None:
            contribution.add("measured", 1)
        if behind:
            contribution.add("behind", 1)
            if e_imp:
                gap = float((p_imp - r_imp) / e_imp)
                contribution.gap = (contribution.gap or ZERO) + gap
                contribution.behind += 1
        old_expected, old_realised = money_by_initiative.get(pk, (None, None))
        if expected is not None:
            contribution.add("expected", expected)
            contribution.add("expected_n", 1)
            old_expected = (old_expected or ZERO) + float(expected)
            _plan_line(contribution, float(expected), baseline, target)
        if realised is not None:
            contribution.add("realised", realised)
            contribution.add("realised_n", 1)
            old_realised = (old_realised or ZERO) + float(realised)
        money_by_initiative[pk] = (old_expected, old_realised)
        if pk in closed_completed:
            contribution.add("after_benefits", 1)
            if expected is not None:
                contribution.add("after_expected", expected)
                contribution.add("after_expected_n", 1)
            if realised is not None:
                contribution.add("after_realised", realised)
                contribution.add("after_realised_n", 1)
            if reviewed_at is None:
                contribution.add("after_followed", 1)
            else:
                contribution.add("after_reviewed", 1)
                contribution.add(f"after_verdict:{verdict}", 1)
    from portfolio.dashboard import money_factor_of

    change = ExpressionWrapper(F("delta") * money_factor_of("benefit__", rate), output_field=MONEY)
    with_money = Q(benefit__valued_at_hourly_rate=True) | Q(benefit__sek_per_unit__isnull=False)
    for pk, year, month, amount in (
        Measurement.objects.filter(with_money, benefit__in=Benefit.objects.filter(scope))
        .annotate(year=ExtractYear("date"), month=ExtractMonth("date"))
        .order_by()
        .values("benefit__initiative_id", "year", "month")
        .annotate(amount=Sum(change))
        .values_list("benefit__initiative_id", "year", "month", "amount")
    ):
        result[pk].add(f"real:{year:04d}-{month:02d}", amount or 0)
    scores: dict[int, dict[int, int]] = defaultdict(dict)
    for pk, goal_id, score in Alignment.objects.filter(scope).values_list(
        "initiative_id", "goal_id", "score"
    ):
        scores[pk][goal_id] = score
    # The business case's money by year and by actor (the horizon is a setting: its change makes
    # the sums stale, as every saved setting does).
    found = money.load(initiatives, horizon=horizon, rate=rate, today=today).by_initiative()
    for pk, sums in found.items():
        if pk in live:
            # Keys of their own ("cost_planned:2027", "pays:12", "flow:12>15" …): no sum to add to.
            result[pk].values.update((key, amount) for key, amount in sums.items() if amount)
    active = set(active_goals)
    for pk in live:
        contribution = result[pk]
        served = scores.get(pk, {})
        contribution.goals = sorted(goal for goal, score in served.items() if score >= 1)
        if pk not in money_by_initiative:
            continue  # no benefit: the split by goal leaves the initiative out, as live
        expected, realised = money_by_initiative[pk]
        contribution.expected_sek = expected
        weights = {goal: score for goal, score in served.items() if goal in active and score}
        total = sum(weights.values())
        shares = (
            {str(goal): score / total for goal, score in weights.items()}
            if total
            else {UNASSIGNED: 1.0}
        )
        for goal, share in shares.items():
            contribution.add(f"goal_expected:{goal}", (expected or ZERO) * share)
            contribution.add(f"goal_realised:{goal}", (realised or ZERO) * share)
    return result


# Applying differences ----------------------------------------------------------------------------


Rows = dict[tuple[int, int, str], float]


def _difference(old: Contribution | None, new: Contribution) -> Rows:
    rows: Rows = defaultdict(float)
    if old is not None:
        for department, goal in old.slices():
            for key, value in old.values.items():
                rows[(department, goal, key)] -= value
    for department, goal in new.slices():
        for key, value in new.values.items():
            rows[(department, goal, key)] += value
    return {key: value for key, value in rows.items() if abs(value) > EPSILON}


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _increment(rows: Rows) -> None:
    """Add each value to its total in one statement: an upsert that increments, on PostgreSQL
    and SQLite alike, so concurrent writers add up instead of overwriting each other."""
    if not rows:
        return
    table = connection.ops.quote_name(FigureTotal._meta.db_table)
    sql = (
        f"INSERT INTO {table} (department_id, goal_id, key, value) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (department_id, goal_id, key) DO UPDATE SET value = {table}.value + "
        "excluded.value"
    )
    params = [
        (
            department,
            goal,
            key,
            _decimal(value) if connection.vendor == "postgresql" else str(value),
        )
        for (department, goal, key), value in rows.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


STORED_COLUMNS = ["initiative_id", "department_id", "goals", "contribution", "expected_sek", "gap",
                  "behind"]  # fmt: skip


def _store(contributions: Iterable[tuple[int, Contribution]]) -> None:
    """Write each initiative's contribution as its InitiativeFigures row (COPY on PostgreSQL:
    100,000 rows of JSON in seconds, where bulk_create took a minute)."""
    db = bulk.real_connection()
    goals = InitiativeFigures._meta.get_field("goals")
    values = InitiativeFigures._meta.get_field("contribution")
    bulk.insert(
        InitiativeFigures,
        STORED_COLUMNS,
        (
            (
                pk,
                contribution.department_id,
                goals.get_db_prep_save(contribution.goals, db),
                values.get_db_prep_save(
                    {key: repr(value) for key, value in contribution.values.items()}, db
                ),
                None if contribution.expected_sek is None else _decimal(contribution.expected_sek),
                None if contribution.gap is None else _decimal(contribution.gap),
                contribution.behind,
            )
            for pk, contribution in contributions
        ),
    )


def _loaded(row: InitiativeFigures) -> Contribution:
    return Contribution(
        department_id=row.department_id,
        goals=list(row.goals),
        values={key: float(value) for key, value in row.contribution.items()},
    )


def _state(lock: str) -> FiguresState:
    """The state row, locked until the transaction ends: "share" for a writer applying its
    difference (writers do not wait for each other here: each initiative's writers already queue
    on the initiative's row), "update" for a rebuild, which waits for them and they for it.

    Shared, a write that took it and then waits for another row can never be part of a deadlock
    through it. SQLite has one writer at a time anyway: there the write below queues it.
    """
    FiguresState.objects.get_or_create(pk=1)
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(FiguresState._meta.db_table)
        mode = "FOR SHARE" if lock == "share" else "FOR UPDATE"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE id = 1 {mode}")
    else:
        from benefits.services import lock_rows

        lock_rows(FiguresState.objects.filter(pk=1))
    return FiguresState.objects.get(pk=1)


def active_goal_ids() -> list[int]:
    return list(CouncilGoal.objects.active().values_list("pk", flat=True))


def is_fresh(
    state: FiguresState | None = None,
    *,
    today: dt.date | None = None,
    rate: Decimal | None = None,
) -> bool:
    """Whether the sums hold today, at today's hourly rate (`rate`, when the caller has read
    it): then the dashboard reads them."""
    state = state or FiguresState.objects.filter(pk=1).first()
    today = today or timezone.localdate()
    return (
        state is not None
        and state.as_of == today
        and state.hourly_rate is not None
        and state.hourly_rate == (rate if rate is not None else hourly_rate())
    )


@transaction.atomic
def refresh(ids: Iterable[int]) -> None:
    """Bring the sums in step with what these initiatives are now; in the caller's transaction.

    Writers of the sums queue on the state row (a rebuild and a write never interleave). While
    the sums are stale nothing is applied: the next rebuild computes everything anyway.
    """
    ids = sorted({pk for pk in ids if pk is not None})
    if not ids:
        return
    state = _state(lock="share")
    today = timezone.localdate()
    if not is_fresh(state, today=today):
        return
    new = compute(ids, today=today, rate=state.hourly_rate, active_goals=active_goal_ids())
    old = {row.initiative_id: _loaded(row) for row in InitiativeFigures.objects.filter(pk__in=ids)}
    rows: Rows = defaultdict(float)
    for pk, contribution in new.items():
        for key, value in _difference(old.get(pk), contribution).items():
            rows[key] += value
    _increment({key: value for key, value in rows.items() if abs(value) > EPSILON})
    InitiativeFigures.objects.filter(pk__in=ids).delete()
    existing = set(Initiative.objects.filter(pk__in=ids).values_list("pk", flat=True))
    _store((pk, contribution) for pk, contribution in new.items() if pk in existing)


def totals_from(contributions: dict[int, Contribution]) -> Rows:
    """The sums of the contributions, per slice: first per group of initiatives in the same
    slices (department and goals served), then each group's sums into its slices once."""
    groups: dict[tuple[int, tuple[int, ...]], dict[str, float]] = defaultdict(
        lambda: defaultdict(float)
    )
    for contribution in contributions.values():
        if contribution.department_id is None:
            continue
        sums = groups[(contribution.department_id, tuple(contribution.goals))]
        for key, value in contribution.values.items():
            sums[key] += value
    totals: Rows = defaultdict(float)
    for (department, goals), sums in groups.items():
        for goal in (ALL, *goals):
            for key, value in sums.items():
                totals[(department, goal, key)] += value
    return totals


@transaction.atomic
def rebuild(today: dt.date | None = None) -> int:
    """Recompute every contribution and every sum from scratch; the number of initiatives."""
    state = _state(lock="update")
    today = today or timezone.localdate()
    rate = hourly_rate()
    with bulk.paused_gc():  # 100,000 contributions of ~100 keys each: no cycles to look for
        contributions = compute(None, today=today, rate=rate, active_goals=active_goal_ids())
    FigureTotal.objects.all().delete()
    InitiativeFigures.objects.all().delete()
    bulk.insert(
        FigureTotal,
        ["department_id", "goal_id", "key", "value"],
        (
            (department, goal, key, _decimal(value))
            for (department, goal, key), value in totals_from(contributions).items()
            if abs(value) > EPSILON
        ),
    )
    _store(contributions.items())
    state.as_of, state.hourly_rate, state.rebuilt_at = today, rate, timezone.now()
    state.save()
    return len(contributions)


def mark_stale() -> None:
    """The sums no longer hold (a bulk load, a new hourly rate, a goal switched on or off): the
    dashboard computes live until the next rebuild."""
    FiguresState.objects.filter(pk=1).update(as_of=None)


def check(today: dt.date | None = None) -> list[str]:
    """Recompute the sums from scratch and compare them with the stored ones, to the krona (to
    a thousandth for counts). The differences, as lines; none when all agree."""
    state = FiguresState.objects.filter(pk=1).first()
    today = today or timezone.localdate()
    if not is_fresh(state, today=today):
        return [f"the figures are stale (as of {getattr(state, 'as_of', None)}); rebuild them"]
    expected = totals_from(
        compute(None, today=today, rate=state.hourly_rate, active_goals=active_goal_ids())
    )
    stored = {
        (row.department_id, row.goal_id, row.key): float(row.value)
        for row in FigureTotal.objects.all()
    }
    problems = []
    for key in sorted(set(expected) | set(stored)):
        want, have = expected.get(key, ZERO), stored.get(key, ZERO)
        if abs(want - have) >= 0.5:
            department, goal, name = key
            problems.append(
                f"department {department}, goal {goal}, {name}: stored {have}, recomputed {want}"
            )
    return problems


def read(*, department_id: int | None, goal_id: int | None) -> dict[int, dict[str, Decimal]]:
    """The slice's sums by department: {department id: {key: value}}. One query."""
    rows = FigureTotal.objects.filter(goal_id=goal_id or ALL)
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    by_department: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for department, key, value in rows.values_list("department_id", "key", "value"):
        by_department[department][key] = Decimal(value)
    return by_department


def forget(ids: Iterable[int]) -> None:
    """Take initiatives that are about to be deleted out of the sums (never from the UI, which
    archives; the admin and tests delete)."""
    ids = list(ids)
    state = FiguresState.objects.filter(pk=1).values_list("as_of", flat=True).first()
    if state != timezone.localdate():
        return
    _state(lock="share")
    rows: Rows = defaultdict(float)
    for row in InitiativeFigures.objects.filter(pk__in=ids):
        for key, value in _difference(_loaded(row), Contribution()).items():
            rows[key] += value
    _increment({key: value for key, value in rows.items() if abs(value) > EPSILON})
    InitiativeFigures.objects.filter(pk__in=ids).delete()


# Initiatives being deleted in this thread: their children's deletes, which come first, must
# not add back what forget() took out; and the ids a `batched()` block will refresh.
_deleting = threading.local()


def _being_deleted() -> set[int]:
    if not hasattr(_deleting, "ids"):
        _deleting.ids = set()
    return _deleting.ids


@contextmanager
def batched():
    """Inside, a save only notes which initiatives' figures changed; they are refreshed once, at
    the end (still inside the caller's transaction): a service that writes twenty cost lines and
    the initiative refreshes it once, not 21 times. Nothing is refreshed when the block raises
    (its transaction is rolled back)."""
    if getattr(_deleting, "batch", None) is not None:
        yield  # an outer batch refreshes
        return
    _deleting.batch = set()
    try:
        yield
        ids = _deleting.batch
    finally:
        _deleting.batch = None
    refresh_if_fresh(ids)


def refresh_if_fresh(ids: Iterable[int]) -> None:
    """refresh(), at the cost of one query when the sums are stale anyway (then nothing to do):
    what every save calls through the signals below (inside `batched()`, noted for its end)."""
    ids = [pk for pk in ids if pk not in _being_deleted()]
    if not ids:
        return
    batch = getattr(_deleting, "batch", None)
    if batch is not None:
        batch.update(ids)
        return
    as_of = FiguresState.objects.filter(pk=1).values_list("as_of", flat=True).first()
    if as_of is not None and as_of == timezone.localdate():
        refresh(ids)


def connect_signals() -> None:
    """Every save or delete of what an initiative's figures are made of refreshes them, in the
    same transaction. Bulk writes send no signals: their callers call refresh() or rebuild().
    Measurements have no signal here: a measurement's figures (the benefit's latest value, each
    measurement's change) are set by benefits.services.benefit_refresh_latest after it is saved,
    and that refreshes the initiative; a refresh on the save itself would read them stale and be
    done again a moment later."""
    from django.db.models.signals import post_delete, post_save, pre_delete

    from initiatives.models import ProgressUpdate

    def initiative_changed(sender, instance, **kwargs):
        refresh_if_fresh([instance.pk])

    def child_changed(sender, instance, **kwargs):
        refresh_if_fresh([instance.initiative_id])

    def initiative_deleting(sender, instance, **kwargs):
        _being_deleted().add(instance.pk)
        forget([instance.pk])

    def initiative_deleted(sender, instance, **kwargs):
        _being_deleted().discard(instance.pk)

    def goals_changed(sender, instance, **kwargs):
        mark_stale()

    def setting_saved(sender, instance, created=False, **kwargs):
        if not created:
            mark_stale()

    post_save.connect(
        initiative_changed, sender=Initiative, dispatch_uid="figures-initiative", weak=False
    )
    pre_delete.connect(
        initiative_deleting, sender=Initiative, dispatch_uid="figures-forget", weak=False
    )
    post_delete.connect(
        initiative_deleted, sender=Initiative, dispatch_uid="figures-forgotten", weak=False
    )
    # Cost lines: their service saves the initiative too (its money columns), but a line changed
    # on its own (the admin, a script) must move the sums as well.
    for model in (Benefit, ProgressUpdate, Alignment, CostLine):
        post_save.connect(
            child_changed, sender=model, dispatch_uid=f"figures-{model.__name__}", weak=False
        )
        post_delete.connect(
            child_changed, sender=model, dispatch_uid=f"figures-del-{model.__name__}", weak=False
        )
    post_save.connect(goals_changed, sender=CouncilGoal, dispatch_uid="figures-goal", weak=False)
    post_delete.connect(
        goals_changed, sender=CouncilGoal, dispatch_uid="figures-del-goal", weak=False
    )
    post_save.connect(
        setting_saved, sender=PortfolioSetting, dispatch_uid="figures-setting", weak=False
    )


def rebuild_soon() -> bool:
    """Ask for a rebuild of stale sums, once per ten minutes across every app server (the
    shared cache's atomic add); True when the sums are fresh after it (with the immediate task
    backend the rebuild has run by then)."""
    from django.conf import settings
    from django.core.cache import cache

    from portfolio.tasks import refresh_figures

    if not settings.FIGURES_REBUILD_ON_READ:
        return False
    if cache.add("figures-rebuild-asked", 1, 600):
        try:
            refresh_figures.enqueue()
        except Exception:  # a queue that is down must not take the dashboard with it
            logger.exception("Could not enqueue the rebuild of the figures")
            cache.delete("figures-rebuild-asked")
            return False
        return is_fresh()
    return False
