"""Plotly figures for the prioritisation, built in Python and sent to the page as JSON."""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from benefits.charts import BRAND, plotly_separators

LAYOUT = {
    "margin": {"l": 60, "r": 20, "t": 10, "b": 50},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "font": {"family": "system-ui, sans-serif", "size": 13},
}


def rank_range_chart(rows: list[dict]) -> str:
    """Each initiative's rank range (5th–95th percentile) as a horizontal bar, best at the top."""
    labels = [row["label"] for row in rows]
    figure = go.Figure(
        go.Bar(
            y=labels,
            x=[row["high"] - row["low"] + 0.8 for row in rows],
            base=[row["low"] - 0.4 for row in rows],
            orientation="h",
            marker={"color": BRAND},
            hovertemplate="%{y}<extra></extra>",
            name=_("Rank range"),
        )
    )
    figure.update_layout(
        height=max(240, 24 * len(rows) + 80),
        xaxis={"title": {"text": _("Rank (5th–95th percentile)")}, "rangemode": "tozero"},
        yaxis={"autorange": "reversed", "automargin": True},
        separators=plotly_separators(),
        **LAYOUT,
    )
    return figure.to_json()


def frontier_chart(points: list[tuple[int, float]], budget: int | None) -> str:
    """The best achievable summed score for each budget level."""
    figure = go.Figure(
        go.Scatter(
            x=[b for b, _score in points],
            y=[score for _b, score in points],
            mode="lines+markers",
            line={"color": BRAND, "shape": "hv"},
            name=_("Best achievable score"),
        )
    )
    if budget is not None:
        figure.add_vline(x=budget, line_dash="dash", line_color="#4a5360")
    figure.update_layout(
        height=300,
        xaxis={"title": {"text": _("Budget (SEK)")}},
        yaxis={"title": {"text": _("Summed strategic score")}},
        separators=plotly_separators(),
        **LAYOUT,
    )
    return figure.to_json()
