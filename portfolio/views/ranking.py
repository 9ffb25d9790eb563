from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from organisation import permissions
from organisation.numbers import format_number
from organisation.permissions import require
from portfolio import charts, prioritisation
from portfolio.forms import DecisionForm, RankingForm, SensitivityForm
from portfolio.htmx import page_or_fragment
from portfolio.models import CouncilGoal, Decision
from portfolio.ranking import Candidates, fill_expected_sek, load_candidates, ranked

RANKING_PAGE_SIZE = 50
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


@require_GET
@login_required
def ranking_page(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    form, candidates = _candidates(request, request.GET)
    ranking = ranked(candidates, form.weights()) if candidates.goals else []
    page = Paginator(ranking, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    fill_expected_sek(page.object_list)
    context = {
        "form": form,
        "goals": candidates.goals,
        "page": page,
        "budget": budget_result(candidates, ranking, form.budget_value()),
        "decision_form": DecisionForm(),
        "sensitivity_form": SensitivityForm(),
        "can_save": permissions.can_save_decision(request.user),
        "query": request.GET.urlencode(),
    }
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
        messages.error(request, _("Write a comment to save the decision."))
        return redirect(f"{reverse('portfolio:ranking')}?{request.POST.get('query', '')}")
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
    selected = set(decision.selection)
    context = {"decision": decision, "selected": selected}
    return render(request, "portfolio/decision.html", context)
