"""What history teaches, in the browser: reached from the settings page, its tables and chart
drawn, and no WCAG violations."""

import datetime as dt
import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from initiatives.models import Kind
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.browser.conftest import shown
from tests.browser.test_accessibility import readable, scan, wait_for_charts
from tests.conftest import make_initiative

PAST = TODAY - dt.timedelta(days=10)


def closed_benefits(office, own_department, other_department) -> str:
    """Five due benefits that each promised 100: RPA 50, 80, 100 and 120; sensors 30."""
    rpa = make_initiative(own_department, kind=Kind.RPA, title="Skolmjölksroboten")
    sensors = make_initiative(other_department, kind=Kind.IOT, title="Smarta trafikljus")
    for initiative, realised, category in [
        (rpa, 50, "financial"),
        (rpa, 80, "financial"),
        (rpa, 100, "redistribution"),
        (rpa, 120, "quality"),
        (sensors, 30, "environment"),
    ]:
        benefit = make_benefit(
            initiative,
            title=f"Nytta {realised}",
            category=category,
            target_value=Decimal("100"),
            baseline_date=TODAY - dt.timedelta(days=400),
            target_date=PAST,
        )
        measure(benefit, PAST, realised, office)
    return rpa.ref


def test_the_office_opens_calibration_from_settings_and_sees_tables_and_chart(
    log_in, page: Page, console_errors, office, own_department, other_department
):
    closed_benefits(office, own_department, other_department)
    log_in(office)
    page.goto("/benefits/settings/")
    page.get_by_role("link", name=shown("See realised against promised")).click()
    expect(page).to_have_url(re.compile(r"/benefits/calibration/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(shown("What history teaches"))

    expect(page.locator("table caption")).to_have_count(4)
    kinds = page.locator("#calibration-kind-table tbody tr")
    expect(kinds).to_have_count(2)
    expect(kinds.first.locator("th")).to_have_text(shown("RPA robot"))
    expect(kinds.first.locator("td").nth(0)).to_have_text("4")
    expect(kinds.first.locator("td").nth(1)).to_have_text("90\u00a0%")

    chart = page.locator("#chart-calibration")
    expect(chart).to_have_attribute("role", "img")
    expect(chart).to_have_attribute("aria-label", re.compile(r"\S"))
    wait_for_charts(page)
    expect(chart.locator(".scatterlayer .point")).to_have_count(2)
    # The chart holds the same figures as the table beside it.
    assert page.evaluate("document.getElementById('chart-calibration').data[0].x") == [0.9, 0.3]
    assert not console_errors

    found: dict[str, list[dict]] = {}
    scan(page, "calibration", found)
    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"


def test_the_page_without_enough_history_says_so_and_passes_axe(log_in, page: Page, office):
    log_in(office)
    page.goto("/benefits/calibration/")
    expect(page.get_by_test_id("calibration-empty")).to_contain_text(
        shown("Not enough closed benefits yet to say anything.")
    )
    expect(page.locator("div.chart")).to_have_count(0)
    found: dict[str, list[dict]] = {}
    scan(page, "calibration, empty", found)
    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"


def test_the_benefit_form_shows_what_similar_benefits_delivered_and_passes_axe(
    log_in, page: Page, office, own_department, other_department
):
    ref = closed_benefits(office, own_department, other_department)
    log_in(office)
    page.goto(f"/benefits/new/{ref}/")
    hint = page.get_by_test_id("calibration-hint")
    expect(hint).to_contain_text("90\u00a0%")
    expect(hint.locator("tbody tr")).to_have_count(3)  # financial, redistribution, quality
    found: dict[str, list[dict]] = {}
    scan(page, "benefit form with the hint", found)
    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"
