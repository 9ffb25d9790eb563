"""Writes to benefits and measurements; the only place that keeps a benefit's latest value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from benefits.models import Benefit, Measurement, PortfolioSetting


def benefit_refresh_latest(benefit: Benefit) -> Benefit:
    """Bring the denormalised figures in step with the measurements.

    The benefit's latest value and date (for lists and totals), and each measurement's change
    from the one before (for the realised curve over time).
    """
    measurements = list(benefit.measurements.order_by("date", "id"))
    previous = benefit.baseline_value
    changed = []
    for measurement in measurements:
        delta = measurement.value - previous
        if measurement.delta != delta:
            measurement.delta = delta
            changed.append(measurement)
        previous = measurement.value
    if changed:
        Measurement.objects.bulk_update(changed, ["delta"])
    latest = measurements[-1] if measurements else None
    benefit.latest_value = latest.value if latest else None
    benefit.latest_measured_on = latest.date if latest else None
    Benefit.objects.filter(pk=benefit.pk).update(
        latest_value=benefit.latest_value, latest_measured_on=benefit.latest_measured_on
    )
    return benefit


@transaction.atomic
def measurement_create(
    *, benefit: Benefit, date: dt.date, value: Decimal, note: str = "", by
) -> Measurement:
    measurement = Measurement(benefit=benefit, date=date, value=value, note=note, recorded_by=by)
    measurement._history_user = by
    measurement.save()
    benefit_refresh_latest(benefit)
    return measurement


@transaction.atomic
def measurement_delete(*, measurement: Measurement, by) -> None:
    benefit = measurement.benefit
    measurement._history_user = by
    measurement.delete()
    benefit_refresh_latest(benefit)


@transaction.atomic
def benefit_save(*, benefit: Benefit, by) -> Benefit:
    benefit._history_user = by
    benefit.save()
    # A new baseline changes the first measurement's delta.
    benefit_refresh_latest(benefit)
    return benefit


def hourly_rate_set(*, rate: Decimal, by) -> PortfolioSetting:
    setting = PortfolioSetting.current()
    setting.hourly_rate = rate
    setting._history_user = by
    setting.save()
    return setting
