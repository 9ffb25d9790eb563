"""Money over time (nyttokalkyl), over plain data: no ORM, no Django.

The formulas of DESIGN.md "Money over time" and "Prioritisation economics": a benefit's money in
each calendar year, realised money by year, the business case (net, cumulative, NPV, benefit-cost
ratio, payback year) and the remaining cost a candidate brings to a budget selection.

Conventions, decided here once:

- Days are whole calendar days. A benefit's lifetime ends on the anniversary of its target date
  L years later, and that end day is *excluded*: a benefit reaching its target on 2025-01-01 with
  L = 5 counts every day of 2025…2029 and nothing from 2030-01-01 on, i.e. exactly L full years.
- A target on 29 February ends on 1 March in a common year (again excluded): the lifetime then
  runs to 28 February, so it contains each calendar day once a year, as every other target date's
  lifetime does. Ending on 28 February instead would drop a day from the last year.
- Money amounts are signed the way the benefits register signs them: negative for a dis-benefit
  (`Benefit.get_expected_sek`, `benefits.models.signed_sek_per_unit`). The functions here never
  flip a sign themselves, so the sign has one source.
- Undiscounted sums are exact (Decimal; floats enter through their shortest repr), so that a
  cumulative net of exactly 0 pays back: −0.1 − 0.2 + 0.3 is 0 here, not −2.8e−17. Discounted
  figures are floats.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

DEFAULT_LIFETIME_YEARS = 5
DEFAULT_HORIZON = 10
DEFAULT_DISCOUNT_RATE = 0.035

INVESTMENT = "investment"
RUNNING = "running"

Amount = Decimal | float | int


def _exact(amount: Amount) -> Decimal:
    # str() first: Decimal(0.1) would carry the binary error of the float along.
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))


def _check_dates(baseline: dt.date, target: dt.date) -> None:
    if baseline > target:
        raise ValueError(f"the baseline date {baseline} is after the target date {target}")


# --- Benefit money per year ----------------------------------------------------------------------


def lifetime_end(target: dt.date, lifetime_years: int = DEFAULT_LIFETIME_YEARS) -> dt.date:
    """The first day *after* a benefit's lifetime: its target date L whole years later (1 March
    for a 29 February target in a common year)."""
    if lifetime_years < 0:
        raise ValueError(f"a lifetime cannot be negative ({lifetime_years} years)")
    year = target.year + lifetime_years
    try:
        return target.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 3, 1)


def _realised_days(baseline: int, target: int, lo: int, hi: int) -> Fraction:
    """Σ f(d) for the days lo ≤ d < hi (day ordinals), in closed form.

    f is 0 up to the baseline, rises by 1/(target − baseline) a day, and is 1 from the target
    on. The ramp days baseline < d < target form an arithmetic series; the rest count 0 or 1.
    """
    first, stop = max(lo, baseline + 1), min(hi, target)
    ramp_days = max(stop - first, 0)
    # Σ (d − baseline) over first ≤ d < stop: n × (first term + last term) / 2; always even.
    if ramp_days:
        twice = ramp_days * ((first - baseline) + (stop - 1 - baseline))
        ramp = Fraction(twice, 2 * (target - baseline))
    else:  # also when baseline == target: no ramp, and no division by 0
        ramp = Fraction(0)
    full_days = max(hi - max(lo, target), 0)
    return ramp + full_days


def benefit_money_by_year(
    money_per_year: Amount,
    baseline: dt.date,
    target: dt.date,
    years: Iterable[int],
    *,
    lifetime_years: int = DEFAULT_LIFETIME_YEARS,
) -> list[float]:
    """B_y = M × (1/days(y)) × Σ_{d in y} f(d) for each calendar year y, in order.

    M is SEK/year at full realisation (negative for a dis-benefit); f(d) = clamp((d − baseline) /
    (target − baseline), 0, 1), 1 from the target on when the dates are equal, and 0 from
    `lifetime_end(target, lifetime_years)` on. Exact for leap years: a year of 366 days divides
    by 366. A baseline after the target raises ValueError.
    """
    _check_dates(baseline, target)
    end = lifetime_end(target, lifetime_years).toordinal()
    b, t, m = baseline.toordinal(), target.toordinal(), float(money_per_year)
    result = []
    for year in years:
        start, next_start = dt.date(year, 1, 1).toordinal(), dt.date(year + 1, 1, 1).toordinal()
        share = _realised_days(b, t, start, min(next_start, end)) / (next_start - start)
        result.append(m * float(share) + 0.0)  # + 0.0: no "−0" kronor for a dis-benefit
    return result


def _new_year_ordinal(years: np.ndarray) -> np.ndarray:
    # dt.date(y, 1, 1).toordinal() for an array of years (proleptic Gregorian, as Python's).
    y = years - 1
    return 365 * y + y // 4 - y // 100 + y // 400 + 1


def benefit_money_matrix(
    money_per_year: np.ndarray,
    baseline: np.ndarray,
    target: np.ndarray,
    end: np.ndarray,
    years: np.ndarray,
) -> np.ndarray:
    """`benefit_money_by_year` for many benefits at once: a (benefits × years) matrix.

    Dates are day ordinals (`date.toordinal()`); `end` is `lifetime_end(...)` of each benefit, so
    each benefit keeps its own lifetime. Float arithmetic, no loop over benefits or days: 10,000
    benefits × 11 years take a few milliseconds.
    """
    m = np.asarray(money_per_year, dtype=float)[:, None]
    b = np.asarray(baseline, dtype=np.int64)[:, None]
    t = np.asarray(target, dtype=np.int64)[:, None]
    e = np.asarray(end, dtype=np.int64)[:, None]
    if (b > t).any():
        raise ValueError("a baseline date is after its target date")
    if (e < t).any():
        raise ValueError("a lifetime ends before its target date")
    y = np.asarray(years, dtype=np.int64)
    start = _new_year_ordinal(y)[None, :]
    next_start = _new_year_ordinal(y + 1)[None, :]
    hi = np.minimum(next_start, e)
    first, stop = np.maximum(start, b + 1), np.minimum(hi, t)
    ramp_days = np.maximum(stop - first, 0)
    ramp_sum = ramp_days * ((first - b) + (stop - 1 - b))  # twice the ramp's Σ (d − baseline)
    span = np.broadcast_to(2 * (t - b), ramp_sum.shape)
    ramp = np.divide(ramp_sum, span, out=np.zeros(ramp_sum.shape), where=span > 0)
    full_days = np.maximum(hi - np.maximum(start, t), 0)
    return m * (ramp + full_days) / (next_start - start) + 0.0  # no −0.0


# --- Realised money per year ---------------------------------------------------------------------


def realised_money_by_year(
    measurements: Iterable[tuple[dt.date, Amount]],
    sek_per_unit: Amount,
    years: Iterable[int],
    today: dt.date,
) -> list[float | None]:
    """R_y × SEK per unit for each year, in order; None for years after today's.

    `measurements` are (date, realised improvement) pairs, the improvement as the register
    defines it (`Benefit.get_realised_improvement`: s × (value − baseline)). R_y is the one of
    the latest measurement on or before 31 December of a past year, or on or before today in
    the current year; 0 when there is none. `sek_per_unit` is signed, negative for a
    dis-benefit. Future years are None rather than 0: nothing can have been realised yet, and a
    table should show a blank, not a kronor figure that looks measured.
    """
    dated = sorted(measurements, key=lambda pair: pair[0])
    dates = [on for on, _ in dated]
    per_unit = float(sek_per_unit)
    result: list[float | None] = []
    for year in years:
        if year > today.year:
            result.append(None)
            continue
        cutoff = today if year == today.year else dt.date(year, 12, 31)
        latest = bisect.bisect_right(dates, cutoff) - 1
        result.append(float(dated[latest][1]) * per_unit if latest >= 0 else 0.0)
    return result


# --- Costs and the business case -----------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    year: int
    kind: str  # INVESTMENT or RUNNING
    planned: Amount = 0
    actual: Amount | None = None  # None: nothing spent (yet)


def costs_by_year(
    lines: Iterable[CostLine], *, actual: bool = False, kind: str | None = None
) -> dict[int, Decimal]:
    """C_y, summed over the lines of each year: planned amounts, or with `actual` the actual
    ones (realised costs); only one kind when `kind` is given."""
    totals: dict[int, Decimal] = {}
    for line in lines:
        if kind is not None and line.kind != kind:
            continue
        amount = line.actual if actual else line.planned
        totals[line.year] = totals.get(line.year, Decimal(0)) + _exact(amount or 0)
    return totals


@dataclass(frozen=True)
class YearFigures:
    year: int
    t: int
    cost: float
    benefit: float
    net: float
    cumulative_net: float  # undiscounted
    discount_factor: float  # 1 / (1 + r)^t
    discounted_net: float


@dataclass(frozen=True)
class BusinessCase:
    years: list[YearFigures]
    npv: float
    present_benefit: float
    present_cost: float
    bcr: float | None  # None when the discounted cost is 0
    payback_year: int | None  # None when not within the horizon


def business_case(
    costs_by_year: Mapping[int, Amount],
    benefits_by_year: Mapping[int, Amount],
    base_year: int,
    horizon: int = DEFAULT_HORIZON,
    rate: float = DEFAULT_DISCOUNT_RATE,
) -> BusinessCase:
    """The business case over t = 0 … H from `base_year`: per year C_t, B_t, N_t = B_t − C_t,
    the cumulative net and the discounted net; NPV = Σ N_t/(1+r)^t; BCR = Σ B_t/(1+r)^t ÷
    Σ C_t/(1+r)^t; the payback year, the first year whose cumulative net is ≥ 0.

    Money in years outside the horizon is not counted: the caller picks the base year (by
    default the initiative's start year, before which it has no costs).
    """
    if horizon < 0:
        raise ValueError(f"the horizon cannot be negative ({horizon} years)")
    if rate <= -1:
        raise ValueError(f"a discount rate must be above −100 % ({rate})")
    rows, cumulative, payback = [], Decimal(0), None
    npv = present_benefit = present_cost = 0.0
    for t in range(horizon + 1):
        year = base_year + t
        cost = _exact(costs_by_year.get(year, 0))
        benefit = _exact(benefits_by_year.get(year, 0))
        net = benefit - cost
        cumulative += net
        if payback is None and cumulative >= 0:
            payback = year
        factor = 1 / (1 + rate) ** t
        npv += float(net) * factor
        present_benefit += float(benefit) * factor
        present_cost += float(cost) * factor
        rows.append(
            YearFigures(
                year=year,
                t=t,
                cost=float(cost),
                benefit=float(benefit),
                net=float(net),
                cumulative_net=float(cumulative),
                discount_factor=factor,
                discounted_net=float(net) * factor,
            )
        )
    return BusinessCase(
        years=rows,
        npv=npv,
        present_benefit=present_benefit,
        present_cost=present_cost,
        bcr=present_benefit / present_cost if present_cost != 0 else None,
        payback_year=payback,
    )


# --- Prioritisation economics --------------------------------------------------------------------


def remaining_cost(
    budget: Amount,
    cost_to_date: Amount,
    *,
    running_cost_per_year: Amount = 0,
    running_years: int = 0,
) -> Decimal:
    """A candidate's cost in the budget selection: max(budget − cost to date, 0), plus its
    running cost over `running_years` when asked.

    Money already spent is sunk: it never counts against the available budget, and an overrun
    does not give money back to the others.
    """
    if running_years < 0:
        raise ValueError(f"running years cannot be negative ({running_years})")
    unspent = max(_exact(budget) - _exact(cost_to_date), Decimal(0))
    return unspent + _exact(running_cost_per_year) * running_years
