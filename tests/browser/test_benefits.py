"""The benefits register in the browser: inline measurements, charts, live filters, WCAG scans."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from benefits.models import Frequency, Measurement
from tests.benefits.factories import make_benefit, measure
from tests.browser.conftest import assert_not_reloaded, mark_window, shown
from tests.browser.test_accessibility import (
    WCAG_21_AA,
    axe,
    readable,
    scan,
    wait_for_charts,
)
from tests.browser.test_check_in import check_in_row
from tests.conftest import make_initiative


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def benefit_card(page: Page, benefit) -> Locator:
    """The benefit's card on the initiative page: re-resolves to the new card after a swap."""
    return page.locator(f"article#benefit-{benefit.pk}")


def measured_points(page: Page, benefit) -> Locator:
    """The markers of the chart's second trace, the measurements (the first is the plan line)."""
    return page.locator(f"#chart-{benefit.pk} .scatterlayer .trace:nth-child(2) .points path")


@pytest.fixture
def hours(head, own_initiative):
    """0 → 400 h/year from 200 days ago to 200 days ahead, at the hourly rate; measured once."""
    benefit = make_benefit(own_initiative, owner=head, valued_at_hourly_rate=True)
    measure(benefit, days_ago(100), 100, by=head)
    return benefit


def test_a_head_records_a_measurement_inline_and_the_card_and_chart_are_swapped(
    log_in, page: Page, console_errors, head, own_initiative, hours
):
    log_in(head)
    page.goto(f"/initiatives/{own_initiative.ref}/")
    card = benefit_card(page, hours)
    expect(page.locator(f"#chart-{hours.pk}.chart svg.main-svg").first).to_be_attached(
        timeout=15_000
    )
    expect(measured_points(page, hours)).to_have_count(1)
    expect(card.locator("[data-testid=realisation-rate]")).to_have_text("25\u00a0%")
    mark_window(page)

    card.get_by_text(shown("Record a measurement")).click()  # loads the form
    card.locator(f"#id_m{hours.pk}-date").fill(days_ago(10).isoformat())
    card.locator(f"#id_m{hours.pk}-value").fill("300")
    card.locator(f"#id_m{hours.pk}-note").fill("Counted in the time reports.")
    card.get_by_role("button", name=shown("Save measurement")).click()

    expect(card.locator(".posted")).to_have_text(shown("Measurement recorded."))
    expect(card.locator("[data-testid=realisation-rate]")).to_have_text("75\u00a0%")
    # The new card's chart is drawn again, with the new point.
    expect(page.locator(f"#chart-{hours.pk} svg.main-svg").first).to_be_attached(timeout=15_000)
    expect(measured_points(page, hours)).to_have_count(2)
    assert page.evaluate(f"document.getElementById('chart-{hours.pk}').data[1].y") == [100, 300]
    assert_not_reloaded(page)
    measurement = Measurement.objects.get(benefit=hours, date=days_ago(10))
    assert (measurement.value, measurement.note, measurement.recorded_by) == (
        300,
        "Counted in the time reports.",
        head,
    )
    assert console_errors == []


def test_a_measurement_before_the_baseline_shows_the_error_inline_and_keeps_the_value(
    log_in, page: Page, console_errors, head, own_initiative, hours
):
    log_in(head)
    page.goto(f"/initiatives/{own_initiative.ref}/")
    card = benefit_card(page, hours)
    mark_window(page)
    too_early = hours.baseline_date - dt.timedelta(days=1)

    card.get_by_text(shown("Record a measurement")).click()
    card.locator(f"#id_m{hours.pk}-date").fill(too_early.isoformat())
    card.locator(f"#id_m{hours.pk}-value").fill("123.5")
    card.get_by_role("button", name=shown("Save measurement")).click()

    error = card.locator(f"#id_m{hours.pk}-date_error")
    expect(error).to_have_text(
        shown("A measurement cannot be before the baseline date (%(date)s).")
        % {"date": hours.baseline_date.isoformat()}
    )
    expect(card.locator(f"#id_m{hours.pk}-date")).to_have_attribute("aria-invalid", "true")
    expect(card.locator(f"#id_m{hours.pk}-date")).to_have_value(too_early.isoformat())
    expect(card.locator(f"#id_m{hours.pk}-value")).to_have_value("123.5")
    expect(card.locator(".error-summary")).to_be_focused()
    # The card still has its chart, drawn again after the swap, with the one old point.
    expect(measured_points(page, hours)).to_have_count(1)
    expect(card.locator("[data-testid=realisation-rate]")).to_have_text("25\u00a0%")
    assert_not_reloaded(page)
    assert Measurement.objects.filter(benefit=hours).count() == 1
    # The 422 shows in the console as a failed resource load; anything else would be a bug.
    assert [error for error in console_errors if "422" not in error] == []


def test_filtering_the_register_by_plan_swaps_the_table_without_a_page_load(
    log_in, page: Page, console_errors, office, head, own_department, own_initiative
):
    # Halfway from baseline to target, so 200 h/year is the plan by today.
    behind = make_benefit(own_initiative, title="Fewer phone calls")
    measure(behind, days_ago(5), 50, by=head)
    ahead = make_benefit(
        make_initiative(own_department, ref="DIG-2026-010", title="E-arkiv"), title="Less paper"
    )
    measure(ahead, days_ago(5), 350, by=head)
    make_benefit(own_initiative, title="Not measured yet")
    log_in(office)
    page.goto("/benefits/")
    rows = page.locator("#benefit-table tbody tr")
    expect(rows).to_have_count(3)
    mark_window(page)

    page.locator("select[name=behind]").select_option(label=shown("Behind plan"))

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Fewer phone calls")
    expect(rows.first.locator(".plan-behind")).to_have_text(shown("Behind plan"))
    expect(page).to_have_url(re.compile(r"[?&]behind=yes(&|$)"))
    assert_not_reloaded(page)
    assert console_errors == []


def test_the_benefit_pages_have_no_wcag_violations(log_in, page: Page, office, portfolio):
    found: dict[str, list[dict]] = {}
    hours = portfolio["hours"]
    schools = portfolio["schools"]
    log_in(office)

    page.goto("/benefits/")
    expect(page.locator("#benefit-table tbody tr")).to_have_count(1)
    scan(page, "register /benefits/", found)

    page.goto("/benefits/?behind=yes&sort=-realised_sek")
    expect(page.locator("main h1")).to_be_visible()
    scan(page, "filtered and sorted register", found)

    page.goto(f"/initiatives/{schools.ref}/")
    wait_for_charts(page)
    page.locator(f"#benefit-{hours.pk} figure details summary").click()  # "Show the numbers"
    expect(page.locator(f"#benefit-{hours.pk} figure details table")).to_be_visible()
    scan(page, f"initiative with a benefit and its chart /initiatives/{schools.ref}/", found)

    # The inline measurement form, back with an error and swapped in by htmx.
    card = page.locator(f"#benefit-{hours.pk}")
    # The scan opened "Record a measurement", which loaded the form; a click would close it.
    card.locator(f"#id_m{hours.pk}-value").fill("")
    card.get_by_role("button", name=shown("Save measurement")).click()
    expect(card.locator(".error-summary")).to_be_visible()
    wait_for_charts(page)
    scan(page, "measurement form with errors", found)

    page.goto(f"/benefits/new/{schools.ref}/")
    expect(page.locator("main h1")).to_be_visible()
    scan(page, f"add a benefit /benefits/new/{schools.ref}/", found)

    page.locator("#id_baseline_date").fill("2026-06-01")
    page.locator("#id_target_date").fill("2026-01-01")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    scan(page, "add a benefit with errors", found)

    page.goto("/benefits/settings/")
    expect(page.locator("#id_hourly_rate")).to_be_visible()
    scan(page, "settings /benefits/settings/", found)

    page.locator("#id_hourly_rate").fill("0")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    scan(page, "settings with errors", found)

    page.goto("/initiatives/check-in/")
    due = page.locator(f"#benefit-due-{hours.pk}")
    expect(due.locator(".overdue-label")).to_have_text(shown("Measurement due"))
    scan(page, "check-in with a benefit due", found)

    # The scan opened every <details> already; a click on the summary would close it again.
    expect(due.locator("details")).to_have_attribute("open", "")
    due.locator("form button[type=submit]").click()  # no value, so it comes back with errors
    expect(page.locator(f"#benefit-due-{hours.pk} .error-summary")).to_be_visible()
    scan(page, "check-in benefit row with errors", found)

    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"


def test_a_chart_has_no_controls_inside_its_img_role(
    log_in, page: Page, head, own_initiative, hours
):
    log_in(head)
    page.goto(f"/initiatives/{own_initiative.ref}/")
    wait_for_charts(page)

    violations = axe.run(
        page, context={"include": [[f"#chart-{hours.pk}"]]}, options=WCAG_21_AA
    ).response["violations"]

    assert violations == [], readable({"chart": violations})


def test_the_check_in_lists_a_benefit_due_for_a_measurement(
    log_in, page: Page, console_errors, head, own_initiative
):
    due = make_benefit(own_initiative, title="Freed hours", frequency=Frequency.MONTHLY)
    measure(due, days_ago(40), 120, by=head)
    fresh = make_benefit(own_initiative, title="Fewer errors", frequency=Frequency.MONTHLY)
    measure(fresh, days_ago(10), 120, by=head)
    log_in(head)
    page.goto("/initiatives/check-in/")
    mark_window(page)
    row = page.locator(f"#benefit-due-{due.pk}")
    expect(row.locator(".overdue-label")).to_have_text(shown("Measurement due"))
    expect(page.locator(f"#benefit-due-{fresh.pk}")).to_have_count(0)

    row.locator("summary").click()
    row.locator(f"#id_m{due.pk}-value").fill("150")
    row.locator("form button[type=submit]").click()

    expect(row.locator(".posted")).to_have_text(shown("Measurement recorded."))
    expect(row.locator(".overdue-label")).to_have_count(0)
    expect(check_in_row(page, own_initiative.ref)).to_be_visible()
    assert_not_reloaded(page)
    assert Measurement.objects.get(benefit=due, date=timezone.localdate()).value == 150
    assert console_errors == []


def test_a_column_chosen_under_columns_joins_the_table_and_the_address(
    log_in, page: Page, console_errors, office, head, own_initiative
):
    hours = make_benefit(own_initiative, title="Fewer phone calls")
    measure(hours, days_ago(5), 50, by=head)
    log_in(office)
    page.goto("/benefits/")
    table = page.locator("#benefit-register")
    latest = shown("Latest measurement")
    expect(table.locator("thead th")).to_have_count(7)
    expect(table.locator("thead th", has_text=latest)).to_have_count(0)
    mark_window(page)

    page.locator("details.columns summary").click()
    page.get_by_role("checkbox", name=latest).check()

    expect(table.locator("thead th", has_text=latest)).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]col=latest(&|$)"))
    assert_not_reloaded(page)
    # The choice is kept by the sort links, and the box that scrolls the table is reachable.
    page.locator("#benefit-register thead a", has_text=shown("Benefit")).click()
    expect(page).to_have_url(re.compile(r"col=latest"))
    expect(table.locator("thead th", has_text=latest)).to_have_count(1)
    expect(page.locator("#benefit-table .table-scroll")).to_have_attribute("tabindex", "0")
    assert console_errors == []
