"""The demo city's benefits register: `benefits.demo.load_demo_benefits`, run by `load_demo`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count, Max
from django.utils import timezone

from benefits.demo import BENEFITS, load_demo_benefits
from benefits.models import (
    Benefit,
    Category,
    Confidence,
    Direction,
    Frequency,
    Measurement,
)
from initiatives.demo import HEADS, load_demo
from initiatives.models import Initiative, Outcome, Stage

pytestmark = pytest.mark.django_db

RATE = Decimal("450")


class _Sink:
    """Swallows the command's output and keeps it for the assertions."""

    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


@pytest.fixture
def loaded(demo_city, settings) -> str:
    """The demo city, loaded once for this module (tests/conftest.py), and the command's output.

    A test's writes are undone.
    """
    settings.DEBUG = True
    return demo_city


def _counts() -> dict[str, int]:
    return {
        "benefits": Benefit.objects.count(),
        "measurements": Measurement.objects.count(),
        "benefit_history": Benefit.history.count(),
        "measurement_history": Measurement.history.count(),
    }


def test_a_realistic_register(loaded):
    benefits = Benefit.objects.all()
    # 44 benefits of running and recent initiatives, 21 of initiatives closed in earlier years.
    assert 55 <= benefits.count() <= 70
    assert benefits.count() == len(BENEFITS)
    per_initiative = benefits.values("initiative").annotate(n=Count("id"))
    assert len(per_initiative) >= 20
    assert all(1 <= row["n"] <= 3 for row in per_initiative)
    stages = set(benefits.values_list("initiative__stage", flat=True))
    assert stages == {Stage.PILOT, Stage.SCALING, Stage.OPERATION, Stage.CLOSED}
    assert not benefits.filter(initiative__stage=Stage.CLOSED, initiative__outcome=Outcome.STOPPED)
    measured = benefits.filter(latest_value__isnull=False).count()
    assert 350 <= Measurement.objects.count() <= 480
    assert 6 <= Measurement.objects.count() / measured <= 10


def test_every_category_direction_confidence_and_frequency_is_used(loaded):
    def used(field):
        return set(Benefit.objects.values_list(field, flat=True))

    assert used("category") == set(Category.values)
    assert used("direction") == set(Direction.values)
    assert used("confidence") == set(Confidence.values)
    assert used("frequency") == set(Frequency.values)


def test_the_flagship_benefits_of_the_issue(loaded):
    milk = Benefit.objects.get(initiative__ref="DIG-2024-001", unit="h/år")
    assert (milk.category, milk.target_value, milk.valued_at_hourly_rate) == (
        Category.REDISTRIBUTION,
        320,
        True,
    )
    lights = Benefit.objects.get(initiative__ref="DIG-2025-006", unit="min per resa")
    assert (lights.baseline_value, lights.target_value, lights.direction) == (
        Decimal("2.5"),
        Decimal("1.8"),
        Direction.LOWER,
    )
    energy = Benefit.objects.get(unit="kWh/år")
    assert (energy.baseline_value, energy.target_value) == (1_450_000, 1_230_000)
    assert energy.sek_per_unit == Decimal("1.2")
    managers = Benefit.objects.get(initiative__ref="DIG-2024-019")
    assert (managers.unit, managers.baseline_value, managers.target_value) == ("%", 0, 100)
    # A share of 40 managers moves in steps of 2.5 %.
    for value in managers.measurements.values_list("value", flat=True):
        assert value % Decimal("2.5") == 0
    permits = Benefit.objects.get(title="Andel bygglovsansökningar som kommer in digitalt")
    assert (permits.baseline_value, permits.target_value) == (35, 85)


def test_money_values_follow_the_category(loaded):
    for benefit in Benefit.objects.all():
        if benefit.valued_at_hourly_rate:
            assert benefit.category == Category.REDISTRIBUTION, benefit.title
            assert benefit.unit == "h/år" and benefit.sek_per_unit is None, benefit.title
        if benefit.category == Category.FINANCIAL:
            assert benefit.unit == "kr/år" and benefit.sek_per_unit == 1, benefit.title
    quality = Benefit.objects.filter(category=Category.QUALITY)
    assert not quality.filter(valued_at_hourly_rate=True).exists()
    assert not quality.filter(sek_per_unit__isnull=False).exists()
    assert Benefit.objects.filter(unit="t CO2e/år", sek_per_unit__isnull=False).exists()


def test_exactly_one_disbenefit_a_licence_cost_counting_negative(loaded):
    licence = Benefit.objects.get(is_disbenefit=True)
    assert "icens" in licence.title
    assert (licence.unit, licence.direction, licence.baseline_value, licence.target_value) == (
        "kr/år",
        Direction.HIGHER,
        0,
        180_000,
    )
    assert licence.get_expected_sek(RATE) == -180_000
    assert licence.get_realised_sek(RATE) < 0
    figures = Benefit.objects.with_figures(rate=RATE).get(pk=licence.pk)
    assert figures.expected_sek == -180_000


def test_a_new_pilot_benefit_has_no_money_value_and_no_measurement_yet(loaded):
    waiting = [
        benefit
        for benefit in Benefit.objects.filter(measurements__isnull=True)
        if not benefit.has_money_value
    ]
    assert waiting
    for benefit in waiting:
        assert benefit.latest_value is None and benefit.latest_measured_on is None
        assert benefit.initiative.stage == Stage.PILOT
        assert benefit.get_realised_improvement() is None
        assert not benefit.is_behind_plan()


def test_some_benefits_are_behind_plan_and_more_are_not(loaded):
    today = timezone.localdate()
    # Among the benefits still followed up: those whose follow-up ended are the history the
    # calibration page learns from, and most of them realised less than promised.
    measured = Benefit.objects.followed_up().filter(latest_value__isnull=False)
    behind = [b for b in measured if b.is_behind_plan(today)]
    ahead = [b for b in measured if not b.is_behind_plan(today)]
    assert len(behind) >= 3
    assert len(ahead) >= 5
    assert len(ahead) > len(behind)
    # Both kinds in more than one category, and among the benefits with a money value.
    assert len({b.category for b in behind}) >= 2
    assert any(b.has_money_value for b in behind) and any(b.has_money_value for b in ahead)


def test_the_sql_annotations_agree_with_the_model_methods(loaded):
    today = timezone.localdate()
    rows = Benefit.objects.with_figures(rate=RATE, today=today)
    assert len(rows) == len(BENEFITS)
    for benefit in rows:
        name = f"{benefit.initiative.ref} {benefit.title}"
        assert benefit.behind_plan == benefit.is_behind_plan(today), name
        # A closing review ends the follow-up: nothing is due after it.
        due = benefit.reviewed_at is None and benefit.measurement_due_on() < today
        assert benefit.measurement_due == due, name
        assert benefit.measurement_due == benefit.attach_figures(RATE, today).measurement_due
        assert benefit.expected_sek == benefit.get_expected_sek(RATE), name
        assert benefit.realised_sek == benefit.get_realised_sek(RATE), name
        planned = benefit.get_planned_improvement(today)
        assert abs(benefit.planned_improvement - planned) < Decimal("0.000001"), name
    totals = rows.totals()
    assert totals["expected_sek_total"] == sum(
        b.get_expected_sek(RATE) for b in rows if b.has_money_value
    )
    assert totals["realised_sek_total"] == sum(
        b.get_realised_sek(RATE) for b in rows if b.latest_value is not None and b.has_money_value
    )


def test_some_benefits_are_overdue_for_a_measurement(loaded):
    today = timezone.localdate()
    measured = Benefit.objects.filter(latest_value__isnull=False, reviewed_at__isnull=True)
    overdue = [b for b in measured if b.measurement_due_on() < today]
    assert 2 <= len(overdue) < measured.count() // 2


def test_measurement_dates_follow_the_baseline_and_are_not_in_the_future(loaded):
    today = timezone.localdate()
    for benefit in Benefit.objects.select_related("initiative"):
        # Initiatives closed in earlier years (from 2021) bring older benefits.
        years = 6 if benefit.initiative.stage == Stage.CLOSED else 3
        assert today - dt.timedelta(days=years * 366) <= benefit.baseline_date, benefit.title
        assert benefit.baseline_date <= today - dt.timedelta(days=180), benefit.title
        assert benefit.target_date > benefit.baseline_date, benefit.title
        for day in benefit.measurements.values_list("date", flat=True):
            assert benefit.baseline_date <= day <= today, benefit.title
    assert Benefit.objects.filter(target_date__lt=today).exists()
    assert Benefit.objects.filter(target_date__gt=today).count() >= 10


def test_the_latest_value_is_the_value_of_the_latest_measurement(loaded):
    for benefit in Benefit.objects.annotate(last=Max("measurements__date")):
        if benefit.last is None:
            assert benefit.latest_value is None, benefit.title
            continue
        latest = benefit.measurements.get(date=benefit.last)
        assert (benefit.latest_value, benefit.latest_measured_on) == (latest.value, latest.date)


def test_owners_and_recorders_are_demo_users(loaded):
    for benefit in Benefit.objects.select_related("initiative__department", "owner"):
        head = HEADS.get(benefit.initiative.department.code)
        # "linjechef": the line manager without a role who owns benefits after the project.
        owners = {head, "kontoret", "ledningen", "linjechef"} - {None}
        assert benefit.owner.username in owners, benefit.title
        for measurement in benefit.measurements.all():
            assert measurement.recorded_by.username in {head, "kontoret", "linjechef"}, (
                benefit.title
            )
    assert Benefit.objects.filter(owner__username="ledningen").exists()
    assert all(record.history_user is not None for record in Benefit.history.all())
    assert all(record.history_user is not None for record in Measurement.history.all())


def test_every_initiative_past_the_pilot_gate_has_a_measured_benefit(loaded):
    # The evidence rule: leaving the pilot stage needs a benefit with a measurement.
    passed = Initiative.objects.filter(
        stage__in=[Stage.SCALING, Stage.OPERATION, Stage.CLOSED]
    ).exclude(outcome=Outcome.STOPPED)
    for initiative in passed:
        assert Measurement.objects.filter(benefit__initiative=initiative).exists(), initiative.ref


def test_the_command_prints_the_benefit_counts(loaded):
    assert f"{Benefit.objects.count()} benefits" in loaded
    assert f"{Measurement.objects.count()} measurements" in loaded


def test_running_it_twice_leaves_the_counts_unchanged(loaded):
    before = _counts()
    call_command("load_demo", stdout=_Sink())
    assert _counts() == before
    again = load_demo_benefits()
    assert again["benefits_created"] == 0
    assert (again["benefits"], again["measurements"]) == (
        before["benefits"],
        before["measurements"],
    )


def test_a_rerun_leaves_an_edited_benefit_alone(loaded):
    benefit = Benefit.objects.get(is_disbenefit=True)
    benefit.measurements.all().delete()
    Benefit.objects.filter(pk=benefit.pk).update(target_value=200_000)
    call_command("load_demo", stdout=_Sink())
    benefit.refresh_from_db()
    assert benefit.target_value == 200_000
    assert not benefit.measurements.exists()


@pytest.mark.parametrize(
    "today",
    [dt.date(2027, 1, 31), dt.date(2027, 3, 1), dt.date(2028, 2, 29), dt.date(2026, 12, 31)],
    ids=["a-31st", "a-1st", "leap-day", "new-years-eve"],
)
def test_the_plan_holds_on_any_day(today):
    counts = load_demo(today=today)
    assert counts["benefits"] == len(BENEFITS)
    assert User.objects.filter(username="kontoret").exists()
    measured = Benefit.objects.filter(latest_value__isnull=False)
    behind = [b for b in measured if b.is_behind_plan(today)]
    assert len(behind) >= 3
    assert measured.count() - len(behind) >= 5
    assert sum(b.measurement_due_on() < today for b in measured) >= 2
    for measurement in Measurement.objects.select_related("benefit"):
        assert measurement.benefit.baseline_date <= measurement.date <= today
    rows = Benefit.objects.with_figures(rate=RATE, today=today)
    assert all(b.behind_plan == b.is_behind_plan(today) for b in rows)


def test_the_demo_follows_benefits_after_the_project_and_its_history_teaches(loaded):
    from benefits.calibration import MIN_CASES, realisation_history
    from benefits.models import FollowUp

    today = timezone.localdate()
    completed = Initiative.objects.filter(stage=Stage.CLOSED, outcome=Outcome.COMPLETED)
    waiting = completed.filter(benefits__handed_over_at__isnull=True).distinct()
    assert waiting.count() == 1  # the office can try the hand-over
    after = [b for b in Benefit.objects.after_project() if b.follow_up_state() == FollowUp.AFTER]
    assert len(after) >= 2 and any(b.review_due(today) for b in after)
    reviewed = Benefit.objects.filter(reviewed_at__isnull=False)
    assert reviewed.count() >= 10
    assert all(b.closing_measurement_id and b.review_text for b in reviewed)
    line_manager = User.objects.get(username="linjechef")
    assert not line_manager.groups.exists()
    assert Benefit.objects.filter(owner=line_manager).followed_up().count() >= 3
    history = realisation_history(today)
    kinds = [group for group in history.by_kind if group.cases >= MIN_CASES]
    assert len(kinds) >= 4
    # Promises are not kept in full: the demo's history says so.
    assert history.overall.median < 0.95
