"""Writes to benefits and measurements; the only place that keeps a benefit's latest value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from benefits.models import Benefit, Measurement, PortfolioSetting


def benefit_refresh_latest(benefit: Benefit) -> Benefit:
    """Copy the latest measurement (by date) onto the benefit, for lists and totals."""
    latest = benefit.measurements.order_by("-date", "-id").first()
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


def benefit_save(*, benefit: Benefit, by) -> Benefit:
    benefit._history_user = by
    benefit.save()
    return benefit


def hourly_rate_set(*, rate: Decimal, by) -> PortfolioSetting:
    setting = PortfolioSetting.current()
    setting.hourly_rate = rate
    setting._history_user = by
    setting.save()
    return setting
