from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from benefits.calibration import MIN_CASES
from benefits.models import Benefit, hourly_rate
from organisation import permissions
from organisation.numbers import format_number
from organisation.permissions import require
from portfolio import business_case, charts, links, prioritisation
from portfolio import cache as data_cache
from portfolio.columns import ColumnChoiceForm
from portfolio.forms import DecisionForm, DecisionRecordForm, RankingForm, SensitivityForm
from portfolio.htmx import page_or_fragment
from portfolio.models import Computation, CouncilGoal, Decision
from portfolio.ranking import (
    Candidates,
    expected_by_initiative,
    fill_expected_sek,
    load_candidates,
    ranked,
)

RANKING_PAGE_SIZE = 50
# The budget's table of where the best set and the rank-order set differ shows this many rows.
BUDGET_DIFFERENCES_SHOWN = 50
# Shown by default: rank, movement, initiative, department, score, budget, expected SEK/year and,
# with a budget, whether the optimal set takes it. These come on request ("Columns").
RANKING_OPTIONAL_COLUMNS = [
    ("stage", _lazy("Stage")),
    ("goals", _lazy("Score on each goal")),
    ("per_million", _lazy("Score per MSEK")),
    # What history suggests the promise is worth (benefits.calibration): two queries more, so
    # loaded only when chosen.
    ("calibrated", _lazy("Calibrated expected SEK/year")),
    # The business case of each initiative on the page (portfolio.business_case): four queries.
    ("economics", _lazy("Net present value, benefit-cost ratio and payback year")),
]
FRONTIER_POINTS = 12
# Each frontier point keeps the refs of at most this many of its set (by rank), and its count.
FRONTIER_REFS_SHOWN = 200
SENSITIVITY_SHOWN = 30
# More candidates than this and the sensitivity asks for a narrower filter: its time grows with
# draws × candidates (about 1 s for 2,000 draws × 10,000 candidates, bench/solver.py).
SENSITIVITY_MAX_CANDIDATES = 20_000
# The draws' seed: the same settings give the same answer (and the same computation key).
SENSITIVITY_SEED = 20261123


def solver_seconds() -> float:
    """The time one budget selection (or the whole frontier) may take before it answers with
    the best set found and its proven gap: settings.BUDGET_SOLVER_SECONDS, default 5."""
    return float(getattr(settings, "BUDGET_SOLVER_SECONDS", 5))


def _form(data) -> RankingForm:
    """The ranking's filters and weights from `data` (the query string), without the candidates."""
    goals = list(CouncilGoal.objects.active())
    if data:
        # A weight left out of the query string keeps the goal's saved weight.
        data = data.copy()
        for goal in goals:
            if not data.get(f"w_{goal.pk}"):
                data[f"w_{goal.pk}"] = format_number(goal.weight)
    return RankingForm(data or None, goals=goals)


def _candidates(request: HttpRequest, data) -> tuple[RankingForm, Candidates]:
    form = _form(data)
    initiatives = form.filter(permissions.visible_to(request.user).active())
    return form, load_candidates(initiatives, form.goals)


def budget_background_candidates() -> int:
    """A budget selection over more candidates than this is computed by a background task the
    page polls, not in the request: settings.BUDGET_BACKGROUND_CANDIDATES, default 2,000 (the
    solver may use all its solver_seconds() on a large case, and a request must not wait)."""
    return int(getattr(settings, "BUDGET_BACKGROUND_CANDIDATES", 2_000))


DEFAULT_OPTIONS = {"objective": "score", "running_years": 0, "include_operation": False}


@dataclass
class BudgetProblem:
    """What the budget's selection works on, one value per candidate (DESIGN.md,
    "Prioritisation economics")."""

    values: np.ndarray  # the objective: strategic score or net present value
    costs: np.ndarray  # remaining cost: max(budget − cost to date, 0) + running × years
    must: np.ndarray
    links: prioritisation.Links
    unit: float | None  # whole multiples of the scores (an exact table), None for money
    options: dict
    blocked_by_links: int = 0  # candidates a link or a taken alternative rules out


def remaining_costs(candidates: Candidates, running_years: int = 0) -> np.ndarray:
    """Money already spent is sunk: what is left of the budget, plus running cost × years."""
    left = np.maximum(candidates.costs - candidates.spent, 0)
    return left + candidates.running * int(running_years)


def npv_values(candidates: Candidates, positions=None) -> np.ndarray:
    """The planned net present value of the candidates at `positions` (all without), 0 where
    an initiative has no money at all (portfolio.business_case.figures_for)."""
    positions = np.arange(len(candidates)) if positions is None else np.asarray(positions)
    ids = candidates.ids[positions]
    found = business_case.figures_for(ids.tolist())
    return np.array([found[pk].npv if pk in found else 0.0 for pk in ids.tolist()])


def budget_problem(candidates: Candidates, scores, weights, options: dict | None) -> BudgetProblem:
    options = {**DEFAULT_OPTIONS, **(options or {})}
    links = candidate_links(candidates)
    ruled_out = 0 if links.blocked is None else int(np.asarray(links.blocked, dtype=bool).sum())
    must = candidates.must.copy()
    if not options["include_operation"]:
        # In operation already: no candidate for a budget decision (a must-do among them is
        # running, not waiting for money).
        blocked = candidates.operating if links.blocked is None else links.blocked | (
            candidates.operating)  # fmt: skip
        links = prioritisation.Links(links.requires, links.groups, blocked)
        must &= ~candidates.operating
    npv = options["objective"] == "npv"
    return BudgetProblem(
        values=npv_values(candidates) if npv else np.asarray(scores, dtype=float),
        costs=remaining_costs(candidates, options["running_years"]),
        must=must,
        links=links,
        unit=None if npv or not weights else prioritisation.score_unit(weights),
        options=options,
        blocked_by_links=ruled_out,
    )


def candidate_links(candidates: Candidates) -> prioritisation.Links:
    """The "requires" links and groups of alternatives among the candidates (portfolio.links)."""
    found = links.constraints_for(candidates.ids, queryset=candidates.initiatives)
    return prioritisation.Links(found.requires, tuple(found.groups), found.blocked)


def budget_result(
    candidates: Candidates,
    ranking,
    budget: int | None,
    weights: list[float] | None = None,
    options: dict | None = None,
) -> dict | None:
    """The best set within the budget beside the greedy rank-order set, as plain values.

    The best set is the proven optimum, or, when the solver's time ran out, the best set found
    with how far below the optimum it may be at most (`optimal.status`, `.gap_percent`). Works on
    the index arrays; rows are built only for the initiatives either set takes. Plain values, so
    the page shows the same whether the request computed it or a background task stored it.
    Costs, candidates, links and the objective as `budget_problem` makes them from `options`.
    """
    if budget is None or not len(candidates):
        return None
    scores, order = ranking.scores, ranking.order
    problem = budget_problem(candidates, scores, weights, options)
    try:
        optimal = prioritisation.select_optimal(
            problem.values, problem.costs, budget, problem.must, links=problem.links,
            time_limit=solver_seconds(), unit=problem.unit,
        )  # fmt: skip
    except prioritisation.BudgetError as error:
        return {"error": error.args[0], "budget": budget}
    except prioritisation.ConstraintError as error:
        reason, positions = error.args
        return {"conflict": reason, "refs": candidates.refs(positions), "budget": budget}
    greedy = prioritisation.select_greedy(
        order, problem.costs, budget, problem.must, scores=problem.values, links=problem.links
    )
    # The chosen set is marked in the ranking itself (its refs); the table beside it lists only
    # where the two sets differ, the first BUDGET_DIFFERENCES_SHOWN by rank: at 10,000
    # candidates both sets hold thousands, and a table of them all is a megabyte of HTML.
    differ = order[(optimal.chosen != greedy.chosen)[order]]
    chosen = order[optimal.chosen[order]]
    candidates.load(np.concatenate([differ[:BUDGET_DIFFERENCES_SHOWN], chosen]))  # one query
    rows = []
    for item in ranking.rows(differ[:BUDGET_DIFFERENCES_SHOWN]):
        index = item.index
        rows.append({
            "rank": item.rank,
            "ref": item.row["ref"],
            "title": item.row["title"],
            "budget": item.row["budget"],
            "cost": int(problem.costs[index]),
            "optimal": bool(optimal.chosen[index]),
            "greedy": bool(greedy.chosen[index]),
        })  # fmt: skip
    beside_optimal, beside_greedy = _beside(
        candidates, scores, optimal.chosen, greedy.chosen,
        npv=problem.values if problem.options["objective"] == "npv" else None,
    )  # fmt: skip
    return {
        "budget": budget,
        "options": problem.options,
        "optimal": {
            **optimal.record(),
            "optimal": optimal.optimal,
            "total_score": optimal.total_score,
            "total_cost": optimal.total_cost,
            "count": int(optimal.chosen.sum()),
            **beside_optimal,
        },
        "greedy": {
            "total_score": greedy.total_score,
            "total_cost": greedy.total_cost,
            "count": int(greedy.chosen.sum()),
            **beside_greedy,
        },
        "links": {
            "requires": len(problem.links.requires),
            "groups": len(problem.links.groups),
            "blocked": problem.blocked_by_links,
        },
        "chosen": candidates.refs(chosen),
        "chosen_ids": candidates.ids[chosen].tolist(),
        "rows": rows,
        "differences": len(differ),
    }


# The net present value beside a set chosen by score is summed for sets up to this size; a
# larger one (a region's unfiltered selection) would read every benefit of thousands of
# initiatives for a figure beside the point: choose by net present value to see it.
NPV_BESIDE_MAX = 5_000


def _beside(
    candidates: Candidates, scores, *sets: np.ndarray, npv: np.ndarray | None
) -> list[dict]:
    """Each set's summed strategic score and net present value: the objective's and the other.
    The values (`npv` when the objective already read them) are read once for all the sets."""
    union = np.flatnonzero(np.logical_or.reduce(sets))
    summed = npv is not None or len(union) <= NPV_BESIDE_MAX
    values = np.zeros(len(candidates)) if npv is None else npv
    if npv is None and len(union) and summed:
        values[union] = npv_values(candidates, union)
    scores = np.asarray(scores, dtype=float)
    return [
        {
            "summed_score": float(scores[chosen].sum()),
            "summed_npv": float(values[chosen].sum()) if summed else None,
        }
        for chosen in sets
    ]


def _order_ties(ranking, candidates: Candidates, key: str, running_years: int) -> np.ndarray:
    """Order within each shared rank by a second key (highest first, then title), the ranks
    themselves unchanged; the key's value per candidate (to show it)."""
    if key == "npv":
        values = npv_values(candidates)
    elif key == "per_million":
        cost = remaining_costs(candidates, running_years) / 1_000_000
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(cost > 0, ranking.scores / cost, np.inf)
    else:
        values = expected_values(candidates)
    ranking.order = np.lexsort((candidates.tie_keys, -values, ranking.ranks))
    return values


def expected_values(candidates: Candidates) -> np.ndarray:
    """Expected SEK/year of every candidate, 0 where none: one aggregate query."""
    totals = expected_by_initiative(
        Benefit.objects.filter(initiative__in=candidates.initiatives).with_figures(
            rate=hourly_rate()
        )
    )
    return np.array([float(totals.get(pk) or 0) for pk in candidates.ids.tolist()])


def _add_links(items) -> bool:
    """What each row requires and its group of alternatives (portfolio.links), for the page;
    whether any row has one (the column is shown only then)."""
    found = links.labels_for([item.row["id"] for item in items])
    for item in items:
        labels = found.get(item.row["id"]) or {}
        item.row["requires"] = labels.get("requires", [])
        item.row["group"] = labels.get("group")
    return any(item.row["requires"] or item.row["group"] for item in items)


def _budget(
    request: HttpRequest, form: RankingForm, candidates: Candidates, ranking
) -> dict | None:
    """The budget's selection for the page: computed here for a few candidates; for many, the
    background computation of these filters, weights and budget, its result once done (else
    {"budget", "computation"}, which the page shows as pending and polls)."""
    amount = form.budget_value()
    if amount is None or len(candidates) <= budget_background_candidates():
        return budget_result(candidates, ranking, amount, form.weights(), form.budget_options())
    params = {**_spec(form), "budget": amount, "seconds": solver_seconds(),
              "options": form.budget_options()}  # fmt: skip
    computation = _computation(request, Computation.Kind.BUDGET, params)
    if computation.status == Computation.Status.DONE:
        return computation.result
    return {"budget": amount, "computation": computation}


def _ranking_context(request: HttpRequest, params: QueryDict, decision_form=None) -> dict:
    """The ranking page for the weights, filters and budget in `params` (the query string)."""
    form, candidates = _candidates(request, params)
    ranking = ranked(candidates, form.weights()) if candidates.goals else []
    tie_key = form.option("tie_key")
    seconds = None
    if ranking and tie_key:
        seconds = _order_ties(ranking, candidates, tie_key, form.option("running_years"))
    budget = _budget(request, form, candidates, ranking)
    only_chosen = bool(ranking and form.option("only_chosen") and (budget or {}).get("chosen_ids"))
    if only_chosen:
        ranking.keep(np.isin(candidates.ids, budget["chosen_ids"]))
    page = Paginator(ranking, RANKING_PAGE_SIZE).get_page(params.get("page"))
    columns = ColumnChoiceForm(params, choices=RANKING_OPTIONAL_COLUMNS)
    fill_expected_sek(page.object_list, calibrate="calibrated" in columns.chosen)
    if "economics" in columns.chosen:
        found = business_case.figures_for([item.row["id"] for item in page.object_list])
        for item in page.object_list:
            item.row["economics"] = found.get(item.row["id"])
    if seconds is not None:
        for item in page.object_list:
            item.row["second_key"] = seconds[item.index]
    show_links = _add_links(page.object_list)
    return {
        "form": form,
        "goals": candidates.goals,
        "page": page,
        "budget": budget,
        "columns": columns,
        "can_see_calibration": permissions.can_see_calibration(request.user),
        "min_cases": MIN_CASES,
        "solver_seconds": solver_seconds(),
        "selected": set((budget or {}).get("chosen", ())),
        "tie_key": tie_key,
        "show_links": show_links,
        "tie_key_label": dict(form.fields["tie_key"].choices).get(tie_key, ""),
        "only_chosen": only_chosen,
        "decision_form": decision_form or DecisionForm(),
        "sensitivity_form": SensitivityForm(),
        "can_save": permissions.can_save_decision(request.user),
        "params": params,
        "query": _query(params),
    }


@require_GET
@login_required
def ranking_page(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    context = _ranking_context(request, request.GET)
    return render(
        request, page_or_fragment(request, "portfolio/ranking.html", "ranking-results"), context
    )


# --- The frontier and large sensitivity runs: background computations the page polls ---------


def sensitivity_background_size() -> int:
    """Sensitivity runs larger than this (candidates × draws) are computed by a background task
    the page polls, not in the request: settings.SENSITIVITY_BACKGROUND_SIZE, default 2,000,000
    (about a second, bench/solver.py)."""
    return int(getattr(settings, "SENSITIVITY_BACKGROUND_SIZE", 2_000_000))


def _spec(form: RankingForm) -> dict:
    """The filters and weights the ranking form stands for, as plain values a task can use.

    Effective values, not the text typed: "1,5" and "1.5" are one weight, and the task (in a
    worker, in another language) never parses the form again.
    """
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    department = data.get("department")
    return {
        "department": department.pk if department else None,
        "stage": data.get("stage") or "",
        "kind": data.get("kind") or "",
        "weights": {
            str(goal.pk): weight for goal, weight in zip(form.goals, form.weights(), strict=True)
        },
    }


def _spec_candidates(user, spec: dict) -> tuple[list[float], Candidates]:
    """The weights and candidates of a `_spec`, read again by the task that computes it."""
    goals = list(CouncilGoal.objects.active())
    weights = [float(spec["weights"].get(str(goal.pk), goal.weight)) for goal in goals]
    initiatives = permissions.visible_to(user).active()
    if spec["department"]:
        initiatives = initiatives.filter(department_id=spec["department"])
    if spec["stage"]:
        initiatives = initiatives.filter(stage=spec["stage"])
    if spec["kind"]:
        initiatives = initiatives.filter(kind=spec["kind"])
    return weights, load_candidates(initiatives, goals)


def _key(kind: str, params: dict) -> str:
    """sha256 of the parameters and the versions of the data the result reads (one query):
    a change to the initiatives or the goals gives a new key, so a stale result is never read."""
    # The net present values read the benefits' plans too (an objective or a figure beside);
    # a measurement recorded meanwhile changes neither.
    areas = [data_cache.INITIATIVES, data_cache.GOALS, data_cache.PLANS]
    if kind == Computation.Kind.SENSITIVITY:
        areas = areas[:2]
    versions = data_cache.data_versions(areas)
    text = json.dumps({"kind": kind, "params": params, "versions": versions}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _enqueue(computation: Computation) -> None:
    from portfolio.tasks import run_computation

    queued = run_computation.enqueue(computation.pk)
    Computation.objects.filter(pk=computation.pk).update(task_id=queued.id[:64])


def _computation(request: HttpRequest, kind: str, params: dict) -> Computation:
    """The computation of these parameters, asked for now or shared with whoever asked first.

    Created and enqueued in one transaction (with the database backend the task's row is
    stored with it, or neither is); a second request for the same key finds it, even at the
    same instant (the unique key), and enqueues nothing. A failed or lost one is queued again
    when the page asks with `retry`, once however many ask. With the immediate backend the task
    has run on return, so the computation comes back done (or failed).
    """
    key = _key(kind, params)
    try:
        with transaction.atomic():
            # The result (up to a megabyte of JSON) is read once, at the end, when shown.
            computation, created = Computation.objects.defer("result").get_or_create(
                kind=kind, key=key, defaults={"params": params, "requested_by": request.user}
            )
            if created:
                _enqueue(computation)
    except IntegrityError:
        computation, created = Computation.objects.defer("result").get(kind=kind, key=key), False
    if not created and "retry" in request.GET and (computation.failed or computation.lost):
        with transaction.atomic():
            again = Computation.objects.filter(
                pk=computation.pk, status=computation.status, created_at=computation.created_at
            ).update(
                status=Computation.Status.QUEUED, progress=0, result=None, error="",
                created_at=timezone.now(), finished_at=None, requested_by=request.user,
            )  # fmt: skip
            if again:
                _enqueue(computation)
    computation.refresh_from_db()
    return computation


def compute(computation: Computation, progress: Callable[[int], object]) -> dict:
    """The result of a computation as plain values (portfolio.tasks.run_computation stores it)."""
    params = computation.params
    user = computation.requested_by
    if user is None:
        raise LookupError("The user who asked for the computation no longer exists.")
    weights, candidates = _spec_candidates(user, params)
    if computation.kind == Computation.Kind.FRONTIER:
        return frontier_result(
            candidates, weights, params["budget"], progress, params.get("options")
        )
    if computation.kind == Computation.Kind.BUDGET:
        ranking = ranked(candidates, weights) if candidates.goals else None
        return ranking and budget_result(
            candidates, ranking, params["budget"], weights, params.get("options")
        )
    return sensitivity_result(
        candidates, weights, params["delta"], params["draws"], params["top_k"], params["seed"]
    )


def frontier_result(
    candidates: Candidates,
    weights: list[float],
    budget: int | None,
    progress=None,
    options: dict | None = None,
) -> dict:
    """The best set at up to FRONTIER_POINTS budget levels and at the chosen `budget`, all
    within solver_seconds(), as plain values (prioritisation.frontier_points).

    Each point: its budget, the set's summed score, cost and count, how it was found (`status`,
    `optimal`, `gap_percent`), whether it is the chosen budget, and the set: the refs of its
    first FRONTIER_REFS_SHOWN in rank order (all of them read in one query), `count` saying how
    many it holds. A chosen budget below what the must-dos cost is no point: `below_must`
    (their cost) says so. `progress` is told of each solve (a task's progress).
    """
    result = {"points": [], "budget": budget, "seconds": solver_seconds(),
              "refs_shown": FRONTIER_REFS_SHOWN, "below_must": None}  # fmt: skip
    if not len(candidates) or not candidates.goals:
        return result
    scores = prioritisation.strategic_scores(candidates.alignment, weights)
    # The same problem as the budget's selection: remaining costs, candidates, links, objective.
    problem = budget_problem(candidates, scores, weights, options)
    result["objective"] = problem.options["objective"]
    try:
        solved = prioritisation.frontier_points(
            problem.values, problem.costs, problem.must, FRONTIER_POINTS, chosen=budget,
            links=problem.links, time_limit=solver_seconds(), unit=problem.unit,
            on_point=None if progress is None else (
                lambda done, of: progress(round(100 * done / of))
            ),
        )  # fmt: skip
    except prioritisation.ConstraintError as error:
        return {**result, "conflict": candidates.refs(error.args[1])}
    order, _ranks = prioritisation.rank(scores, keys=candidates.tie_keys)
    shown = [order[found.chosen[order]][:FRONTIER_REFS_SHOWN] for _amount, found in solved]
    candidates.load(np.unique(np.concatenate(shown)))  # one query for every point's refs
    for (amount, found), positions in zip(solved, shown, strict=True):
        result["points"].append({
            "budget": amount,
            "score": found.total_score,
            "cost": found.total_cost,
            "count": int(found.chosen.sum()),
            "status": found.status,
            "optimal": found.optimal,
            "gap_percent": found.gap_percent,
            "chosen": amount == budget,
            "refs": candidates.refs(positions),
        })  # fmt: skip
    if budget is not None and not any(point["chosen"] for point in result["points"]):
        result["below_must"] = result["points"][0]["budget"]  # the must-dos alone
    return result


def _frontier_context(computation: Computation) -> dict:
    """What the frontier's template shows of a computation: its chart and table once done."""
    result = computation.result if computation.status == Computation.Status.DONE else None
    result = result or {}
    # A result stored before points kept their sets shows without them.
    points = [
        {"cost": None, "count": None, "status": None, "chosen": False, "refs": [], **point}
        for point in result.get("points", [])
    ]
    for point in points:
        point["more"] = max(0, (point["count"] or 0) - len(point["refs"]))
    frontier = [(point["budget"], point["score"]) for point in points]
    return {
        "computation": computation,
        "frontier": frontier,
        "points": points,
        "chosen_budget": result.get("budget"),
        "below_must": result.get("below_must"),
        "conflict": result.get("conflict"),
        "all_optimal": all(point["optimal"] for point in points),
        "objective": result.get("objective", "score"),
        "seconds": result.get("seconds", solver_seconds()),
        "chart": charts.frontier_chart(points) if points else None,
    }


def sensitivity_result(
    candidates: Candidates, weights: list[float], delta: float, draws: int, top_k: int,
    seed: int = SENSITIVITY_SEED,
) -> dict:  # fmt: skip
    """Rank ranges of the first SENSITIVITY_SHOWN of the ranking, as plain values."""
    rows = []
    if len(candidates) and candidates.goals:
        shown = ranked(candidates, weights)[:SENSITIVITY_SHOWN]
        result = prioritisation.sensitivity(
            candidates.alignment, weights, delta=delta, draws=draws, top_k=top_k, seed=seed,
            track=[row.index for row in shown],
        )  # fmt: skip
        for row in shown:
            rows.append({
                "rank": row.rank,
                "ref": row.row["ref"],
                "title": row.row["title"],
                "low": int(result.rank_low[row.index]),
                "high": int(result.rank_high[row.index]),
                "top_share": float(result.top_share[row.index]),
            })  # fmt: skip
    return {"rows": rows, "total": len(candidates), "delta": delta, "draws": draws, "top_k": top_k}


def _sensitivity_context(result: dict | None) -> dict:
    """The rows, chart and settings the sensitivity template shows of a result."""
    rows = [
        {
            "ranked": SimpleNamespace(
                rank=row["rank"], row={"ref": row["ref"], "title": row["title"]}
            ),
            "low": row["low"],
            "high": row["high"],
            "top_share": row["top_share"],
            "label": f"{row['ref']} {row['title'][:40]}",
        }
        for row in (result or {}).get("rows", [])
    ]
    context = {"rows": rows, "chart": charts.rank_range_chart(rows) if rows else None}
    if result:
        context |= {
            "total": result["total"],
            "delta": round(result["delta"] * 100),
            "draws": result["draws"],
            "top_k": result["top_k"],
        }
    return context


def _query(params: QueryDict) -> str:
    """The query string for the page's links, without the one-off `retry`."""
    params = params.copy()
    params.pop("retry", None)
    return params.urlencode()


@require_GET
@login_required
def frontier_page(request: HttpRequest) -> HttpResponse:
    """The efficient frontier: a selection per budget level, so loaded only when asked for.

    Computed by a background task (portfolio.tasks.run_computation) the page polls; shared by
    everyone asking the same. At most FRONTIER_POINTS solves and one at the chosen budget, all
    within solver_seconds() together; each point says whether it is the proven optimum or the
    best found in its share, and which set it is.
    """
    require(permissions.can_view(request.user))
    form = _form(request.GET)
    # The chosen budget is one of the points; the refs kept per point are in the key, so a
    # result stored without the sets is not read again.
    params = {**_spec(form), "budget": form.budget_value(), "points": FRONTIER_POINTS,
              "seconds": solver_seconds(), "refs": FRONTIER_REFS_SHOWN,
              "options": form.budget_options()}  # fmt: skip
    computation = _computation(request, Computation.Kind.FRONTIER, params)
    context = {**_frontier_context(computation), "query": _query(request.GET)}
    return render(
        request, page_or_fragment(request, "portfolio/frontier.html", "frontier"), context
    )


@require_GET
@login_required
def sensitivity_page(request: HttpRequest) -> HttpResponse:
    """Rank ranges under perturbed weights, for the first SENSITIVITY_SHOWN of the ranking.

    Bounded: at most SensitivityForm.MAX_DRAWS draws and SENSITIVITY_MAX_CANDIDATES candidates,
    each refused with a message that keeps what was typed; memory grows with the candidates
    only. A run larger than sensitivity_background_size() is a background computation the page
    polls; a smaller one is computed here.
    """
    require(permissions.can_view(request.user))
    form = _form(request.GET)
    options = SensitivityForm(request.GET)
    valid = options.is_valid()
    delta, draws, top_k = options.values()
    initiatives = form.filter(permissions.visible_to(request.user).active())
    total = initiatives.open().count()  # the candidates load_candidates would load
    too_many = total > SENSITIVITY_MAX_CANDIDATES
    computation, result = None, None
    if valid and not too_many and total * draws > sensitivity_background_size():
        params = {**_spec(form), "delta": delta, "draws": draws, "top_k": top_k,
                  "seed": SENSITIVITY_SEED, "shown": SENSITIVITY_SHOWN}  # fmt: skip
        computation = _computation(request, Computation.Kind.SENSITIVITY, params)
        if computation.status == Computation.Status.DONE:
            result = computation.result
    elif valid and not too_many and total:
        candidates = load_candidates(initiatives, form.goals)
        result = sensitivity_result(candidates, form.weights(), delta, draws, top_k)
    context = {
        "form": form,
        "options": options,
        "total": total,
        "delta": round(delta * 100),
        "draws": draws,
        "top_k": top_k,
        "too_many": too_many,
        "max_candidates": SENSITIVITY_MAX_CANDIDATES,
        "computation": computation,
        "params": request.GET,
        "query": _query(request.GET),
        **_sensitivity_context(result),
    }
    return render(
        request, page_or_fragment(request, "portfolio/sensitivity.html", "sensitivity"), context
    )


@require_GET
@login_required
def computation_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A computation's state alone, which the frontier, the sensitivity or a budget selection
    over many candidates polls while it runs.

    The query string only rebuilds the page's links; the result is the computation's, whoever
    asked for it. Without htmx (a reload), the page it belongs to.
    """
    require(permissions.can_view(request.user))
    computation = get_object_or_404(Computation.objects.defer("params"), pk=pk)
    query = _query(request.GET)
    page = {
        Computation.Kind.FRONTIER: "portfolio:frontier",
        Computation.Kind.SENSITIVITY: "portfolio:sensitivity",
        Computation.Kind.BUDGET: "portfolio:ranking",
    }[computation.kind]
    if not request.htmx:
        return redirect(f"{reverse(page)}?{query}")
    if computation.kind == Computation.Kind.FRONTIER:
        context = _frontier_context(computation)
        template = "portfolio/frontier.html#frontier-state"
    elif computation.kind == Computation.Kind.BUDGET:
        # Pending: this block again. Done or failed: a block that loads the ranking's results
        # once, with the selection marked in the ranking itself (or the failure and a retry).
        context = {"budget": {"computation": computation}}
        template = "portfolio/ranking.html#budget-state"
    else:
        result = computation.result if computation.status == Computation.Status.DONE else None
        context = {"computation": computation, **_sensitivity_context(result)}
        template = "portfolio/sensitivity.html#sensitivity-state"
    return render(request, template, {**context, "query": query})


@require_POST
@login_required
def decision_save(request: HttpRequest) -> HttpResponse:
    require(permissions.can_save_decision(request.user))
    form, candidates = _candidates(request, request.POST)
    decision_form = DecisionForm(request.POST)
    if not decision_form.is_valid() or not form.is_valid() or not candidates.goals:
        # The ranking page again, as it was, with the form's reasons and what was typed.
        if decision_form.is_valid():
            decision_form.add_error(None, _("The weights or filters could not be read."))
        params = QueryDict(request.POST.get("query", ""))
        context = _ranking_context(request, params, decision_form)
        return render(request, "portfolio/ranking.html", context, status=422)
    weights = form.weights()
    ranking = ranked(candidates, weights)
    budget = form.budget_value()
    result = _budget(request, form, candidates, ranking)
    if result and "computation" in result:
        # Many candidates: the selection is a background computation, and the decision records
        # only a selection that was shown. Asked again, it is taken from the computation.
        decision_form.add_error(
            None,
            _(
                "The best set within the budget is still being computed. Save again when it "
                "is shown."
            ),
        )
        params = QueryDict(request.POST.get("query", ""))
        context = _ranking_context(request, params, decision_form)
        return render(request, "portfolio/ranking.html", context, status=409)
    selection, found, method = [], None, {}
    costs = remaining_costs(candidates, form.option("running_years"))
    if result and "optimal" in result:
        selection = result["chosen"]
        found = result["optimal"]
        method = {key: found[key] for key in prioritisation.Selection.RECORDED}
        method.update(_recorded_economics(candidates, result))
    decision = Decision.objects.create(
        comment=decision_form.cleaned_data["comment"],
        weights={
            goal.title: weight for goal, weight in zip(candidates.goals, weights, strict=True)
        },
        filters=form.filters(),
        budget=budget,
        ranking=[
            {
                "rank": row.rank,
                "ref": row.row["ref"],
                "title": row.row["title"],
                "department": row.row["department__code"],
                "score": round(row.score, 4),
                "budget": row.row["budget"],
                "cost": int(costs[row.index]),
            }
            for row in ranking
        ],  # fmt: skip
        selection=selection,
        selection_method=method,
        registry_number=decision_form.cleaned_data["registry_number"],
        minutes_url=decision_form.cleaned_data["minutes_url"],
        created_by=request.user,
    )
    messages.success(request, _("The decision was saved. It can no longer be changed."))
    if found and not found["optimal"]:
        messages.warning(request, _selection_note(found))
    return redirect(decision)


def _recorded_economics(candidates: Candidates, result: dict) -> dict:
    """What a saved decision keeps of how its set was counted: the objective and both sums,
    the costs used, the links kept (as refs) and the frontier point chosen (the budget)."""
    found = links.constraints_for(candidates.ids, queryset=candidates.initiatives)
    pairs = np.asarray(found.requires, dtype=np.int64).reshape(-1, 2)
    blocked = np.flatnonzero(found.blocked)
    candidates.load(np.concatenate([pairs.ravel(), *found.groups, blocked]).astype(np.int64))

    def ref_at(position: int) -> str | None:
        row = candidates.row(position)
        return row and row["ref"]

    optimal = result["optimal"]
    return {
        **result.get("options", DEFAULT_OPTIONS),
        "cost_rule": "max(budget - cost_to_date, 0) + running_cost * running_years",
        "summed_score": optimal.get("summed_score"),
        "summed_npv": optimal.get("summed_npv"),
        "total_cost": optimal["total_cost"],
        "requires": [[ref_at(b), ref_at(a)] for b, a in pairs.tolist()],
        "alternatives": [[ref_at(i) for i in group.tolist()] for group in found.groups],
        "blocked": [ref_at(i) for i in blocked.tolist()],
        "frontier_point": {"budget": result["budget"], "value": optimal["total_score"]},
    }


def _selection_note(found: dict) -> str:
    """Says that a saved selection is the best found in the time, not the proven optimum."""
    return _(
        "The selection is the best set found in %(seconds)s s, not the proven optimum: at most "
        "%(gap)s %% below it."
    ) % {
        "seconds": format_number(round(found["seconds"], 1)),
        "gap": format_number(found["gap_percent"]),
    }


@require_GET
@login_required
def decision_list(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    decisions = Decision.objects.select_related("created_by").defer("ranking")
    page = Paginator(decisions, 25).get_page(request.GET.get("page"))
    return render(request, "portfolio/decisions.html", {"page": page})


@require_GET
@login_required
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user))
    decision = get_object_or_404(Decision.objects.select_related("created_by"), pk=pk)
    return _decision_page(request, decision, DecisionRecordForm(initial=_record(decision)))


def _record(decision: Decision) -> dict[str, str]:
    return {"registry_number": decision.registry_number, "minutes_url": decision.minutes_url}


def _decision_page(
    request: HttpRequest, decision: Decision, record_form: DecisionRecordForm, status: int = 200
) -> HttpResponse:
    context = {
        "decision": decision,
        "selected": set(decision.selection),
        "record_form": record_form,
        "can_record": permissions.can_record_decision_minutes(request.user),
        # Each time the registry number or minutes link was added or changed (the history's
        # updates: nothing else of a saved decision can change).
        "record_changes": decision.history.filter(history_type="~")
        .select_related("history_user")
        .order_by("-history_date"),
    }
    return render(request, "portfolio/decision.html", context, status=status)


@require_POST
@login_required
def decision_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The office adds or corrects a saved decision's registry number and minutes link."""
    require(permissions.can_record_decision_minutes(request.user))
    decision = get_object_or_404(Decision.objects.select_related("created_by"), pk=pk)
    form = DecisionRecordForm(request.POST, initial=_record(decision))
    if not form.is_valid():
        return _decision_page(request, decision, form, status=422)
    if form.has_changed():
        decision.record_minutes(**form.cleaned_data, by=request.user)
        messages.success(request, _("The registry number and minutes link were saved."))
    return redirect(decision)
