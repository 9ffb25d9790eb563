"""The executive dashboard in the browser: plotly charts, live filters, locale, bubble links,
print, and WCAG scans."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone, translation
from playwright.sync_api import Locator, Page, expect

from benefits.templatetags.benefit_format import kronor
from initiatives import services
from initiatives.models import Health, Initiative, Kind, Stage
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import make_benefit, measure
from tests.browser.conftest import assert_not_reloaded, mark_window, shown
from tests.browser.test_accessibility import readable, scan, wait_for_charts
from tests.conftest import make_department, make_initiative, make_update

DASHBOARD = "/portfolio/dashboard/"
CHARTS = ["funnel", "timeline", "money-years", "departments", "goals", "bubbles"]


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def as_shown(amount: int) -> str:
    """Whole kronor as the dashboard shows them in the default language (Swedish grouping)."""
    with translation.override(settings.LANGUAGE_CODE):
        return kronor(Decimal(amount))


@pytest.fixture
def data(office, head, executive, own_department, other_department) -> dict:
    """Four initiatives in four stages and three departments, scored against two goals.

    Hourly rate 450 SEK/h (the default). Expected SEK/year: school kitchens 400 h × 450 = 180 000,
    traffic lights 500 000 kWh × 1.5 = 750 000, chatbot 400 calls × 50 = 20 000, transport
    service 1 000 h × 450 = 450 000; 1 400 000 in all. Realised: 45 000 + 300 000 + 0 + 405 000.
    Strategic scores (weights 2 and 1): 66.7, 46.7, 40 and 66.7; the bubbles do not overlap.
    """
    welfare = CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1)
    climate = CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2)
    social = make_department("Socialförvaltningen", "SOC")
    schools = make_initiative(
        own_department,
        ref="DIG-2026-001",
        title="Skolmjölksroboten",
        kind=Kind.RPA,
        owner=head,
        budget=250_000,
        cost_to_date=120_000,
        planned_start=dt.date(2026, 1, 15),
        planned_end=dt.date(2026, 12, 31),
    )
    lights = make_initiative(
        other_department,
        ref="DIG-2026-002",
        title="Smarta trafikljus",
        kind=Kind.IOT,
        stage=Stage.SCALING,
        budget=1_200_000,
        cost_to_date=900_000,
        running_cost=80_000,
    )
    chatbot = make_initiative(
        own_department,
        ref="DIG-2026-003",
        title="Chatbot för vårdnadshavare",
        kind=Kind.PILOT,
        stage=Stage.IDEA,
        budget=400_000,
    )
    transport = make_initiative(
        social,
        ref="DIG-2026-004",
        title="E-tjänst för färdtjänst",
        kind=Kind.ESERVICE,
        stage=Stage.OPERATION,
        budget=800_000,
        cost_to_date=780_000,
        running_cost=60_000,
    )
    make_update(schools, head, days_ago=3, health=Health.GREEN, summary="Ten kitchens live.")
    make_update(lights, office, days_ago=10, health=Health.RED, summary="Sensors failing.")
    make_update(transport, office, days_ago=20, health=Health.AMBER, summary="Slow uptake.")

    hours = make_benefit(schools, title="Frigjorda kökstimmar", valued_at_hourly_rate=True)
    measure(hours, days_ago(100), 60, by=head)
    measure(hours, days_ago(30), 100, by=head)
    energy = make_benefit(
        lights,
        title="Lägre energiförbrukning",
        category="financial",
        unit="kWh/year",
        direction="lower",
        baseline_value=Decimal("2000000"),
        target_value=Decimal("1500000"),
        sek_per_unit=Decimal("1.5"),
    )
    measure(energy, days_ago(60), 1_900_000, by=office)
    measure(energy, days_ago(15), 1_800_000, by=office)
    make_benefit(
        chatbot,
        title="Färre telefonsamtal",
        category="financial",
        unit="calls/month",
        direction="lower",
        baseline_value=Decimal("1000"),
        target_value=Decimal("600"),
        sek_per_unit=Decimal("50"),
    )
    make_benefit(chatbot, title="Nöjdare vårdnadshavare", category="quality", unit="%")
    staff = make_benefit(
        transport,
        title="Frigjorda handläggartimmar",
        valued_at_hourly_rate=True,
        target_value=Decimal("1000"),
    )
    measure(staff, days_ago(50), 900, by=office)

    for initiative, goal, score in [
        (schools, welfare, 5),
        (lights, climate, 5),
        (lights, welfare, 1),
        (chatbot, welfare, 3),
        (transport, welfare, 4),
        (transport, climate, 2),
    ]:
        Alignment.objects.create(
            initiative=initiative, goal=goal, score=score, reason=f"Scored {score}."
        )

    services.stage_change(
        initiative=schools, to_stage=Stage.PILOT, reason="The business case holds.", by=office
    )
    services.stage_propose(
        initiative=Initiative.objects.get(pk=schools.pk),
        to_stage=Stage.SCALING,
        reason="Ten kitchens run it without trouble.",
        by=head,
    )
    return {
        "welfare": welfare,
        "climate": climate,
        "social": social,
        "schools": schools,
        "lights": lights,
        "chatbot": chatbot,
        "transport": transport,
    }


def chart(page: Page, name: str) -> Locator:
    return page.locator(f"#chart-{name}")


def expect_charts_drawn(page: Page, names: list[str] = CHARTS) -> None:
    for name in names:
        expect(chart(page, name).locator("svg.main-svg").first).to_be_attached(timeout=15_000)


def headline(page: Page, testid: str) -> Locator:
    return page.locator(f"#dashboard-body [data-testid={testid}]")


def axis_ticks(page: Page, axis: str) -> list[str]:
    """The tick labels of the timeline's x or y axis, as drawn."""
    return chart(page, "timeline").locator(f".{axis}tick text").all_text_contents()


def plotly_locale(page: Page, name: str = "timeline") -> str:
    return page.evaluate(f"document.getElementById('chart-{name}')._context.locale")


def test_the_dashboard_draws_every_chart_and_the_headline_figures(
    log_in, page: Page, console_errors, executive, data
):
    log_in(executive)
    page.goto(DASHBOARD)

    expect_charts_drawn(page)
    for name in CHARTS:
        expect(chart(page, name)).to_have_attribute("role", "img")
        expect(chart(page, name)).to_have_attribute("aria-label", re.compile(r"\S"))
    expect(headline(page, "initiative-count")).to_have_text("4")
    expect(headline(page, "expected-total")).to_have_text(as_shown(1_400_000))
    expect(headline(page, "realised-total")).to_have_text(as_shown(750_000))
    # The charts hold the same figures as the table beside them.
    assert page.evaluate("document.getElementById('chart-funnel').data[0].x") == [1, 1, 1, 1, 0]
    # in thousands of kronor: the largest is 750 000 SEK/year, so the axis is in "tkr/år"
    assert sorted(page.evaluate("document.getElementById('chart-departments').data[0].y")) == [
        200,
        450,
        750,
    ]
    expect(chart(page, "departments").locator(".g-ytitle")).to_have_text(shown("k SEK/year"))
    expect(chart(page, "bubbles").locator(".scatterlayer .point")).to_have_count(4)
    assert console_errors == []


def test_filtering_by_department_swaps_figures_charts_and_lists_without_a_page_load(
    log_in, page: Page, console_errors, executive, other_department, data
):
    log_in(executive)
    page.goto(DASHBOARD)
    expect_charts_drawn(page)
    pilots = page.locator("section[aria-labelledby=pilots-heading]")
    expect(pilots.get_by_role("link", name=re.compile(data["schools"].ref))).to_be_visible()
    body = page.locator("#dashboard-body").element_handle()
    mark_window(page)

    page.locator("#dashboard-filter select[name=department]").select_option(
        str(other_department.pk)
    )

    expect(page).to_have_url(re.compile(rf"[?&]department={other_department.pk}(&|$)"))
    expect(headline(page, "expected-total")).to_have_text(as_shown(750_000))
    expect(headline(page, "realised-total")).to_have_text(as_shown(300_000))
    expect(headline(page, "initiative-count")).to_have_text("1")
    expect(page.locator("#dashboard-body p.notice[role=status]")).to_contain_text(
        other_department.name
    )
    # The lists: the school pilot (another department) waits no more here.
    expect(pilots.get_by_role("link")).to_have_count(0)
    expect(pilots).to_contain_text(shown("No pilot is waiting."))
    # A new body, and its charts drawn again with the department's figures.
    assert body.evaluate("element => element.isConnected") is False
    expect_charts_drawn(page)
    expect(chart(page, "bubbles").locator(".scatterlayer .point")).to_have_count(1)
    assert page.evaluate("document.getElementById('chart-departments').data[0].x") == [
        other_department.name
    ]
    assert page.evaluate("document.getElementById('chart-funnel').data[0].x") == [0, 0, 1, 0, 0]
    assert_not_reloaded(page)
    assert console_errors == []


def test_the_charts_follow_the_language(log_in, page: Page, console_errors, executive, data):
    log_in(executive)
    page.goto(DASHBOARD)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect_charts_drawn(page)
    assert plotly_locale(page) == "sv"
    assert page.evaluate("document.getElementById('chart-timeline')._fullLayout.separators") == (
        ", "
    )
    # Swedish months on the time axis, and a decimal comma on the SEK axis (0, 0,5, 1), which is
    # in millions of kronor, said in its title instead of plotly's "0,5M".
    year = timezone.localdate().year  # the axis runs from 24 months back to 12 ahead
    assert f"jan {year}" in axis_ticks(page, "x")
    assert "0,5" in axis_ticks(page, "y")
    assert not any(tick.endswith(("M", "k")) for tick in axis_ticks(page, "y"))
    expect(chart(page, "timeline").locator(".g-ytitle")).to_have_text(shown("M SEK/year"))

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(re.escape(DASHBOARD) + "$"))
    expect_charts_drawn(page)
    assert plotly_locale(page) == "en"
    assert page.evaluate("document.getElementById('chart-timeline')._fullLayout.separators") == (
        ".,"
    )
    assert f"Jan {year}" in axis_ticks(page, "x")
    assert "0.5" in axis_ticks(page, "y")
    expect(chart(page, "timeline").locator(".g-ytitle")).to_have_text("M SEK/year")
    assert console_errors == []


def test_a_click_on_a_bubble_opens_its_initiative(
    log_in, page: Page, console_errors, executive, data
):
    lights = data["lights"]
    log_in(executive)
    page.goto(DASHBOARD)
    expect_charts_drawn(page)
    # The lights are the only initiative in scaling, so theirs is the scaling trace's one point.
    traces = page.evaluate(
        "Array.from(document.getElementById('chart-bubbles').data, t => t.customdata)"
    )
    trace = next(i for i, urls in enumerate(traces) if urls == [f"/initiatives/{lights.ref}/"])
    point = chart(page, "bubbles").locator(".scatterlayer .trace").nth(trace).locator(".point")
    expect(point).to_have_count(1)

    point.click(force=True)  # at its centre: plotly's hover layer above picks the point

    expect(page).to_have_url(re.compile(rf"/initiatives/{re.escape(lights.ref)}/$"))
    expect(page.locator("main h1")).to_contain_text(lights.title)
    assert console_errors == []


def test_the_dashboard_prints_without_the_filters_and_navigation(
    log_in, page: Page, console_errors, executive, data
):
    log_in(executive)
    page.goto(DASHBOARD)
    expect_charts_drawn(page)
    expect(page.locator("#dashboard-filter")).to_be_visible()
    expect(page.get_by_role("navigation", name=shown("Main"))).to_be_visible()

    page.emulate_media(media="print")

    expect(page.locator("#dashboard-filter")).to_be_hidden()
    expect(page.locator("header.site-header nav")).to_be_hidden()
    expect(page.locator(".page-head .print-only")).to_be_visible()
    expect(headline(page, "expected-total")).to_be_visible()
    expect(chart(page, "bubbles").locator("svg.main-svg").first).to_be_visible(timeout=15_000)
    numbers = page.locator("#dashboard-body details")
    expect(numbers).to_have_count(6)
    expect(page.locator("#dashboard-body details[open]")).to_have_count(0)

    pdf = page.pdf(format="A4", print_background=True)

    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    # Printing fired beforeprint, and charts.js opened every "show the numbers".
    expect(page.locator("#dashboard-body details[open]")).to_have_count(6)
    assert console_errors == []


def test_the_printed_dashboard_carries_the_numbers_beside_the_charts(
    log_in, page: Page, executive, data
):
    log_in(executive)
    page.goto(DASHBOARD)
    expect_charts_drawn(page)

    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")

    numbers = page.locator("#dashboard-body details")
    expect(numbers).to_have_count(6)  # funnel, timeline, money by year, departments, goals, bubbles
    for index in range(numbers.count()):
        expect(numbers.nth(index)).to_have_attribute("open", "")
        expect(numbers.nth(index).locator("table")).to_be_visible(timeout=500)


def test_the_dashboard_has_no_wcag_violations(log_in, page: Page, executive, data):
    found: dict[str, list[dict]] = {}
    log_in(executive)
    page.goto(DASHBOARD)
    expect_charts_drawn(page)
    wait_for_charts(page)
    scan(page, f"dashboard {DASHBOARD}", found)  # scan() opens every <details> first
    expect(page.locator("#dashboard-body details[open]")).to_have_count(6)

    mark_window(page)
    page.locator("#dashboard-filter select[name=goal]").select_option(str(data["climate"].pk))
    expect(page).to_have_url(re.compile(rf"[?&]goal={data['climate'].pk}(&|$)"))
    # Lights and the transport service serve the climate: 750 000 + 450 000.
    expect(headline(page, "expected-total")).to_have_text(as_shown(1_200_000))
    expect_charts_drawn(page)
    wait_for_charts(page)
    assert_not_reloaded(page)
    scan(page, "dashboard filtered by a goal", found)

    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"
