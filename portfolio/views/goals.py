from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from initiatives.models import Initiative
from initiatives.services import InitiativeArchived
from organisation import permissions
from organisation.numbers import format_number
from organisation.permissions import require
from portfolio import prioritisation, services
from portfolio.forms import AHPForm, AlignmentForm, GoalForm
from portfolio.htmx import wants_fragment
from portfolio.models import Alignment, CouncilGoal


@require_GET
@login_required
def goal_list(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    goals = CouncilGoal.objects.all()
    context = {"goals": goals, "can_manage": permissions.can_manage_goals(request.user)}
    return render(request, "portfolio/goals.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def goal_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(permissions.can_manage_goals(request.user))
    goal = get_object_or_404(CouncilGoal, pk=pk) if pk else None
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_save(goal=form.save(commit=False), by=request.user)
        except services.GoalTitleTaken as taken:
            form.add_error("title", str(taken))
        else:
            messages.success(request, _("The goal was saved."))
            return redirect("portfolio:goals")
    context = {"form": form, "goal": goal}
    return render(request, "portfolio/goal_form.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def ahp_page(request: HttpRequest) -> HttpResponse:
    """Pairwise comparison of the goals; weights from the principal eigenvector, with CR."""
    require(permissions.can_manage_goals(request.user))
    goals = list(CouncilGoal.objects.active())
    form = AHPForm(request.POST or None, goals=goals)
    result = None
    if request.method == "POST" and form.is_valid() and len(goals) >= 2:
        matrix = prioritisation.ahp_matrix(len(goals), form.judgements())
        result = prioritisation.ahp(matrix)
        weights = [round(float(w), 3) for w in result.weights]
        if request.POST.get("action") == "save" and result.is_consistent:
            services.goal_weights_set(goals=goals, weights=weights, by=request.user)
            messages.success(request, _("The AHP weights are now the goals' weights."))
            return redirect("portfolio:goals")
        # In the page's language, as the ranking's weight fields read them ("0,637" in Swedish).
        query = urlencode(
            {
                f"w_{g.pk}": format_number(Decimal(str(w)))
                for g, w in zip(goals, weights, strict=True)
            }
        )
        result = {
            "ahp": result,
            "rows": list(zip(goals, weights, strict=True)),
            "apply_url": f"{reverse('portfolio:ranking')}?{query}",
        }
    context = {"form": form, "goals": goals, "result": result}
    return render(request, "portfolio/ahp.html", context)


def alignment_context(
    request: HttpRequest, initiative: Initiative, forms=None, *, editing: bool = False
) -> dict:
    """The goals with this initiative's score and reason; when the office is editing them, a form
    per goal (the initiative's page shows the scores, and the forms only on "Edit scores")."""
    goals = list(CouncilGoal.objects.active())
    existing = {a.goal_id: a for a in Alignment.objects.filter(initiative=initiative)}
    can_score = permissions.can_manage_goals(request.user) and not initiative.is_archived
    editing = editing and can_score
    forms = forms or {}
    rows = []
    for goal in goals:
        alignment = existing.get(goal.pk)
        form = None
        if editing:
            form = forms.get(goal.pk) or AlignmentForm(
                instance=alignment,
                prefix=f"g{goal.pk}",
                initial=None if alignment else {"score": 0},
            )
        rows.append({"goal": goal, "alignment": alignment, "form": form})
    return {
        "alignment_rows": rows,
        "can_score": can_score,
        "editing": editing,
        "initiative": initiative,
    }


def _scorable(request: HttpRequest, ref: str) -> Initiative:
    require(permissions.can_view(request.user))
    initiative = get_object_or_404(permissions.visible_to(request.user), ref=ref)
    require(permissions.can_manage_goals(request.user) and not initiative.is_archived)
    return initiative


@require_GET
@login_required
def alignment_edit(request: HttpRequest, ref: str) -> HttpResponse:
    """The office's score forms for one initiative: swapped into its page, or a page of its own."""
    initiative = _scorable(request, ref)
    context = alignment_context(request, initiative, editing=True)
    if wants_fragment(request, "goals"):
        return render(request, "portfolio/_alignment.html#goal-scores", context)
    return render(request, "portfolio/alignment_edit.html", context)


@require_POST
@login_required
def alignment_set(request: HttpRequest, ref: str, goal_pk: int) -> HttpResponse:
    initiative = _scorable(request, ref)
    goal = get_object_or_404(CouncilGoal, pk=goal_pk, active=True)
    form = AlignmentForm(request.POST, prefix=f"g{goal.pk}")
    status = 422
    if form.is_valid():
        # The service creates or updates the score: someone may have scored the goal first
        # since this form was opened (the later save wins).
        try:
            services.alignment_set(
                initiative=initiative, goal=goal, by=request.user, **form.cleaned_data
            )
        except InitiativeArchived as archived:
            form.add_error(None, str(archived))
        else:
            if not request.htmx:
                messages.success(request, _("The score was saved."))
                return redirect(f"{initiative.get_absolute_url()}#goals")
            form, status = None, 200
    if form is not None and not request.htmx:
        refused = form.non_field_errors()
        messages.error(
            request, refused[0] if refused else _("The score must be a whole number from 0 to 5.")
        )
        return redirect(f"{initiative.get_absolute_url()}#goals")
    context = alignment_context(
        request, initiative, {goal.pk: form} if form else None, editing=True
    )
    context["saved_goal"] = goal.pk if status == 200 else None
    return render(request, "portfolio/_alignment.html#goal-scores", context, status=status)
