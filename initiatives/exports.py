"""The initiative list as rows with stable snake_case keys, for CSV/XLSX and the importer."""

from __future__ import annotations

from initiatives.models import CostLine
from portfolio.importing import fetch_in
from portfolio.models import Alignment, CouncilGoal

COLUMNS = [
    "ref", "title", "summary", "kind", "department", "owner", "stage", "outcome",
    "planned_start", "planned_end", "budget", "running_cost", "cost_to_date", "must_do",
    "hypothesis", "stop_criteria", "tags", "health", "last_update_on", "archived",
]  # fmt: skip
# Shown for information; the importer ignores them (health comes from progress updates).
READ_ONLY = {"health", "last_update_on", "archived"}


# The cost lines (initiatives.models.CostLine), one row a line: a sheet of the initiative export,
# and a CSV of their own. The payer is a department's code or another organisation's name, one
# of the two.
COST_LINE_SHEET = "cost lines"
COST_LINE_COLUMNS = [
    "initiative_ref", "year", "kind", "planned", "actual", "payer_department", "payer_other",
    "note",
]  # fmt: skip


# A goal's two columns are named by its title, which people recognise and which stays the same
# from one installation to the next (an id does not); the importer also reads the old id headers.
GOAL_PREFIX = "goal:"
REASON_SUFFIX = "(reason)"


def goal_score_column(goal: CouncilGoal) -> str:
    return f"{GOAL_PREFIX} {' '.join(goal.title.split())}"


def goal_reason_column(goal: CouncilGoal) -> str:
    return f"{goal_score_column(goal)} {REASON_SUFFIX}"


def goal_columns(goals: list[CouncilGoal]) -> list[str]:
    columns = []
    for goal in goals:
        columns += [goal_score_column(goal), goal_reason_column(goal)]
    return columns


def initiative_rows(initiatives, goals: list[CouncilGoal]) -> list[dict]:
    """One dict per initiative (with_health() and department/owner selected). Two queries."""
    initiatives = list(initiatives)
    scores = {}
    if goals and initiatives:
        for alignment in Alignment.objects.filter(initiative__in=initiatives, goal__in=goals):
            scores[(alignment.initiative_id, alignment.goal_id)] = alignment
    rows = []
    for initiative in initiatives:
        row = {
            "ref": initiative.ref,
            "title": initiative.title,
            "summary": initiative.summary,
            "kind": initiative.kind,
            "department": initiative.department.code,
            "owner": initiative.owner.username if initiative.owner else "",
            "stage": initiative.stage,
            "outcome": initiative.outcome,
            "planned_start": initiative.planned_start,
            "planned_end": initiative.planned_end,
            "budget": initiative.budget,
            "running_cost": initiative.running_cost,
            "cost_to_date": initiative.cost_to_date,
            "must_do": initiative.must_do,
            "hypothesis": initiative.hypothesis,
            "stop_criteria": initiative.stop_criteria,
            "tags": initiative.tags,
            "health": initiative.health or "",
            "last_update_on": initiative.last_update_on,
            "archived": initiative.is_archived,
        }
        for goal in goals:
            alignment = scores.get((initiative.pk, goal.pk))
            row[goal_score_column(goal)] = alignment.score if alignment else None
            row[goal_reason_column(goal)] = alignment.reason if alignment else ""
        rows.append(row)
    return rows


def cost_line_rows(initiatives: list[tuple[int, str]]) -> list[dict]:
    """The cost lines of the initiatives ((id, ref) pairs), in their order and each one's by
    year, kind and id. One query per 2,000 initiatives."""
    position = {pk: (n, ref) for n, (pk, ref) in enumerate(initiatives)}
    lines = fetch_in(
        CostLine.objects.values_list(
            "initiative_id", "year", "kind", "planned", "actual", "payer__code", "payer_other",
            "note", "id",
        ),
        "initiative_id",
        list(position),
    )  # fmt: skip
    lines.sort(key=lambda line: (position[line[0]][0], line[1], line[2], line[8]))
    return [
        {
            "initiative_ref": position[initiative_id][1],
            "year": year,
            "kind": kind,
            "planned": planned,
            "actual": actual,
            "payer_department": code or "",
            "payer_other": other,
            "note": note,
        }
        for initiative_id, year, kind, planned, actual, code, other, note, _pk in lines
    ]
