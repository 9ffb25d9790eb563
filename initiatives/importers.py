"""Import initiatives (with their goal scores and cost lines) from CSV/XLSX: a preview first, then
all or nothing.

Rows are matched by `ref`: a known ref updates, an unknown one creates, a blank one creates with a
generated ref. Importing the same file twice changes nothing the second time. An empty cell means
"not given" (the value stays as it is, or the default for a new initiative), exactly like a
missing column. An archived initiative is never changed: it is read-only until restored.

Cost lines come in the sheet "cost lines" of a workbook (as the initiative export writes it) or
as a CSV of their own (known by its `initiative_ref` column). The lines a file gives for an
initiative are all its lines: they replace the saved ones (those given unchanged keep their rows),
and its budget, running cost and cost to date become their sums (initiatives.costs), whatever
the initiatives sheet says for them: the lines win, and the preview names each money cell that
differs. An initiative with no line in the file keeps its lines; money in its row changes them
as `costs.reconcile` does.

The three steps of portfolio.importing: `parse` (once, at upload), `plan` and `apply`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from benefits.models import PortfolioSetting
from initiatives import costs
from initiatives.cost_forms import MAX_LINES
from initiatives.exports import (
    COLUMNS,
    COST_LINE_COLUMNS,
    COST_LINE_SHEET,
    GOAL_PREFIX,
    REASON_SUFFIX,
)
from initiatives.models import (
    CostKind,
    CostLine,
    Initiative,
    Kind,
    Outcome,
    Stage,
    StageChange,
    StageChangeStatus,
)
from initiatives.services import REF_PREFIX
from organisation.models import Department
from portfolio import figures
from portfolio.cache import bump_data_version
from portfolio.importing import (
    MISSING,
    CellError,
    Cells,
    ChoiceNames,
    Parsed,
    Plan,
    RowError,
    check_headers,
    delete_rows,
    fetch_in,
    from_json,
    insert_history,
    insert_rows,
    parse_amount,
    parse_bool,
    parse_date,
    parse_decimal,
    text,
    to_json,
    update_rows,
    validated,
)
from portfolio.models import Alignment, CouncilGoal

SHEET = "initiatives"


def _names(pairs) -> dict[str, int]:
    """casefolded name -> id; the first of several wins (codes are listed before names)."""
    names = {}
    for name, pk in pairs:
        names.setdefault(" ".join(name.split()).casefold(), pk)
    return names


def _lookup(names: dict[str, int], unknown: str):
    def parse(value) -> int:
        raw = text(value)
        pk = names.get(" ".join(raw.split()).casefold())
        if pk is None:
            raise CellError(unknown % {"name": raw})
        return pk

    return parse


def _ref(value) -> str:
    ref = text(value).upper()
    try:
        return validated(Initiative, "ref", ref)
    except CellError as problem:
        raise CellError(
            _("“%(ref)s” is not a valid reference.") % {"ref": ref} + " " + str(problem)
        ) from problem


def _tags(value) -> str:
    tags = [tag.strip() for tag in text(value).split(",")]
    return ", ".join(dict.fromkeys(tag for tag in tags if tag))


def _score(value) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value() or not 0 <= number <= 5:
        raise CellError(_("A score is a whole number from 0 to 5."))
    return int(number)


_OLD_GOAL_HEADER = re.compile(r"^goal_(\d+)_(score|reason)$")


def _goal_headers(headers: list[str], parsed: Parsed) -> dict[int, dict[str, str]]:
    """goal id -> {"score": header, "reason": header} for the file's goal columns. One query.

    A goal's columns are `goal: <title>` and `goal: <title> (reason)` (the title matched
    case-insensitively, spaces trimmed), or the older `goal_<id>_score` and `goal_<id>_reason`.
    A header naming no goal, or a goal's column given twice, is an error about the file.
    """
    goals = list(CouncilGoal.objects.order_by("-active", "order", "id").values_list("pk", "title"))
    ids = {pk for pk, _title in goals}
    by_title = {}
    for pk, title in goals:
        by_title.setdefault(_key(title), pk)
    found: dict[int, dict[str, str]] = {}
    for header in headers:
        goal_id = part = None
        if old := _OLD_GOAL_HEADER.match(header):
            goal_id, part = int(old.group(1)), old.group(2)
            goal_id = goal_id if goal_id in ids else None
        elif header.startswith(GOAL_PREFIX):
            title = header.removeprefix(GOAL_PREFIX)
            goal_id, part = by_title.get(_key(title)), "score"
            if goal_id is None and title.rstrip().endswith(REASON_SUFFIX):
                goal_id = by_title.get(_key(title.rstrip().removesuffix(REASON_SUFFIX)))
                part = "reason"
        elif not header.startswith("goal_"):
            continue
        if goal_id is None:
            parsed.file_errors.append(
                _("Column %(column)s names no council goal.") % {"column": header}
            )
            continue
        columns = found.setdefault(goal_id, {})
        if part in columns:
            if columns[part] == header:
                continue  # the same header twice: check_headers says so
            parsed.file_errors.append(
                _("Columns %(first)s and %(second)s are the same goal's column.")
                % {"first": columns[part], "second": header}
            )
            continue
        columns[part] = header
    return dict(sorted(found.items()))


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _is_cost_lines(sheet) -> bool:
    """A sheet of cost lines (a CSV of them on its own): it names each line's initiative."""
    return "initiative_ref" in sheet.headers


def parse(sheets: dict) -> Parsed:
    """Read and check every cell; keep the rows that parsed, as JSON. Three queries, and one
    more for a sheet of cost lines.

    The initiatives come from the sheet "initiatives" (else the first sheet), the cost lines
    from the sheet "cost lines" or from a file that holds only them (a CSV of cost lines,
    known by its `initiative_ref` column); a file may hold either or both.
    """
    line_sheet = sheets.get(COST_LINE_SHEET)
    sheet = sheets.get(SHEET)
    if sheet is None:
        others = [other for name, other in sheets.items() if name != COST_LINE_SHEET]
        sheet = others[0] if others else None
    if sheet is not None and line_sheet is None and _is_cost_lines(sheet):
        sheet, line_sheet = None, sheet
    # Rows are named with their sheet when the file has both.
    both = sheet is not None and line_sheet is not None
    parsed = Parsed(rows={"initiatives": [], "cost_lines": [], "both_sheets": both})
    if sheet is not None:
        _parse_initiatives(sheet, parsed, sheet.name if both else "")
    if line_sheet is not None and not parsed.file_errors:
        parsed.count += len(line_sheet.rows)
        parsed.rows["cost_lines"] = _parse_cost_lines(line_sheet, parsed, both)
    return parsed


def _parse_initiatives(sheet, parsed: Parsed, sheet_name: str) -> None:
    parsed.count += len(sheet.rows)
    goal_headers = _goal_headers(sheet.headers, parsed)
    known = set(COLUMNS) | {h for h in sheet.headers if h.startswith((GOAL_PREFIX, "goal_"))}
    if not check_headers(sheet.headers, known, {"title", "department"}, parsed):
        return
    department = _department_lookup()
    owner = None
    if "owner" in sheet.headers:
        users = get_user_model().objects.filter(is_active=True).values_list("username", "pk")
        owner = _lookup(_names(users), _("Unknown user “%(name)s”."))
    # column: (parse, field it fills); each value is also checked by that field's validators.
    columns = {
        "title": (text, "title"),
        "summary": (text, "summary"),
        "kind": (ChoiceNames(Kind.choices), "kind"),
        "department": (department, "department_id"),
        "owner": (owner, "owner_id"),
        "stage": (ChoiceNames(Stage.choices), "stage"),
        "outcome": (ChoiceNames(Outcome.choices), "outcome"),
        "planned_start": (parse_date, "planned_start"),
        "planned_end": (parse_date, "planned_end"),
        "budget": (parse_amount, "budget"),
        "running_cost": (parse_amount, "running_cost"),
        "cost_to_date": (parse_amount, "cost_to_date"),
        "must_do": (parse_bool, "must_do"),
        "hypothesis": (text, "hypothesis"),
        "stop_criteria": (text, "stop_criteria"),
        "tags": (_tags, "tags"),
    }
    columns = {column: spec for column, spec in columns.items() if column in sheet.headers}
    required = {"title": _("A title is required."), "department": _("A department is required.")}
    rows, seen = [], {}
    for number, values in sheet.rows:
        cells = Cells(number, values, parsed.errors, sheet_name)
        ref = cells.get("ref", _ref)
        if ref:
            if ref in seen:
                cells.error("ref", _("Duplicate ref: also on row %(row)s.") % {"row": seen[ref]})
            seen.setdefault(ref, number)
        fields = {}
        for column, (parse_cell, name) in columns.items():
            value = cells.get(
                column, parse_cell, model=Initiative, name=name, required=required.get(column, "")
            )
            if value is not MISSING:
                fields[name] = to_json(value)
        scores = {}
        for goal_id, headers in goal_headers.items():
            score = cells.get(headers.get("score", ""), _score)
            reason = cells.get(headers.get("reason", ""), text, model=Alignment, name="reason")
            given = {"score": score, "reason": reason}
            given = {key: value for key, value in given.items() if value is not MISSING}
            if given:
                scores[str(goal_id)] = given
        if not cells.failed:
            rows.append(
                {"row": number, "ref": ref if ref is not MISSING else "", "fields": fields,
                 "scores": scores}
            )  # fmt: skip
    parsed.rows["initiatives"] = rows


def _department_lookup():
    """A cell's department by short code or full name (a code wins). One query."""
    departments = list(Department.objects.values_list("code", "name", "pk"))
    return _lookup(
        _names([(code, pk) for code, _name, pk in departments]
               + [(name, pk) for _code, name, pk in departments]),
        _("Unknown department “%(name)s”."),
    )  # fmt: skip


def _year(value) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CellError(_("A year is a whole number, such as 2027."))
    return int(number)


COST_LINE_REQUIRED = {"initiative_ref", "year", "kind"}


def _parse_cost_lines(sheet, parsed: Parsed, named: bool) -> list[dict]:
    """The cost lines' rows; each cell checked as the cost line form checks it. One query."""
    if not check_headers(sheet.headers, set(COST_LINE_COLUMNS), COST_LINE_REQUIRED, parsed):
        return []
    payer = _department_lookup()
    kind = ChoiceNames(CostKind.choices)
    required = _("This column is required.")
    sheet_name = sheet.name if named else ""
    rows, lines_of = [], {}
    for number, values in sheet.rows:
        cells = Cells(number, values, parsed.errors, sheet_name)
        ref = cells.get("initiative_ref", _ref, required=required)
        year = cells.get("year", _year, model=CostLine, required=required)
        line_kind = cells.get("kind", kind, required=required)
        planned = cells.get("planned", parse_amount, model=CostLine)
        actual = cells.get("actual", parse_amount, model=CostLine)
        payer_id = cells.get("payer_department", payer)
        payer_other = cells.get("payer_other", text, model=CostLine)
        note = cells.get("note", text, model=CostLine)
        if planned is MISSING and actual is MISSING:
            cells.error("planned", _("Give a planned or an actual amount."))
        if payer_id is MISSING and payer_other is MISSING:
            cells.error(
                "payer_department",
                _("Choose the department that pays, or name the other organisation."),
            )
        elif payer_id and payer_other:
            cells.error(
                "payer_other",
                _("Give either the department that pays or another organisation, not both."),
            )
        if ref:
            lines_of[ref] = lines_of.get(ref, 0) + 1
            if lines_of[ref] == MAX_LINES + 1:
                cells.error(
                    "initiative_ref",
                    _("An initiative has at most %(max)s cost lines.") % {"max": MAX_LINES},
                )
        if not cells.failed:
            rows.append({
                "row": number, "ref": ref, "year": year, "kind": line_kind,
                "planned": planned or 0, "actual": actual if actual is not MISSING else None,
                "payer_id": payer_id or None, "payer_other": payer_other or "",
                "note": note or "",
            })  # fmt: skip
    return rows


def plan(stored: dict, *, lock: bool = False) -> Plan:
    """Compare the stored rows with the database and say what would change; writes nothing.

    A constant number of queries per file (one more per 2,000 refs). With `lock`, the initiatives
    in the file stay locked until the transaction ends (the apply step).
    """
    result = Plan()
    rows = stored["initiatives"]
    line_rows = stored.get("cost_lines", [])
    file_lines = _file_lines(line_rows)
    initiatives = Initiative.objects.all()
    if lock:
        initiatives = initiatives.select_for_update()
    refs = [r["ref"] for r in rows if r["ref"]] + list(file_lines)
    existing = {i.ref: i for i in fetch_in(initiatives, "ref", refs)}
    current_scores = {
        (initiative_id, goal_id): (score, reason)
        for initiative_id, goal_id, score, reason in fetch_in(
            Alignment.objects.values_list("initiative_id", "goal_id", "score", "reason"),
            "initiative_id",
            [i.pk for i in existing.values()],
        )
    }
    payers = {line.payer_id for lines in file_lines.values() for line in lines if line.payer_id}
    departments = _still_there(Department.objects.all(), rows, "department_id", also=payers)
    owners = _still_there(get_user_model().objects.filter(is_active=True), rows, "owner_id")
    # The cost lines of the initiatives whose money a row changes: the money becomes lines
    # (initiatives.costs), checked here so a row that cannot be is named before anything is
    # written. A file's own cost lines for an initiative replace its lines instead.
    lines_of: dict[int, list[CostLine]] = {}
    money_ids = [
        existing[r["ref"]].pk
        for r in rows
        if r["ref"] in existing
        and r["ref"] not in file_lines
        and set(r["fields"]) & set(costs.MONEY_FIELDS)
    ]
    horizon = PortfolioSetting.current().horizon_years if money_ids else 0
    lined_ids = [existing[ref].pk for ref in file_lines if ref in existing]
    for line in fetch_in(CostLine.objects.all(), "initiative_id", money_ids + lined_ids):
        lines_of.setdefault(line.initiative_id, []).append(line)
    line_sheet = COST_LINE_SHEET if stored.get("both_sheets") else ""
    row_sheet = SHEET if line_sheet else ""
    creating = {r["ref"] for r in rows if r["ref"] and r["ref"] not in existing}
    replaced = _plan_lines(
        result, line_rows, file_lines, existing, creating, lines_of, departments, line_sheet
    )
    notices: list[RowError] = []
    goals = set()
    if any(row["scores"] for row in rows):
        goals = set(CouncilGoal.objects.values_list("pk", flat=True))
    for row in rows:
        number, ref = row["row"], row["ref"]

        def error(column, message, number=number):
            result.errors.append(RowError(number, column, message, row_sheet))

        fields = from_json(Initiative, row["fields"])
        if ref in file_lines:
            # The file's cost lines win: the money columns become their sums, whatever the
            # row says, so that no krona is counted twice; a figure that differs is named.
            sums = costs.sums(file_lines[ref])
            for name in costs.MONEY_FIELDS:
                if name in fields and fields[name] != sums[name]:
                    notices.append(RowError(number, name, _ignored(fields[name], sums[name]),
                                            row_sheet))  # fmt: skip
            fields.update(sums)
        if fields.get("department_id", 0) not in departments | {0}:
            error("department", _("The department has been deleted since the upload."))
        if fields.get("owner_id") not in owners | {None}:
            error("owner", _("The user has been deleted or deactivated since the upload."))
        current = existing.get(ref)
        merged = {**_defaults(current), **fields}
        start, end = merged["planned_start"], merged["planned_end"]
        if start and end and end < start:
            error("planned_end", _("The planned end cannot be before the planned start."))
        if "stage" in fields or "outcome" in fields:
            if merged["stage"] == Stage.CLOSED and not merged["outcome"]:
                error("outcome", _("A closed initiative needs an outcome: completed or stopped."))
            if (
                merged["stage"] == Stage.CLOSED
                and merged["outcome"] == Outcome.STOPPED
                and (current is None or current.outcome != Outcome.STOPPED)
            ):
                error("stage", _("Close an initiative as stopped in the app, with its lesson."))
        scores = {}
        for goal_id, given in row["scores"].items():
            goal_id = int(goal_id)
            column = f"goal_{goal_id}_score"
            if goal_id not in goals:
                error(column, _("The council goal has been deleted since the upload."))
                continue
            stored = current_scores.get((current.pk, goal_id)) if current else None
            score = given.get("score", stored[0] if stored else None)
            reason = given.get("reason", stored[1] if stored else "")
            if score is None:
                error(column, _("Give a score (0 to 5) with the reason."))
                continue
            if stored != (score, reason):
                scores[goal_id] = (score, reason)
        result.other_writes += len(scores)
        if current is None:
            result.creates.append({"ref": ref, "fields": fields, "scores": scores, "row": number,
                                   "lines": file_lines.get(ref)})  # fmt: skip
            continue
        changes = {name: value for name, value in fields.items() if getattr(current, name) != value}
        lines = replaced.pop(ref, None)
        if (changes or scores or _moves_lines({"lines": lines})) and current.is_archived:
            error("ref", _archived(ref))
            continue
        money = {name: changes[name] for name in costs.MONEY_FIELDS if name in changes}
        if money and ref not in file_lines:
            try:
                costs.reconciled(
                    current, list(lines_of.get(current.pk, [])), money, horizon=horizon
                )
            except costs.CostError as problem:
                error(problem.field, str(problem))
                continue
        if changes or scores or _moves_lines({"lines": lines}):
            result.updates.append({"initiative": current, "changes": changes, "scores": scores,
                                   "row": number, "lines": lines})  # fmt: skip
        else:
            result.unchanged += 1
    # Initiatives with cost lines in the file and no row of their own (a CSV of cost lines).
    for ref, lines in replaced.items():
        current = existing[ref]
        number = file_lines[ref][0].row
        changes = {
            name: value
            for name, value in costs.sums(file_lines[ref]).items()
            if getattr(current, name) != value
        }
        if not (changes or _moves_lines({"lines": lines})):
            result.unchanged += 1
        elif current.is_archived:
            result.errors.append(RowError(number, "initiative_ref", _archived(ref), line_sheet))
        else:
            result.updates.append({"initiative": current, "changes": changes, "scores": {},
                                   "row": number, "lines": lines})  # fmt: skip
    result.extra["notices"] = notices
    return result


def _ignored(given: int | None, total: int | None) -> str:
    return _(
        "%(given)s is not imported: the money columns become the sums of the initiative's cost "
        "lines in the file (%(sum)s)."
    ) % {"given": _amount(given), "sum": _amount(total)}


def _amount(value: int | None) -> str:
    return "—" if value is None else number_format(value, force_grouping=True)


def _archived(ref: str) -> str:
    return _("%(ref)s is archived: restore it first; nothing in this row was imported.") % {
        "ref": ref
    }


@dataclass(frozen=True)
class FileLine(costs.LineValues):
    """A cost line as the file gives it, with the row it is on."""

    row: int = 0

    def values(self) -> costs.LineValues:
        return costs.LineValues(**{name: getattr(self, name) for name in costs.LINE_FIELDS})


def _file_lines(line_rows: list[dict]) -> dict[str, list[FileLine]]:
    """The file's cost lines by initiative ref, in the file's order."""
    found: dict[str, list[FileLine]] = {}
    for row in line_rows:
        found.setdefault(row["ref"], []).append(FileLine(
            year=row["year"], kind=row["kind"], planned=row["planned"], actual=row["actual"],
            payer_id=row["payer_id"], payer_other=row["payer_other"], note=row["note"],
            row=row["row"],
        ))  # fmt: skip
    return found


def _plan_lines(
    result: Plan, line_rows, file_lines, existing, creating, lines_of, departments, sheet
) -> dict[str, dict | None]:
    """Each initiative's lines in the file against its saved ones: ref -> what replacing them
    writes ({"drop": saved lines that go, "add": values of new lines}; both empty when the file
    gives the lines as they are). An unknown initiative or a payer deleted since the upload is
    an error on each of its rows."""
    for row in line_rows:
        if row["payer_id"] and row["payer_id"] not in departments:
            result.errors.append(RowError(
                row["row"], "payer_department",
                _("The department has been deleted since the upload."), sheet,
            ))  # fmt: skip
    replaced = {}
    for ref, lines in file_lines.items():
        if ref in creating:
            continue  # written with its initiative
        current = existing.get(ref)
        if current is None:
            message = _("Unknown initiative “%(ref)s”.") % {"ref": ref}
            result.errors += [
                RowError(line.row, "initiative_ref", message, sheet) for line in lines
            ]
            continue
        remaining = [line.values() for line in lines]
        drop = []
        for saved in lines_of.get(current.pk, []):
            values = costs.LineValues.of(saved)
            if values in remaining:
                remaining.remove(values)
            else:
                drop.append(saved)
        replaced[ref] = {"drop": drop, "add": remaining}
    return replaced


def _moves_lines(item: dict) -> bool:
    """Whether the update replaces some of the initiative's cost lines."""
    lines = item.get("lines")
    return bool(lines and (lines["drop"] or lines["add"]))


def _still_there(queryset, rows, name: str, also=()) -> set:
    wanted = {row["fields"][name] for row in rows if row["fields"].get(name) is not None}
    return {item.pk for item in fetch_in(queryset.only("pk"), "pk", wanted | set(also))}


def _defaults(current: Initiative | None) -> dict:
    if current is None:
        current = Initiative()
    return {
        "planned_start": current.planned_start,
        "planned_end": current.planned_end,
        "stage": current.stage,
        "outcome": current.outcome,
    }


def apply(plan: Plan, *, by, source: str) -> dict:
    """Write the plan (in the caller's transaction: every row or none), with history."""
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    year = timezone.localdate().year
    prefix = f"{REF_PREFIX}-{year}-"
    taken = [
        int(r.removeprefix(prefix))
        for r in Initiative.objects.filter(ref__startswith=prefix).values_list("ref", flat=True)
        if r.removeprefix(prefix).isdigit()
    ]
    number = max(taken, default=0)
    new = []
    for item in plan.creates:
        ref = item["ref"]
        if not ref:
            number += 1
            ref = f"{prefix}{number:03d}"
        new.append(Initiative(ref=ref, **item["fields"]))
    created = bulk_create_with_history(new, Initiative, default_user=by, batch_size=500)
    changed, stage_changes = [], []
    fields = set()
    now = timezone.now()
    for item in plan.updates:
        initiative = item["initiative"]
        old_stage = initiative.stage
        for name, value in item["changes"].items():
            setattr(initiative, name, value)
            fields.add(name)
        if item["changes"] or _moves_lines(item):
            # New cost lines move the version even when their sums stay (costs.cost_lines_save).
            initiative.version += 1
            changed.append(initiative)
        if "stage" in item["changes"] and old_stage != initiative.stage:
            stage_changes.append(
                StageChange(
                    initiative=initiative, from_stage=old_stage, to_stage=initiative.stage,
                    outcome=initiative.outcome, status=StageChangeStatus.APPLIED,
                    reason=_("Imported from %(file)s") % {"file": source},
                    override_justification=_("Set by the office's import of %(file)s")
                    % {"file": source},
                    proposed_by=by, proposed_at=now, decided_by=by, decided_at=now,
                )
            )  # fmt: skip
    update_rows(Initiative, [*sorted(fields), "version", "updated_at"], changed)
    insert_history(Initiative, changed, by=by, update=True)
    bulk_create_with_history(stage_changes, StageChange, default_user=by, batch_size=500)
    by_ref = {i.ref: i for i in created}
    # A new initiative's cost lines: the file's own, else made from its money columns.
    given = [
        (by_ref[i.ref], item["lines"])
        for i, item in zip(new, plan.creates, strict=True)
        if item.get("lines")
    ]
    lined = {initiative.pk for initiative, _lines in given}
    _write_cost_lines([i for i in created if i.pk not in lined], plan.updates, by)
    _replace_cost_lines(given, plan.updates, by)
    score_items = [
        (by_ref[i.ref], item["scores"]) for i, item in zip(new, plan.creates, strict=True)
    ]
    score_items += [(item["initiative"], item["scores"]) for item in plan.updates]
    _write_scores(score_items, by)
    bump_data_version("initiatives", "goals")  # bulk writes send no signals
    figures.refresh_if_fresh(
        [i.pk for i in created] + [item["initiative"].pk for item in plan.updates]
    )
    return {
        "created": len(created),
        "updated": len(plan.updates),
        "unchanged": plan.unchanged,
        "stage_changes": len(stage_changes),
    }


def _write_cost_lines(created: list[Initiative], updates: list[dict], by) -> None:
    """The money of the rows as cost lines (initiatives.costs): made from the three figures
    for a new initiative, adjusted as `costs.reconcile` does for a changed one (the plan has
    checked that it can be). A constant number of queries, bulk writes with history."""
    horizon = PortfolioSetting.current().horizon_years
    new_lines: list[CostLine] = []
    for initiative in created:
        figures_given = {name: getattr(initiative, name) for name in costs.MONEY_FIELDS}
        new_lines += costs.lines_from_figures(initiative, figures_given, horizon=horizon)
    changed = {
        item["initiative"].pk: (item["initiative"], money)
        for item in updates
        if item.get("lines") is None  # the file's own lines hold the money of the others
        if (money := {n: item["changes"][n] for n in costs.MONEY_FIELDS if n in item["changes"]})
    }
    lines_of: dict[int, list[CostLine]] = {}
    for line in fetch_in(CostLine.objects.all(), "initiative_id", list(changed)):
        lines_of.setdefault(line.initiative_id, []).append(line)
    updated_lines = []
    for pk, (initiative, money) in changed.items():
        lines = lines_of.get(pk, [])
        for line in costs.reconciled(initiative, lines, money, horizon=horizon):
            (updated_lines if line.pk else new_lines).append(line)
    bulk_create_with_history(new_lines, CostLine, default_user=by, batch_size=500)
    update_rows(CostLine, ["planned", "actual"], updated_lines)
    insert_history(CostLine, updated_lines, by=by, update=True)
    # A new initiative with money spent but no budget given: its budget is now the 0 planned of
    # its investment line, as the sums say.
    unbudgeted = [i for i in created if i.budget is None and i.cost_to_date]
    for initiative in unbudgeted:
        initiative.budget = 0
    update_rows(Initiative, ["budget"], unbudgeted)


def _replace_cost_lines(created: list[tuple[Initiative, list]], updates: list[dict], by) -> None:
    """The file's own cost lines: a new initiative's as given, a changed one's in place of its
    saved lines (those the file gives unchanged keep their rows and history, as
    costs.cost_lines_save keeps them). Bulk writes with history, a constant number of queries;
    the money columns were set from the lines' sums with the initiatives."""
    new_lines = [
        CostLine(initiative=initiative, **asdict(line.values()))
        for initiative, lines in created
        for line in lines
    ]
    dropped = []
    for item in updates:
        if _moves_lines(item):
            dropped += item["lines"]["drop"]
            new_lines += [
                CostLine(initiative=item["initiative"], **asdict(values))
                for values in item["lines"]["add"]
            ]
    insert_history(CostLine, dropped, by=by, deleted=True)
    delete_rows(CostLine, dropped)
    CostLine.objects.bulk_create(new_lines, batch_size=500)  # ids come back with the rows
    insert_history(CostLine, new_lines, by=by)


def _write_scores(items, by) -> None:
    wanted = {(i.pk, goal_id): pair for i, scores in items for goal_id, pair in scores.items()}
    if not wanted:
        return
    existing = {
        (a.initiative_id, a.goal_id): a
        for a in fetch_in(Alignment.objects.all(), "initiative_id", {k[0] for k in wanted})
    }
    create, update = [], []
    for (initiative_id, goal_id), (score, reason) in wanted.items():
        alignment = existing.get((initiative_id, goal_id))
        if alignment is None:
            create.append(Alignment(initiative_id=initiative_id, goal_id=goal_id, score=score,
                                    reason=reason, updated_by=by))  # fmt: skip
        elif (alignment.score, alignment.reason) != (score, reason):
            alignment.score, alignment.reason, alignment.updated_by = score, reason, by
            update.append(alignment)
    insert_rows(Alignment, create, key=("initiative", "goal"))
    insert_history(Alignment, create, by=by)
    update_rows(Alignment, ["score", "reason", "updated_by", "updated_at"], update)
    insert_history(Alignment, update, by=by, update=True)
