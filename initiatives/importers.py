"""Import initiatives (with their goal scores) from CSV/XLSX: a preview first, then all or nothing.

Rows are matched by `ref`: a known ref updates, an unknown one creates, a blank one creates with a
generated ref. Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from initiatives.exports import COLUMNS, READ_ONLY
from initiatives.models import (
    REF_VALIDATOR,
    Department,
    Initiative,
    Kind,
    Outcome,
    Stage,
    StageChange,
    StageChangeStatus,
)
from initiatives.services import REF_PREFIX
from portfolio.cache import bump_data_version
from portfolio.importing import (
    CellError,
    Plan,
    RowError,
    check_headers,
    parse_amount,
    parse_bool,
    parse_choice,
    parse_date,
    text,
)
from portfolio.models import Alignment, CouncilGoal

FIELDS = [c for c in COLUMNS if c not in READ_ONLY and c != "ref"]


def plan_initiatives(sheet) -> Plan:
    """Validate every row and say what would change; writes nothing."""
    plan = Plan()
    goals = {goal.pk: goal for goal in CouncilGoal.objects.all()}
    known = set(COLUMNS)
    for goal_id in goals:
        known |= {f"goal_{goal_id}_score", f"goal_{goal_id}_reason"}
    for header in sheet.headers:
        if header.startswith("goal_") and header not in known:
            plan.file_errors.append(
                _("Column %(column)s names no council goal.") % {"column": header}
            )
    if not check_headers(sheet.headers, known, {"title", "department"}, plan):
        return plan
    departments = {d.code.casefold(): d for d in Department.objects.all()}
    users = {u.username.casefold(): u for u in get_user_model().objects.filter(is_active=True)}
    refs = [text(values.get("ref")).upper() for _n, values in sheet.rows]
    existing = {i.ref: i for i in Initiative.objects.filter(ref__in=[r for r in refs if r])}
    current_scores = {
        (a.initiative_id, a.goal_id): a
        for a in Alignment.objects.filter(initiative__in=existing.values())
    }
    goal_headers = [h for h in sheet.headers if h.startswith("goal_") and h in known]
    seen = {}
    for number, values in sheet.rows:
        errors_before = len(plan.errors)

        def error(column, message, number=number):
            plan.errors.append(RowError(number, column, message))

        ref = text(values.get("ref")).upper()
        if ref:
            try:
                REF_VALIDATOR(ref)
            except Exception:
                error("ref", _("“%(ref)s” is not a valid reference.") % {"ref": ref})
            if ref in seen:
                error("ref", _("Duplicate ref: also on row %(row)s.") % {"row": seen[ref]})
            seen.setdefault(ref, number)
        parsed = {}
        for column, parse in _PARSERS.items():
            if column not in sheet.headers:
                continue
            try:
                parsed[column] = parse(values.get(column), departments, users)
            except CellError as problem:
                error(column, str(problem))
        if "title" in parsed and not parsed["title"]:
            error("title", _("A title is required."))
        if len(parsed.get("title", "")) > 200:
            error("title", _("The title is longer than 200 characters."))
        start, end = parsed.get("planned_start"), parsed.get("planned_end")
        if start and end and end < start:
            error("planned_end", _("The planned end cannot be before the planned start."))
        current = existing.get(ref)
        stage = parsed.get("stage")
        if stage == Stage.CLOSED and not parsed.get("outcome"):
            error("outcome", _("A closed initiative needs an outcome: completed or stopped."))
        if (
            stage == Stage.CLOSED
            and parsed.get("outcome") == Outcome.STOPPED
            and (current is None or current.outcome != Outcome.STOPPED)
        ):
            error("stage", _("Close an initiative as stopped in the app, with its lesson."))
        scores = {}
        for header in goal_headers:
            goal_id = int(header.split("_")[1])
            if header.endswith("_score"):
                raw = values.get(header)
                if raw in (None, ""):
                    continue
                try:
                    score = int(float(text(raw).replace(",", ".")))
                    if str(score) != text(raw).split(".")[0] or not 0 <= score <= 5:
                        raise ValueError
                except ValueError:
                    error(header, _("A score is a whole number from 0 to 5."))
                    continue
                reason = text(values.get(f"goal_{goal_id}_reason"))[:300]
                scores[goal_id] = (score, reason)
        if len(plan.errors) > errors_before:
            continue
        if current is None:
            plan.creates.append({"ref": ref, "fields": parsed, "scores": scores, "row": number})
            continue
        changes = {name: value for name, value in parsed.items() if getattr(current, name) != value}
        score_changes = {
            goal_id: pair
            for goal_id, pair in scores.items()
            if (a := current_scores.get((current.pk, goal_id))) is None
            or (a.score, a.reason) != pair
        }
        if changes or score_changes:
            plan.updates.append(
                {"initiative": current, "changes": changes, "scores": score_changes,
                 "row": number}
            )  # fmt: skip
        else:
            plan.unchanged += 1
    return plan


def _department(value, departments, users):
    code = text(value).casefold()
    if not code:
        raise CellError(_("A department is required."))
    if code not in departments:
        raise CellError(_("Unknown department “%(code)s”.") % {"code": text(value)})
    return departments[code]


def _owner(value, departments, users):
    name = text(value).casefold()
    if not name:
        return None
    if name not in users:
        raise CellError(_("Unknown user “%(name)s”.") % {"name": text(value)})
    return users[name]


def _tags(value, *_args):
    tags = [tag.strip() for tag in text(value).split(",")]
    return ", ".join(dict.fromkeys(tag for tag in tags if tag))[:300]


_PARSERS = {
    "title": lambda v, *_: text(v),
    "summary": lambda v, *_: text(v),
    "kind": lambda v, *_: parse_choice(v, Kind.choices),
    "department": _department,
    "owner": _owner,
    "stage": lambda v, *_: parse_choice(v, Stage.choices),
    "outcome": lambda v, *_: parse_choice(v, Outcome.choices, required=False),
    "planned_start": lambda v, *_: parse_date(v),
    "planned_end": lambda v, *_: parse_date(v),
    "budget": lambda v, *_: parse_amount(v),
    "running_cost": lambda v, *_: parse_amount(v),
    "cost_to_date": lambda v, *_: parse_amount(v),
    "must_do": lambda v, *_: parse_bool(v),
    "hypothesis": lambda v, *_: text(v),
    "stop_criteria": lambda v, *_: text(v),
    "tags": _tags,
}


@transaction.atomic
def apply_initiatives(plan: Plan, *, by, source: str) -> dict:
    """Write the plan in one transaction: every row or none."""
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
        if item["changes"]:
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
    if changed:
        bulk_update_with_history(
            changed, Initiative, [*sorted(fields), "version"], batch_size=500, default_user=by
        )
    StageChange.objects.bulk_create(stage_changes)
    by_ref = {i.ref: i for i in created}
    score_items = [
        (by_ref[i.ref], item["scores"]) for i, item in zip(new, plan.creates, strict=True)
    ]
    score_items += [(item["initiative"], item["scores"]) for item in plan.updates]
    _write_scores(score_items, by)
    bump_data_version()  # bulk writes send no signals
    return {"created": len(created), "updated": len(plan.updates), "unchanged": plan.unchanged}


def _write_scores(items, by) -> None:
    wanted = {(i.pk, goal_id): pair for i, scores in items for goal_id, pair in scores.items()}
    if not wanted:
        return
    existing = {
        (a.initiative_id, a.goal_id): a
        for a in Alignment.objects.filter(initiative_id__in={k[0] for k in wanted})
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
    bulk_create_with_history(create, Alignment, default_user=by, batch_size=500)
    if update:
        bulk_update_with_history(
            update, Alignment, ["score", "reason", "updated_by"], batch_size=500, default_user=by
        )
