"""Import benefits (and, from an XLSX's "measurements" sheet or a CSV of measurements, their
measurements): a preview first, then all or nothing. Benefits are matched by (initiative_ref,
title), measurements by (initiative_ref, benefit_title, date)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from benefits.exports import COLUMNS, MEASUREMENT_COLUMNS
from benefits.models import Benefit, Category, Confidence, Direction, Frequency, Measurement
from benefits.services import benefit_refresh_latest
from initiatives.models import Initiative
from portfolio.cache import bump_data_version
from portfolio.importing import (
    CellError,
    Plan,
    RowError,
    check_headers,
    parse_bool,
    parse_choice,
    parse_date,
    parse_decimal,
    text,
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


def _owner(users):
    def parse(value):
        name = text(value).casefold()
        if not name:
            return None
        if name not in users:
            raise CellError(_("Unknown user “%(name)s”.") % {"name": text(value)})
        return users[name]

    return parse


def _value(value):
    number = parse_decimal(value)
    if number is None:
        raise CellError(_("A value is required."))
    if abs(number) >= 10**12:
        raise CellError(_("The value is too large."))
    return number


def _optional_money(value):
    number = parse_decimal(value)
    if number is not None and (number < 0 or number >= 10**12):
        raise CellError(_("Use a positive value; mark a dis-benefit instead."))
    return number


def plan_benefits(sheets: dict) -> Plan:
    """Validate the benefits and measurements sheets and say what would change."""
    plan = Plan()
    benefit_sheet = sheets.get("benefits") or sheets.get("")
    measurement_sheet = sheets.get("measurements")
    if benefit_sheet is not None and "benefit_title" in benefit_sheet.headers:
        benefit_sheet, measurement_sheet = None, benefit_sheet  # a CSV of measurements
    if benefit_sheet is None and measurement_sheet is None:
        plan.file_errors.append(_("Found no sheet named “benefits” or “measurements”."))
        return plan
    initiatives = {i.ref: i for i in Initiative.objects.all().only("id", "ref")}
    users = {u.username.casefold(): u for u in get_user_model().objects.filter(is_active=True)}
    existing = {
        (b.initiative.ref, b.title): b for b in Benefit.objects.select_related("initiative")
    }
    planned_keys = set(existing)
    if benefit_sheet is not None:
        if check_headers(benefit_sheet.headers, set(COLUMNS), REQUIRED, plan):
            _plan_benefit_rows(benefit_sheet, plan, initiatives, users, existing, planned_keys)
    if measurement_sheet is not None and not plan.file_errors:
        if check_headers(
            measurement_sheet.headers,
            set(MEASUREMENT_COLUMNS),
            {"initiative_ref", "benefit_title", "date", "value"},
            plan,
        ):
            _plan_measurement_rows(measurement_sheet, plan, existing, planned_keys)
    return plan


def _plan_benefit_rows(sheet, plan, initiatives, users, existing, planned_keys):
    parsers = {
        "title": text,
        "description": text,
        "owner": _owner(users),
        "category": lambda v: parse_choice(v, Category.choices),
        "is_disbenefit": parse_bool,
        "unit": text,
        "direction": lambda v: parse_choice(v, Direction.choices),
        "measurement_method": text,
        "frequency": lambda v: parse_choice(v, Frequency.choices),
        "baseline_value": _value,
        "baseline_date": parse_date,
        "target_value": _value,
        "target_date": parse_date,
        "sek_per_unit": _optional_money,
        "valued_at_hourly_rate": parse_bool,
        "confidence": lambda v: parse_choice(v, Confidence.choices),
    }
    seen = {}
    for number, values in sheet.rows:
        before = len(plan.errors)
        ref = text(values.get("initiative_ref")).upper()
        if ref not in initiatives:
            plan.errors.append(
                RowError(
                    number, "initiative_ref", _("Unknown initiative “%(ref)s”.") % {"ref": ref}
                )
            )
        parsed = {}
        for column, parse in parsers.items():
            if column in sheet.headers:
                try:
                    parsed[column] = parse(values.get(column))
                except CellError as problem:
                    plan.errors.append(RowError(number, column, str(problem)))
        for column in ("title", "unit"):
            if column in parsed and not parsed[column]:
                plan.errors.append(RowError(number, column, _("This column is required.")))
        for column in ("baseline_date", "target_date"):
            if column in sheet.headers and column in parsed and parsed[column] is None:
                plan.errors.append(RowError(number, column, _("A date is required.")))
        if (
            parsed.get("baseline_date")
            and parsed.get("target_date")
            and parsed["target_date"] < parsed["baseline_date"]
        ):
            plan.errors.append(
                RowError(
                    number, "target_date", _("The target date cannot be before the baseline date.")
                )
            )
        if parsed.get("valued_at_hourly_rate") and parsed.get("sek_per_unit") is not None:
            plan.errors.append(
                RowError(
                    number,
                    "sek_per_unit",
                    _("Either value the time at the hourly rate or give SEK per unit, not both."),
                )
            )
        key = (ref, parsed.get("title", ""))
        if key in seen:
            plan.errors.append(
                RowError(
                    number,
                    "title",
                    _("Duplicate benefit: also on row %(row)s.") % {"row": seen[key]},
                )
            )
        seen.setdefault(key, number)
        if len(plan.errors) > before:
            continue
        current = existing.get(key)
        if current is None:
            planned_keys.add(key)
            plan.creates.append({"initiative": initiatives[ref], "fields": parsed, "row": number})
            continue
        changes = {k: v for k, v in parsed.items() if getattr(current, k) != v}
        if changes:
            plan.updates.append({"benefit": current, "changes": changes, "row": number})
        else:
            plan.unchanged += 1


def _plan_measurement_rows(sheet, plan, existing, planned_keys):
    keys = [k for k in existing]
    current = {
        (m.benefit_id, m.date): m
        for m in Measurement.objects.filter(benefit__in=[existing[k] for k in keys])
    }
    new, changed, seen = [], [], {}
    today = timezone.localdate()
    for number, values in sheet.rows:
        before = len(plan.errors)
        key = (text(values.get("initiative_ref")).upper(), text(values.get("benefit_title")))
        if key not in planned_keys:
            plan.errors.append(
                RowError(
                    number,
                    "benefit_title",
                    _("No benefit “%(title)s” on initiative %(ref)s.")
                    % {"title": key[1], "ref": key[0]},
                )
            )
        try:
            date = parse_date(values.get("date"))
            if date is None:
                raise CellError(_("A date is required."))
            if date > today:
                raise CellError(_("A measurement cannot be in the future."))
        except CellError as problem:
            plan.errors.append(RowError(number, "date", str(problem)))
            date = None
        try:
            value = _value(values.get("value"))
        except CellError as problem:
            plan.errors.append(RowError(number, "value", str(problem)))
            value = None
        benefit = existing.get(key)
        if benefit is not None and date is not None and date < benefit.baseline_date:
            plan.errors.append(
                RowError(
                    number,
                    "date",
                    _("A measurement cannot be before the baseline date (%(date)s).")
                    % {"date": benefit.baseline_date.isoformat()},
                )
            )
        if (key, date) in seen:
            plan.errors.append(
                RowError(
                    number,
                    "date",
                    _("Duplicate measurement: also on row %(row)s.") % {"row": seen[(key, date)]},
                )
            )
        seen.setdefault((key, date), number)
        if len(plan.errors) > before:
            continue
        note = text(values.get("note"))[:500]
        old = current.get((benefit.pk, date)) if benefit else None
        if old is None:
            new.append({"key": key, "date": date, "value": value, "note": note})
        elif (old.value, old.note) != (value, note):
            changed.append({"measurement": old, "value": value, "note": note})
        else:
            plan.unchanged += 1
    plan.extra = {"new_measurements": new, "changed_measurements": changed}


@transaction.atomic
def apply_benefits(plan: Plan, *, by, source: str) -> dict:
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    new = [Benefit(initiative=item["initiative"], **item["fields"]) for item in plan.creates]
    bulk_create_with_history(new, Benefit, default_user=by, batch_size=500)
    touched = {}
    changed, fields = [], set()
    for item in plan.updates:
        benefit = item["benefit"]
        for name, value in item["changes"].items():
            setattr(benefit, name, value)
            fields.add(name)
        changed.append(benefit)
    if changed:
        bulk_update_with_history(changed, Benefit, sorted(fields), batch_size=500, default_user=by)
    by_key = {(b.initiative.ref, b.title): b for b in Benefit.objects.select_related("initiative")}
    by_pk = {b.pk: b for b in by_key.values()}
    for benefit in [*new, *changed]:
        touched[benefit.pk] = benefit
    measurements = []
    for item in plan.extra.get("new_measurements", []):
        benefit = by_key[item["key"]]
        touched[benefit.pk] = benefit
        measurements.append(
            Measurement(
                benefit=benefit,
                date=item["date"],
                value=item["value"],
                note=item["note"],
                recorded_by=by,
            )
        )
    bulk_create_with_history(measurements, Measurement, default_user=by, batch_size=500)
    updated = []
    for item in plan.extra.get("changed_measurements", []):
        measurement = item["measurement"]
        measurement.value, measurement.note = item["value"], item["note"]
        updated.append(measurement)
        touched[measurement.benefit_id] = by_pk.get(measurement.benefit_id, measurement.benefit)
    if updated:
        bulk_update_with_history(
            updated, Measurement, ["value", "note"], batch_size=500, default_user=by
        )
    for benefit in touched.values():
        benefit_refresh_latest(benefit)
    bump_data_version()  # bulk writes send no signals
    return {
        "created": len(new),
        "updated": len(changed),
        "measurements": len(measurements) + len(updated),
        "unchanged": plan.unchanged,
    }
