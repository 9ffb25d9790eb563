"""Plotly figures for benefits, built in Python and sent to the page as JSON."""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from benefits.models import Benefit

BRAND = "#0b4f8a"
PLAN = "#4a5360"


def plotly_separators() -> str:
    """Decimal and thousands separators for the active language (Swedish: comma and space)."""
    return ", " if translation.get_language() == "sv" else ".,"


def benefit_chart(benefit: Benefit, measurements: list) -> str:
    """The planned line from baseline to target against the measured points, as JSON."""
    today = timezone.localdate()
    end = max([benefit.target_date, today, *[m.date for m in measurements]])
    plan_x = [benefit.baseline_date, benefit.target_date]
    plan_y = [benefit.baseline_value, benefit.target_value]
    if end > benefit.target_date:
        plan_x.append(end)
        plan_y.append(benefit.target_value)
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[d.isoformat() for d in plan_x],
            y=[float(v) for v in plan_y],
            mode="lines",
            name=_("Plan"),
            line={"color": PLAN, "dash": "dash"},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[m.date.isoformat() for m in measurements],
            y=[float(m.value) for m in measurements],
            mode="lines+markers",
            name=_("Measured"),
            line={"color": BRAND},
            marker={"size": 8},
        )
    )
    figure.update_layout(
        height=260,
        margin={"l": 60, "r": 20, "t": 10, "b": 40},
        yaxis={"title": {"text": benefit.unit}},
        xaxis={"type": "date"},
        legend={"orientation": "h", "y": -0.25},
        separators=plotly_separators(),
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": "system-ui, sans-serif", "size": 13},
    )
    return figure.to_json()


def chart_rows(benefit: Benefit, measurements: list) -> list[dict]:
    """The chart's numbers as rows for its accessible table."""
    return [
        {"date": m.date, "value": m.value, "planned": benefit.planned_value(m.date)}
        for m in measurements
    ]
