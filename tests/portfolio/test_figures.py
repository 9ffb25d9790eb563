"""The dashboard's sums kept current on write (portfolio.figures): equal to the live figures for
every slice, after the demo city's load and after each kind of write; stale when the day, the
hourly rate or the active goals change; checked from scratch by `manage.py check_figures`."""

from __future__ import annotations

import datetime as dt
import io
import math
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from benefits import services as benefit_services
from benefits.models import Benefit, hourly_rate
from benefits.views import KnownCountPaginator
from initiatives import services as initiative_services
from initiatives.models import Initiative, Stage
from organisation.models import Department
from portfolio import dashboard, figures
from portfolio.models import Alignment, CouncilGoal, FigureTotal
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_initiative, make_user

pytestmark = pytest.mark.django_db


def close_enough(a, b, tolerance=0.01) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), abs_tol=tolerance, rel_tol=1e-9)


def live(department=None, goal=None) -> dict:
    initiatives = dashboard.filter_initiatives(
        Initiative.objects.active(), department=department, goal=goal
    )
    benefits = Benefit.objects.filter(initiative__in=initiatives).with_figures(rate=hourly_rate())
    goals = list(CouncilGoal.objects.active())
    return {
        "head": dashboard.headline(initiatives, benefits),
        "after": dashboard.after_project(benefits),
        "departments": dashboard.by_department(benefits),
        "by_goal": dashboard.by_goal(benefits, initiatives, goals, "none"),
        "timeline": dashboard.over_time(benefits, hourly_rate()),
        "behind": dashboard.most_behind(benefits),
    }


def kept(department=None, goal=None) -> dict:
    initiatives = dashboard.filter_initiatives(
        Initiative.objects.active(), department=department, goal=goal
    )
    by_department = figures.read(
        department_id=getattr(department, "pk", None), goal_id=getattr(goal, "pk", None)
    )
    sums = dashboard._summed(by_department)
    goals = list(CouncilGoal.objects.active())
    return {
        "head": dashboard.headline_from(sums),
        "after": dashboard.after_project_from(sums),
        "departments": dashboard.by_department_from(by_department),
        "by_goal": dashboard.by_goal_from(sums, goals, "none"),
        "timeline": dashboard.over_time_from(sums),
        "behind": dashboard.most_behind_from(initiatives),
    }


def assert_same(department=None, goal=None) -> None:
    want, have = live(department, goal), kept(department, goal)
    for name in ("head", "after"):
        for field, value in vars(want[name]).items():
            assert (
                close_enough(getattr(have[name], field), value)
                if not isinstance(value, list | dict)
                else getattr(have[name], field) == value
            ), (name, field)
    # The same departments in the same order (the database's collation may order equal sums
    # by name differently: compared by label).
    assert [row["label"] for row in have["departments"] if row["expected"]] == [
        row["label"] for row in want["departments"] if row["expected"]
    ]
    theirs_by_label = {row["label"]: row for row in want["departments"]}
    assert set(theirs_by_label) == {row["label"] for row in have["departments"]}
    for mine in have["departments"]:
        theirs = theirs_by_label[mine["label"]]
        assert close_enough(mine["expected"], theirs["expected"])
        assert close_enough(mine["realised"], theirs["realised"])
    assert [row["label"] for row in have["by_goal"]] == [row["label"] for row in want["by_goal"]]
    for mine, theirs in zip(have["by_goal"], want["by_goal"], strict=True):
        assert close_enough(mine["expected"], theirs["expected"], 0.5)
        assert close_enough(mine["realised"], theirs["realised"], 0.5)
    for mine, theirs in zip(have["timeline"], want["timeline"], strict=True):
        assert mine["month"] == theirs["month"]
        assert close_enough(mine["planned"], theirs["planned"], 0.5), mine["month"]
        assert close_enough(mine["realised"], theirs["realised"], 0.5), mine["month"]
    assert [row["initiative__ref"] for row in have["behind"]] == [
        row["initiative__ref"] for row in want["behind"]
    ]
    for mine, theirs in zip(have["behind"], want["behind"], strict=True):
        assert close_enough(mine["gap"], theirs["gap"], 0.001)
        assert mine["behind"] == theirs["behind"]


def every_slice():
    goals = [None, *CouncilGoal.objects.active()]
    departments = [None, *Department.objects.filter(initiatives__isnull=False).distinct()]
    return [(department, goal) for department in departments for goal in goals]


@pytest.fixture
def city(demo_city):
    """The demo city, whose load rebuilt the sums."""
    assert figures.is_fresh()
    return demo_city


def test_after_the_demo_load_every_slice_equals_the_live_figures(city):
    slices = every_slice()
    assert len(slices) > 20
    for department, goal in slices:
        assert_same(department, goal)
    assert figures.check() == []


def test_each_kind_of_write_keeps_the_sums_equal(city):
    office = make_user("office")
    benefit = Benefit.objects.filter(latest_value__isnull=False).order_by("pk").first()
    initiative = benefit.initiative
    # A measurement, a changed benefit, a new benefit, a progress update.
    benefit_services.measurement_create(
        benefit=benefit, date=TODAY, value=benefit.target_value, by=office
    )
    benefit.target_value += 10
    benefit.sek_per_unit = Decimal("123.50")
    benefit.valued_at_hourly_rate = False
    benefit_services.benefit_save(benefit=benefit, by=office)
    make_benefit(initiative, title="New one", sek_per_unit=Decimal(10), target_value=Decimal(50))
    initiative_services.progress_update_create(
        initiative=initiative, by=office, health="red", summary="Stuck"
    )
    # A stage change to closed, a score, an archived initiative, a moved department.
    other = Initiative.objects.exclude(stage=Stage.CLOSED).exclude(pk=initiative.pk).first()
    initiative_services.stage_change(
        initiative=other, to_stage=Stage.CLOSED, reason="Done", by=office, outcome="completed"
    )
    goal = CouncilGoal.objects.active().first()
    Alignment.objects.update_or_create(
        initiative=initiative, goal=goal, defaults={"score": 5, "reason": "Decisive"}
    )
    archived = Initiative.objects.active().exclude(pk__in=[initiative.pk, other.pk]).last()
    initiative_services.initiative_archive(initiative=archived, by=office)
    assert figures.check() == []
    for department, goal in every_slice():
        assert_same(department, goal)


def test_a_measurement_deleted_and_a_benefit_deleted_are_taken_out(city):
    office = make_user("office")
    measurement = Benefit.objects.filter(latest_value__isnull=False).first().measurements.last()
    benefit_services.measurement_delete(measurement=measurement, by=office)
    Benefit.objects.filter(latest_value__isnull=True).first().delete()
    Initiative.objects.filter(benefits__isnull=True).first().delete()
    assert figures.check() == []
    assert_same()


def test_a_new_hourly_rate_or_a_goal_switched_off_makes_the_sums_stale_until_rebuilt(city):
    office = make_user("office")
    benefit_services.hourly_rate_set(rate=Decimal(600), by=office)
    assert not figures.is_fresh()
    # Writes while stale apply nothing; the rebuild brings everything in.
    benefit = Benefit.objects.filter(latest_value__isnull=False).first()
    benefit_services.measurement_create(benefit=benefit, date=TODAY, value=Decimal(1), by=office)
    figures.rebuild()
    assert figures.is_fresh() and figures.check() == []
    goal = CouncilGoal.objects.active().first()
    goal.active = False
    goal.save()
    assert not figures.is_fresh()
    figures.rebuild()
    assert_same()


def test_tomorrow_the_sums_are_stale(city):
    assert not figures.is_fresh(today=timezone.localdate() + dt.timedelta(days=1))


def test_the_check_names_a_sum_that_drifted(city):
    row = FigureTotal.objects.filter(goal_id=0, key="expected").first()
    row.value += 1000
    row.save()
    (problem,) = figures.check()
    assert f"department {row.department_id}, goal 0, expected" in problem
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("check_figures", stdout=out, stderr=out)
    assert "expected" in out.getvalue()
    call_command("check_figures", "--rebuild", stdout=out)
    assert figures.check() == []


def test_the_dashboard_reads_the_sums_in_the_same_queries_for_few_and_many(
    django_assert_num_queries,
):
    department = Department.objects.create(name="Kulturförvaltningen", code="KF")
    owner = make_user("department_head", department)
    for _ in range(3):
        measure(make_benefit(make_initiative(department)), TODAY, 10, owner)
    figures.rebuild()
    client = Client()
    client.force_login(make_user("executive"))
    url = reverse("portfolio:dashboard")
    client.get(url)
    with django_assert_num_queries(13) as few:
        client.get(url)
    for _ in range(40):
        measure(make_benefit(make_initiative(department)), TODAY, 10, owner)
    assert figures.check() == []
    with django_assert_num_queries(len(few)):
        page = client.get(url)
    assert page.context["body"]


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_in_one_department_both_count(tmp_path):
    from tests.benefits.concurrency import at_once, in_thread, threads_wait_for_locks

    department = Department.objects.create(name="Socialförvaltningen", code="SOC")
    head = make_user("department_head", department, username="head-figures")
    benefits = [make_benefit(make_initiative(department), sek_per_unit=Decimal(100)) for _ in "ab"]
    figures.rebuild()

    def write(benefit, value):
        return lambda: benefit_services.measurement_create(
            benefit=benefit, date=TODAY, value=Decimal(value), by=head
        )

    with threads_wait_for_locks(tmp_path):
        results = at_once(write(benefits[0], 100), write(benefits[1], 200))
        assert not [r for r in results if isinstance(r, Exception)], results
        problems = in_thread(figures.check)
        realised = in_thread(
            lambda: FigureTotal.objects.get(department_id=department.pk, goal_id=0, key="realised")
        )
    assert problems == []
    assert realised.value == (100 + 200) * 100


def test_the_api_dashboard_reads_the_same_sums(city):
    client = Client()
    client.force_login(make_user("executive"))
    kept_figures = client.get("/api/v1/dashboard").json()
    want = live()
    assert kept_figures["headline"]["benefits"] == want["head"].benefits
    assert close_enough(kept_figures["headline"]["expected_sek"], want["head"].expected_sek)
    assert close_enough(kept_figures["after_project"]["realised_sek"], want["after"].realised_sek)
    assert [row["label"] for row in kept_figures["by_goal"]] == [
        row["label"] for row in want["by_goal"]
    ]


def test_the_register_reads_its_totals_and_count_from_the_sums_when_its_filter_allows(city):
    client = Client()
    client.force_login(make_user("office"))
    url = reverse("benefits:register")
    department = Department.objects.filter(initiatives__isnull=False).first()
    for query in ({}, {"department": department.pk}, {"category": "financial"}):
        page = client.get(url, query)
        benefits = Benefit.objects.filter(initiative__archived_at__isnull=True)
        if "department" in query:
            benefits = benefits.filter(initiative__department=department)
        if "category" in query:
            benefits = benefits.filter(category="financial")
        want = benefits.with_figures(rate=hourly_rate()).totals()
        assert page.context["page"].paginator.count == benefits.count()
        kept = isinstance(page.context["page"].paginator, KnownCountPaginator)
        assert kept == ("category" not in query)
        for key in ("expected_sek_total", "realised_sek_total"):
            assert close_enough(page.context["totals"][key], want[key]), (query, key)
