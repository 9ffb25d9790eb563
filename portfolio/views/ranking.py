from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

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
]
FRONTIER_POINTS = 12
SENSITIVITY_SHOWN = 30


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


def budget_result(candidates: Candidates, ranking, budget: int | None) -> dict | None:
    """The exact optimum beside the greedy rank-order set, and the frontier, for a budget.

    Works on the index arrays; rows are built only for the initiatives either set takes.
    """
    if budget is None or not len(candidates):
        return None
    scores, order = ranking.scores, ranking.order
    costs, must = candidates.costs, candidates.must
    try:
        optimal = prioritisation.select_optimal(scores, costs, budget, must)
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
    fill_expected_sek(page.object_list)
    budget = budget_result(candidates, ranking, form.budget_value())
    return {
        "form": form,
        "goals": candidates.goals,
        "page": page,
        "budget": budget,
        "columns": ColumnChoiceForm(params, choices=RANKING_OPTIONAL_COLUMNS),
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
    """The efficient frontier: one exact selection per budget level, so loaded on its own."""
    require(permissions.can_view(request.user))
    form, candidates = _candidates(request, request.GET)
    frontier, chart = [], None
    if len(candidates) and candidates.goals:
        scores = prioritisation.strategic_scores(candidates.alignment, form.weights())
        frontier = prioritisation.efficient_frontier(
            scores, candidates.costs, candidates.must, points=FRONTIER_POINTS
        )
        chart = charts.frontier_chart(frontier, form.budget_value())
    context = {"frontier": frontier, "chart": chart, "query": request.GET.urlencode()}
    return render(
        request, page_or_fragment(request, "portfolio/frontier.html", "frontier"), context
    )


@require_GET
@login_required
def sensitivity_page(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    form, candidates = _candidates(request, request.GET)
    options = SensitivityForm(request.GET)
    delta, draws, top_k = options.values()
    rows, total = [], 0
    if len(candidates) and candidates.goals:
        weights = form.weights()
        ranking = ranked(candidates, weights)
        result = prioritisation.sensitivity(
            candidates.alignment, weights, delta=delta, draws=draws, top_k=top_k
        )
        total = len(ranking)
        for row in ranking[:SENSITIVITY_SHOWN]:
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
    result = budget_result(candidates, ranking, budget)
    selection = []
    if result and "optimal" in result:
        selection = [item["ranked"].row["ref"] for item in result["rows"] if item["optimal"]]
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
        registry_number=decision_form.cleaned_data["registry_number"],
        minutes_url=decision_form.cleaned_data["minutes_url"],
        created_by=request.user,
    )
    messages.success(request, _("The decision was saved. It can no longer be changed."))
    return redirect(decision)


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
