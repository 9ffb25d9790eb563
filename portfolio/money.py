"""Money over time across the portfolio: the dashboard's "money by year" and "who pays, who gains".

Each initiative counts as its business case counts it (portfolio.business_case.initiative_case):
the calendar years t = 0 … H of its horizon from its base year, undiscounted; costs from its cost
lines (or, for money kept only in the three columns, the lines they would make:
initiatives.costs.lines_from_figures); planned benefit money B_y of each benefit with a money value
(portfolio.economics.benefit_money_matrix); realised benefit money the SEK/year the latest
measurement shows at the end of each past year (today for this one); who pays the planned costs of
those years and who gains the planned benefit money. So the dashboard's year table is the sum of
the initiatives' business-case tables, and its actors the sum of their "who pays, who gains".

"Paid across": in each initiative, every payer's money is attributed to the gainers in proportion
to the planned benefit money each gains (gains above zero only: a dis-benefit is nobody's reason to
pay); the part a payer's money buys for another actor is a flow payer → gainer. A department that
pays for what another department gains shows there.

Computed over numpy arrays from four queries for any set of initiatives: summed for the whole set
(`Money.totals`, the dashboard's live figures when the kept sums are stale) or per initiative
(`Money.by_initiative`, what portfolio.figures keeps current on write). The sums use the keys

- "cost_planned:2027", "cost_actual:2027", "benefit_planned:2027", "benefit_realised:2027";
- "pays:<actor>", "gains:<actor>", "flow:<payer>><gainer>", an actor being a department's id or
  "residents", "businesses", "other" (another organisation).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear

from benefits.models import MONEY, Benefit, Gainer, Measurement, indicator_sign, signed_sek_per_unit
from initiatives.models import CostLine
from portfolio import economics

SERIES = ("cost_planned", "cost_actual", "benefit_planned", "benefit_realised")
COST_PLANNED, COST_ACTUAL, BENEFIT_PLANNED, BENEFIT_REALISED = range(4)
# Actors: a department by its id (> 0), the others by these codes.
RESIDENTS, BUSINESSES, OTHER = -1, -2, -3
OTHER_ACTORS = {RESIDENTS: "residents", BUSINESSES: "businesses", OTHER: "other"}
ACTOR_CODES = {name: code for code, name in OTHER_ACTORS.items()}
GAINER_CODES = {Gainer.RESIDENTS: RESIDENTS, Gainer.BUSINESSES: BUSINESSES, Gainer.OTHER: OTHER}
PAYS, GAINS = 0, 1
BENEFITS_AT_ONCE = 20_000  # rows of the (benefits × years) matrix computed at a time
ORDINAL_1970 = dt.date(1970, 1, 1).toordinal()


def actor_key(code: int) -> str:
    return OTHER_ACTORS.get(code) or str(code)


def actor_code(key: str) -> int:
    return ACTOR_CODES[key] if key in ACTOR_CODES else int(key)


def _ints(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).reshape(-1)


def _floats(values) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(-1)


def _within(count: np.ndarray) -> np.ndarray:
    """0, 1, … count − 1 for each count, concatenated (the offsets of np.repeat(x, count))."""
    return np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)


def _lifetime_ends(targets: np.ndarray, lifetimes: np.ndarray) -> np.ndarray:
    """economics.lifetime_end for arrays of day numbers (datetime64[D]) and years: the target's
    first of the month L years on plus its day − 1, so 29 February ends on 1 March in a common
    year. Day ordinals."""
    month = targets.astype("datetime64[M]")
    day = (targets - month.astype("datetime64[D]")).astype(np.int64)
    moved = (month.astype(np.int64) + 12 * lifetimes).astype("datetime64[M]")
    return moved.astype("datetime64[D]").astype(np.int64) + day + ORDINAL_1970


def _group(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of an (n, 2) array of int32-sized integers and each row's index among
    them: np.unique(pairs, axis=0, return_inverse=True), on one int64 key per row (a tenth of
    the time: no sort of structured rows)."""
    keys = (pairs[:, 0].astype(np.int64) << 32) + (pairs[:, 1].astype(np.int64) + (1 << 31))
    _keys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return pairs[first], inverse.reshape(-1)


@dataclass
class Money:
    """The money of a set of initiatives, as entries tagged with the initiative's position in
    `ids`: by year and series, by actor and side (pays, gains), and the flows payer → gainer."""

    ids: np.ndarray
    year_at: np.ndarray
    year: np.ndarray
    series: np.ndarray
    year_amount: np.ndarray
    actor_at: np.ndarray
    side: np.ndarray
    actor: np.ndarray
    actor_amount: np.ndarray
    flow_at: np.ndarray
    payer: np.ndarray
    gainer: np.ndarray
    flow_amount: np.ndarray

    def _keys(self) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
        return [
            (
                "year",
                self.year_at,
                np.stack([self.series, self.year], axis=1),
                self.year_amount,
            ),
            ("actor", self.actor_at, np.stack([self.side, self.actor], axis=1), self.actor_amount),
            ("flow", self.flow_at, np.stack([self.payer, self.gainer], axis=1), self.flow_amount),
        ]

    @staticmethod
    def _name(kind: str, a: int, b: int) -> str:
        if kind == "year":
            return f"{SERIES[a]}:{b}"
        if kind == "actor":
            return f"{'pays' if a == PAYS else 'gains'}:{actor_key(b)}"
        return f"flow:{actor_key(a)}>{actor_key(b)}"

    def totals(self) -> dict[str, float]:
        """The sums over every initiative, by key."""
        sums: dict[str, float] = {}
        for kind, _at, pairs, amounts in self._keys():
            if not len(amounts):
                continue
            groups, inverse = _group(pairs)
            summed = np.bincount(inverse, weights=amounts, minlength=len(groups))
            for (a, b), value in zip(groups.tolist(), summed.tolist(), strict=True):
                if value:
                    sums[self._name(kind, a, b)] = value
        return sums

    def by_initiative(self) -> dict[int, dict[str, float]]:
        """The sums of each initiative, by key; for the contributions kept on write."""
        result: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        ids = self.ids.tolist()
        for kind, at, pairs, amounts in self._keys():
            if not len(amounts):
                continue
            # Each key's name made once, not once per entry (700,000 entries at 100,000).
            groups, inverse = _group(pairs)
            names = [self._name(kind, a, b) for a, b in groups.tolist()]
            for position, name, value in zip(
                at.tolist(), inverse.tolist(), amounts.tolist(), strict=True
            ):
                result[ids[position]][names[name]] += value
        return result


def load(initiatives, *, horizon: int, rate: Decimal, today: dt.date) -> Money:
    """The money of the initiatives (a queryset; the archived ones left out): four queries, then
    numpy, whatever their number."""
    base = Coalesce(ExtractYear("planned_start"), ExtractYear("created_at"))
    scope = initiatives.filter(archived_at__isnull=True).order_by()
    heads = list(
        scope.annotate(
            base_year=base,
            running_from=Coalesce(ExtractYear("planned_end"), base) + 1,
            lined=Exists(CostLine.objects.filter(initiative=OuterRef("pk"))),
        ).values_list(
            "pk", "department_id", "base_year", "running_from", "lined", "budget", "running_cost",
            "cost_to_date",
        )
    )  # fmt: skip
    keep = scope.values("pk")
    lines = list(
        CostLine.objects.filter(initiative__in=keep)
        .order_by()
        .values("initiative_id", "year", "payer_id")
        .annotate(planned=Sum("planned"), actual=Sum("actual"))
        .values_list("initiative_id", "year", "payer_id", "planned", "actual")
    )
    benefits = list(
        Benefit.objects.filter(initiative__in=keep, baseline_date__lte=F("target_date"))
        .with_figures(rate=rate, today=today)
        .filter(expected_sek__isnull=False)
        .order_by()
        .values_list(
            "initiative_id", "expected_sek", "baseline_date", "target_date", "lifetime_years",
            "gainer", "gainer_department_id",
        )
    )  # fmt: skip
    change = ExpressionWrapper(
        F("delta") * indicator_sign("benefit__") * signed_sek_per_unit(rate, "benefit__"),
        output_field=MONEY,
    )
    with_money = Q(benefit__valued_at_hourly_rate=True) | Q(benefit__sek_per_unit__isnull=False)
    changes = list(
        Measurement.objects.filter(with_money, benefit__initiative__in=keep)
        .annotate(year=ExtractYear("date"))
        .order_by()
        .values("benefit__initiative_id", "year")
        .annotate(amount=Sum(change))
        .values_list("benefit__initiative_id", "year", "amount")
    )
    return compute(heads, lines, benefits, changes, horizon=horizon, today=today)


def compute(heads, lines, benefits, changes, *, horizon: int, today: dt.date) -> Money:
    """`load`'s rows as Money: plain data in, numpy throughout."""
    out = _Entries()
    if not heads:
        return out.money(_ints([]))
    columns = list(zip(*heads, strict=True))
    ids = _ints(columns[0])
    order = np.argsort(ids)
    department = _ints([d or 0 for d in columns[1]])
    this_year = today.year
    base = _ints([b if b is not None else this_year for b in columns[2]])
    running_from = _ints(
        [r if r is not None else b + 1 for r, b in zip(columns[3], base, strict=True)]
    )
    lined = np.asarray(columns[4], dtype=bool)
    last = base + horizon

    def position(pks) -> np.ndarray:
        pks = _ints(pks)
        return order[np.searchsorted(ids, pks, sorter=order)]

    # Costs: the lines in the horizon; money only in the columns as the lines it would make.
    if lines:
        at, year, payer, planned, actual = zip(*lines, strict=True)
        at, year = position(at), _ints(year)
        inside = (year >= base[at]) & (year <= last[at])
        payer = _ints([p if p is not None else OTHER for p in payer])[inside]
        at, year = at[inside], year[inside]
        planned = _floats([p or 0 for p in planned])[inside]
        actual = _floats([a or 0 for a in actual])[inside]
        out.years(at, year, COST_PLANNED, planned)
        out.years(at, year, COST_ACTUAL, actual)
        out.actors(at, PAYS, payer, planned)
    bare = np.flatnonzero(~lined)
    if len(bare):
        budget = [columns[5][i] for i in bare.tolist()]
        running = [columns[6][i] for i in bare.tolist()]
        spent = _floats([columns[7][i] or 0 for i in bare.tolist()])
        invested = np.array([b is not None for b in budget]) | (spent > 0)
        at = bare[invested]
        amount = _floats([b or 0 for b in budget])[invested]
        out.years(at, base[at], COST_PLANNED, amount)
        out.years(at, base[at], COST_ACTUAL, spent[invested])
        out.actors(at, PAYS, department[at], amount)
        runs = np.array([r is not None for r in running])
        at = bare[runs]
        per_year = _floats([r for r in running if r is not None])
        count = np.maximum(last[at] - running_from[at] + 1, 0)
        at_year = np.repeat(at, count)
        out.years(
            at_year,
            running_from[at_year] + _within(count),
            COST_PLANNED,
            np.repeat(per_year, count),
        )
        out.actors(at, PAYS, department[at], per_year * count)

    # Planned benefit money, year by year, and who gains it.
    if benefits:
        at, money, baseline, target, lifetime, gainer, gainer_department = zip(
            *benefits, strict=True
        )
        at = position(at)
        money = _floats([float(m) for m in money])
        baseline = np.array(baseline, dtype="datetime64[D]")
        target = np.array(target, dtype="datetime64[D]")
        end = _lifetime_ends(target, _ints(lifetime))
        gains = _ints([
            GAINER_CODES.get(kind) or department_id or 0
            for kind, department_id in zip(gainer, gainer_department, strict=True)
        ])  # fmt: skip
        gains = np.where(gains == 0, department[at], gains)
        first, final = int(base[at].min()), int(last[at].max())
        years = np.arange(first, final + 1)
        for start in range(0, len(at), BENEFITS_AT_ONCE):
            rows = slice(start, start + BENEFITS_AT_ONCE)
            matrix = economics.benefit_money_matrix(
                money[rows],
                baseline[rows].astype(np.int64) + ORDINAL_1970,
                target[rows].astype(np.int64) + ORDINAL_1970,
                end[rows],
                years,
            )
            mine = at[rows]
            t = years[None, :] - base[mine][:, None]
            matrix = np.where((t >= 0) & (t <= horizon), matrix, 0.0)
            row, column = np.nonzero(matrix)
            out.years(mine[row], years[column], BENEFIT_PLANNED, matrix[row, column])
            out.actors(mine, GAINS, gains[rows], matrix.sum(axis=1))

    # Realised: the level the measurements' changes reach by the end of each year.
    if changes:
        at, year, amount = zip(*changes, strict=True)
        at, year, amount = position(at), _ints(year), _floats([float(a or 0) for a in amount])
        key = at * 10_000 + year
        sort = np.argsort(key, kind="stable")
        key, at, amount = key[sort], at[sort], amount[sort]
        running_sum = np.cumsum(amount)
        starts = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
        before = np.zeros(len(ids))
        before[at[starts]] = running_sum[starts] - amount[starts]
        measured = at[starts]
        count = np.maximum(np.minimum(last[measured], this_year) - base[measured] + 1, 0)
        who = np.repeat(measured, count)
        when = base[who] + _within(count)
        found = np.searchsorted(key, who * 10_000 + when, side="right") - 1
        valid = (found >= 0) & (at[np.maximum(found, 0)] == who)
        level = np.where(valid, running_sum[np.maximum(found, 0)] - before[who], 0.0)
        out.years(who, when, BENEFIT_REALISED, level)
    return out.money(ids)


class _Entries:
    def __init__(self) -> None:
        self.year_parts: list[tuple] = []
        self.actor_parts: list[tuple] = []

    def years(self, at, year, series: int, amount) -> None:
        at, amount = _ints(at), _floats(amount)
        if len(at):
            self.year_parts.append((at, _ints(year), np.full(len(at), series), amount))

    def actors(self, at, side: int, actor, amount) -> None:
        at, amount = _ints(at), _floats(amount)
        if len(at):
            actor = np.broadcast_to(_ints(actor), at.shape)
            self.actor_parts.append((at, np.full(len(at), side), actor, amount))

    @staticmethod
    def _joined(parts: list[tuple], width: int) -> list[np.ndarray]:
        if not parts:
            return [_ints([]) for _ in range(width - 1)] + [_floats([])]
        return [np.concatenate([part[n] for part in parts]) for n in range(width)]

    def money(self, ids: np.ndarray) -> Money:
        year_at, year, series, year_amount = self._joined(self.year_parts, 4)
        actor_at, side, actor, actor_amount = self._joined(self.actor_parts, 4)
        keep = year_amount != 0
        year_at, year, series, year_amount = (
            year_at[keep],
            year[keep],
            series[keep],
            year_amount[keep],
        )
        flow = _flows(actor_at, side, actor, actor_amount)
        keep = actor_amount != 0
        return Money(
            ids, year_at, year, series, year_amount,
            actor_at[keep], side[keep], actor[keep], actor_amount[keep], *flow,
        )  # fmt: skip


def _flows(at, side, actor, amount) -> tuple[np.ndarray, ...]:
    """Per initiative, each payer's money times each other actor's share of the positive
    planned benefit money: the flows payer → gainer between two different actors."""
    empty = (_ints([]), _ints([]), _ints([]), _floats([]))
    if not len(at):
        return empty
    shift = 4  # actor codes from −3 up: shifted to ≥ 1
    width = int(actor.max()) + shift + 1
    sums = {}
    for which in (PAYS, GAINS):
        mask = side == which
        key = at[mask] * width + actor[mask] + shift
        groups, inverse = np.unique(key, return_inverse=True)
        summed = np.bincount(inverse.reshape(-1), weights=amount[mask], minlength=len(groups))
        sums[which] = (groups // width, groups % width - shift, summed)
    pay_at, payer, paid = sums[PAYS]
    gain_at, gainer, gained = sums[GAINS]
    positive = gained > 0
    gain_at, gainer, gained = gain_at[positive], gainer[positive], gained[positive]
    if not len(pay_at) or not len(gain_at):
        return empty
    total = np.zeros(int(max(pay_at.max(), gain_at.max())) + 1)
    np.add.at(total, gain_at, gained)
    # gain rows are sorted by initiative (np.unique): each pay row's gainers are a range.
    first = np.searchsorted(gain_at, pay_at, side="left")
    count = np.searchsorted(gain_at, pay_at, side="right") - first
    pay_row = np.repeat(np.arange(len(pay_at)), count)
    gain_row = np.repeat(first, count) + _within(count)
    flow = paid[pay_row] * gained[gain_row] / total[pay_at[pay_row]]
    crossing = (payer[pay_row] != gainer[gain_row]) & (flow != 0)
    return (
        pay_at[pay_row][crossing],
        payer[pay_row][crossing],
        gainer[gain_row][crossing],
        flow[crossing],
    )


# Reading the sums --------------------------------------------------------------------------------


def by_year_from(sums: dict, today: dt.date) -> list[dict]:
    """The years from the first to the last that has money, each with its four sums (realised
    benefit money None after this year)."""
    found: dict[int, list[float]] = {}
    for key, value in sums.items():
        prefix, _sep, rest = key.partition(":")
        if prefix in SERIES and value:
            found.setdefault(int(rest), [0.0] * 4)[SERIES.index(prefix)] += float(value)
    if not found:
        return []
    rows = []
    for year in range(min(found), max(found) + 1):
        values = found.get(year, [0.0] * 4)
        rows.append({
            "year": year,
            "cost_planned": values[COST_PLANNED],
            "cost_actual": values[COST_ACTUAL],
            "benefit_planned": values[BENEFIT_PLANNED],
            "benefit_realised": values[BENEFIT_REALISED] if year <= today.year else None,
        })  # fmt: skip
    return rows


def department_ids(sums: dict) -> set[int]:
    """The departments the actor and flow keys name."""
    found = set()
    for key in sums:
        prefix, _sep, rest = key.partition(":")
        if prefix in ("pays", "gains"):
            found.add(rest)
        elif prefix == "flow":
            found.update(rest.split(">"))
    return {int(name) for name in found if name not in ACTOR_CODES}


def actors_from(sums: dict, departments: dict[int, tuple[str, str]], labels: dict) -> list:
    """Who pays and who gains: one row per actor, departments by name first, then residents,
    businesses and other organisations; what each pays, gains, its net, what it pays for others'
    gains and what others pay for its gains. `departments`: {id: (code, name)}; `labels`: the
    other actors' names."""
    rows: dict[int, dict] = {}

    def row(code: int) -> dict:
        if code not in rows:
            code_name = departments.get(code, ("", "")) if code > 0 else ("", "")
            rows[code] = {
                "kind": "department" if code > 0 else OTHER_ACTORS[code],
                "department": code_name[0] or None,
                "label": code_name[1] if code > 0 else str(labels[OTHER_ACTORS[code]]),
                "pays": 0.0, "gains": 0.0, "pays_for_others": 0.0, "paid_by_others": 0.0,
            }  # fmt: skip
        return rows[code]

    for key, value in sums.items():
        prefix, _sep, rest = key.partition(":")
        if prefix == "pays":
            row(actor_code(rest))["pays"] += float(value)
        elif prefix == "gains":
            row(actor_code(rest))["gains"] += float(value)
        elif prefix == "flow":
            payer, gainer = (actor_code(part) for part in rest.split(">"))
            row(payer)["pays_for_others"] += float(value)
            row(gainer)["paid_by_others"] += float(value)
    shown = []
    for code, found in rows.items():
        if any(abs(found[name]) >= 0.5 for name in ("pays", "gains", "pays_for_others")):
            found["net"] = found["gains"] - found["pays"]
            shown.append((code, found))
    others = list(OTHER_ACTORS)

    def order(item: tuple[int, dict]) -> tuple:
        code, found = item
        return (1, others.index(code), "") if code < 0 else (0, 0, found["label"].casefold())

    shown.sort(key=order)
    return [found for _code, found in shown]


def crossings_from(sums: dict, departments: dict[int, tuple[str, str]], limit: int = 10) -> list:
    """The largest flows from one department to another, largest first."""
    rows = []
    for key, value in sums.items():
        if not key.startswith("flow:"):
            continue
        payer, gainer = (actor_code(part) for part in key[5:].split(">"))
        if payer > 0 and gainer > 0 and float(value) >= 0.5:
            rows.append({
                "payer": departments.get(payer, ("", ""))[1],
                "payer_code": departments.get(payer, ("", ""))[0],
                "gainer": departments.get(gainer, ("", ""))[1],
                "gainer_code": departments.get(gainer, ("", ""))[0],
                "amount": float(value),
            })  # fmt: skip
    rows.sort(key=lambda row: (-row["amount"], row["payer"], row["gainer"]))
    return rows[:limit]
