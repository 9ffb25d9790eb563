"""Every plotly figure of the app, built in Python and sent to the page as JSON.

Each function returns the figure as plain data (dicts, lists, str, float); the template embeds it
with `{% figure_data %}` (Django's json_script, which escapes `<`, `>` and `&`, so no title can end
the script block), and one static script (static/js/charts.js) draws it. Plotly's JSON is written
directly: go.Figure's validation costs more than the query behind a chart. Each chart sits beside a
table of its numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from benefits.models import Benefit

BRAND = "#0b4f8a"
PLAN = "#4a5360"


def plotly_separators() -> str:
    """Decimal and thousands separators for the active language (Swedish and Finnish: comma and
    space)."""
    return ", " if translation.get_language() in ("sv", "fi") else ".,"


class MoneyScale:
    """The unit of a money axis, chosen from the data's magnitude: kronor are divided here, on
    the server, and the unit written in the axis title and the hover text in the page's language
    ("mnkr"/"tkr" in Swedish, "M SEK"/"k SEK" in English) instead of plotly's own "14M"."""

    def __init__(self, values) -> None:
        largest = max((abs(float(v)) for v in values if v is not None), default=0.0)
        if largest >= 1_000_000:
            self.divisor, self.decimals = 1_000_000, 2
            self.unit, self.per_year = _("M SEK"), _("M SEK/year")
        elif largest >= 10_000:
            self.divisor, self.decimals = 1_000, 0
            self.unit, self.per_year = _("k SEK"), _("k SEK/year")
        else:
            self.divisor, self.decimals = 1, 0
            self.unit, self.per_year = pgettext("unit", "SEK"), _("SEK/year")

    def __call__(self, value) -> float | None:
        return None if value is None else float(value) / self.divisor

    @property
    def hover(self) -> str:
        """A d3 format for the hover text: two decimals at most for millions, whole otherwise."""
        return f",.{self.decimals}~f" if self.decimals else ",.0f"

    def axis(self, title: str) -> dict:
        # exponentformat "none": ticks read 14, never 14M or 14k; the unit is in the title.
        return {"title": {"text": title}, "exponentformat": "none", "separatethousands": True}


def plain(value):
    """The figure with every Decimal as float and every date as ISO text, as plotly reads them."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def benefit_chart(benefit: Benefit, measurements: list) -> dict:
    """The planned line from baseline to target against the measured points, as JSON."""
    today = timezone.localdate()
    end = max([benefit.target_date, today, *[m.date for m in measurements]])
    plan_x = [benefit.baseline_date, benefit.target_date]
    plan_y = [benefit.baseline_value, benefit.target_value]
    if end > benefit.target_date:
        plan_x.append(end)
        plan_y.append(benefit.target_value)
    # The browser test proves plotly.js draws this spec.
    return {
        "data": [
            {"type": "scatter", "mode": "lines", "name": _("Plan"),
             "x": [d.isoformat() for d in plan_x], "y": [float(v) for v in plan_y],
             "line": {"color": PLAN, "dash": "dash"}},
            {"type": "scatter", "mode": "lines+markers", "name": _("Measured"),
             "x": [m.date.isoformat() for m in measurements],
             "y": [float(m.value) for m in measurements],
             "line": {"color": BRAND}, "marker": {"size": 8}},
        ],
        "layout": {
            "height": 260,
            "margin": {"l": 60, "r": 20, "t": 10, "b": 40},
            "yaxis": {"title": {"text": benefit.unit}},
            "xaxis": {"type": "date"},
            "legend": {"orientation": "h", "y": -0.25},
            "separators": plotly_separators(),
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "font": {"family": "system-ui, sans-serif", "size": 13},
        },
    }  # fmt: skip


def chart_rows(benefit: Benefit, measurements: list) -> list[dict]:
    """The chart's numbers as rows for its accessible table."""
    return [
        {"date": m.date, "value": m.value, "planned": benefit.planned_value(m.date)}
        for m in measurements
    ]


LAYOUT = {
    "margin": {"l": 60, "r": 20, "t": 10, "b": 50},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "font": {"family": "system-ui, sans-serif", "size": 13},
}


def rank_range_chart(rows: list[dict]) -> dict:
    """Each initiative's rank range (5th–95th percentile) as a horizontal bar, best at the top."""
    return _figure(
        [{"type": "bar", "orientation": "h", "name": _("Rank range"),
          "y": [row["label"] for row in rows],
          "x": [row["high"] - row["low"] + 0.8 for row in rows],
          "base": [row["low"] - 0.4 for row in rows],
          "marker": {"color": BRAND}, "hovertemplate": "%{y}<extra></extra>"}],
        height=max(240, 24 * len(rows) + 80),
        xaxis={"title": {"text": _("Rank (5th–95th percentile)")}, "rangemode": "tozero"},
        yaxis={"autorange": "reversed", "automargin": True},
    )  # fmt: skip


def frontier_chart(points: list[dict]) -> dict:
    """The best summed score at each budget level computed, as markers only: nothing is drawn
    between two points, for no value between them was computed.

    A point the time cut short (the best set found, not proven) is a hollow diamond, beside the
    filled circles of the proven optima: told apart by shape, not by colour alone. The chosen
    budget's point is ringed and labelled.
    """
    money = MoneyScale([point["budget"] for point in points])
    hover = f"%{{x:{money.hover}}} {money.unit}: %{{y:.1f}}"
    kinds = [
        (_("Proven optimum"), [p for p in points if p["optimal"]],
         {"symbol": "circle", "size": 9, "color": BRAND}),
        (_("Best set found, not proven optimal"), [p for p in points if not p["optimal"]],
         {"symbol": "diamond-open", "size": 11, "color": "#8a5200", "line": {"width": 2}}),
        (_("The chosen budget"), [p for p in points if p.get("chosen")],
         {"symbol": "circle-open", "size": 20, "color": PLAN, "line": {"width": 2}}),
    ]  # fmt: skip
    traces = [
        {"type": "scatter", "mode": "markers", "name": name,
         "x": [money(p["budget"]) for p in shown], "y": [p["score"] for p in shown],
         "marker": marker, "hovertemplate": hover}
        for name, shown, marker in kinds
        if shown
    ]  # fmt: skip
    annotations = [
        {"x": money(p["budget"]), "y": p["score"], "text": _("Chosen budget"), "showarrow": True,
         "arrowhead": 0, "ax": 0, "ay": -32}
        for p in points
        if p.get("chosen")
    ]  # fmt: skip
    return _figure(
        traces, height=340, annotations=annotations,
        margin={**LAYOUT["margin"], "t": 40, "b": 90},
        legend={"orientation": "h", "yanchor": "top", "y": -0.3},
        xaxis=money.axis(_("Budget (%(unit)s)") % {"unit": money.unit}),
        yaxis={"title": {"text": _("Summed strategic score")}},
    )  # fmt: skip


STAGE_COLOURS = {
    "idea": "#6b7683",
    "pilot": "#0b4f8a",
    "scaling": "#1d6b35",
    "operation": "#8a5200",
    "closed": "#4a5360",
}
REALISED = "#1d6b35"


def _figure(traces: list[dict], **layout) -> dict:
    return plain(
        {"data": traces, "layout": {**LAYOUT, "separators": plotly_separators(), **layout}}
    )


def stage_funnel(by_stage: list[tuple[str, str, int]]) -> dict:
    return _figure(
        [{"type": "funnel", "y": [label for _v, label, _n in by_stage],
          "x": [count for _v, _l, count in by_stage], "textinfo": "value",
          "marker": {"color": [STAGE_COLOURS[value] for value, _l, _n in by_stage]}}],
        height=280,
        # The stage names sit left of the funnel: room for the longest ("Uppskalning").
        margin={**LAYOUT["margin"], "l": 110},
        yaxis={"automargin": True},
    )  # fmt: skip


def expected_vs_realised(rows: list[dict]) -> dict:
    labels = [row["label"] for row in rows]
    money = MoneyScale([r["expected"] for r in rows] + [r["realised"] for r in rows])
    hover = f"%{{x}}: %{{y:{money.hover}}} {money.per_year}<extra>%{{fullData.name}}</extra>"
    return _figure(
        [{"type": "bar", "name": _("Expected"), "x": labels,
          "y": [money(r["expected"]) for r in rows], "marker": {"color": BRAND},
          "hovertemplate": hover},
         {"type": "bar", "name": _("Realised"), "x": labels,
          "y": [money(r["realised"]) for r in rows], "marker": {"color": REALISED},
          "hovertemplate": hover}],
        barmode="group", height=320, yaxis=money.axis(money.per_year),
        xaxis={"automargin": True}, legend={"orientation": "h", "y": 1.1},
    )  # fmt: skip


def planned_vs_realised(points: list[dict]) -> dict:
    months = [p["month"].isoformat() for p in points]
    money = MoneyScale([p["planned"] for p in points] + [p["realised"] for p in points])
    hover = f"%{{y:{money.hover}}} {money.per_year}<extra>%{{fullData.name}}</extra>"
    return _figure(
        [{"type": "scatter", "mode": "lines", "name": _("Planned"), "x": months,
          "y": [money(p["planned"]) for p in points], "line": {"color": "#4a5360", "dash": "dash"},
          "hovertemplate": hover},
         {"type": "scatter", "mode": "lines+markers", "name": _("Realised"), "x": months,
          "y": [money(p["realised"]) for p in points], "line": {"color": REALISED},
          "hovertemplate": hover}],
        height=320, yaxis=money.axis(money.per_year), xaxis={"type": "date"},
        legend={"orientation": "h", "y": 1.1},
    )  # fmt: skip


def has_money_value(row: dict) -> bool:
    """Whether an initiative has an expected SEK/year to place it on the value axis."""
    return bool(row["expected_sek"])


def score_bubbles(rows: list[dict], stage_labels: dict[str, str], url_for) -> dict:
    """Strategic score against expected SEK/year; bubble area ∝ budget, colour = stage.

    Only initiatives with a money value: the others would all sit on the zero line on top of each
    other, so the page lists them beside the chart instead. Bubbles that share a place (the same
    score and value) each name all the initiatives there in their hover text.
    """
    valued = [r for r in rows if has_money_value(r)]
    largest = max((float(r["budget"] or 0) for r in valued), default=0) or 1
    money = MoneyScale([r["expected_sek"] for r in valued])
    at_place: dict[tuple, list[str]] = {}
    for r in valued:
        place = (round(r["score"], 1), round(money(r["expected_sek"]), money.decimals))
        at_place.setdefault(place, []).append(f"{r['ref']} {r['title']}")

    def label(r: dict) -> str:
        place = (round(r["score"], 1), round(money(r["expected_sek"]), money.decimals))
        return "<br>".join(at_place[place])

    # One reverse() for all the links: the ref goes where the placeholder is.
    pattern = url_for("REF-PLACEHOLDER")
    hover = (
        f"%{{text}}<br>{_('Strategic score')}: %{{x:.1f}}<br>"
        f"{money.per_year}: %{{y:{money.hover}}}<extra></extra>"
    )
    traces = []
    for stage, colour in STAGE_COLOURS.items():
        members = [r for r in valued if r["stage"] == stage]
        if members:
            traces.append({
                "type": "scatter", "mode": "markers", "name": stage_labels[stage],
                "x": [r["score"] for r in members],
                "y": [money(r["expected_sek"]) for r in members],
                "marker": {"color": colour, "size": [float(r["budget"] or 0) for r in members],
                           "sizemode": "area", "sizeref": 2.0 * largest / (48.0**2),
                           "sizemin": 5, "line": {"color": "white", "width": 1}},
                "text": [label(r) for r in members],
                "customdata": [pattern.replace("REF-PLACEHOLDER", r["ref"]) for r in members],
                "hovertemplate": hover,
            })  # fmt: skip
    return _figure(
        traces, height=380,
        xaxis={"title": {"text": _("Strategic score")}, "range": [-5, 105]},
        yaxis=money.axis(_("Expected value (%(unit)s)") % {"unit": money.per_year}),
        legend={"orientation": "h", "y": 1.1},
    )  # fmt: skip


def business_case_chart(case) -> dict:
    """Costs (below the axis) and benefits per year, with the cumulative net as a line."""
    labels = [str(row.year) for row in case.years]
    money = MoneyScale(
        [row.cost for row in case.years]
        + [row.benefit for row in case.years]
        + [row.cumulative for row in case.years]
    )
    hover = f"%{{x}}: %{{y:{money.hover}}} {money.unit}<extra>%{{fullData.name}}</extra>"
    return _figure(
        [
            {"type": "bar", "name": _("Costs"), "x": labels,
             "y": [money(-row.cost) for row in case.years], "marker": {"color": "#8a5200"},
             "hovertemplate": hover},
            {"type": "bar", "name": _("Benefits"), "x": labels,
             "y": [money(row.benefit) for row in case.years], "marker": {"color": REALISED},
             "hovertemplate": hover},
            {"type": "scatter", "mode": "lines+markers", "name": _("Cumulative net"),
             "x": labels, "y": [money(row.cumulative) for row in case.years],
             "line": {"color": BRAND}, "hovertemplate": hover},
        ],
        barmode="relative", height=320, yaxis=money.axis(money.unit),
        xaxis={"type": "category"}, legend={"orientation": "h", "y": 1.12},
    )  # fmt: skip


COST = "#8a5200"
PLANNED_COST = "#d9b27a"
PLANNED_BENEFIT = "#9cc9a8"


def money_by_year(rows: list[dict]) -> dict:
    """The portfolio's money by year: planned and actual costs below the axis, planned and
    realised benefit money above it; planned and actual side by side in each year."""
    labels = [str(row["year"]) for row in rows]
    money = MoneyScale(
        [row["cost_planned"] for row in rows]
        + [row["cost_actual"] for row in rows]
        + [row["benefit_planned"] for row in rows]
        + [row["benefit_realised"] for row in rows]
    )
    hover = f"%{{x}}: %{{customdata:{money.hover}}} {money.unit}<extra>%{{fullData.name}}</extra>"

    def bars(name: str, key: str, colour: str, group: str, below: bool) -> dict:
        values = [money(row[key]) for row in rows]
        return {
            "type": "bar", "name": name, "x": labels, "offsetgroup": group,
            "y": [None if v is None else (-v if below else v) for v in values],
            "customdata": values, "marker": {"color": colour}, "hovertemplate": hover,
        }  # fmt: skip

    return _figure(
        [
            bars(_("Planned cost"), "cost_planned", PLANNED_COST, "planned", True),
            bars(_("Actual cost"), "cost_actual", COST, "actual", True),
            bars(_("Planned benefit"), "benefit_planned", PLANNED_BENEFIT, "planned", False),
            bars(_("Realised benefit"), "benefit_realised", REALISED, "actual", False),
        ],
        barmode="group", height=340, yaxis=money.axis(money.unit),
        xaxis={"type": "category"}, legend={"orientation": "h", "y": 1.12},
    )  # fmt: skip
