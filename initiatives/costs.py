"""An initiative's cost lines, and the money columns kept as their sums.

The lines are the truth: year, kind (investment or running), planned and actual, who pays. The
initiative's `budget`, `running_cost` and `cost_to_date` are their sums, written in the same
transaction as the lines, so that the lists, exports, the API and the budget selection read one
column as before:

- budget: the planned investment of all years (None without any investment line);
- running cost (SEK/year): the planned running cost of the latest year that has running lines
  (the steady state once in operation; None without running lines);
- cost to date: every actual amount (None when no line has one).

Where money arrives as the three figures (the new-initiative form, an import), `reconcile` turns
them into lines: it adjusts the lines of the base year so the sums become the figures, and keeps
every other line as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from initiatives.models import CostKind, CostLine, Initiative
from initiatives.services import EditConflict, initiative_for_change

MONEY_FIELDS = ("budget", "running_cost", "cost_to_date")


class CostError(ValueError):
    """Money that cannot be turned into cost lines (a figure below what the lines already hold
    in other years); nothing was written."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def sums(lines: Iterable[CostLine]) -> dict[str, int | None]:
    """The three money columns from the lines."""
    lines = list(lines)
    investment = [line.planned for line in lines if line.kind == CostKind.INVESTMENT]
    running = [line for line in lines if line.kind == CostKind.RUNNING]
    actual = [line.actual for line in lines if line.actual is not None]
    latest = max((line.year for line in running), default=None)
    return {
        "budget": sum(investment) if investment else None,
        "running_cost": (
            sum(line.planned for line in running if line.year == latest) if running else None
        ),
        "cost_to_date": sum(actual) if actual else None,
    }


def base_year(initiative: Initiative) -> int:
    """The business case's year 0: the planned start's year, else the year it was created."""
    if initiative.planned_start:
        return initiative.planned_start.year
    if initiative.created_at:
        return timezone.localtime(initiative.created_at).year
    return timezone.localdate().year


def _store_sums(initiative: Initiative, lines: Iterable[CostLine], by) -> list[str]:
    """Write the columns from the lines; the names of those that changed."""
    changed = []
    for name, value in sums(lines).items():
        if getattr(initiative, name) != value:
            setattr(initiative, name, value)
            changed.append(name)
    if changed:
        initiative.version += 1
        initiative._history_user = by
        initiative.save(update_fields=[*changed, "version", "updated_at"])
    return changed


def running_years(initiative: Initiative, horizon: int) -> range:
    """The years a running cost given as "SEK a year" is spread over: from the year after the
    planned end (else after the base year) through the base year + the horizon, at least one."""
    base = base_year(initiative)
    first = (initiative.planned_end.year if initiative.planned_end else base) + 1
    return range(first, max(first, base + horizon) + 1)


def lines_from_figures(
    initiative: Initiative, figures: Mapping[str, int | None], *, horizon: int
) -> list[CostLine]:
    """The lines of an initiative that has none, from its three figures (unsaved): one
    investment line in the base year (planned = budget, actual = cost to date) and the running
    cost in each of `running_years`, all borne by the initiative's department. The same rule
    moved the money of every initiative into lines (migration initiatives 0007)."""
    base, payer = base_year(initiative), initiative.department_id
    budget, spent = figures.get("budget"), figures.get("cost_to_date")
    running = figures.get("running_cost")
    lines = []
    if budget is not None or spent:
        lines.append(CostLine(
            initiative=initiative, year=base, kind=CostKind.INVESTMENT, planned=budget or 0,
            actual=spent or None, payer_id=payer,
        ))  # fmt: skip
    if running is not None:
        lines += [
            CostLine(
                initiative=initiative,
                year=year,
                kind=CostKind.RUNNING,
                planned=running,
                payer_id=payer,
            )  # fmt: skip
            for year in running_years(initiative, horizon)
        ]
    return lines


def reconcile(
    initiative: Initiative, figures: Mapping[str, int | None], *, by, horizon: int
) -> None:
    """Make the lines' sums equal the given figures (some of budget, running_cost, cost_to_date).

    Call inside a transaction, with the initiative locked (initiative_for_change) or new.
    Without lines, they are made from the figures (`lines_from_figures`). With lines, each
    figure changes as little as it can, in the initiative's own department's lines: the budget
    and the cost to date the base year's investment line, by the difference; the running cost
    every running line from this year on (or the latest year's, when all are past). A figure
    left out, or equal to the sum already, changes nothing. Raises CostError when that cannot
    give the figure (other years or payers already hold more) or when a figure is emptied while
    lines hold it: those are edited on the initiative's cost lines.
    """
    lines = list(initiative.cost_lines.all())
    touched = reconciled(initiative, lines, figures, horizon=horizon)
    for line in touched:
        line._history_user = by
        line.save()
    if touched:
        _store_sums(initiative, lines, by)


def reconciled(
    initiative: Initiative, lines: list[CostLine], figures: Mapping[str, int | None], *, horizon
) -> list[CostLine]:
    """`reconcile` without writing: changes `lines` in place (appending new ones) and gives
    the lines to save; raises CostError. An import checks every row with it before writing."""
    current = sums(lines)
    wanted = {
        name: figures[name]
        for name in MONEY_FIELDS
        if name in figures and figures[name] != current[name]
    }
    if not wanted:
        return []
    if not lines:
        lines += lines_from_figures(initiative, wanted, horizon=horizon)
        return list(lines)
    year, payer = base_year(initiative), initiative.department_id

    def own(kind: str, in_year: int) -> CostLine:
        for line in lines:
            if line.kind == kind and line.year == in_year and line.payer_id == payer:
                return line
        line = CostLine(initiative=initiative, year=in_year, kind=kind, planned=0, payer_id=payer)
        lines.append(line)
        return line

    touched: dict[int, CostLine] = {}
    for name, value in wanted.items():
        if value is None:
            raise CostError(
                name,
                _(
                    "The cost lines hold this money: change or remove them on the initiative's "
                    "page."
                ),
            )
        if name == "budget":
            changed = [own(CostKind.INVESTMENT, year)]
            changed[0].planned += value - (current["budget"] or 0)
            amounts = [changed[0].planned]
        elif name == "cost_to_date":
            changed = [own(CostKind.INVESTMENT, year)]
            changed[0].actual = (changed[0].actual or 0) + value - (current["cost_to_date"] or 0)
            amounts = [changed[0].actual]
        else:
            running = [line for line in lines if line.kind == CostKind.RUNNING]
            if not running:
                running = [
                    own(CostKind.RUNNING, in_year) for in_year in running_years(initiative, horizon)
                ]
            latest = max(line.year for line in running)
            this_year = min(timezone.localdate().year, latest)
            changed = [own(CostKind.RUNNING, latest)] + [
                line
                for line in running
                if line.payer_id == payer and this_year <= line.year < latest
            ]
            amounts = []
            for line in changed:
                # Other payers' share of that year stays theirs.
                others = sum(
                    other.planned
                    for other in running
                    if other.year == line.year and other.payer_id != payer
                )
                line.planned = value - others
                amounts.append(line.planned)
        if min(amounts) < 0:
            raise CostError(
                name,
                _(
                    "The cost lines of other years or payers already hold more than this: change "
                    "them on the initiative's page."
                ),
            )
        touched.update((id(line), line) for line in changed)
    return list(touched.values())


@dataclass(frozen=True)
class LineValues:
    """One cost line as a form gives it."""

    year: int
    kind: str
    planned: int
    actual: int | None
    payer_id: int | None
    payer_other: str
    note: str = ""

    @classmethod
    def of(cls, line: CostLine) -> LineValues:
        """A saved line's values, to compare with what a form gives."""
        return cls(**{name: getattr(line, name) for name in LINE_FIELDS})


LINE_FIELDS = [field.name for field in fields(LineValues)]


@transaction.atomic
def cost_lines_save(
    *, initiative: Initiative, lines: list[LineValues], opened_version: int, by
) -> Initiative:
    """Replace the initiative's cost lines with `lines`, and its money columns with their sums.

    All or nothing, under the initiative's lock; refused with EditConflict when the initiative
    was saved since the form was opened (its money may have changed: the user sees the lines as
    they are now). Unchanged lines keep their rows and history; saving the same twice writes
    nothing the second time.
    """
    current = initiative_for_change(initiative)
    if current.version != opened_version:
        raise EditConflict(current, conflicts=[], yours=[])
    from portfolio import figures  # (it reads the cost lines through this module)

    with figures.batched():  # the dashboard's sums refreshed once, not once a line
        return _replace_lines(current, lines, by)


def _replace_lines(current: Initiative, lines: list[LineValues], by) -> Initiative:
    existing = list(current.cost_lines.all())
    keep: list[CostLine] = []
    remaining = list(lines)
    for line in existing:
        saved = LineValues.of(line)
        if saved in remaining:
            remaining.remove(saved)
            keep.append(line)
        else:
            line._history_user = by
            line.delete()
    for values in remaining:
        line = CostLine(initiative=current, **asdict(values))
        line._history_user = by
        line.save()
        keep.append(line)
    changed = bool(remaining) or len(keep) != len(existing)
    if changed and not _store_sums(current, keep, by):
        # The lines changed but not their sums (a line moved to another year): the version
        # still moves, so a form opened before sees that something changed.
        current.version += 1
        current._history_user = by
        current.save(update_fields=["version", "updated_at"])
    return current
