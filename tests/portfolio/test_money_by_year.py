"""The portfolio's money by year and "who pays, who gains" on the dashboard (issue 14):
hand-computed sums for a small portfolio where one department pays for what another gains, the
filters, the sums kept on write equal to a recomputation from scratch, the same figures live and
kept, and the queries."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from benefits import services as benefit_services
from benefits.models import Benefit, PortfolioSetting, hourly_rate
from initiatives import costs
from initiatives.models import CostLine, Initiative
from portfolio import business_case, dashboard, figures, money
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_department, make_initiative, make_user

pytestmark = pytest.mark.django_db

Y0 = TODAY.year - 2  # the small portfolio's first year: two past years, this one, the next


def line(year, kind, planned, payer, actual=None) -> costs.LineValues:
    return costs.LineValues(year, kind, planned, actual, payer.pk, "")


def day(year: int) -> dt.date:
    return dt.date(year, 1, 1)


@pytest.fixture
def small(db):
    """Two departments. SOC's initiative X (years Y0…Y0+2): SOC invests 100,000 (90,000 spent),
    SBF pays 20,000 running in Y0+1 (and 20,000 in Y0+3, past X's horizon); SBF gains
    10,000 SEK/year from Y0 on, residents 5,000 from Y0+1 on. SBF's initiative Y (years
    Y0+1…Y0+3) has its money only in the columns: 50,000 budget, 10,000 a year running from
    Y0+2 on; SBF gains 2,000 SEK/year from Y0+1 on. Horizon: 2 years."""
    PortfolioSetting.objects.update_or_create(pk=1, defaults={"horizon_years": 2})
    soc = make_department("Socialförvaltningen", "SOC")
    sbf = make_department("Samhällsbyggnad", "SBF")
    head = make_user("department_head", soc, sbf)
    x = make_initiative(soc, ref="X-1", planned_start=day(Y0))
    costs.cost_lines_save(
        initiative=x,
        lines=[
            line(Y0, "investment", 100_000, soc, actual=90_000),
            line(Y0 + 1, "running", 20_000, sbf),
            line(Y0 + 3, "running", 20_000, sbf),
        ],
        opened_version=x.version,
        by=head,
    )
    gained = make_benefit(
        x, title="Handläggning", baseline_date=day(Y0), target_date=day(Y0),
        target_value=Decimal(10), sek_per_unit=Decimal(1000), lifetime_years=10,
        gainer="department", gainer_department=sbf,
    )  # fmt: skip
    make_benefit(
        x, title="Väntetid", baseline_date=day(Y0 + 1), target_date=day(Y0 + 1),
        target_value=Decimal(5), sek_per_unit=Decimal(1000), gainer="residents",
    )  # fmt: skip
    measure(gained, dt.date(Y0, 6, 1), 4, head)
    measure(gained, dt.date(Y0 + 1, 6, 1), 8, head)
    y = make_initiative(
        sbf, ref="Y-1", planned_start=dt.date(Y0 + 1, 3, 1), planned_end=dt.date(Y0 + 1, 12, 31),
        budget=50_000, running_cost=10_000,
    )  # fmt: skip
    make_benefit(
        y, title="Underhåll", baseline_date=day(Y0 + 1), target_date=day(Y0 + 1),
        target_value=Decimal(2), sek_per_unit=Decimal(1000),
    )  # fmt: skip
    goal = CouncilGoal.objects.create(title="Hållbar stad", weight=Decimal(1), order=1)
    Alignment.objects.create(initiative=y, goal=goal, score=3, reason="Central")
    figures.rebuild()
    return {"soc": soc, "sbf": sbf, "head": head, "x": x, "y": y, "goal": goal}


def years_of(found) -> dict[int, tuple]:
    return {
        row["year"]: (
            round(row["cost_planned"]), round(row["cost_actual"]), round(row["benefit_planned"]),
            None if row["benefit_realised"] is None else round(row["benefit_realised"]),
        )
        for row in found["money_years"]
    }  # fmt: skip


def actors_of(found) -> dict[str, tuple]:
    return {
        row["label"] if row["kind"] == "department" else row["kind"]: (
            round(row["pays"]), round(row["gains"]), round(row["net"]),
            round(row["pays_for_others"]), round(row["paid_by_others"]),
        )
        for row in found["actors"]
    }  # fmt: skip


def kept(department=None, goal=None) -> dict:
    by_department = figures.read(
        department_id=getattr(department, "pk", None), goal_id=getattr(goal, "pk", None)
    )
    sums = dashboard._summed(by_department)
    return dashboard.money_over_time(sums, dashboard.department_names(money.department_ids(sums)))


def live(department=None, goal=None) -> dict:
    initiatives = dashboard.filter_initiatives(
        Initiative.objects.active(), department=department, goal=goal
    )
    sums = money.load(
        initiatives,
        horizon=PortfolioSetting.current().horizon_years,
        rate=hourly_rate(),
        today=TODAY,
    ).totals()
    return dashboard.money_over_time(sums, dashboard.department_names(money.department_ids(sums)))


def assert_same(department=None, goal=None) -> None:
    want, have = live(department, goal), kept(department, goal)
    assert years_of(have) == years_of(want)
    assert actors_of(have) == actors_of(want)
    assert [(r["payer"], r["gainer"], round(r["amount"])) for r in have["crossings"]] == [
        (r["payer"], r["gainer"], round(r["amount"])) for r in want["crossings"]
    ]


def now(year: int, value):
    """Realised benefit money is blank for a year after this one."""
    return value if year <= TODAY.year else None


def test_the_years_are_the_sums_of_the_business_cases_by_hand(small):
    found = kept()
    assert years_of(found) == {
        # planned cost, actual cost, planned benefit, realised benefit
        Y0: (100_000, 90_000, 10_000, now(Y0, 4_000)),
        Y0 + 1: (20_000 + 50_000, 0, 10_000 + 5_000 + 2_000, now(Y0 + 1, 8_000)),
        Y0 + 2: (10_000, 0, 10_000 + 5_000 + 2_000, now(Y0 + 2, 8_000)),
        # X's years end at Y0 + 2: its running cost and benefits after it are not counted.
        Y0 + 3: (10_000, 0, 2_000, now(Y0 + 3, 0)),
    }


def test_the_years_equal_the_initiatives_business_case_tables(small):
    summed: dict[int, list[float]] = {}
    for initiative in (small["x"], small["y"]):
        for row in business_case.initiative_case(initiative).years:
            sums = summed.setdefault(row.year, [0.0, 0.0, 0.0, 0.0])
            sums[0] += row.cost
            sums[1] += row.actual_cost or 0
            sums[2] += row.benefit
            sums[3] += row.realised_benefit or 0
    for row in kept()["money_years"]:
        want = summed[row["year"]]
        assert math.isclose(row["cost_planned"], want[0], abs_tol=0.01)
        assert math.isclose(row["cost_actual"], want[1], abs_tol=0.01)
        assert math.isclose(row["benefit_planned"], want[2], abs_tol=0.01)
        assert math.isclose(row["benefit_realised"] or 0, want[3], abs_tol=0.01)


def test_varied_cases_sum_to_their_business_cases(small):
    """Leap days, a lifetime of 0, target = baseline, a dis-benefit, a hand-over of payers,
    measurements before the start year: every year and actor equals the initiatives' own."""
    soc, sbf, head = small["soc"], small["sbf"], small["head"]
    for n in range(8):
        start = Y0 - 1 + n % 3
        initiative = make_initiative(soc if n % 2 else sbf, planned_start=dt.date(start, 3, 1))
        costs.cost_lines_save(
            initiative=initiative,
            lines=[
                line(start, "investment", 50_000 * (n + 1), soc, actual=40_000 + n),
                line(start + 1 + n % 2, "running", 9_000 + n, sbf if n % 3 else soc),
            ],
            opened_version=initiative.version,
            by=head,
        )
        leap = make_benefit(
            initiative, title="Skottdag", baseline_date=dt.date(2024, 2, 29),
            target_date=dt.date(Y0 + n % 4, 6, 30), sek_per_unit=Decimal(100 + n),
            lifetime_years=n % 6, gainer="department" if n % 2 else "businesses",
            gainer_department=sbf if n % 4 == 1 else None,
        )  # fmt: skip
        make_benefit(
            initiative, title="Licens", is_disbenefit=True, baseline_date=dt.date(Y0, 1, 1),
            target_date=dt.date(Y0, 1, 1), target_value=Decimal(10), sek_per_unit=Decimal(500),
        )  # fmt: skip
        measure(leap, dt.date(start - 1, 5, 1), 50 + n, head)
        measure(leap, dt.date(Y0 + 1, 11, 30), 200 + n, head)
    assert figures.check() == []
    summed: dict[int, list[float]] = {}
    gains: dict[str, float] = {}
    for initiative in Initiative.objects.all():
        case = business_case.initiative_case(initiative)
        for row in case.years:
            sums = summed.setdefault(row.year, [0.0, 0.0, 0.0, 0.0])
            sums[0] += row.cost
            sums[1] += row.actual_cost or 0
            sums[2] += row.benefit
            sums[3] += row.realised_benefit or 0
        for actor in case.actors:
            gains[actor.name] = gains.get(actor.name, 0.0) + actor.gains
    found = kept()
    assert {row["year"] for row in found["money_years"]} <= set(summed)
    for row in found["money_years"]:
        want = summed[row["year"]]
        assert math.isclose(row["cost_planned"], want[0], abs_tol=0.01), row
        assert math.isclose(row["cost_actual"], want[1], abs_tol=0.01), row
        assert math.isclose(row["benefit_planned"], want[2], abs_tol=0.01), row
        assert math.isclose(row["benefit_realised"] or 0, want[3], abs_tol=0.01), row
    for row in found["actors"]:
        if row["kind"] == "department":
            assert math.isclose(row["gains"], gains.get(row["label"], 0.0), abs_tol=0.01)
    assert_same()


def test_one_department_pays_for_what_another_gains(small):
    found = kept()
    # pays, gains, net, pays for others' gains, others pay for its gains
    assert actors_of(found) == {
        # X: SOC's 100,000 buys SBF's 30,000 and residents' 10,000 of benefit: 75,000 and 25,000.
        "Socialförvaltningen": (100_000, 0, -100_000, 100_000, 0),
        # X: SBF's 20,000 buys 5,000 of the residents' gain; Y: SBF pays 70,000 and gains 6,000.
        "Samhällsbyggnad": (90_000, 36_000, -54_000, 5_000, 75_000),
        "residents": (0, 10_000, 10_000, 0, 30_000),
    }
    assert [r["label"] for r in found["actors"]][:2] == ["Samhällsbyggnad", "Socialförvaltningen"]
    assert found["actors"][2]["kind"] == "residents"
    assert [(r["payer"], r["gainer"], round(r["amount"])) for r in found["crossings"]] == [
        ("Socialförvaltningen", "Samhällsbyggnad", 75_000)
    ]


def test_the_filters_select_the_initiatives(small):
    soc_only = kept(department=small["soc"])
    assert years_of(soc_only) == {
        Y0: (100_000, 90_000, 10_000, now(Y0, 4_000)),
        Y0 + 1: (20_000, 0, 15_000, now(Y0 + 1, 8_000)),
        Y0 + 2: (0, 0, 15_000, now(Y0 + 2, 8_000)),
    }
    assert actors_of(soc_only)["Samhällsbyggnad"] == (20_000, 30_000, 10_000, 5_000, 75_000)
    served = kept(goal=small["goal"])
    assert years_of(served) == {
        Y0 + 1: (50_000, 0, 2_000, now(Y0 + 1, 0)),
        Y0 + 2: (10_000, 0, 2_000, now(Y0 + 2, 0)),
        Y0 + 3: (10_000, 0, 2_000, now(Y0 + 3, 0)),
    }
    assert served["crossings"] == []
    for department, goal in [(None, None), (small["soc"], None), (small["sbf"], small["goal"])]:
        assert_same(department, goal)


def test_writes_to_cost_lines_benefits_and_measurements_keep_the_sums(small):
    head, x, y = small["head"], small["x"], small["y"]
    x.refresh_from_db()
    costs.cost_lines_save(
        initiative=x,
        lines=[
            line(Y0, "investment", 120_000, small["soc"], actual=95_000),
            line(Y0 + 2, "running", 30_000, small["sbf"]),
        ],
        opened_version=x.version,
        by=head,
    )
    assert figures.check() == []
    # A line written on its own (the admin), and one deleted.
    extra = CostLine.objects.create(
        initiative=y, year=Y0 + 2, kind="running", planned=7_000, payer_other="Regionen"
    )
    assert figures.check() == []
    assert kept()["actors"][-1]["kind"] == "other"
    extra.delete()
    # A benefit's gainer and lifetime, a measurement.
    benefit = Benefit.objects.get(title="Väntetid")
    benefit.gainer, benefit.gainer_department = "department", small["soc"]
    benefit.lifetime_years = 1
    benefit_services.benefit_save(benefit=benefit, by=head)
    measure(Benefit.objects.get(title="Underhåll"), TODAY, 1, head)
    assert figures.check() == []
    assert_same()
    assert_same(department=small["sbf"])


def test_a_new_horizon_makes_the_sums_stale_until_rebuilt(small):
    office = make_user("office")
    benefit_services.settings_set(values={"horizon_years": 5}, by=office)
    assert not figures.is_fresh()
    figures.rebuild()
    assert figures.check() == []
    assert max(years_of(kept())) == Y0 + 1 + 5


def test_the_dashboard_shows_the_money_by_year_and_who_pays(small):
    client = Client()
    client.force_login(make_user("executive"))
    page = client.get(reverse("portfolio:dashboard"))
    assert page.status_code == 200
    body = page.context["body"]
    assert 'data-testid="money-years-table"' in body
    assert 'id="chart-money-years"' in body
    assert 'data-testid="crossings-table"' in body
    assert "<caption" in body and 'scope="row">Samhällsbyggnad' in body
    filtered = client.get(reverse("portfolio:dashboard"), {"department": small["sbf"].pk})
    assert 'data-testid="crossings-table"' not in filtered.context["body"]


def test_stale_sums_give_the_same_page_live(small, settings):
    client = Client()
    client.force_login(make_user("executive"))
    url = reverse("portfolio:dashboard")
    fresh = client.get(url, {"department": small["soc"].pk}).context["body"]
    figures.mark_stale()
    from django.core.cache import cache

    cache.clear()
    stale = client.get(url, {"department": small["soc"].pk}).context["body"]
    start = fresh.index('data-testid="money-by-year"')
    end = fresh.index('aria-labelledby="departments-heading"')
    assert stale[stale.index('data-testid="money-by-year"') : stale.index(
        'aria-labelledby="departments-heading"'
    )] == fresh[start:end]  # fmt: skip


def test_the_api_dashboard_gives_the_money_by_year_and_who_pays(small):
    client = Client()
    client.force_login(make_user("executive"))
    found = client.get("/api/v1/dashboard").json()
    years = {row["year"]: row for row in found["money_by_year"]}
    assert round(years[Y0]["cost_planned"]) == 100_000
    assert round(years[Y0]["cost_actual"]) == 90_000
    assert round(years[Y0 + 1]["benefit_planned"]) == 17_000
    actors = {row["label"]: row for row in found["who_pays_who_gains"]}
    assert actors["Socialförvaltningen"]["department"] == "SOC"
    assert found["who_pays_who_gains"][-1]["kind"] == "residents"
    assert round(actors["Samhällsbyggnad"]["paid_by_others"]) == 75_000
    (crossing,) = found["cross_department"]
    assert (crossing["payer_code"], crossing["gainer_code"]) == ("SOC", "SBF")
    assert round(crossing["amount"]) == 75_000
    only = client.get("/api/v1/dashboard", {"department": "SBF"}).json()
    assert only["cross_department"] == []


def add_cases(soc, sbf, head, count: int, start: int) -> None:
    for n in range(start, start + count):
        initiative = make_initiative(soc if n % 2 else sbf, planned_start=day(Y0 + n % 3))
        costs.cost_lines_save(
            initiative=initiative,
            lines=[
                line(Y0 + n % 3, "investment", 10_000 * (n + 1), soc),
                line(Y0 + 1 + n % 3, "running", 1_000 + n, sbf),
            ],
            opened_version=initiative.version,
            by=head,
        )
        benefit = make_benefit(
            initiative, sek_per_unit=Decimal(10 + n), gainer="department",
            gainer_department=sbf if n % 2 else soc,
        )  # fmt: skip
        measure(benefit, TODAY, 10, head)


def test_the_dashboard_reads_the_money_in_the_same_queries_for_few_and_many(
    small, django_assert_num_queries
):
    from django.core.cache import cache

    client = Client()
    client.force_login(make_user("executive"))
    url = reverse("portfolio:dashboard")
    client.get(url)
    cache.clear()
    with django_assert_num_queries(18) as few:
        client.get(url)
    add_cases(small["soc"], small["sbf"], small["head"], 30, 1)
    assert figures.check() == []
    cache.clear()
    with django_assert_num_queries(len(few)):
        page = client.get(url)
    assert len(page.context["body"]) > 0
    # Stale: computed live, in a constant number of queries too.
    figures.mark_stale()
    cache.clear()
    with django_assert_num_queries(len(few) + 12) as live_queries:
        client.get(url)
    add_cases(small["soc"], small["sbf"], small["head"], 10, 40)
    cache.clear()
    with django_assert_num_queries(len(live_queries)):
        client.get(url)


def test_the_demo_city_shows_one_department_paying_for_anothers_gain(demo_city):
    assert figures.is_fresh() and figures.check() == []
    crossings = kept()["crossings"]
    assert ("SF", "UTB") in {(row["payer_code"], row["gainer_code"]) for row in crossings}
    assert_same()
