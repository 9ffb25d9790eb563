"""Writes to benefits and measurements; the only place that keeps a benefit's latest value.

Every write that reads first and then writes (is there a measurement on this date? is the title
taken?) starts by locking the parent row (`lock_rows`), so two writers of the same benefit or
initiative queue instead of both passing the check: the second then reads what the first wrote
and gets a clear answer, never a unique violation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from benefits.models import Benefit, Measurement, PortfolioSetting
from benefits.templatetags.benefit_format import quantity
from initiatives.models import Initiative
from initiatives.services import initiative_for_change


def lock_rows(queryset: models.QuerySet) -> None:
    """Hold the write lock of the queryset's rows until the transaction ends.

    Call it first in the transaction. An UPDATE that changes nothing, rather than
    select_for_update(): on PostgreSQL it takes the same row lock as SELECT … FOR NO KEY UPDATE,
    but on SQLite select_for_update() is a plain read, and a transaction that has read and then
    writes while another one is writing fails at once with "database is locked" (SQLite does not
    wait on a lock while holding a read lock, to avoid a deadlock). A write as the first statement
    waits for the other writer instead (the busy timeout), on both databases.
    """
    key = queryset.model._meta.pk.name
    queryset.update(**{key: F(key)})


class MeasurementExists(Exception):
    """The benefit already has a measurement on that date (perhaps saved a moment ago by someone
    else); `existing` is that measurement."""

    def __init__(self, existing: Measurement):
        self.existing = existing
        super().__init__(measurement_exists_message(existing))


def measurement_exists_message(existing: Measurement) -> str:
    person = existing.recorded_by
    return _(
        "There is already a measurement on this date: %(value)s %(unit)s, recorded by %(person)s."
    ) % {
        "value": quantity(existing.value),
        "unit": existing.benefit.unit,
        "person": person.get_full_name() or person.username,
    }


class BenefitTitleTaken(Exception):
    """The initiative already has a benefit with that title: the import tells benefits apart by
    (initiative, title), and a second one is most often the same form submitted twice."""

    def __init__(self, existing: Benefit):
        self.existing = existing
        super().__init__(
            _("This initiative already has a benefit called “%(title)s”.")
            % {"title": existing.title}
        )


def set_deltas(baseline: Decimal, timeline: list[Measurement]) -> list[Measurement]:
    """Set each measurement's change from the one before it (the first: from the baseline).

    `timeline` is in date order; returns the measurements whose change was not yet right.
    """
    previous, changed = baseline, []
    for measurement in timeline:
        delta = measurement.value - previous
        if measurement.delta != delta:
            measurement.delta = delta
            changed.append(measurement)
        previous = measurement.value
    return changed


def benefit_refresh_latest(benefit: Benefit) -> Benefit:
    """Bring the denormalised figures in step with the measurements.

    The benefit's latest value and date (for lists and totals), and each measurement's change
    from the one before (for the realised curve over time).
    """
    measurements = list(benefit.measurements.order_by("date", "id"))
    changed = set_deltas(benefit.baseline_value, measurements)
    if changed:
        Measurement.objects.bulk_update(changed, ["delta"])
    latest = measurements[-1] if measurements else None
    benefit.latest_value = latest.value if latest else None
    benefit.latest_measured_on = latest.date if latest else None
    Benefit.objects.filter(pk=benefit.pk).update(
        latest_value=benefit.latest_value, latest_measured_on=benefit.latest_measured_on
    )
    return benefit


def _measurement_on(benefit: Benefit, date: dt.date) -> Measurement | None:
    return (
        Measurement.objects.filter(benefit=benefit, date=date)
        .select_related("benefit", "recorded_by")
        .first()
    )


@transaction.atomic
def measurement_create(
    *, benefit: Benefit, date: dt.date, value: Decimal, note: str = "", by
) -> Measurement:
    """Record a measurement; raise MeasurementExists when the date is taken.

    The same measurement sent twice by the same person (a double click) is recorded once and
    both calls return it.
    """
    # An archived initiative's benefits are read-only (locked first: initiative, then benefit,
    # the order every write takes). Writers of one benefit queue here: the check below then sees
    # a measurement saved a moment ago, and the deltas are recomputed over every measurement.
    initiative_for_change(Initiative(pk=benefit.initiative_id))
    lock_rows(Benefit.objects.filter(pk=benefit.pk))
    existing = _measurement_on(benefit, date)
    if existing is None:
        measurement = Measurement(
            benefit=benefit, date=date, value=value, note=note, recorded_by=by
        )
        measurement._history_user = by
        try:
            # A writer that does not take the lock (a bulk import) may still have inserted it.
            with transaction.atomic():
                measurement.save()
        except IntegrityError:
            existing = _measurement_on(benefit, date)
            if existing is None:
                raise
        else:
            benefit.refresh_from_db(fields=["baseline_value"])
            benefit_refresh_latest(benefit)
            return measurement
    if existing.recorded_by_id == by.pk and existing.value == value and existing.note == note:
        return existing
    raise MeasurementExists(existing)


@transaction.atomic
def measurement_delete(*, measurement: Measurement, by) -> bool:
    """Delete the measurement; False when it was already gone (a second click on delete)."""
    initiative_for_change(Initiative(pk=measurement.benefit.initiative_id))
    lock_rows(Benefit.objects.filter(pk=measurement.benefit_id))
    # Deleting a row that is gone would still record a second deletion in its history.
    if not Measurement.objects.filter(pk=measurement.pk).exists():
        return False
    benefit = Benefit.objects.get(pk=measurement.benefit_id)
    measurement._history_user = by
    measurement.delete()
    benefit_refresh_latest(benefit)
    return True


def same_as_stored(instance: models.Model) -> bool:
    """Whether saving the instance would change nothing: the same form sent twice."""
    if instance.pk is None:
        return False
    stored = type(instance)._default_manager.filter(pk=instance.pk).first()
    return stored is not None and all(
        getattr(instance, field.attname) == getattr(stored, field.attname)
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    )


@transaction.atomic
def benefit_save(*, benefit: Benefit, by) -> Benefit:
    """Add or change a benefit; raise BenefitTitleTaken when another benefit of the initiative
    has the title. Saving what is already stored (the form sent twice) writes nothing."""
    initiative_for_change(Initiative(pk=benefit.initiative_id))
    if same_as_stored(benefit):
        return benefit
    same_title = Benefit.objects.filter(initiative=benefit.initiative_id, title=benefit.title)
    if existing := same_title.exclude(pk=benefit.pk).first():
        raise BenefitTitleTaken(existing)
    benefit._history_user = by
    benefit.save()
    # A new baseline changes the first measurement's delta.
    benefit_refresh_latest(benefit)
    return benefit


@transaction.atomic
def hourly_rate_set(*, rate: Decimal, by) -> PortfolioSetting:
    lock_rows(PortfolioSetting.objects.filter(pk=1))
    setting = PortfolioSetting.current()
    if setting.hourly_rate == rate:
        return setting  # sent twice: one change in the history, not two
    setting.hourly_rate = rate
    setting._history_user = by
    setting.save()
    return setting
