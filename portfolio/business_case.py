"""One initiative's business case from its cost lines and benefits (portfolio.economics does
the maths): the table year by year, planned and realised side by side, NPV, benefit-cost ratio,
payback year, and who pays and who gains.

A constant number of queries per initiative: the settings, the cost lines with their payers, the
benefits with their gaining departments, and their measurements.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.utils import timezone

from benefits.models import Benefit, Gainer, Measurement, PortfolioSetting
from initiatives import costs
from initiatives.costs import base_year
from initiatives.models import CostLine, Initiative
from portfolio import economics


@dataclass(frozen=True)
class Year:
    year: int
    investment: float
    running: float
    cost: float
    benefit: float
    net: float
    cumulative: float
    actual_cost: float | None  # None: no actual amount recorded for the year
    realised_benefit: float | None  # None: a future year
    realised_net: float | None


@dataclass
class Actor:
    name: str
    pays: float = 0.0
    gains: float = 0.0

    @property
    def net(self) -> float:
        return self.gains - self.pays


@dataclass(frozen=True)
class Case:
    base_year: int
    horizon: int
    rate_percent: Decimal
    years: list[Year]
    npv: float
    bcr: float | None
    payback_year: int | None
    realised_npv_to_date: float | None
    actors: list[Actor] = field(default_factory=list)
    lines: list = field(default_factory=list)  # the saved cost lines, with their payers
    # Benefits with no money value (neither SEK per unit nor the hourly rate): not in the sums.
    unvalued: int = 0
    has_money: bool = False


def _payer_name(line) -> str:
    return line.payer.name if line.payer_id else line.payer_other


def _gainer_name(benefit: Benefit, initiative: Initiative) -> str:
    if benefit.gainer == Gainer.DEPARTMENT:
        department = benefit.gainer_department or initiative.department
        return department.name
    if benefit.gainer == Gainer.OTHER and benefit.gainer_other:
        return benefit.gainer_other
    return str(Gainer(benefit.gainer).label)


def initiative_case(initiative: Initiative, *, today: dt.date | None = None) -> Case:
    """The business case of one initiative, as the office's settings say (rate, horizon)."""
    today = today or timezone.localdate()
    setting = PortfolioSetting.current()
    rate = float(setting.discount_rate) / 100
    horizon = setting.horizon_years
    start = base_year(initiative)
    years = list(range(start, start + horizon + 1))
    lines = saved = list(initiative.cost_lines.select_related("payer"))
    if not lines:
        # Money kept only in the columns (written in bulk, e.g. a synthetic portfolio): read as
        # the lines it would make (initiatives.costs.lines_from_figures), not as no money.
        lines = costs.lines_from_figures(
            initiative,
            {name: getattr(initiative, name) for name in costs.MONEY_FIELDS},
            horizon=horizon,
        )
        for line in lines:
            line.payer = initiative.department
    benefits = list(
        Benefit.objects.filter(initiative=initiative).select_related("gainer_department")
    )
    by_benefit: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for benefit_id, on, value in (
        Measurement.objects.filter(benefit__in=benefits)
        .order_by("date", "id")
        .values_list("benefit_id", "date", "value")
    ):
        by_benefit[benefit_id].append((on, value))

    cost_lines = [
        economics.CostLine(line.year, line.kind, line.planned, line.actual) for line in lines
    ]
    investment = economics.costs_by_year(cost_lines, kind=economics.INVESTMENT)
    running = economics.costs_by_year(cost_lines, kind=economics.RUNNING)
    planned_cost = economics.costs_by_year(cost_lines)
    actual_cost = economics.costs_by_year(
        [line for line in cost_lines if line.actual is not None], actual=True
    )

    rate_sek = setting.hourly_rate
    planned_benefit = dict.fromkeys(years, 0.0)
    realised_benefit: dict[int, float | None] = dict.fromkeys(years, 0.0)
    actors: dict[str, Actor] = {}
    unvalued = 0
    for benefit in benefits:
        per_unit = benefit.sek_per_unit_effective(rate_sek)
        if per_unit is None:
            unvalued += 1
            continue
        signed = -per_unit if benefit.is_disbenefit else per_unit
        money = benefit.get_expected_sek(rate_sek)
        yearly = economics.benefit_money_by_year(
            money,
            benefit.baseline_date,
            benefit.target_date,
            years,
            lifetime_years=benefit.lifetime_years,
        )
        sign = benefit.sign
        realised = economics.realised_money_by_year(
            [(on, sign * (value - benefit.baseline_value)) for on, value in by_benefit[benefit.pk]],
            signed,
            years,
            today,
        )
        name = _gainer_name(benefit, initiative)
        actor = actors.setdefault(name, Actor(name))
        for year, amount, got in zip(years, yearly, realised, strict=True):
            planned_benefit[year] += amount
            actor.gains += amount
            if got is None or realised_benefit[year] is None:
                realised_benefit[year] = None
            else:
                realised_benefit[year] += got
    for line in lines:
        if start <= line.year <= years[-1]:
            name = _payer_name(line)
            actors.setdefault(name, Actor(name)).pays += float(line.planned)

    case = economics.business_case(planned_cost, planned_benefit, start, horizon, rate)
    rows = []
    realised_npv, counted = 0.0, False
    for figures in case.years:
        year = figures.year
        got = realised_benefit[year] if year <= today.year else None
        spent = actual_cost.get(year)
        realised_net = None
        if got is not None:
            realised_net = got - float(spent or 0)
            realised_npv += realised_net * figures.discount_factor
            counted = True
        rows.append(Year(
            year=year,
            investment=float(investment.get(year, 0)),
            running=float(running.get(year, 0)),
            cost=figures.cost,
            benefit=figures.benefit,
            net=figures.net,
            cumulative=figures.cumulative_net,
            actual_cost=None if spent is None else float(spent),
            realised_benefit=got,
            realised_net=realised_net,
        ))  # fmt: skip
    return Case(
        base_year=start,
        horizon=horizon,
        rate_percent=setting.discount_rate,
        years=rows,
        npv=case.npv,
        bcr=case.bcr,
        payback_year=case.payback_year,
        realised_npv_to_date=realised_npv if counted else None,
        actors=sorted(actors.values(), key=lambda actor: (-actor.gains - actor.pays, actor.name)),
        unvalued=unvalued,
        has_money=bool(lines) or len(benefits) > unvalued,
        lines=saved,
    )


@dataclass(frozen=True)
class Figures:
    """An initiative's planned business case in three numbers."""

    npv: float
    bcr: float | None
    payback_year: int | None


FIGURES_CHUNK = 5_000  # ids a query asks for at once (SQLite allows some 32,000 parameters)


def figures_for(initiative_ids) -> dict[int, Figures]:
    """NPV, BCR and payback year of many initiatives at once: four queries (the settings, the
    initiatives' dates and money, their cost lines, their benefits) per FIGURES_CHUNK ids, then
    numpy over a (benefits × years) matrix, with no loop over days or years. The same figures
    as `initiative_case`.
    """
    initiative_ids = [int(pk) for pk in initiative_ids]
    if len(initiative_ids) > FIGURES_CHUNK:
        found = {}
        for start in range(0, len(initiative_ids), FIGURES_CHUNK):
            found.update(_figures_for(initiative_ids[start : start + FIGURES_CHUNK]))
        return found
    return _figures_for(initiative_ids)


def _figures_for(initiative_ids: list[int]) -> dict[int, Figures]:
    if not initiative_ids:
        return {}
    setting = PortfolioSetting.current()
    rate, horizon = float(setting.discount_rate) / 100, setting.horizon_years
    heads = list(
        Initiative.objects.filter(pk__in=initiative_ids).only(
            "pk", "department_id", "planned_start", "planned_end", "created_at",
            *costs.MONEY_FIELDS,
        )
    )  # fmt: skip
    if not heads:
        return {}
    position = {initiative.pk: n for n, initiative in enumerate(heads)}
    base = np.array([base_year(initiative) for initiative in heads])
    first, last = int(base.min()), int(base.max()) + horizon
    years = np.arange(first, last + 1)
    shape = (len(heads), len(years))
    cost = np.zeros(shape)
    lined = set()
    for initiative_id, year, planned in CostLine.objects.filter(
        initiative_id__in=position
    ).values_list("initiative_id", "year", "planned"):
        lined.add(initiative_id)
        if first <= year <= last:
            cost[position[initiative_id], year - first] += planned
    for initiative in heads:
        if initiative.pk in lined:
            continue
        # Money only in the columns: read as the lines it would make.
        for line in costs.lines_from_figures(
            initiative, {name: getattr(initiative, name) for name in costs.MONEY_FIELDS},
            horizon=horizon,
        ):  # fmt: skip
            if first <= line.year <= last:
                cost[position[initiative.pk], line.year - first] += line.planned
    benefit = np.zeros(shape)
    rows = [
        (position[b.initiative_id], float(money), b.baseline_date, b.target_date, b.lifetime_years)
        for b in Benefit.objects.filter(initiative_id__in=position).only(
            "initiative_id", "baseline_date", "target_date", "lifetime_years", "baseline_value",
            "target_value", "direction", "is_disbenefit", "sek_per_unit", "valued_at_hourly_rate",
        )
        if (money := b.get_expected_sek(setting.hourly_rate)) is not None
        and b.baseline_date <= b.target_date
    ]  # fmt: skip
    if rows:
        matrix = economics.benefit_money_matrix(
            np.array([row[1] for row in rows]),
            np.array([row[2].toordinal() for row in rows]),
            np.array([row[3].toordinal() for row in rows]),
            np.array([economics.lifetime_end(row[3], row[4]).toordinal() for row in rows]),
            years,
        )
        np.add.at(benefit, np.array([row[0] for row in rows]), matrix)
    t = years[None, :] - base[:, None]
    inside = (t >= 0) & (t <= horizon)
    factor = np.where(inside, (1.0 + rate) ** -np.clip(t, 0, None).astype(float), 0.0)
    present_benefit = (benefit * factor).sum(axis=1)
    present_cost = (cost * factor).sum(axis=1)
    # Payback: the first year in the horizon whose cumulative net is ≥ 0, to the öre.
    cumulative = np.round(np.cumsum(np.where(inside, benefit - cost, 0.0), axis=1), 2)
    paid = inside & (cumulative >= 0)
    result = {}
    for n, initiative in enumerate(heads):
        hits = np.flatnonzero(paid[n])
        result[initiative.pk] = Figures(
            npv=float(present_benefit[n] - present_cost[n]),
            bcr=float(present_benefit[n] / present_cost[n]) if present_cost[n] else None,
            payback_year=int(years[hits[0]]) if len(hits) else None,
        )
    return result
