"""Every derived figure of DESIGN.md, for one benefit (Python) and in SQL, on the edge cases."""

import datetime as dt
from decimal import Decimal

import pytest

from benefits.models import Benefit
from tests.benefits.factories import make_benefit, measure

TODAY = dt.date(2026, 11, 23)
RATE = Decimal("450")


def figures(benefit: Benefit, today: dt.date = TODAY) -> Benefit:
    return Benefit.objects.with_figures(rate=RATE, today=today).get(pk=benefit.pk)


@pytest.fixture
def hours(own_initiative):
    """0 → 400 h/year over 400 days, half-way today; valued at the hourly rate."""
    return make_benefit(
        own_initiative,
        baseline_date=TODAY - dt.timedelta(days=200),
        target_date=TODAY + dt.timedelta(days=200),
        valued_at_hourly_rate=True,
    )


def test_expected_and_realised_improvement_and_money(hours, head):
    measure(hours, TODAY - dt.timedelta(days=10), 150, head)
    loaded = figures(hours)
    assert hours.get_expected_improvement() == loaded.expected_improvement == 400
    hours.refresh_from_db()
    assert hours.get_realised_improvement() == loaded.realised_improvement == 150
    assert hours.get_expected_sek(RATE) == loaded.expected_sek == 180_000
    assert hours.get_realised_sek(RATE) == loaded.realised_sek == 67_500
    assert loaded.realisation_rate == hours.get_realisation_rate() == Decimal("0.375")


def test_half_way_through_the_plan_half_is_planned(hours, head):
    loaded = figures(hours)
    assert hours.get_planned_improvement(TODAY) == 200
    assert loaded.planned_improvement == 200
    assert figures(hours, TODAY - dt.timedelta(days=300)).planned_improvement == 0
    assert figures(hours, TODAY + dt.timedelta(days=300)).planned_improvement == 400


def test_below_the_plan_is_behind_and_above_is_not(hours, head):
    measure(hours, TODAY - dt.timedelta(days=5), 150, head)
    hours.refresh_from_db()
    assert hours.is_behind_plan(TODAY) and figures(hours).behind_plan
    measure(hours, TODAY, 250, head)
    hours.refresh_from_db()
    assert not hours.is_behind_plan(TODAY) and not figures(hours).behind_plan


def test_without_a_measurement_nothing_is_realised_and_nothing_is_behind(hours):
    loaded = figures(hours)
    assert loaded.realised_improvement is None and hours.get_realised_improvement() is None
    assert loaded.realised_sek is None and loaded.realisation_rate is None
    assert not loaded.behind_plan and not hours.is_behind_plan(TODAY)


def test_lower_is_better_counts_a_fall_as_improvement(own_initiative, head):
    travel = make_benefit(
        own_initiative, unit="min per trip", direction="lower", category="quality",
        baseline_value=Decimal("2.5"), target_value=Decimal("1.8"),
    )  # fmt: skip
    measure(travel, TODAY - dt.timedelta(days=3), "2.1", head)
    travel.refresh_from_db()
    loaded = figures(travel)
    assert travel.get_expected_improvement() == loaded.expected_improvement == Decimal("0.7")
    assert travel.get_realised_improvement() == loaded.realised_improvement == Decimal("0.4")
    assert round(loaded.realisation_rate, 4) == round(travel.get_realisation_rate(), 4)
    # Planned 0.35 by today; 0.4 is ahead.
    assert not travel.is_behind_plan(TODAY) and not loaded.behind_plan


def test_a_target_equal_to_the_baseline_has_no_realisation_rate(own_initiative, head):
    flat = make_benefit(own_initiative, baseline_value=Decimal("10"), target_value=Decimal("10"))
    measure(flat, TODAY, 12, head)
    flat.refresh_from_db()
    loaded = figures(flat)
    assert flat.get_expected_improvement() == loaded.expected_improvement == 0
    assert flat.get_realisation_rate() is None and loaded.realisation_rate is None
    assert loaded.realised_improvement == 2 and not loaded.behind_plan


def test_a_dis_benefit_counts_negative(own_initiative, head):
    licence = make_benefit(
        own_initiative, title="Licence", unit="SEK/year", category="financial",
        is_disbenefit=True, target_value=Decimal("120000"), sek_per_unit=Decimal("1"),
    )  # fmt: skip
    measure(licence, TODAY, 130000, head)
    licence.refresh_from_db()
    loaded = figures(licence)
    assert licence.get_expected_sek(RATE) == loaded.expected_sek == -120_000
    assert licence.get_realised_sek(RATE) == loaded.realised_sek == -130_000


def test_a_benefit_without_money_value_is_never_summed_into_kronor(own_initiative, hours, head):
    quality = make_benefit(own_initiative, title="Satisfaction", category="quality", unit="%")
    measure(quality, TODAY, 50, head)
    measure(hours, TODAY, 100, head)
    assert figures(quality).expected_sek is None
    totals = Benefit.objects.with_figures(rate=RATE, today=TODAY).totals()
    assert totals == {"expected_sek_total": 180_000, "realised_sek_total": 45_000}


def test_the_hourly_rate_values_freed_time(hours, head):
    measure(hours, TODAY, 100, head)
    loaded = Benefit.objects.with_figures(rate=Decimal("500"), today=TODAY).get(pk=hours.pk)
    assert loaded.realised_sek == 50_000


def test_a_target_date_on_the_baseline_date_plans_everything_from_that_day(own_initiative):
    same_day = make_benefit(own_initiative, baseline_date=TODAY, target_date=TODAY)
    assert figures(same_day).planned_improvement == same_day.get_planned_improvement(TODAY) == 400
    before = TODAY - dt.timedelta(days=1)
    assert figures(same_day, before).planned_improvement == 0


def test_the_latest_value_is_the_latest_by_date_not_by_entry(hours, head):
    measure(hours, TODAY, 300, head)
    measure(hours, TODAY - dt.timedelta(days=30), 100, head)
    hours.refresh_from_db()
    assert hours.latest_value == 300 and hours.latest_measured_on == TODAY


@pytest.mark.parametrize(
    "frequency,last_days_ago,due", [("monthly", 32, True), ("monthly", 20, False),
                                    ("quarterly", 93, True), ("yearly", 200, False)],
)  # fmt: skip
def test_a_measurement_is_due_by_the_benefits_frequency(hours, head, frequency, last_days_ago, due):
    hours.frequency = frequency
    hours.save()
    measure(hours, TODAY - dt.timedelta(days=last_days_ago), 100, head)
    hours.refresh_from_db()
    assert figures(hours).measurement_due is due
    assert (hours.measurement_due_on() < TODAY) is due


def test_an_unmeasured_benefit_is_due_a_frequency_after_its_baseline(hours):
    hours.frequency = "monthly"
    hours.save()
    assert figures(hours).measurement_due  # baseline 200 days ago


FIGURES = ["expected_improvement", "realised_improvement", "planned_improvement", "expected_sek",
           "realised_sek", "realisation_rate", "behind_plan", "measurement_due"]  # fmt: skip


def test_the_figures_attached_in_python_equal_the_sql_ones_on_every_edge_case(own_initiative, head):
    days = dt.timedelta
    cases = [
        make_benefit(own_initiative, valued_at_hourly_rate=True),  # measured, behind plan
        make_benefit(own_initiative, sek_per_unit=Decimal("12.5")),  # never measured
        make_benefit(
            own_initiative,
            direction="lower",
            baseline_value=Decimal("30"),
            target_value=Decimal("10"),
            sek_per_unit=Decimal("7"),
        ),
        make_benefit(own_initiative, target_value=Decimal("0")),  # target equals baseline
        make_benefit(own_initiative, is_disbenefit=True, sek_per_unit=Decimal("3")),
        make_benefit(own_initiative, baseline_date=TODAY, target_date=TODAY),
        make_benefit(
            own_initiative,
            baseline_date=TODAY - days(400),
            target_date=TODAY - days(30),
            frequency="monthly",
        ),
    ]
    measure(cases[0], TODAY - days(10), 100, head)
    measure(cases[2], TODAY - days(5), 25, head)
    measure(cases[3], TODAY - days(5), 3, head)
    measure(cases[4], TODAY - days(3), 50, head)
    measure(cases[6], TODAY - days(60), 420, head)
    for benefit in cases:
        sql = figures(benefit)
        python = Benefit.objects.get(pk=benefit.pk).attach_figures(RATE, TODAY)
        for name in FIGURES:
            expected, got = getattr(sql, name), getattr(python, name)
            if isinstance(expected, Decimal):
                expected, got = round(expected, 6), round(got, 6)
            assert got == expected, (benefit.pk, name)
