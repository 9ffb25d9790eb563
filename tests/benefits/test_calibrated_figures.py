"""The calibrated expected figure: the promise × the median realisation rate of similar due
benefits (same kind and category, else same kind, else all), offered beside the promise on the
ranking and the dashboard, never instead of it."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from benefits.calibration import (
    MIN_CASES,
    Basis,
    calibrated_by_initiative,
    calibrated_total,
    calibration_factors,
    for_kind,
)
from benefits.models import Benefit, hourly_rate
from initiatives.models import Kind
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_department, make_initiative

PAST = TODAY - dt.timedelta(days=10)
RANKING = reverse("portfolio:ranking")
DASHBOARD = reverse("portfolio:dashboard")


def due_benefit(initiative, ratio, by, **fields):
    """A benefit that promised 100 and whose target date has passed, measured at ratio × 100."""
    fields.setdefault("baseline_date", TODAY - dt.timedelta(days=400))
    fields.setdefault("target_date", PAST)
    fields.setdefault("target_value", Decimal("100"))
    benefit = make_benefit(initiative, **fields)
    measure(benefit, PAST, Decimal(str(ratio)) * 100, by)
    return benefit


def money_benefit(initiative, sek, category="financial", **fields):
    """A benefit not yet due that promises `sek` SEK/year (1 SEK per unit), unmeasured."""
    return make_benefit(
        initiative, category=category, unit="SEK/year", target_value=Decimal(sek),
        sek_per_unit=Decimal("1"), **fields,
    )  # fmt: skip


@pytest.fixture
def history(office, own_department):
    """Due benefits with known rates.

    RPA, financial: 0.5, 0.7, 0.9 (3 cases, median 0.7); RPA, quality: 1.0 (1 case);
    RPA together: 0.5, 0.7, 0.9, 1.0 (median 0.8). IoT, financial: 0.2, 0.4 (2 cases, and 2 for
    the kind). All six: 0.2, 0.4, 0.5, 0.7, 0.9, 1.0 (median 0.6).
    """
    rpa = make_initiative(own_department, kind=Kind.RPA, title="Robot")
    iot = make_initiative(own_department, kind=Kind.IOT, title="Sensors")
    for index, ratio in enumerate([0.5, 0.7, 0.9]):
        due_benefit(rpa, ratio, office, title=f"F{index}", category="financial")
    due_benefit(rpa, 1.0, office, title="Q", category="quality")
    due_benefit(iot, 0.2, office, title="I1", category="financial")
    due_benefit(iot, 0.4, office, title="I2", category="financial")
    return {"rpa": rpa, "iot": iot}


def test_a_class_with_enough_cases_uses_its_own_median(history):
    factor = calibration_factors().get(Kind.RPA, "financial")
    assert (factor.basis, factor.cases) == (Basis.KIND_CATEGORY, 3)
    assert factor.rate == pytest.approx(0.7)


def test_a_class_below_min_cases_falls_back_to_its_kind(history):
    factor = calibration_factors().get(Kind.RPA, "quality")
    assert (factor.basis, factor.cases) == (Basis.KIND, 4)
    assert factor.rate == pytest.approx(0.8)
    # A category with no due benefit at all of a kind with enough: the kind's median too.
    assert calibration_factors().get(Kind.RPA, "environment").rate == pytest.approx(0.8)


def test_a_kind_below_min_cases_falls_back_to_all_due_benefits(history):
    factors = calibration_factors()
    for kind, category in [(Kind.IOT, "financial"), (Kind.TRAINING, "quality")]:
        factor = factors.get(kind, category)
        assert (factor.basis, factor.cases) == (Basis.ALL, 6)
        assert factor.rate == pytest.approx(0.6)


def test_fewer_than_min_cases_in_all_give_no_factor(office, own_department):
    rpa = make_initiative(own_department, kind=Kind.RPA)
    for index in range(MIN_CASES - 1):
        due_benefit(rpa, 0.5, office, title=f"B{index}", category="financial")
    factors = calibration_factors()
    assert factors.cases == MIN_CASES - 1
    assert factors.get(Kind.RPA, "financial") is None
    assert calibrated_total(Benefit.objects.with_figures(rate=hourly_rate()), factors) is None


def test_no_due_benefit_gives_no_factor(db):
    factors = calibration_factors()
    assert factors.overall is None and factors.get(Kind.RPA, "financial") is None


def test_every_pair_has_a_factor_in_two_queries(history, django_assert_num_queries):
    hourly_rate()  # the settings row, created on first read
    with django_assert_num_queries(2):  # the hourly rate and the rates
        factors = calibration_factors()
    assert len(factors.pairs) == len(Kind.values) * 4
    with django_assert_num_queries(1):
        calibration_factors(rate=Decimal("450"))


def test_the_calibrated_sums_multiply_each_class_by_its_factor(history, own_department):
    robot = make_initiative(own_department, kind=Kind.RPA, title="New robot")
    money_benefit(robot, 10_000, "financial", title="Saving")  # × 0.7 = 7 000
    money_benefit(robot, 1_000, "quality", title="Quality")  # × 0.8 = 800
    make_benefit(robot, title="No money", category="quality", unit="%")  # no SEK: not counted
    sensors = make_initiative(own_department, kind=Kind.IOT, title="New sensors")
    money_benefit(sensors, 5_000, title="Energy")  # × 0.6 = 3 000
    unvalued = make_initiative(own_department, kind=Kind.IOT, title="Unvalued")
    make_benefit(unvalued, title="Satisfaction", category="quality", unit="%")
    rate = hourly_rate()
    factors = calibration_factors(rate=rate)
    new = Benefit.objects.filter(initiative__in=[robot, sensors, unvalued]).with_figures(rate=rate)
    assert calibrated_by_initiative(new, factors) == {
        robot.pk: Decimal("7800"),
        sensors.pk: Decimal("3000"),
        unvalued.pk: None,
    }
    assert calibrated_total(new, factors) == Decimal("10800")


def test_for_kind_is_unchanged(history):
    assert for_kind(Kind.RPA).overall.median == pytest.approx(0.8)


# The ranking: an optional column beside the promise -----------------------------------------


@pytest.fixture
def goals(db):
    return [CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1)]


@pytest.fixture
def ranked(history, goals, own_department):
    """Two candidates with promises; the history's initiatives are candidates too (unscored)."""
    robot = make_initiative(own_department, ref="R", kind=Kind.RPA, title="New robot",
                            budget=1_000_000)  # fmt: skip
    money_benefit(robot, 10_000, title="Saving")  # × 0.7
    sensors = make_initiative(own_department, ref="S", kind=Kind.IOT, title="New sensors",
                              budget=2_000_000)  # fmt: skip
    money_benefit(sensors, 5_000, title="Energy")  # × 0.6
    Alignment.objects.create(initiative=robot, goal=goals[0], score=2)
    Alignment.objects.create(initiative=sensors, goal=goals[0], score=5)
    return robot, sensors


def cells(html: str) -> dict[str, str]:
    rows = dict(re.findall(r'<tr data-ref="([^"]+)">(.*?)</tr>', html, re.S))
    return {
        ref: (re.search(r'data-testid="calibrated">([^<]*)<', row) or [None, None])[1]
        for ref, row in rows.items()
    }


def test_the_ranking_shows_the_calibrated_column_only_when_chosen(client_for, office, ranked):
    client = client_for(office)
    assert "Calibrated expected SEK/year</th>" not in client.get(RANKING).text
    response = client.get(RANKING, {"col": "calibrated"})
    assert "Calibrated expected SEK/year</th>" in response.text
    shown = cells(response.text)
    assert shown["R"].replace("\xa0", " ").replace(",", " ") == "7 000"
    assert shown["S"].replace("\xa0", " ").replace(",", " ") == "3 000"
    assert 'data-testid="calibrated-help"' in response.text
    assert reverse("benefits:calibration") in response.text


def test_the_calibration_link_is_only_for_whom_may_open_it(client_for, executive, ranked):
    response = client_for(executive).get(RANKING, {"col": "calibrated"})
    assert 'data-testid="calibrated-help"' in response.text
    assert reverse("benefits:calibration") not in response.text


def test_the_calibrated_column_changes_neither_order_nor_scores_nor_selection(
    client_for, office, ranked
):
    client = client_for(office)
    query = {"budget": "2500000"}
    plain = client.get(RANKING, query).context
    chosen = client.get(RANKING, {**query, "col": "calibrated"}).context

    def seen(context):
        page = [(item.row["ref"], item.rank, item.score) for item in context["page"]]
        return page, context["selected"], context["page"][0].row["expected_sek"]

    assert seen(plain) == seen(chosen)


def test_the_calibrated_column_costs_a_fixed_number_of_queries(
    client_for, office, head, goals, django_assert_num_queries, django_assert_max_num_queries
):
    department = make_department()

    def fill(n):
        for i in range(n):
            initiative = make_initiative(department, budget=100_000 * (i + 1),
                                         kind=Kind.values[i % 3])  # fmt: skip
            Alignment.objects.create(initiative=initiative, goal=goals[0], score=i % 6)
            due_benefit(initiative, (i % 5) / 4, head, valued_at_hourly_rate=True)

    client = client_for(office)
    query = {"budget": "3000000"}
    fill(5)
    client.get(RANKING, query)
    with django_assert_max_num_queries(19) as plain:
        client.get(RANKING, query)
    query["col"] = "calibrated"
    with django_assert_num_queries(len(plain) + 2) as chosen:
        client.get(RANKING, query)
    fill(60)
    # The chosen set's refs cost one more once they are not all on the page.
    with django_assert_max_num_queries(len(chosen) + 1):
        response = client.get(RANKING, query)
    assert "—" not in "".join(filter(None, cells(response.text).values()))


# The dashboard: a toggle beside the promise ----------------------------------------------------


def test_the_dashboard_shows_the_calibrated_total_only_on_request(client_for, office, ranked):
    client = client_for(office)
    response = client.get(DASHBOARD)
    assert response.context["calibrated"] is None
    assert 'data-testid="calibrated-total"' not in response.text
    response = client.get(DASHBOARD, {"calibrated": "on"})
    calibrated = response.context["calibrated"]
    # Promised: the history's six benefits have no money value, so 10 000 + 5 000.
    assert calibrated.promised_sek == response.context["head"].expected_sek == 15_000
    assert calibrated.expected_sek == Decimal("10000")  # 7 000 + 3 000
    assert (calibrated.cases, round(calibrated.median, 4)) == (6, 0.6)
    assert 'data-testid="calibrated-total"' in response.text
    assert "based on 6 due benefits; median 60" in response.text


def test_the_toggle_is_part_of_the_cache_key(client_for, office, ranked, settings):
    settings.FIGURES_CACHE_SECONDS = 60
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "calibrated-toggle"}}  # fmt: skip
    client = client_for(office)
    assert 'data-testid="calibrated-total"' not in client.get(DASHBOARD).text
    assert 'data-testid="calibrated-total"' in client.get(DASHBOARD, {"calibrated": "on"}).text
    assert 'data-testid="calibrated-total"' not in client.get(DASHBOARD).text


def test_a_bad_filter_beside_the_toggle_keeps_it_on(client_for, office, ranked):
    response = client_for(office).get(DASHBOARD, {"calibrated": "on", "goal": "x"})
    assert response.status_code == 200
    assert response.context["calibrated"] is not None


def test_too_little_history_says_so_instead_of_a_figure(client_for, office, own_department):
    money_benefit(make_initiative(own_department), 1_000)
    response = client_for(office).get(DASHBOARD, {"calibrated": "on"})
    assert response.context["calibrated"].expected_sek is None
    assert "No calibrated figure: 0 benefits are due" in response.text
