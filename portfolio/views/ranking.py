from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from types import SimpleNamespace

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
from organisation import permissions
from organisation.numbers import format_number
from organisation.permissions import require
from portfolio import business_case, charts, prioritisation
from portfolio import cache as data_cache
from portfolio.columns import ColumnChoiceForm
from portfolio.forms import DecisionForm, DecisionRecordForm, RankingForm, SensitivityForm
from portfolio.htmx import page_or_fragment
from portfolio.models import Computation, CouncilGoal, Decision
from portfolio.ranking import Candidates, fill_expected_sek, load_candidates, ranked

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


def budget_result(
    candidates: Candidates, ranking, budget: int | None, weights: list[float] | None = None
) -> dict | None:
    """The best set within the budget beside the greedy rank-order set, as plain values.

    The best set is the proven optimum, or, when the solver's time ran out, the best set found
    with how far below the optimum it may be at most (`optimal.status`, `.gap_percent`). Works on
    the index arrays; rows are built only for the initiatives either set takes. Plain values, so
    the page shows the same whether the request computed it or a background task stored it.
    """
    if budget is None or not len(candidates):
        return None
    scores, order = ranking.scores, ranking.order
    costs, must = candidates.costs, candidates.must
    unit = prioritisation.score_unit(weights) if weights else None
    try:
        optimal = prioritisation.select_optimal(
            scores, costs, budget, must, time_limit=solver_seconds(), unit=unit
        )
    except prioritisation.BudgetError as error:
        return {"error": error.args[0], "budget": budget}
    greedy = prioritisation.select_greedy(order, costs, budget, must, scores=scores)
    # The chosen set is marked in the ranking itself (its refs); the table beside it lists only
    # where the two sets differ, the first BUDGET_DIFFERENCES_SHOWN by rank: at 10,000
    # candidates both sets hold thousands, and a table of them all is a megabyte of HTML.
    differ = order[(optimal.chosen != greedy.chosen)[order]]
    rows = []
    for index in differ[:BUDGET_DIFFERENCES_SHOWN]:
        item = ranking.at(index)
        rows.append({
            "rank": item.rank,
            "ref": item.row["ref"],
            "title": item.row["title"],
            "budget": item.row["budget"],
            "optimal": bool(optimal.chosen[index]),
            "greedy": bool(greedy.chosen[index]),
        })  # fmt: skip
    refs = candidates.columns["ref"]
    return {
        "budget": budget,
        "optimal": {
            **optimal.record(),
            "optimal": optimal.optimal,
            "total_score": optimal.total_score,
            "total_cost": optimal.total_cost,
            "count": int(optimal.chosen.sum()),
        },
        "greedy": {
            "total_score": greedy.total_score,
            "total_cost": greedy.total_cost,
            "count": int(greedy.chosen.sum()),
        },
        "chosen": [refs[index] for index in order[optimal.chosen[order]]],
        "rows": rows,
        "differences": len(differ),
    }


def _budget(
    request: HttpRequest, form: RankingForm, candidates: Candidates, ranking
) -> dict | None:
    """The budget's selection for the page: computed here for a few candidates; for many, the
    background computation of these filters, weights and budget, its result once done (else
    {"budget", "computation"}, which the page shows as pending and polls)."""
    amount = form.budget_value()
    if amount is None or len(candidates) <= budget_background_candidates():
        return budget_result(candidates, ranking, amount, form.weights())
    params = {**_spec(form), "budget": amount, "seconds": solver_seconds()}
    computation = _computation(request, Computation.Kind.BUDGET, params)
    if computation.status == Computation.Status.DONE:
        return computation.result
    return {"budget": amount, "computation": computation}


def _ranking_context(request: HttpRequest, params: QueryDict, decision_form=None) -> dict:
    """The ranking page for the weights, filters and budget in `params` (the query string)."""
    form, candidates = _candidates(request, params)
    ranking = ranked(candidates, form.weights()) if candidates.goals else []
    page = Paginator(ranking, RANKING_PAGE_SIZE).get_page(params.get("page"))
    columns = ColumnChoiceForm(params, choices=RANKING_OPTIONAL_COLUMNS)
    fill_expected_sek(page.object_list, calibrate="calibrated" in columns.chosen)
    if "economics" in columns.chosen:
        found = business_case.figures_for([item.row["id"] for item in page.object_list])
        for item in page.object_list:
            item.row["economics"] = found.get(item.row["id"])
    budget = _budget(request, form, candidates, ranking)
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
    versions = data_cache.data_versions([data_cache.INITIATIVES, data_cache.GOALS])
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
        return frontier_result(candidates, weights, params["budget"], progress)
    if computation.kind == Computation.Kind.BUDGET:
        ranking = ranked(candidates, weights) if candidates.goals else None
        return ranking and budget_result(candidates, ranking, params["budget"], weights)
    return sensitivity_result(
        candidates, weights, params["delta"], params["draws"], params["top_k"], params["seed"]
    )


def frontier_result(
    candidates: Candidates, weights: list[float], budget: int | None, progress=None
) -> dict:
    """The best set at up to FRONTIER_POINTS budget levels, all within solver_seconds().

    prioritisation.frontier_points, with `progress` told of each solve (a task's progress).
    """
    points = []
    if len(candidates) and candidates.goals:
        scores = prioritisation.strategic_scores(candidates.alignment, weights)
        unit = prioritisation.score_unit(weights)
        costs, must = candidates.costs, candidates.must
        solved = prioritisation.frontier_points(
            scores, costs, must, FRONTIER_POINTS, time_limit=solver_seconds(), unit=unit,
            on_point=None if progress is None else (
                lambda done, of: progress(round(100 * done / of))
            ),
        )  # fmt: skip
        points = [
            {"budget": amount, "score": found.total_score, "optimal": found.optimal,
             "gap_percent": found.gap_percent}
            for amount, found in solved
        ]  # fmt: skip
    return {"points": points, "budget": budget, "seconds": solver_seconds()}


def _frontier_context(computation: Computation) -> dict:
    """What the frontier's template shows of a computation: its chart and table once done."""
    result = computation.result if computation.status == Computation.Status.DONE else None
    points = (result or {}).get("points", [])
    frontier = [(point["budget"], point["score"]) for point in points]
    return {
        "computation": computation,
        "frontier": frontier,
        "points": points,
        "all_optimal": all(point["optimal"] for point in points),
        "seconds": (result or {}).get("seconds", solver_seconds()),
        "chart": charts.frontier_chart(frontier, result["budget"]) if frontier else None,
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
    everyone asking the same. At most FRONTIER_POINTS solves, all within solver_seconds()
    together; each point says whether it is the proven optimum or the best found in its share.
    """
    require(permissions.can_view(request.user))
    form = _form(request.GET)
    params = {**_spec(form), "budget": form.budget_value(), "points": FRONTIER_POINTS,
              "seconds": solver_seconds()}  # fmt: skip
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
    selection, found = [], None
    if result and "optimal" in result:
        selection = result["chosen"]
        found = result["optimal"]
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
            }
            for row in ranking
        ],  # fmt: skip
        selection=selection,
        selection_method=(
            {key: found[key] for key in prioritisation.Selection.RECORDED} if found else {}
        ),
        registry_number=decision_form.cleaned_data["registry_number"],
        minutes_url=decision_form.cleaned_data["minutes_url"],
        created_by=request.user,
    )
    messages.success(request, _("The decision was saved. It can no longer be changed."))
    if found and not found["optimal"]:
        messages.warning(request, _selection_note(found))
    return redirect(decision)


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
