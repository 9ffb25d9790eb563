"""Writes to benefits and measurements; the only place that keeps a benefit's latest value.

Every write that reads first and then writes (is there a measurement on this date? is the title
taken?) starts by locking the parent row (`lock_rows`), so two writers of the same benefit or
initiative queue instead of both passing the check: the second then reads what the first wrote
and gets a clear answer, never a unique violation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from benefits.models import Benefit, FollowUp, Measurement, PortfolioSetting
from benefits.templatetags.benefit_format import quantity
from initiatives.models import Initiative, Outcome, Stage
from initiatives.services import initiative_for_change
from portfolio import figures


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
    # The updates above send no signals: the dashboard's sums follow here (portfolio.figures).
    figures.refresh_if_fresh([benefit.initiative_id])
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


@transaction.atomic
def settings_set(*, values: dict, by) -> PortfolioSetting:
    """Save the portfolio settings (hourly rate, discount rate, horizon) under the row's lock;
    sent twice, one change in the history."""
    lock_rows(PortfolioSetting.objects.filter(pk=1))
    setting = PortfolioSetting.current()
    changed = [name for name, value in values.items() if getattr(setting, name) != value]
    if not changed:
        return setting
    for name in changed:
        setattr(setting, name, values[name])
    setting._history_user = by
    setting.save()
    return setting


class HandedOverAlready(Exception):
    """Someone handed these benefits over while the form was open: nothing was written, and
    `benefits` are the ones already handed over, as they are now."""

    def __init__(self, benefits: list[Benefit]):
        self.benefits = benefits
        super().__init__(
            _(
                "These benefits were handed over by someone else while you filled in the form, "
                "so nothing was saved: %(titles)s. Check what is there now; change an owner or "
                "a date on the benefit itself."
            )
            % {"titles": ", ".join(f"“{benefit.title}”" for benefit in benefits)}
        )


class NotHandedOver(Exception):
    """The benefit cannot be handed over or reviewed in its present state."""


@dataclass(frozen=True)
class HandOver:
    """One benefit's hand-over: its owner in line management and the end of its follow-up."""

    benefit_id: int
    owner_id: int
    follow_up_until: dt.date


@transaction.atomic
def handover(*, initiative: Initiative, entries: list[HandOver], by) -> list[Benefit]:
    """Hand the closed initiative's benefits over to line management, all or none.

    Refused (HandedOverAlready, nothing written) when any of them was handed over meanwhile: the
    second of two people, or the second click, does not overwrite the first's choices.
    """
    initiative = initiative_for_change(initiative)
    if initiative.stage != Stage.CLOSED or initiative.outcome != Outcome.COMPLETED:
        raise NotHandedOver(
            _("Only the benefits of an initiative closed as completed are handed over.")
        )
    ids = [entry.benefit_id for entry in entries]
    lock_rows(Benefit.objects.filter(pk__in=ids))
    benefits = {b.pk: b for b in Benefit.objects.filter(pk__in=ids, initiative=initiative)}
    if len(benefits) != len(ids):
        raise NotHandedOver(_("A benefit in the form no longer belongs to this initiative."))
    done = [benefits[pk] for pk in ids if benefits[pk].handed_over_at is not None]
    if done:
        raise HandedOverAlready(done)
    now = timezone.now()
    for entry in entries:
        benefit = benefits[entry.benefit_id]
        benefit.owner_id = entry.owner_id
        benefit.follow_up_until = entry.follow_up_until
        benefit.handed_over_at = now
        benefit.handed_over_by = by
        benefit._history_user = by
        benefit._change_reason = "hand-over"
        benefit.save(
            update_fields=[
                "owner",
                "follow_up_until",
                "handed_over_at",
                "handed_over_by",
                "updated_at",
            ]
        )
    return [benefits[pk] for pk in ids]


class ReviewedAlready(Exception):
    """The benefit's follow-up was ended already (perhaps a moment ago, or by a second click)."""

    def __init__(self, benefit: Benefit):
        self.benefit = benefit
        person = benefit.reviewed_by
        super().__init__(
            _(
                "The follow-up of this benefit was already ended by %(person)s on %(date)s: "
                "%(outcome)s. Nothing was saved."
            )
            % {
                "person": (person.get_full_name() or person.username) if person else "–",
                "date": formats.date_format(
                    timezone.localtime(benefit.reviewed_at), "SHORT_DATE_FORMAT"
                ),
                "outcome": benefit.get_review_outcome_display().lower(),
            }
        )


@transaction.atomic
def closing_review(
    *,
    benefit: Benefit,
    date: dt.date,
    value: Decimal,
    note: str = "",
    outcome: str,
    review_text: str,
    by,
) -> Benefit:
    """End the benefit's follow-up after the project: the closing measurement and a short
    realisation review, together or not at all.

    The closing measurement is recorded as any measurement; one already there on the date with
    the same value (recorded earlier, or by the first of two clicks) is taken as it is, one with
    another value refuses the review (MeasurementExists).
    """
    initiative_for_change(Initiative(pk=benefit.initiative_id))
    lock_rows(Benefit.objects.filter(pk=benefit.pk))
    current = Benefit.objects.select_related("initiative", "reviewed_by").get(pk=benefit.pk)
    if current.reviewed_at is not None:
        raise ReviewedAlready(current)
    if current.follow_up_state() != FollowUp.AFTER:
        raise NotHandedOver(
            _("Hand the benefit over to line management first: then its follow-up can end.")
        )
    try:
        measurement = measurement_create(benefit=current, date=date, value=value, note=note, by=by)
    except MeasurementExists as exists:
        if exists.existing.value != value:
            raise
        measurement = exists.existing
    current.refresh_from_db(fields=["latest_value", "latest_measured_on"])
    current.review_outcome = outcome
    current.review_text = review_text
    current.reviewed_at = timezone.now()
    current.reviewed_by = by
    current.closing_measurement = measurement
    current._history_user = by
    current._change_reason = "closing review"
    current.save(
        update_fields=[
            "review_outcome",
            "review_text",
            "reviewed_at",
            "reviewed_by",
            "closing_measurement",
            "updated_at",
        ]
    )
    return current
