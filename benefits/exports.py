"""The benefits register as rows with stable snake_case keys, for CSV/XLSX and the importer."""

from __future__ import annotations

from benefits.models import Measurement

COLUMNS = [
    "initiative_ref", "title", "description", "owner", "category", "is_disbenefit", "unit",
    "direction", "measurement_method", "frequency", "baseline_value", "baseline_date",
    "target_value", "target_date", "sek_per_unit", "valued_at_hourly_rate", "confidence",
    "latest_value", "latest_measured_on", "expected_sek", "realised_sek", "realisation_rate",
    "behind_plan",
]  # fmt: skip
# Derived figures, shown for information; the importer ignores them.
READ_ONLY = {
    "latest_value", "latest_measured_on", "expected_sek", "realised_sek", "realisation_rate",
    "behind_plan",
}  # fmt: skip
MEASUREMENT_COLUMNS = ["initiative_ref", "benefit_title", "date", "value", "note"]


def benefit_rows(benefits) -> list[dict]:
    """One dict per benefit (with_figures(), initiative and owner selected). One query."""
    return [
        {
            "initiative_ref": b.initiative.ref,
            "title": b.title,
            "description": b.description,
            "owner": b.owner.username if b.owner else "",
            "category": b.category,
            "is_disbenefit": b.is_disbenefit,
            "unit": b.unit,
            "direction": b.direction,
            "measurement_method": b.measurement_method,
            "frequency": b.frequency,
            "baseline_value": b.baseline_value,
            "baseline_date": b.baseline_date,
            "target_value": b.target_value,
            "target_date": b.target_date,
            "sek_per_unit": b.sek_per_unit,
            "valued_at_hourly_rate": b.valued_at_hourly_rate,
            "confidence": b.confidence,
            "latest_value": b.latest_value,
            "latest_measured_on": b.latest_measured_on,
            "expected_sek": b.expected_sek,
            "realised_sek": b.realised_sek,
            "realisation_rate": b.realisation_rate,
            "behind_plan": b.behind_plan,
        }
        for b in benefits
    ]


def measurement_rows(benefits) -> list[dict]:
    """Every measurement of the benefits, oldest first. One query."""
    return [
        {"initiative_ref": m.benefit.initiative.ref, "benefit_title": m.benefit.title,
         "date": m.date, "value": m.value, "note": m.note}
        for m in Measurement.objects.filter(benefit__in=benefits.values("pk"))
        .select_related("benefit__initiative")
        .order_by("benefit__initiative__ref", "benefit__title", "date")
    ]  # fmt: skip
