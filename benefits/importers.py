"""Import benefits (and, from an XLSX's "measurements" sheet or a CSV of measurements, their
measurements): a preview first, then all or nothing. Benefits are matched by (initiative_ref,
title), measurements by (initiative_ref, benefit_title, date).

An empty cell means "not given", exactly like a missing column. The benefits of an archived
initiative are never changed. The three steps of portfolio.importing: `parse` (once, at upload),
`plan` and `apply`.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from benefits.exports import COLUMNS, MEASUREMENT_COLUMNS
from benefits.models import Benefit, Category, Confidence, Direction, Frequency, Measurement
from benefits.services import set_deltas
from initiatives.models import Initiative
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
    fetch_in,
    from_json,
    insert_history,
    insert_rows,
    parse_bool,
    parse_date,
    parse_decimal,
    text,
    to_json,
    update_rows,
)

REQUIRED = {
    "initiative_ref",
    "title",
    "category",
    "unit",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
}
MEASUREMENT_REQUIRED = {"initiative_ref", "benefit_title", "date", "value"}


def _value(value):
    return parse_decimal(value, places=4)


def _money(value):
    number = parse_decimal(value, places=2)
    if number < 0:
        raise CellError(_("Use a positive value; mark a dis-benefit instead."))
    return number


def _ref(value) -> str:
    return text(value).upper()


def parse(sheets: dict) -> Parsed:
    """Read and check every cell of both sheets; keep the rows that parsed, as JSON. One query."""
    parsed = Parsed()
    benefit_sheet = sheets.get("benefits") or sheets.get("")
    measurement_sheet = sheets.get("measurements")
    if benefit_sheet is not None and "benefit_title" in benefit_sheet.headers:
        benefit_sheet, measurement_sheet = None, benefit_sheet  # a CSV of measurements
    if benefit_sheet is None and measurement_sheet is None:
        parsed.file_errors.append(_("Found no sheet named “benefits” or “measurements”."))
        return parsed
    # Rows are named with their sheet when the file has both.
    both = benefit_sheet is not None and measurement_sheet is not None
    parsed.rows = {"benefits": [], "measurements": []}
    if benefit_sheet is not None:
        parsed.count += len(benefit_sheet.rows)
        if check_headers(benefit_sheet.headers, set(COLUMNS), REQUIRED, parsed):
            parsed.rows["benefits"] = _parse_benefits(benefit_sheet, parsed, both)
    if measurement_sheet is not None and not parsed.file_errors:
        parsed.count += len(measurement_sheet.rows)
        if check_headers(
            measurement_sheet.headers, set(MEASUREMENT_COLUMNS), MEASUREMENT_REQUIRED, parsed
        ):
            parsed.rows["measurements"] = _parse_measurements(measurement_sheet, parsed, both)
    return parsed


def _parse_benefits(sheet, parsed: Parsed, named: bool) -> list[dict]:
    owner = None
    if "owner" in sheet.headers:
        users = {
            username.casefold(): pk
            for username, pk in get_user_model()
            .objects.filter(is_active=True)
            .values_list("username", "pk")
        }

        def owner(value) -> int:
            pk = users.get(text(value).casefold())
            if pk is None:
                raise CellError(_("Unknown user “%(name)s”.") % {"name": text(value)})
            return pk

    columns = {
        "title": (text, "title"),
        "description": (text, "description"),
        "owner": (owner, "owner_id"),
        "category": (ChoiceNames(Category.choices), "category"),
        "is_disbenefit": (parse_bool, "is_disbenefit"),
        "unit": (text, "unit"),
        "direction": (ChoiceNames(Direction.choices), "direction"),
        "measurement_method": (text, "measurement_method"),
        "frequency": (ChoiceNames(Frequency.choices), "frequency"),
        "baseline_value": (_value, "baseline_value"),
        "baseline_date": (parse_date, "baseline_date"),
        "target_value": (_value, "target_value"),
        "target_date": (parse_date, "target_date"),
        "sek_per_unit": (_money, "sek_per_unit"),
        "valued_at_hourly_rate": (parse_bool, "valued_at_hourly_rate"),
        "confidence": (ChoiceNames(Confidence.choices), "confidence"),
    }
    columns = {column: spec for column, spec in columns.items() if column in sheet.headers}
    required = _("This column is required.")
    sheet_name = sheet.name if named else ""
    rows, seen = [], {}
    for number, values in sheet.rows:
        cells = Cells(number, values, parsed.errors, sheet_name)
        ref = cells.get("initiative_ref", _ref, required=required)
        fields = {}
        for column, (parse_cell, name) in columns.items():
            value = cells.get(
                column,
                parse_cell,
                model=Benefit,
                name=name,
                required=required if column in REQUIRED else "",
            )
            if value is not MISSING:
                fields[name] = value
        if fields.get("valued_at_hourly_rate") and fields.get("sek_per_unit") is not None:
            cells.error(
                "sek_per_unit",
                _("Either value the time at the hourly rate or give SEK per unit, not both."),
            )
        key = (ref, fields.get("title"))
        if ref and key[1]:
            if key in seen:
                cells.error(
                    "title", _("Duplicate benefit: also on row %(row)s.") % {"row": seen[key]}
                )
            seen.setdefault(key, number)
        if not cells.failed:
            fields = {name: to_json(value) for name, value in fields.items()}
            rows.append({"row": number, "ref": ref, "fields": fields})
    return rows


def _parse_measurements(sheet, parsed: Parsed, named: bool) -> list[dict]:
    required = _("This column is required.")
    sheet_name = sheet.name if named else ""
    rows, seen = [], {}
    for number, values in sheet.rows:
        cells = Cells(number, values, parsed.errors, sheet_name)
        ref = cells.get("initiative_ref", _ref, required=required)
        title = cells.get("benefit_title", text, required=required)
        date = cells.get("date", parse_date, model=Measurement, required=_("A date is required."))
        value = cells.get("value", _value, model=Measurement, required=_("A value is required."))
        note = cells.get("note", text, model=Measurement)
        if ref and title and date:
            key = (ref, title, date)
            if key in seen:
                cells.error(
                    "date", _("Duplicate measurement: also on row %(row)s.") % {"row": seen[key]}
                )
            seen.setdefault(key, number)
        if not cells.failed:
            row = {"row": number, "ref": ref, "title": title, "date": to_json(date),
                   "value": to_json(value)}  # fmt: skip
            if note is not MISSING:
                row["note"] = note
            rows.append(row)
    return rows


def plan(stored: dict, *, lock: bool = False) -> Plan:
    """Compare the stored rows with the database and say what would change; writes nothing.

    A constant number of queries per file (one more per 2,000 initiatives or benefits). With
    `lock`, the benefits in the file stay locked until the transaction ends (the apply step).
    """
    result = Plan()
    benefit_rows, measurement_rows = stored["benefits"], stored["measurements"]
    sheet = "benefits" if benefit_rows and measurement_rows else ""
    refs = {row["ref"] for row in benefit_rows} | {row["ref"] for row in measurement_rows}
    initiatives = Initiative.objects.only("id", "ref", "archived_at")
    benefits = Benefit.objects.select_related("initiative")
    if lock:  # no one archives an initiative or measures a benefit in between
        initiatives = initiatives.select_for_update()
        benefits = benefits.select_for_update(of=("self",))
    initiatives = {i.ref: i for i in fetch_in(initiatives, "ref", refs)}
    existing = {
        (b.initiative.ref, b.title): b
        for b in fetch_in(benefits, "initiative_id", [i.pk for i in initiatives.values()])
    }
    owners = {
        user.pk
        for user in fetch_in(
            get_user_model().objects.filter(is_active=True).only("pk"),
            "pk",
            {row["fields"]["owner_id"] for row in benefit_rows if row["fields"].get("owner_id")},
        )
    }
    planned = {}  # (ref, title) -> the benefit as it will be, for the measurements
    for row in benefit_rows:
        number, ref = row["row"], row["ref"]

        def error(column, message, number=number):
            result.errors.append(RowError(number, column, message, sheet))

        initiative = initiatives.get(ref)
        if initiative is None:
            error("initiative_ref", _("Unknown initiative “%(ref)s”.") % {"ref": ref})
            continue
        fields = from_json(Benefit, row["fields"])
        if fields.get("owner_id") not in owners | {None}:
            error("owner", _("The user has been deleted or deactivated since the upload."))
        key = (ref, fields["title"])
        current = existing.get(key)
        # The two ways of valuing a benefit exclude each other: the one the row gives wins.
        if fields.get("valued_at_hourly_rate") and "sek_per_unit" not in fields:
            fields["sek_per_unit"] = None
        if fields.get("sek_per_unit") is not None and "valued_at_hourly_rate" not in fields:
            fields["valued_at_hourly_rate"] = False
        merged = Benefit(**{**_as_dict(current), **fields})
        if merged.target_date < merged.baseline_date:
            error("target_date", _("The target date cannot be before the baseline date."))
        planned[key] = merged
        changes = fields if current is None else {
            name: value for name, value in fields.items() if getattr(current, name) != value
        }  # fmt: skip
        if changes and initiative.is_archived:
            error("initiative_ref", _archived(ref))
            continue
        if current is None:
            result.creates.append({"initiative": initiative, "fields": fields, "row": number})
        elif changes:
            result.updates.append({"benefit": current, "changes": changes, "row": number})
        else:
            result.unchanged += 1
    for key, benefit in existing.items():
        planned.setdefault(key, benefit)
    _plan_measurements(result, measurement_rows, planned, initiatives, sheet and "measurements")
    return result


def _as_dict(benefit: Benefit | None) -> dict:
    if benefit is None:
        return {}
    return {f.attname: getattr(benefit, f.attname) for f in Benefit._meta.concrete_fields}


def _archived(ref: str) -> str:
    return _("%(ref)s is archived: restore it first; nothing in this row was imported.") % {
        "ref": ref
    }


def _plan_measurements(result: Plan, rows, planned, initiatives, sheet: str) -> None:
    current = {
        (m.benefit_id, m.date): m
        for m in fetch_in(
            Measurement.objects.all(),
            "benefit_id",
            {planned[key].pk for key in {(r["ref"], r["title"]) for r in rows} & planned.keys()
             if planned[key].pk},
        )
    }  # fmt: skip
    new, changed = [], []
    for row in rows:
        number, key = row["row"], (row["ref"], row["title"])

        def error(column, message, number=number):
            result.errors.append(RowError(number, column, message, sheet))

        benefit = planned.get(key)
        if benefit is None:
            error("benefit_title", _("No benefit “%(title)s” on initiative %(ref)s.")
                  % {"title": key[1], "ref": key[0]})  # fmt: skip
            continue
        values = from_json(Measurement, {"date": row["date"], "value": row["value"]})
        date, value = values["date"], values["value"]
        if date < benefit.baseline_date:
            error("date", _("A measurement cannot be before the baseline date (%(date)s).")
                  % {"date": benefit.baseline_date.isoformat()})  # fmt: skip
            continue
        old = current.get((benefit.pk, date)) if benefit.pk else None
        note = row.get("note", old.note if old else "")
        if old is not None and (old.value, old.note) == (value, note):
            result.unchanged += 1
            continue
        if initiatives[key[0]].is_archived:
            error("initiative_ref", _archived(key[0]))
            continue
        if old is None:
            new.append({"key": key, "benefit_id": benefit.pk, "date": date, "value": value,
                        "note": note})  # fmt: skip
        else:
            changed.append({"measurement": old, "value": value, "note": note})
    result.extra = {"new_measurements": new, "changed_measurements": changed}
    result.new_measurements, result.changed_measurements = len(new), len(changed)


def apply(plan: Plan, *, by, source: str) -> dict:
    """Write the plan (in the caller's transaction: every row or none), with history."""
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    new = [Benefit(initiative=item["initiative"], **item["fields"]) for item in plan.creates]
    new = bulk_create_with_history(new, Benefit, default_user=by, batch_size=500)
    changed, fields = [], set()
    for item in plan.updates:
        benefit = item["benefit"]
        for name, value in item["changes"].items():
            setattr(benefit, name, value)
            fields.add(name)
        changed.append(benefit)
    if changed:
        bulk_update_with_history(changed, Benefit, sorted(fields), batch_size=500, default_user=by)
    by_key = {(b.initiative.ref, b.title): b for b in new}
    measurements = [
        Measurement(benefit_id=item["benefit_id"] or by_key[item["key"]].pk, date=item["date"],
                    value=item["value"], note=item["note"], recorded_by=by)
        for item in plan.extra.get("new_measurements", [])
    ]  # fmt: skip
    updated = []
    for item in plan.extra.get("changed_measurements", []):
        measurement = item["measurement"]
        measurement.value, measurement.note = item["value"], item["note"]
        updated.append(measurement)
    # A benefit's figures follow its measurements and its baseline.
    touched = {b.pk for b in [*new, *changed]} | {m.benefit_id for m in [*measurements, *updated]}
    stale = _refresh_latest(touched, inserting=measurements, updating=updated)
    insert_rows(Measurement, measurements, key=("benefit", "date"))
    insert_history(Measurement, measurements, by=by)
    update_rows(Measurement, ["value", "note", "delta"], updated)
    insert_history(Measurement, updated, by=by, update=True)
    rewritten = {m.pk for m in updated}
    update_rows(Measurement, ["delta"], [m for m in stale if m.pk not in rewritten])
    bump_data_version("benefits")  # bulk writes send no signals
    figures.refresh_if_fresh(
        Benefit.objects.filter(pk__in=touched | {b.pk for b in new}).values_list(
            "initiative_id", flat=True
        )
    )
    return {
        "created": len(new),
        "updated": len(changed),
        "measurements": len(measurements) + len(updated),
        "unchanged": plan.unchanged,
    }


def _refresh_latest(benefit_ids, *, inserting, updating) -> list[Measurement]:
    """What benefits.services.benefit_refresh_latest keeps, for many benefits in a few queries.

    Each benefit's latest value and date, written here; and each measurement's change from the
    one before (or from the baseline), set on the measurements about to be inserted and returned
    for the stored ones whose change is no longer right.
    """
    benefits = fetch_in(
        Benefit.objects.only("id", "baseline_value", "latest_value", "latest_measured_on"),
        "pk",
        benefit_ids,
    )
    replaced = {m.pk: m for m in updating}
    timelines = {benefit.pk: [] for benefit in benefits}
    stored = fetch_in(
        Measurement.objects.only("id", "benefit_id", "date", "value", "delta"),
        "benefit_id",
        timelines,
    )
    for measurement in [*(replaced.get(m.pk, m) for m in stored), *inserting]:
        timelines[measurement.benefit_id].append(measurement)
    stale, latest = [], []
    for benefit in benefits:
        timeline = sorted(timelines[benefit.pk], key=lambda m: m.date)
        changed = set_deltas(benefit.baseline_value, timeline)
        stale.extend(m for m in changed if m.pk is not None)  # the new ones are inserted as set
        last = timeline[-1] if timeline else None
        value, date = (last.value, last.date) if last else (None, None)
        if (benefit.latest_value, benefit.latest_measured_on) != (value, date):
            benefit.latest_value, benefit.latest_measured_on = value, date
            latest.append(benefit)
    update_rows(Benefit, ["latest_value", "latest_measured_on"], latest)
    return stale
