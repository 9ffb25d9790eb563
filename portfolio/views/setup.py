"""The first-run setup: five steps, each its own page, each saving as it goes (see setup.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benefits.forms import HourlyRateForm
from benefits.models import PortfolioSetting
from benefits.services import hourly_rate_set
from organisation import permissions
from organisation.models import Department, Organisation
from organisation.permissions import require
from portfolio import setup
from portfolio.demo import GOALS
from portfolio.forms import SetupDepartmentsForm, SetupGoalsForm, SetupNameForm
from portfolio.models import CouncilGoal


def _step_context(request: HttpRequest, number: int, **context) -> dict:
    setup.reached(request, number)
    steps = [
        {"number": n, "title": title, "url": reverse(name), "current": n == number}
        for n, (name, title) in enumerate(setup.STEPS, start=1)
    ]
    return {
        "steps": steps,
        "step": steps[number - 1],
        "total": len(steps),
        "back": steps[number - 2]["url"] if number > 1 else None,
        **context,
    }


def _open_or_done(request: HttpRequest) -> HttpResponse | None:
    """Permission first; then, once the setup is finished, its steps are closed."""
    require(permissions.can_set_up(request.user))
    if not setup.setup_open():
        messages.info(
            request, _("The setup is finished. Change these settings on their own pages.")
        )
        return redirect("home")
    return None


def _posted(request: HttpRequest):
    # An empty POST is still a POST: "continue" with nothing ticked must be validated.
    return request.POST if request.method == "POST" else None


def _next(number: int) -> HttpResponse:
    return redirect(setup.STEPS[number][0])


@require_GET
@login_required
def setup_start(request: HttpRequest) -> HttpResponse:
    """Where the office is sent on an installation that is not set up: the step to continue at."""
    if closed := _open_or_done(request):
        return closed
    return redirect(setup.STEPS[setup.resume_step(request) - 1][0])


@require_GET
@login_required
def setup_pending(request: HttpRequest) -> HttpResponse:
    """For everyone else, until the office has set the installation up."""
    if permissions.can_set_up(request.user):
        return redirect("portfolio:setup")
    if not setup.setup_needed():
        return redirect("home")
    return render(request, "portfolio/setup_pending.html")


@require_http_methods(["GET", "POST"])
@login_required
def setup_name(request: HttpRequest) -> HttpResponse:
    if closed := _open_or_done(request):
        return closed
    organisation = Organisation.current()
    form = SetupNameForm(_posted(request), initial={"name": organisation.name})
    if request.method == "POST" and form.is_valid():
        setup.organisation_rename(name=form.cleaned_data["name"], by=request.user)
        return _next(1)
    context = _step_context(request, 1, form=form)
    return render(request, "portfolio/setup_name.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def setup_departments(request: HttpRequest) -> HttpResponse:
    """Typed or pasted lines; "preview" shows what would be created, "save" creates it."""
    if closed := _open_or_done(request):
        return closed
    form = SetupDepartmentsForm(_posted(request))
    plan = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["lines"]
        if request.POST.get("action") == "preview":
            plan = setup.departments_plan(text)
        elif text.strip():
            plan = setup.departments_create_from_text(text=text, by=request.user)
            if plan.ok:
                created = len(plan.new)
                messages.success(
                    request,
                    ngettext("%(count)s department was added.",
                             "%(count)s departments were added.", created)
                    % {"count": created},
                )  # fmt: skip
                return _next(2)
        elif Department.objects.active().exists():
            return _next(2)  # nothing typed: keep those there are
        else:
            form.add_error("lines", _("Add at least one department."))
        if plan is not None and not plan.ok:
            form.add_error("lines", plan.error or _("Some lines need correcting; see below."))
    context = _step_context(
        request, 2, form=form, plan=plan, departments=Department.objects.active()
    )
    return render(
        request, "portfolio/setup_departments.html", context, status=422 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@login_required
def setup_goals(request: HttpRequest) -> HttpResponse:
    if closed := _open_or_done(request):
        return closed
    goals = list(CouncilGoal.objects.active())
    titles = {goal.title.casefold() for goal in goals}
    suggestions = [goal for goal in GOALS if goal[0].casefold() not in titles]
    form = SetupGoalsForm(_posted(request), suggestions=suggestions, has_goals=bool(goals))
    if request.method == "POST" and form.is_valid():
        drafts = [setup.GoalDraft(**draft) for draft in form.drafts()]
        added = setup.goals_add(goals=drafts, by=request.user) if drafts else 0
        if added:
            messages.success(
                request,
                ngettext("%(count)s goal was added.", "%(count)s goals were added.", added)
                % {"count": added},
            )
        return _next(3)
    context = _step_context(request, 3, form=form, goals=goals)
    status = 422 if form.errors else 200
    return render(request, "portfolio/setup_goals.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def setup_rate(request: HttpRequest) -> HttpResponse:
    if closed := _open_or_done(request):
        return closed
    form = HourlyRateForm(_posted(request), instance=PortfolioSetting.current())
    if request.method == "POST" and form.is_valid():
        hourly_rate_set(rate=form.cleaned_data["hourly_rate"], by=request.user)
        return _next(4)
    context = _step_context(request, 4, form=form)
    return render(request, "portfolio/setup_rate.html", context, status=422 if form.errors else 200)


@require_GET
@login_required
def setup_import(request: HttpRequest) -> HttpResponse:
    if closed := _open_or_done(request):
        return closed
    context = _step_context(request, 5, missing=setup.missing_for_finish())
    return render(request, "portfolio/setup_import.html", context)


@require_POST
@login_required
def setup_finish(request: HttpRequest) -> HttpResponse:
    require(permissions.can_set_up(request.user))
    try:
        setup.organisation_setup_finish(by=request.user)
    except setup.SetupAlreadyFinished:
        messages.info(request, _("The setup was already finished."))  # a second click
        return redirect("home")
    except setup.SetupIncomplete as incomplete:
        context = _step_context(request, 5, missing=incomplete.missing, refused=True)
        return render(request, "portfolio/setup_import.html", context, status=422)
    messages.success(request, _("The setup is finished. Welcome to the portfolio."))
    return redirect("home")
