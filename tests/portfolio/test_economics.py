"""Money over time (DESIGN.md "Money over time", "Prioritisation economics"), without a database."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benefits.models import Benefit, Direction
from portfolio import economics as e

d = dt.date


def days_in(year: int) -> int:
    return (d(year + 1, 1, 1) - d(year, 1, 1)).days


def by_day_loop(money, baseline, target, years, lifetime_years):
    """The formula read literally, one day at a time, exact: the oracle for the closed form."""
    end = e.lifetime_end(target, lifetime_years)
    result = []
    for year in years:
        total, day = Fraction(0), d(year, 1, 1)
        while day.year == year and day < end:
            if day >= target:
                total += 1
            elif day > baseline:
                total += Fraction((day - baseline).days, (target - baseline).days)
            day += dt.timedelta(days=1)
        result.append(float(money) * float(total / days_in(year)))
    return result


# --- Benefit money per year ----------------------------------------------------------------------


def test_a_benefit_at_target_on_new_years_day_yields_its_money_for_exactly_its_lifetime():
    # Baseline = target = 2025-01-01, L = 5: every day of 2025…2029 counts 1; 2030-01-01 is the
    # end day, excluded. 2024 is before the baseline.
    money = e.benefit_money_by_year(100_000, d(2025, 1, 1), d(2025, 1, 1), range(2024, 2032))
    assert money == [0, 100_000, 100_000, 100_000, 100_000, 100_000, 0, 0]


def test_a_leap_year_divides_by_366():
    # Baseline = target = 2024-03-01, L = 1, M = 366,000. 2024: 1 March…31 December = 306 of
    # 366 days → 366,000 × 306/366 = 306,000. 2025: 1 January…28 February (1 March excluded) =
    # 59 of 365 days → 366,000 × 59/365 = 59,161.64.
    money = e.benefit_money_by_year(
        366_000, d(2024, 3, 1), d(2024, 3, 1), [2024, 2025, 2026], lifetime_years=1
    )
    assert money == pytest.approx([306_000, 366_000 * 59 / 365, 0])


def test_a_ramp_through_a_leap_year_sums_its_daily_fractions():
    # Baseline 2024-01-01, target 2025-01-01: 366 days apart. In 2024, day k = 0…365 after the
    # baseline realises k/366: Σ = (365 × 366 / 2) / 366 = 182.5 days' worth of 366 →
    # 366,000 × 182.5/366 = 182,500. 2025 is fully realised; L = 1 ends it on 2026-01-01.
    money = e.benefit_money_by_year(
        366_000, d(2024, 1, 1), d(2025, 1, 1), [2024, 2025, 2026], lifetime_years=1
    )
    assert money == pytest.approx([182_500, 366_000, 0])


def test_a_target_equal_to_its_baseline_counts_fully_from_that_day_and_the_lifetime_ends_mid_year():
    # Baseline = target = 2026-07-01, L = 5, M = 365,000 (1,000 a day in a common year).
    # 2026: 1 July…31 December = 184 days → 184,000. 2027…2030 full. 2031: 1 January…30 June
    # (1 July excluded) = 181 days → 181,000. In all 184 + 4 × 365 + 181 = 1,825 = 5 × 365 days.
    money = e.benefit_money_by_year(365_000, d(2026, 7, 1), d(2026, 7, 1), range(2025, 2033))
    assert money == pytest.approx([0, 184_000, 365_000, 365_000, 365_000, 365_000, 181_000, 0])


def test_a_ramp_spanning_three_calendar_years():
    # Baseline 2024-07-01, target 2026-07-01: 730 days (365 + 365). M = 730 × 365 = 266,450.
    # Day k after the baseline realises k/730.
    # 2024 (366 days): k = 0…183, Σk = 183 × 184/2 = 16,836 → M × 16,836/(730 × 366) = 16,790.
    # 2025 (365 days): k = 184…548, Σk = (184 + 548) × 365/2 = 133,590 → M × 133,590/(730 × 365)
    #   = 133,590.
    # 2026: k = 549…729 (to 30 June), Σk = (549 + 729) × 181/2 = 115,659, plus 184 full days
    #   from 1 July → 115,659 + 184 × 730 = 249,979.
    money = e.benefit_money_by_year(266_450, d(2024, 7, 1), d(2026, 7, 1), range(2023, 2028))
    assert money == pytest.approx([0, 16_790, 133_590, 249_979, 266_450])


def test_a_disbenefit_counts_negative():
    # M = −36,600 SEK/year from 2025-01-01: −36,600 in each of its years, and along a ramp from
    # 2024-01-01 Σ k/366 for k = 0…365 = 182.5 days of 366 → −36,600 × 182.5/366 = −18,250.
    money = e.benefit_money_by_year(-36_600, d(2024, 1, 1), d(2025, 1, 1), [2024, 2025, 2030])
    assert money == pytest.approx([-18_250, -36_600, 0])
    assert str(money[-1]) == "0.0"  # not "-0.0" on a page


def test_a_29_february_target_ends_its_lifetime_on_1_march_of_a_common_year():
    assert e.lifetime_end(d(2024, 2, 29), 1) == d(2025, 3, 1)
    assert e.lifetime_end(d(2024, 2, 29), 4) == d(2028, 2, 29)
    # So the last year runs to 28 February inclusive: 59 of 365 days → 365,000 × 59/365 = 59,000;
    # the first, 29 February…31 December 2024 = 307 of 366 days.
    money = e.benefit_money_by_year(
        365_000, d(2024, 2, 29), d(2024, 2, 29), [2024, 2025], lifetime_years=1
    )
    assert money == pytest.approx([365_000 * 307 / 366, 59_000])


def test_a_lifetime_of_zero_years_stops_at_the_target_date():
    # Ramp 2025-01-01 → 2025-01-05 (4 days): k/4 for k = 0…3 = 1.5 days; nothing from the target.
    money = e.benefit_money_by_year(365_000, d(2025, 1, 1), d(2025, 1, 5), [2025], lifetime_years=0)
    assert money == pytest.approx([1_500])


def test_a_baseline_after_its_target_is_refused():
    with pytest.raises(ValueError, match="after the target date"):
        e.benefit_money_by_year(1, d(2026, 1, 2), d(2026, 1, 1), [2026])
    with pytest.raises(ValueError, match="after its target date"):
        e.benefit_money_matrix(
            np.array([1.0]), np.array([10]), np.array([9]), np.array([20]), np.array([1])
        )


def test_a_negative_lifetime_is_refused():
    with pytest.raises(ValueError, match="negative"):
        e.lifetime_end(d(2026, 1, 1), -1)


dates = st.dates(min_value=d(2018, 1, 1), max_value=d(2032, 12, 31))
money = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False)
lifetimes = st.integers(min_value=0, max_value=8)


@given(money, dates, dates, lifetimes)
def test_the_closed_form_equals_the_formula_day_by_day(m, one, other, lifetime):
    baseline, target = min(one, other), max(one, other)
    years = range(baseline.year - 1, target.year + lifetime + 2)
    closed = e.benefit_money_by_year(m, baseline, target, years, lifetime_years=lifetime)
    assert closed == pytest.approx(by_day_loop(m, baseline, target, years, lifetime), abs=1e-6)


@given(money, dates, lifetimes)
def test_without_a_ramp_the_years_add_up_to_the_share_of_each_year_in_the_lifetime(
    m, day, lifetime
):
    end = e.lifetime_end(day, lifetime)
    years = range(day.year - 2, end.year + 3)
    share = sum(
        max((min(end, d(y + 1, 1, 1)) - max(day, d(y, 1, 1))).days, 0) / days_in(y) for y in years
    )
    total = sum(e.benefit_money_by_year(m, day, day, years, lifetime_years=lifetime))
    assert total == pytest.approx(m * share, abs=1e-6)
    # …which is L years' money give or take a part of a day from the first and last year's length.
    assert abs(total - m * lifetime) <= abs(m) / 365 + 1e-6


@given(
    st.lists(st.tuples(money, dates, dates, lifetimes), min_size=1, max_size=20),
    st.integers(min_value=2015, max_value=2035),
    st.integers(min_value=0, max_value=12),
)
def test_the_vectorised_form_agrees_with_the_scalar_form(benefits, first_year, horizon):
    years = list(range(first_year, first_year + horizon + 1))
    rows = [(m, min(a, b), max(a, b), lifetime) for m, a, b, lifetime in benefits]
    matrix = e.benefit_money_matrix(
        np.array([m for m, *_ in rows]),
        np.array([b.toordinal() for _, b, _, _ in rows]),
        np.array([t.toordinal() for _, _, t, _ in rows]),
        np.array([e.lifetime_end(t, lifetime).toordinal() for _, _, t, lifetime in rows]),
        np.array(years),
    )
    assert matrix.shape == (len(rows), len(years))
    for row, (m, baseline, target, lifetime) in zip(matrix, rows, strict=True):
        scalar = e.benefit_money_by_year(m, baseline, target, years, lifetime_years=lifetime)
        assert row.tolist() == pytest.approx(scalar, abs=1e-6)


# --- Realised money per year ---------------------------------------------------------------------


def test_realised_money_takes_the_latest_measurement_by_the_end_of_each_year():
    measurements = [
        (d(2025, 6, 30), 30),  # today: counts
        (d(2024, 3, 1), 10),
        (d(2024, 12, 31), 20),  # the last day of 2024: counts for 2024
        (d(2025, 7, 1), 99),  # after today: not yet realised
    ]
    # 2023: none → 0. 2024: the 31 December value, 20 × 450. 2025 (current): the latest on or
    # before today, 30 × 450. 2026: in the future → None.
    money = e.realised_money_by_year(measurements, 450, range(2023, 2027), today=d(2025, 6, 30))
    assert money == [0, 9_000, 13_500, None]


def test_realised_money_of_a_disbenefit_agrees_with_the_register():
    # As the demo's licence cost: a dis-benefit is recorded as the size of the harm (0 → 180,000
    # kr/year, higher = more of it) and counts negative through its money sign. Measured at
    # 120,000: R = +1 × (120,000 − 0) = 120,000; realised SEK/year = −1 × 120,000 × 1 = −120,000.
    benefit = Benefit(
        direction=Direction.HIGHER,
        is_disbenefit=True,
        baseline_value=Decimal(0),
        target_value=Decimal(180_000),
        latest_value=Decimal(120_000),
        sek_per_unit=Decimal(1),
    )
    signed_per_unit = -benefit.sek_per_unit  # as benefits.models.signed_sek_per_unit gives it
    measurements = [(d(2025, 3, 1), benefit.get_realised_improvement())]
    money = e.realised_money_by_year(measurements, signed_per_unit, [2025], today=d(2025, 12, 31))
    assert money == [-120_000] == [float(benefit.get_realised_sek(Decimal(450)))]
    # The planned side takes M = the register's expected SEK/year, −180,000 here.
    expected = benefit.get_expected_sek(Decimal(450))
    planned = e.benefit_money_by_year(expected, d(2025, 1, 1), d(2025, 1, 1), [2025])
    assert planned == [-180_000]


def test_realised_money_is_zero_without_measurements_and_unknown_in_the_future():
    money = e.realised_money_by_year([], 450, [2024, 2025, 2026], today=d(2025, 1, 1))
    assert money == [0, 0, None]


# --- Costs and the business case -----------------------------------------------------------------


LINES = [
    e.CostLine(2025, e.INVESTMENT, planned=800, actual=900),
    e.CostLine(2025, e.RUNNING, planned=200, actual=150),
    e.CostLine(2026, e.RUNNING, planned=100),
    e.CostLine(2027, e.RUNNING, planned=100),
]


def test_costs_by_year_sum_planned_or_actual_amounts_by_kind():
    assert e.costs_by_year(LINES) == {2025: 1000, 2026: 100, 2027: 100}
    assert e.costs_by_year(LINES, actual=True) == {2025: 1050, 2026: 0, 2027: 0}
    assert e.costs_by_year(LINES, kind=e.INVESTMENT) == {2025: 800}
    assert e.costs_by_year(LINES, actual=True, kind=e.RUNNING) == {2025: 150, 2026: 0, 2027: 0}
    assert e.costs_by_year([]) == {}


def test_the_business_case_follows_the_formulas():
    # r = 10 %, H = 2 from 2025. C = 1,000, 100, 100; B = 0, 600, 600; N = −1,000, 500, 500;
    # cumulative −1,000, −500, 0 → pays back in 2027 (≥ 0 includes exactly 0).
    # NPV = −1,000 + 500/1.1 + 500/1.21 = (−1,210 + 550 + 500)/1.21 = −160/1.21 = −132.23.
    # BCR = (600/1.1 + 600/1.21) / (1,000 + 100/1.1 + 100/1.21) = (660 + 600)/(1,210 + 110 + 100)
    #     = 1,260/1,420 = 0.8873.
    case = e.business_case(
        e.costs_by_year(LINES), {2026: 600, 2027: 600}, base_year=2025, horizon=2, rate=0.1
    )
    assert [row.year for row in case.years] == [2025, 2026, 2027]
    assert [row.t for row in case.years] == [0, 1, 2]
    assert [row.cost for row in case.years] == [1000, 100, 100]
    assert [row.benefit for row in case.years] == [0, 600, 600]
    assert [row.net for row in case.years] == [-1000, 500, 500]
    assert [row.cumulative_net for row in case.years] == [-1000, -500, 0]
    assert [row.discounted_net for row in case.years] == pytest.approx(
        [-1000, 500 / 1.1, 500 / 1.21]
    )
    assert case.npv == pytest.approx(-160 / 1.21)
    assert case.bcr == pytest.approx(1260 / 1420)
    assert case.payback_year == 2027


def test_the_defaults_are_ten_years_at_three_and_a_half_per_cent():
    case = e.business_case({2025: 1035}, {2027: 1071.225}, base_year=2025)
    assert len(case.years) == 11
    # 1,071.225 / 1.035² = 1,000 and 1,035 at t = 0 undiscounted.
    assert case.present_benefit == pytest.approx(1000)
    assert case.bcr == pytest.approx(1000 / 1035)


def test_a_discount_rate_of_zero_adds_the_nets_up():
    # N = −1,000 + 500 + 500 + 300 = 300; BCR = 1,400/1,100.
    case = e.business_case(
        {2025: 1000, 2026: 100}, {2026: 600, 2027: 500, 2028: 300}, 2025, horizon=3, rate=0
    )
    assert case.npv == 300
    assert case.bcr == pytest.approx(1400 / 1100)
    assert case.payback_year == 2027  # cumulative −1,000, −500, 0


def test_payback_is_none_when_never_reached_within_the_horizon():
    # Cumulative −1,000, −900, −800: still short at the horizon.
    case = e.business_case({2025: 1000}, {2026: 100, 2027: 100, 2028: 5000}, 2025, horizon=2)
    assert case.payback_year is None
    assert case.years[-1].cumulative_net == -800


def test_a_cumulative_net_of_exactly_zero_pays_back_despite_float_cents():
    # −0.1 − 0.2 + 0.3 = 0 exactly; in binary floats it would be −2.8e−17, "not yet paid back".
    case = e.business_case({2025: 0.1, 2026: 0.2}, {2026: 0.3}, 2025, horizon=3)
    assert case.years[1].cumulative_net == 0
    assert case.payback_year == 2026


def test_without_cost_lines_the_bcr_is_undefined_and_year_zero_pays_back():
    # No costs: cumulative net 0 in the base year already, ≥ 0; discounted cost 0 → no BCR.
    case = e.business_case(e.costs_by_year([]), {2027: 500}, 2025, horizon=3, rate=0.035)
    assert case.bcr is None
    assert case.present_cost == 0
    assert case.payback_year == 2025
    assert case.npv == pytest.approx(500 / 1.035**2)


def test_money_outside_the_horizon_is_not_counted():
    case = e.business_case({2024: 1000, 2030: 50}, {2025: 10, 2029: 70}, 2025, horizon=3, rate=0)
    assert case.npv == 10
    assert case.bcr is None


@pytest.mark.parametrize(("horizon", "rate"), [(-1, 0.035), (10, -1), (10, -2)])
def test_a_negative_horizon_or_a_rate_of_minus_100_per_cent_is_refused(horizon, rate):
    with pytest.raises(ValueError):
        e.business_case({}, {}, 2025, horizon=horizon, rate=rate)


amounts = st.dictionaries(
    st.integers(min_value=2020, max_value=2040),
    st.floats(min_value=-1e8, max_value=1e8, allow_nan=False).map(lambda x: round(x, 2)),
    max_size=15,
)


@given(amounts, amounts, st.integers(min_value=0, max_value=20))
def test_with_a_rate_of_zero_the_npv_is_the_sum_of_the_nets(costs, benefits, horizon):
    case = e.business_case(costs, benefits, 2020, horizon=horizon, rate=0)
    assert case.npv == pytest.approx(sum(row.net for row in case.years), abs=1e-4)
    assert case.years[-1].cumulative_net == pytest.approx(case.npv, abs=1e-4)


# --- Prioritisation economics --------------------------------------------------------------------


def test_the_remaining_cost_leaves_out_money_already_spent():
    # The case: 4.2 Mkr budget, 4.05 Mkr spent → 0.15 Mkr still to find.
    assert e.remaining_cost(4_200_000, 4_050_000) == 150_000


def test_an_overrun_budget_costs_nothing_more_but_its_running_cost_still_counts():
    assert e.remaining_cost(1_000_000, 1_300_000) == 0
    # max(1.0 − 1.3, 0) + 200,000 × 3 = 600,000.
    assert (
        e.remaining_cost(
            Decimal(1_000_000), Decimal(1_300_000), running_cost_per_year=200_000, running_years=3
        )
        == 600_000
    )


def test_negative_running_years_are_refused():
    with pytest.raises(ValueError):
        e.remaining_cost(1, 0, running_cost_per_year=1, running_years=-1)
