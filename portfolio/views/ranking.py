from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from benefits.calibration import MIN_CASES
from organisation import permissions
from organisation.numbers import format_number
from organisation.permissions import require
from portfolio import charts, prioritisation
from portfolio.columns import ColumnChoiceForm
from portfolio.forms import DecisionForm, DecisionRecordForm, RankingForm, SensitivityForm
from portfolio.htmx import page_or_fragment
from portfolio.models import CouncilGoal, Decision
from portfolio.ranking import Candidates, fill_expected_sek, load_candidates, ranked

RANKING_PAGE_SIZE = 50
# Shown by default: rank, movement, initiative, department, score, budget, expected SEK/year and,
# with a budget, whether the optimal set takes it. These come on request ("Columns").
RANKING_OPTIONAL_COLUMNS = [
    ("stage", _lazy("Stage")),
    ("goals", _lazy("Score on each goal")),
    ("per_million", _lazy("Score per MSEK")),
    # What history suggests the promise is worth (benefits.calibration): two queries more, so
    # loaded only when chosen.
    ("calibrated", _lazy("Calibrated expected SEK/year")),
]
FRONTIER_POINTS = 12
SENSITIVITY_SHOWN = 30
# More candidates than this and the sensitivity asks for a narrower filter: its time grows with
# draws × candidates (about 1 s for 2,000 draws × 10,000 candidates, bench/solver.py).
SENSITIVITY_MAX_CANDIDATES = 20_000


def solver_seconds() -> float:
    """The time one budget selection (or the whole frontier) may take before it answers with
    the best set found and its proven gap: settings.BUDGET_SOLVER_SECONDS, default 5."""
    return float(getattr(settings, "BUDGET_SOLVER_SECONDS", 5))


def _candidates(request: HttpRequest, data) -> tuple[RankingForm, Candidates]:
    goals = list(CouncilGoal.objects.active())
    if data:
        # A weight left out of the query string keeps the goal's saved weight.
        data = data.copy()
        for goal in goals:
            if not data.get(f"w_{goal.pk}"):
                data[f"w_{goal.pk}"] = format_number(goal.weight)
    form = RankingForm(data or None, goals=goals)
    initiatives = form.filter(permissions.visible_to(request.user).active())
    return form, load_candidates(initiatives, goals)


def budget_result(
    candidates: Candidates, ranking, budget: int | None, weights: list[float] | None = None
) -> dict | None:
    """The best set within the budget beside the greedy rank-order set.

    The best set is the proven optimum, or, when the solver's time ran out, the best set found
    with how far below the optimum it may be at most (`Selection.status`, `.gap`). Works on the
    index arrays; rows are built only for the initiatives either set takes.
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
    taken = order[(optimal.chosen | greedy.chosen)[order]]
    return {
        "budget": budget,
        "optimal": optimal,
        "greedy": greedy,
        "rows": [
            {
                "ranked": ranking.at(index),
                "optimal": bool(optimal.chosen[index]),
                "greedy": bool(greedy.chosen[index]),
            }
            for index in taken
        ],
    }


def _ranking_context(request: HttpRequest, params: QueryDict, decision_form=None) -> dict:
    """The ranking page for the weights, filters and budget in `params` (the query string)."""
    form, candidates = _candidates(request, params)
    ranking = ranked(candidates, form.weights()) if candidates.goals else []
    page = Paginator(ranking, RANKING_PAGE_SIZE).get_page(params.get("page"))
    columns = ColumnChoiceForm(params, choices=RANKING_OPTIONAL_COLUMNS)
    fill_expected_sek(page.object_list, calibrate="calibrated" in columns.chosen)
    budget = budget_result(candidates, ranking, form.budget_value(), form.weights())
    return {
        "form": form,
        "goals": candidates.goals,
        "page": page,
        "budget": budget,
        "columns": columns,
        "can_see_calibration": permissions.can_see_calibration(request.user),
        "min_cases": MIN_CASES,
        "solver_seconds": solver_seconds(),
        "selected": {
            item["ranked"].row["ref"] for item in (budget or {}).get("rows", ()) if item["optimal"]
        },
        "decision_form": decision_form or DecisionForm(),
        "sensitivity_form": SensitivityForm(),
        "can_save": permissions.can_save_decision(request.user),
        "params": params,
        "query": params.urlencode(),
    }


@require_GET
@login_required
def ranking_page(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    context = _ranking_context(request, request.GET)
    return render(
        request, page_or_fragment(request, "portfolio/ranking.html", "ranking-results"), context
    )


@require_GET
@login_required
def frontier_page(request: HttpRequest) -> HttpResponse:
    """The efficient frontier: a selection per budget level, so loaded only when asked for.

    At most FRONTIER_POINTS solves, all within solver_seconds() together; each point says
    whether it is the proven optimum or the best found in its share of the time.
    """
    require(permissions.can_view(request.user))
    form, candidates = _candidates(request, request.GET)
    frontier, points, chart = [], [], None
    if len(candidates) and candidates.goals:
        weights = form.weights()
        scores = prioritisation.strategic_scores(candidates.alignment, weights)
        points = prioritisation.frontier_points(
            scores,
            candidates.costs,
            candidates.must,
            points=FRONTIER_POINTS,
            time_limit=solver_seconds(),
            unit=prioritisation.score_unit(weights),
        )
        frontier = [(amount, found.total_score) for amount, found in points]
        chart = charts.frontier_chart(frontier, form.budget_value())
    context = {
        "frontier": frontier,
        "points": points,
        "all_optimal": all(found.optimal for _amount, found in points),
        "seconds": solver_seconds(),
        "chart": chart,
        "query": request.GET.urlencode(),
    }
    return render(
        request, page_or_fragment(request, "portfolio/frontier.html", "frontier"), context
    )


@require_GET
@login_required
def sensitivity_page(request: HttpRequest) -> HttpResponse:
    """Rank ranges under perturbed weights, for the first SENSITIVITY_SHOWN of the ranking.

    Bounded: at most SensitivityForm.MAX_DRAWS draws and SENSITIVITY_MAX_CANDIDATES candidates,
    each refused with a message that keeps what was typed; memory grows with the candidates
    only (the ranks of the shown rows are the only ones kept over all draws).
    """
    require(permissions.can_view(request.user))
    form, candidates = _candidates(request, request.GET)
    options = SensitivityForm(request.GET)
    valid = options.is_valid()
    delta, draws, top_k = options.values()
    rows, total, too_many = [], len(candidates), len(candidates) > SENSITIVITY_MAX_CANDIDATES
    if valid and not too_many and len(candidates) and candidates.goals:
        weights = form.weights()
        ranking = ranked(candidates, weights)
        shown = ranking[:SENSITIVITY_SHOWN]
        result = prioritisation.sensitivity(
            candidates.alignment,
            weights,
            delta=delta,
            draws=draws,
            top_k=top_k,
            track=[row.index for row in shown],
        )
        for row in shown:
            rows.append({
                "ranked": row,
                "low": int(result.rank_low[row.index]),
                "high": int(result.rank_high[row.index]),
                "top_share": float(result.top_share[row.index]),
                "label": f'{row.row["ref"]} {row.row["title"][:40]}',
            })  # fmt: skip
    context = {
        "form": form,
        "options": options,
        "rows": rows,
        "total": total,
        "delta": round(delta * 100),
        "draws": draws,
        "top_k": top_k,
        "chart": charts.rank_range_chart(rows) if rows else None,
        "too_many": too_many,
        "max_candidates": SENSITIVITY_MAX_CANDIDATES,
        "params": request.GET,
        "query": request.GET.urlencode(),
    }
    return render(
        request, page_or_fragment(request, "portfolio/sensitivity.html", "sensitivity"), context
    )


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
    result = budget_result(candidates, ranking, budget, weights)
    selection, found = [], None
    if result and "optimal" in result:
        selection = [item["ranked"].row["ref"] for item in result["rows"] if item["optimal"]]
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
        selection_method=found.record() if found is not None else {},
        registry_number=decision_form.cleaned_data["registry_number"],
        minutes_url=decision_form.cleaned_data["minutes_url"],
        created_by=request.user,
    )
    messages.success(request, _("The decision was saved. It can no longer be changed."))
    if found is not None and not found.optimal:
        messages.warning(request, _selection_note(found))
    return redirect(decision)


def _selection_note(found: prioritisation.Selection) -> str:
    """Says that a saved selection is the best found in the time, not the proven optimum."""
    return _(
        "The selection is the best set found in %(seconds)s s, not the proven optimum: at most "
        "%(gap)s %% below it."
    ) % {"seconds": format_number(round(found.seconds, 1)), "gap": format_number(found.gap_percent)}


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
