from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from benefits.models import Benefit, PortfolioSetting
from initiatives.models import Stage
from organisation import permissions
from organisation.permissions import require
from portfolio import charts, dashboard
from portfolio.cache import cached
from portfolio.forms import DashboardFilterForm
from portfolio.htmx import wants_fragment
from portfolio.models import CouncilGoal


@require_GET
@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """What the portfolio costs, promises, delivers, and where it is stuck; all roles may view."""
    require(permissions.can_view(request.user))
    form = DashboardFilterForm(request.GET or None)
    filters = form.values()
    # The calibrated figures only on request; their link to the calibration page only for whom
    # may open it.
    calibrated = form.show_calibrated()
    link = calibrated and permissions.can_see_calibration(request.user)
    # Every role reads the same portfolio here (visible_to(...).active()), so one cache entry
    # serves them all; what it shows depends on the filter, the calibrated toggle (and the link),
    # the language and today's date. The rendered figures are cached, not only the numbers: their
    # tables are most of the work.
    key = ":".join(
        [
            "dashboard",
            str(getattr(filters["department"], "pk", "")),
            str(getattr(filters["goal"], "pk", "")),
            "calibrated-link" if link else "calibrated" if calibrated else "promised",
            translation.get_language(),
            timezone.localdate().isoformat(),
        ]
    )
    body = cached(
        key,
        lambda: render_to_string(
            "portfolio/dashboard.html#dashboard-body",
            {
                "form": form,
                "calibration_link": link,
                **dashboard_figures(request, filters, calibrated=calibrated),
            },
            request,
        ),
    )
    if wants_fragment(request, "dashboard-body"):
        return HttpResponse(body)
    return render(request, "portfolio/dashboard.html", {"form": form, "body": body})


def dashboard_figures(request: HttpRequest, filters: dict, *, calibrated: bool = False) -> dict:
    """Everything the dashboard shows, computed in the database: about twenty queries, two more
    with the calibrated figures."""
    initiatives = dashboard.filter_initiatives(
        permissions.visible_to(request.user).active(), **filters
    )
    setting = PortfolioSetting.current()
    rate = setting.hourly_rate
    benefits = Benefit.objects.filter(initiative__in=initiatives).with_figures(rate=rate)
    goals = list(CouncilGoal.objects.active())
    found = dashboard.figures_for(
        initiatives, benefits, goals, **filters, rate=rate, unassigned=_("No goal scored"),
        horizon=setting.horizon_years,
    )  # fmt: skip
    head, after, departments = found["head"], found["after"], found["departments"]
    by_goal, timeline, behind = found["by_goal"], found["timeline"], found["behind"]
    calibrated_head = (
        dashboard.calibrated_headline(benefits, head.expected_sek, rate) if calibrated else None
    )
    bubbles = dashboard.score_vs_value(initiatives, goals)
    stage_labels = {value: str(label) for value, label in Stage.choices}
    now = next((p for p in reversed(timeline) if p["realised"] is not None), None)
    return {
        "head": head,
        "after": after,
        "calibrated": calibrated_head,
        "departments": departments,
        "by_goal": by_goal,
        "timeline": timeline,
        "timeline_now": now,
        "top_goal": max(by_goal, key=lambda row: row["expected"], default=None),
        "bubbles": sorted(bubbles, key=lambda row: -row["score"]),
        "behind": behind,
        "decisions": dashboard.latest_decisions(initiatives),
        "pilots": dashboard.pilots_waiting(initiatives),
        "money_years": found["money_years"],
        "money_totals": _money_totals(found["money_years"]),
        "actors": found["actors"],
        "crossings": found["crossings"],
        "horizon": setting.horizon_years,
        "charts": {
            "money_years": charts.money_by_year(found["money_years"]),
            "funnel": charts.stage_funnel(head.by_stage),
            "departments": charts.expected_vs_realised(departments),
            "goals": charts.expected_vs_realised(by_goal),
            "timeline": charts.planned_vs_realised(timeline),
            "bubbles": charts.score_bubbles(
                bubbles, stage_labels, lambda ref: reverse("initiatives:detail", args=[ref])
            ),
        },
    }


def _money_totals(rows: list[dict]) -> dict:
    """The money by year summed over the years shown."""
    return {
        key: sum(row[key] or 0 for row in rows)
        for key in ("cost_planned", "cost_actual", "benefit_planned")
    }
