"""What history teaches: how much of what benefits promised was realised.

Reference-class forecasting, as the UK Green Book's optimism-bias adjustment does: the realisation
rate (realised improvement as a share of the promised one, the register's own `with_figures`
annotation) of every benefit that is due — its target date passed and at least one measurement
taken — grouped by the initiative's kind, department, the benefit's category and its confidence.
One query fetches the rates with their four keys; the grouping and the quartiles are done here, in
Python, over at most one row per benefit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from benefits.models import Benefit, Category, Confidence, hourly_rate
from initiatives.models import Kind

# Below this many cases a median says nothing worth showing.
MIN_CASES = 3

MEDIAN_COLOUR = "#0b4f8a"
PROMISE_COLOUR = "#4a5360"


@dataclass(frozen=True)
class Group:
    """The realisation rates of one group of due benefits: how many, median, quartiles, range."""

    key: str
    label: str
    cases: int
    median: float
    lower_quartile: float
    upper_quartile: float
    minimum: float
    maximum: float


@dataclass(frozen=True)
class Calibration:
    """Every due benefit's realisation rate, summarised overall and by the four keys."""

    overall: Group | None
    by_kind: list[Group] = field(default_factory=list)
    by_department: list[Group] = field(default_factory=list)
    by_category: list[Group] = field(default_factory=list)
    by_confidence: list[Group] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return self.overall.cases if self.overall else 0

    @property
    def enough(self) -> bool:
        return self.cases >= MIN_CASES


@dataclass(frozen=True)
class KindCalibration:
    """What the benefits of one initiative kind delivered: all together and by category."""

    overall: Group | None
    by_category: list[Group] = field(default_factory=list)

    @property
    def enough(self) -> bool:
        return self.overall is not None and self.overall.cases >= MIN_CASES


def summarise(key: str, label: str, rates: list[float]) -> Group:
    """Median, quartiles (numpy's default linear percentile), minimum and maximum of the rates."""
    values = np.asarray(rates, dtype=float)
    lower, median, upper = np.percentile(values, [25, 50, 75])
    return Group(
        key=key,
        label=str(label),  # resolved now, in the language of the request
        cases=len(rates),
        median=float(median),
        lower_quartile=float(lower),
        upper_quartile=float(upper),
        minimum=float(values.min()),
        maximum=float(values.max()),
    )


def due_benefits(today: dt.date | None = None):
    """Benefits with a realisation rate worth learning from: target date passed, at least one
    measurement, something promised (expected improvement not 0), initiative not archived."""
    today = today or timezone.localdate()
    return (
        Benefit.objects.with_figures(rate=hourly_rate(), today=today)
        .filter(
            target_date__lte=today,
            latest_value__isnull=False,
            initiative__archived_at__isnull=True,
        )
        .exclude(target_value=F("baseline_value"))
        .order_by()
    )


def _groups(rows: list[tuple], index: int, labels: dict[str, str], order: list[str]) -> list[Group]:
    by_key: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        by_key[row[index]].append(row[0])
    return [summarise(key, labels.get(key, key), by_key[key]) for key in order if key in by_key]


def realisation_history(today: dt.date | None = None) -> Calibration:
    """The realisation rates of all due benefits, overall and by kind, department, category and
    confidence; two queries (the hourly rate and the rates) whatever the number of benefits."""
    rows = [
        (float(rate), kind, department, category, confidence)
        for rate, kind, department, category, confidence in due_benefits(today).values_list(
            "realisation_rate",
            "initiative__kind",
            "initiative__department__name",
            "category",
            "confidence",
        )
        if rate is not None
    ]
    if not rows:
        return Calibration(overall=None)
    departments = sorted({row[2] for row in rows}, key=str.casefold)
    return Calibration(
        overall=summarise("all", _("All benefits"), [row[0] for row in rows]),
        by_kind=_groups(rows, 1, dict(Kind.choices), list(Kind.values)),
        by_department=_groups(rows, 2, {}, departments),
        by_category=_groups(rows, 3, dict(Category.choices), list(Category.values)),
        by_confidence=_groups(rows, 4, dict(Confidence.choices), list(Confidence.values)),
    )


def for_kind(kind: str, today: dt.date | None = None) -> KindCalibration:
    """What the due benefits of initiatives of this kind realised, overall and by category; two
    queries (the hourly rate and the rates)."""
    rows = [
        (float(rate), category)
        for rate, category in due_benefits(today)
        .filter(initiative__kind=kind)
        .values_list("realisation_rate", "category")
        if rate is not None
    ]
    if not rows:
        return KindCalibration(overall=None)
    return KindCalibration(
        overall=summarise(kind, dict(Kind.choices).get(kind, kind), [row[0] for row in rows]),
        by_category=_groups(rows, 1, dict(Category.choices), list(Category.values)),
    )


def chart(groups: list[Group]) -> dict:
    """The median realisation rate of each group as a marker, its middle half (25th to 75th
    percentile) as an error bar, and a dashed line at 100 % (everything promised realised)."""
    labels = [group.label for group in groups]
    hover = _("%(label)s: median %(median)s, middle half %(lower)s–%(upper)s, cases: %(cases)s") % {
        "label": "%{y}",
        "median": "%{x:.0%}",
        "lower": "%{customdata[0]:.0%}",
        "upper": "%{customdata[1]:.0%}",
        "cases": "%{customdata[2]}",
    }
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "name": _("Median"),
                "y": labels,
                "x": [group.median for group in groups],
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [group.upper_quartile - group.median for group in groups],
                    "arrayminus": [group.median - group.lower_quartile for group in groups],
                    "color": MEDIAN_COLOUR,
                    "thickness": 2,
                    "width": 6,
                },
                "customdata": [
                    [group.lower_quartile, group.upper_quartile, group.cases] for group in groups
                ],
                "marker": {"color": MEDIAN_COLOUR, "size": 11, "symbol": "diamond"},
                "hovertemplate": f"{hover}<extra></extra>",
            }
        ],
        "layout": {
            "margin": {"l": 60, "r": 20, "t": 10, "b": 50},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "font": {"family": "system-ui, sans-serif", "size": 13},
            # Swedish and Finnish write 0,5 and 1 000; the hover and ticks follow the page.
            "separators": ", " if translation.get_language() in ("sv", "fi") else ".,",
            "height": max(220, 40 * len(groups) + 90),
            "showlegend": False,
            "xaxis": {
                "title": {"text": _("Realised as a share of what was promised")},
                "tickformat": ".0%",
                "rangemode": "tozero",
                "zeroline": True,
            },
            "yaxis": {"autorange": "reversed", "automargin": True},
            "shapes": [
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": 1,
                    "x1": 1,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": PROMISE_COLOUR, "dash": "dash"},
                }
            ],
        },
    }
