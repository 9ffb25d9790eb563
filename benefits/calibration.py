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
from decimal import Decimal

import numpy as np
from django.db.models import F, Sum
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


def due_benefits(today: dt.date | None = None, rate: Decimal | None = None):
    """Benefits with a realisation rate worth learning from: target date passed, at least one
    measurement, something promised (expected improvement not 0), initiative not archived.

    `rate`, the hourly rate, when the caller has read it already (saves a query)."""
    today = today or timezone.localdate()
    return (
        Benefit.objects.with_figures(rate=hourly_rate() if rate is None else rate, today=today)
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


# Calibrated figures: what a promise is likely worth, judged by what similar promises delivered --


class Basis:
    """Which reference class a calibration factor comes from, narrowest first."""

    KIND_CATEGORY = "kind_category"
    KIND = "kind"
    ALL = "all"


@dataclass(frozen=True)
class Factor:
    """The median realisation rate a promised figure is multiplied by, and its reference class:
    how many due benefits it rests on."""

    rate: float
    cases: int
    basis: str  # Basis

    @property
    def multiplier(self) -> Decimal:
        """The rate as a Decimal, for kronor (through its shortest repr, so 0.65 is 0.65)."""
        return Decimal(repr(self.rate))


@dataclass(frozen=True)
class Factors:
    """The calibration factor of every (initiative kind, benefit category) pair.

    Each pair has the median of its own due benefits when they are at least MIN_CASES, else the
    median of its kind's when they are, else the median of all due benefits when they are; else
    None: fewer than MIN_CASES due benefits in all say nothing worth multiplying by.
    """

    overall: Group | None
    pairs: dict[tuple[str, str], Factor | None]

    def get(self, kind: str, category: str) -> Factor | None:
        """The factor of a pair; an unknown kind or category falls back to all due benefits."""
        if (kind, category) in self.pairs:
            return self.pairs[kind, category]
        return self.fallback

    @property
    def fallback(self) -> Factor | None:
        """The factor of all due benefits, when there are enough of them."""
        if self.overall is None or self.overall.cases < MIN_CASES:
            return None
        return _factor(self.overall, Basis.ALL)

    @property
    def cases(self) -> int:
        return self.overall.cases if self.overall else 0


def _factor(group: Group | None, basis: str) -> Factor | None:
    if group is None:
        return None
    return Factor(rate=group.median, cases=group.cases, basis=basis)


def calibration_factors(today: dt.date | None = None, rate: Decimal | None = None) -> Factors:
    """The factors of all (kind, category) pairs: one query for the rates (two without `rate`,
    the hourly rate), whatever the number of benefits.

    Reference-class forecasting: a benefit's calibrated expected SEK/year is its promised
    expected SEK/year × the factor of its initiative's kind and its category (`calibrated`).
    """
    rows = [
        (float(value), kind, category)
        for value, kind, category in due_benefits(today, rate).values_list(
            "realisation_rate", "initiative__kind", "category"
        )
        if value is not None
    ]
    by_pair: dict[tuple[str, str], list[float]] = defaultdict(list)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for value, kind, category in rows:
        by_pair[kind, category].append(value)
        by_kind[kind].append(value)
    overall = summarise("all", _("All benefits"), [row[0] for row in rows]) if rows else None
    fallback = Factors(overall=overall, pairs={}).fallback
    pairs: dict[tuple[str, str], Factor | None] = {}
    for kind in Kind.values:
        kind_factor = (
            _factor(summarise(kind, kind, by_kind[kind]), Basis.KIND)
            if len(by_kind[kind]) >= MIN_CASES
            else fallback
        )
        for category in Category.values:
            cases = by_pair.get((kind, category), [])
            pairs[kind, category] = (
                _factor(summarise(category, category, cases), Basis.KIND_CATEGORY)
                if len(cases) >= MIN_CASES
                else kind_factor
            )
    return Factors(overall=overall, pairs=pairs)


def calibrated(expected_sek: Decimal | None, factor: Factor | None) -> Decimal | None:
    """The calibrated expected SEK/year: the promised figure × the factor; None without either."""
    if expected_sek is None or factor is None:
        return None
    return expected_sek * factor.multiplier


def calibrated_sums(rows, factors: Factors, key: str = "initiative") -> dict:
    """Calibrated expected SEK/year per `key`, from rows grouped by `key`, initiative kind and
    category with their summed expected SEK/year (`total`): see `calibrated_by_initiative`.

    A key whose benefits have no money value gets None, as the promised sum does; so does every
    key when no benefit is due yet (nothing to calibrate with).
    """
    sums: dict = {}
    for row in rows:
        part = calibrated(row["total"], factors.get(row["initiative__kind"], row["category"]))
        previous = sums.get(row[key])
        sums[row[key]] = part if previous is None else previous + (part or 0)
    return sums


def grouped_expected(benefits, *keys: str):
    """Benefits (annotated `with_figures`) grouped by `keys`, initiative kind and category, with
    their summed expected SEK/year as `total`; the input of `calibrated_sums`. One query."""
    return (
        benefits.order_by()
        .values(*keys, "initiative__kind", "category")
        .annotate(total=Sum("expected_sek"))
    )


def calibrated_by_initiative(benefits, factors: Factors) -> dict[int, Decimal | None]:
    """Calibrated expected SEK/year per initiative id, in one query beyond the factors.

    `benefits` is annotated `with_figures` (and filtered as the caller likes); the benefits are
    grouped by initiative, kind and category, their expected SEK/year summed in the database and
    each group's sum multiplied by its pair's factor here:

        factors = calibration_factors(rate=rate)
        benefits = Benefit.objects.filter(...).with_figures(rate=rate)
        sums = calibrated_by_initiative(benefits, factors)
    """
    return calibrated_sums(grouped_expected(benefits, "initiative"), factors)


def calibrated_total(benefits, factors: Factors) -> Decimal | None:
    """The calibrated expected SEK/year of all the benefits (annotated `with_figures`) together;
    one query beyond the factors. None when none has a money value, or no benefit is due yet."""
    rows = [{**row, "all": "all"} for row in grouped_expected(benefits)]
    return calibrated_sums(rows, factors, key="all").get("all")
