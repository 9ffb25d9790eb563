"""The initiative's cost lines, edited in place on its page, and the business case they give
(issue 14), in a real Chromium: the htmx swaps, the keyboard, an axe scan and a phone's width.

The figures are computed by hand. The initiative starts on 1 January 2026 (the base year), the
discount rate is 3.5 % and the horizon 10 years. Its one benefit reaches its target on its
baseline date, 1 January 2026: 500 units × 1,000 SEK = 500,000 SEK a year in 2026 … 2030 (a
lifetime of five years). One investment line of 1,000,000 SEK in 2026 then gives

- NPV = −1,000,000 + 500,000 × (1 + 1/1.035 + 1/1.035² + 1/1.035³ + 1/1.035⁴)
      = −1,000,000 + 500,000 × 4.6730792 = 1,336,539.6, shown as 1 336 540;
- BCR = 2,336,539.6 / 1,000,000 = 2.3365, shown as 2,34;
- payback in 2027: the cumulative net is −500,000 in 2026 and 0 in 2027.

Without the line, the benefit alone: NPV 2,336,539.6 (2 336 540), no BCR (—), paid back at once
(2026). The site is in Swedish: kronor are grouped with no-break spaces, which Playwright's text
assertions read as spaces, and decimals have a comma.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from benefits.models import PortfolioSetting
from initiatives import costs
from initiatives.models import CostKind, CostLine, Initiative
from tests.benefits.factories import make_benefit
from tests.browser.conftest import assert_not_reloaded, mark_window, shown
from tests.browser.test_accessibility import readable, scan, wait_for_charts
from tests.conftest import make_initiative

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def initiative(own_department, head) -> Initiative:
    """The head's initiative with a benefit worth money and no cost lines yet."""
    setting = PortfolioSetting.current()
    setting.discount_rate, setting.horizon_years = Decimal("3.5"), 10
    setting.save()
    initiative = make_initiative(
        own_department,
        ref="DIG-2026-014",
        title="Digital bygglovsansökan",
        owner=head,
        planned_start=dt.date(2026, 1, 1),
        planned_end=dt.date(2026, 12, 31),
    )
    make_benefit(
        initiative,
        title="Färre pappersansökningar",
        unit="ansökningar/år",
        baseline_value=Decimal("0"),
        target_value=Decimal("500"),
        baseline_date=dt.date(2026, 1, 1),
        target_date=dt.date(2026, 1, 1),
        sek_per_unit=Decimal("1000"),
        gainer="residents",
    )
    return initiative


def save_lines(initiative: Initiative, by, *lines: tuple[int, str, int]) -> None:
    """Give the initiative these (year, kind, planned) lines, paid by its own department."""
    costs.cost_lines_save(
        initiative=initiative,
        lines=[
            costs.LineValues(year, kind, planned, None, initiative.department_id, "")
            for year, kind, planned in lines
        ],
        opened_version=Initiative.objects.get(pk=initiative.pk).version,
        by=by,
    )


def open_initiative(page: Page, initiative: Initiative) -> Locator:
    """The initiative page, loaded with htmx started; its "Costs and business case" block."""
    page.goto(initiative.get_absolute_url())
    page.wait_for_load_state("load")  # htmx starts once the deferred scripts have run
    return page.locator("#business-case")


def open_cost_form(page: Page) -> Locator:
    """Click "Edit the cost lines"; the form comes in place of the block."""
    block = page.locator("#business-case")
    block.get_by_role("link", name=shown("Edit the cost lines")).click()
    expect(block.get_by_role("heading", name=shown("Edit the cost lines"))).to_be_visible()
    return block


def save_button(block: Locator) -> Locator:
    return block.get_by_role("button", name=shown("Save the cost lines"))


def expect_figures(block: Locator, *, npv: str, bcr: str, payback: str) -> None:
    expect(block.get_by_test_id("npv")).to_have_text(npv)
    expect(block.get_by_test_id("bcr")).to_have_text(bcr)
    expect(block.get_by_test_id("payback")).to_have_text(payback)


def case_row(block: Locator, year: int) -> Locator:
    table = block.get_by_test_id("business-case-table")
    return table.locator("tbody tr").filter(has=block.page.get_by_role("rowheader", name=str(year)))


def overview_figure(page: Page, label: str) -> Locator:
    overview = page.locator("section[aria-labelledby=overview-heading] dl.facts > div")
    return overview.filter(has=page.locator("dt", has_text=shown(label))).locator("dd")


def test_a_head_adds_a_cost_line_in_place_and_sees_the_business_case_it_gives(
    log_in, page: Page, console_errors, head, own_department, initiative
):
    log_in(head)
    block = open_initiative(page, initiative)
    # The benefit alone: no cost, so no ratio, and paid back in the start year.
    expect_figures(block, npv="2 336 540", bcr="—", payback="2026")
    address = page.url
    mark_window(page)

    block = open_cost_form(page)
    expect(page.locator("section#business-case")).to_have_count(1)  # swapped, not nested
    page.locator("#id_form-0-year").fill("2026")
    page.locator("#id_form-0-kind").select_option(CostKind.INVESTMENT)
    page.locator("#id_form-0-planned").fill("1 000 000")
    page.locator("#id_form-0-payer").select_option(label=own_department.name)
    save_button(block).click()

    expect(block.get_by_role("status")).to_have_text(shown("The cost lines were saved."))
    expect(block.get_by_role("heading", name=shown("Costs and business case"))).to_be_visible()
    expect_figures(block, npv="1 336 540", bcr="2,34", payback="2027")
    expect(case_row(block, 2026).locator("td")).to_have_text(
        ["1 000 000", "0", "1 000 000", "—", "500 000", "0", "-500 000", "-500 000"]
    )
    expect(case_row(block, 2027)).to_have_class("payback")
    expect(case_row(block, 2027).locator("td").last).to_have_text("0")
    block.locator("details summary").click()
    expect(block.locator("details tbody tr")).to_have_count(1)
    expect(block.locator("details tbody tr td")).to_have_text(
        ["2026", shown("Investment"), "1 000 000", "—", own_department.name, ""]
    )
    # The chart is drawn again after the swap (static/js/charts.js on htmx:afterSettle).
    expect(block.locator("#chart-business-case svg.main-svg").first).to_be_attached(timeout=15_000)
    expect(page.locator("section#business-case")).to_have_count(1)
    assert page.url == address
    assert_not_reloaded(page)
    line = CostLine.objects.get(initiative=initiative)
    assert (line.year, line.kind, line.planned, line.payer_id) == (
        2026,
        CostKind.INVESTMENT,
        1_000_000,
        own_department.pk,
    )
    assert Initiative.objects.get(pk=initiative.pk).budget == 1_000_000

    # Saved, not only shown: a fresh load shows the same, without the message.
    page.reload()
    block = page.locator("#business-case")
    expect_figures(block, npv="1 336 540", bcr="2,34", payback="2027")
    expect(case_row(block, 2026).locator("td").first).to_have_text("1 000 000")
    expect(block.get_by_role("status")).to_have_count(0)
    expect(overview_figure(page, "Budget (SEK)")).to_have_text("1 000 000")
    wait_for_charts(page)
    assert console_errors == []


def test_a_bad_amount_is_shown_at_its_field_and_the_line_is_finished_from_the_keyboard(
    log_in, page: Page, head, own_department, initiative
):
    log_in(head)
    open_initiative(page, initiative)
    mark_window(page)
    block = open_cost_form(page)
    page.locator("#id_form-0-year").fill("2026")
    page.locator("#id_form-0-kind").select_option(CostKind.INVESTMENT)
    page.locator("#id_form-0-planned").fill("tusen")
    page.locator("#id_form-0-payer").select_option(label=own_department.name)
    page.locator("#id_form-0-note").fill("behåll mig")
    save_button(block).click()

    planned = page.locator("#id_form-0-planned")
    error = page.locator("#id_form-0-planned_error")
    expect(error).to_have_text(shown("Enter a whole number."))
    # Next to its field: in the same cell, and tied to the field for a screen reader.
    expect(planned.locator("xpath=ancestor::td[1]").locator(".field-error")).to_have_text(
        shown("Enter a whole number.")
    )
    expect(planned).to_have_attribute("aria-invalid", "true")
    expect(planned).to_have_attribute(
        "aria-describedby", re.compile(r"\bid_form-0-planned_error\b")
    )
    # What was typed is kept, the bad amount included.
    expect(planned).to_have_value("tusen")
    expect(page.locator("#id_form-0-year")).to_have_value("2026")
    expect(page.locator("#id_form-0-kind")).to_have_value(CostKind.INVESTMENT)
    expect(page.locator("#id_form-0-payer")).to_have_value(str(own_department.pk))
    expect(page.locator("#id_form-0-note")).to_have_value("behåll mig")
    assert_not_reloaded(page)
    assert not CostLine.objects.filter(initiative=initiative).exists()

    # The summary takes focus (static/js/app.js); from there the keyboard alone finishes the
    # line: Tab to the amount, past the table's scrolling box, the year and the kind.
    summary = block.locator(".error-summary")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    expect(block.locator(".table-scroll")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#id_form-0-year")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#id_form-0-kind")).to_be_focused()
    page.keyboard.press("Tab")
    expect(planned).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("1 000 000")
    page.keyboard.press("Enter")

    expect(block.get_by_role("status")).to_have_text(shown("The cost lines were saved."))
    expect_figures(block, npv="1 336 540", bcr="2,34", payback="2027")
    assert_not_reloaded(page)
    line = CostLine.objects.get(initiative=initiative)
    assert (line.planned, line.note) == (1_000_000, "behåll mig")


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def test_a_head_opens_the_form_and_adds_a_line_with_the_keyboard_only(
    log_in, page: Page, head, own_department, initiative
):
    log_in(head)
    open_initiative(page, initiative)
    mark_window(page)
    page.get_by_role("link", name=shown("Edit the cost lines")).focus()
    page.keyboard.press("Enter")
    block = page.locator("#business-case")
    heading = block.get_by_role("heading", name=shown("Edit the cost lines"))
    # Focus moves to the form's heading once htmx has settled the swap (static/js/app.js) ...
    expect(heading).to_be_focused()

    # ... so it stays where the user works: the next Tab leads into the form, not past it.
    page.keyboard.press("Tab")
    expect(block.locator("form :focus")).to_have_count(1)
    year = page.locator("#id_form-0-year")
    for _ in range(3):  # at most the heading, the table's scrolling box, then the first line
        if is_focused(year):
            break
        page.keyboard.press("Tab")
    expect(year).to_be_focused()
    page.keyboard.type("2026")
    page.keyboard.press("Tab")
    expect(page.locator("#id_form-0-kind")).to_be_focused()
    page.keyboard.type(shown("Investment")[:3])  # a closed select picks the option typed
    page.keyboard.press("Tab")
    page.keyboard.type("1 000 000")
    page.keyboard.press("Tab")  # past the actual amount, left blank
    page.keyboard.press("Tab")
    expect(page.locator("#id_form-0-payer")).to_be_focused()
    page.keyboard.type(own_department.name[:3])
    page.keyboard.press("Tab")
    expect(page.locator("#id_form-0-payer_other")).to_be_focused()
    expect(page.locator("#id_form-0-kind")).to_have_value(CostKind.INVESTMENT)
    expect(page.locator("#id_form-0-planned")).to_have_value("1 000 000")
    expect(page.locator("#id_form-0-payer")).to_have_value(str(own_department.pk))
    page.keyboard.press("Enter")  # submits the form from a text field

    expect(block.get_by_role("status")).to_have_text(shown("The cost lines were saved."))
    expect_figures(block, npv="1 336 540", bcr="2,34", payback="2027")
    assert_not_reloaded(page)
    assert CostLine.objects.get(initiative=initiative).planned == 1_000_000


def test_removing_a_line_removes_it_and_lowers_the_budget_in_the_overview(
    log_in, page: Page, head, initiative
):
    save_lines(
        initiative,
        head,
        (2026, CostKind.INVESTMENT, 1_000_000),
        (2027, CostKind.INVESTMENT, 200_000),
    )
    log_in(head)
    block = open_initiative(page, initiative)
    expect(overview_figure(page, "Budget (SEK)")).to_have_text("1 200 000")
    block = open_cost_form(page)
    # The saved lines in order of year, then the two empty ones.
    expect(page.locator("#id_form-0-year")).to_have_value("2026")
    expect(page.locator("#id_form-1-year")).to_have_value("2027")
    expect(page.locator("#id_form-1-planned")).to_have_value("200000")
    page.locator("#id_form-1-DELETE").check()
    save_button(block).click()

    expect(block.get_by_role("status")).to_have_text(shown("The cost lines were saved."))
    block.locator("details summary").click()
    expect(block.locator("details tbody tr")).to_have_count(1)
    expect(block.locator("details tbody tr td").first).to_have_text("2026")
    expect(case_row(block, 2027).locator("td").first).to_have_text("0")
    assert [line.year for line in CostLine.objects.filter(initiative=initiative)] == [2026]

    page.reload()
    expect(overview_figure(page, "Budget (SEK)")).to_have_text("1 000 000")
    expect_figures(page.locator("#business-case"), npv="1 336 540", bcr="2,34", payback="2027")


def test_the_business_case_and_the_cost_lines_form_have_no_wcag_violations(
    log_in, page: Page, head, initiative
):
    save_lines(initiative, head, (2026, CostKind.INVESTMENT, 1_000_000))
    found: dict[str, list[dict]] = {}
    log_in(head)
    open_initiative(page, initiative)
    wait_for_charts(page)
    scan(page, "initiative page with its business case", found)

    block = open_cost_form(page)
    scan(page, "the cost lines form, swapped in", found)

    page.locator("#id_form-1-year").fill("2027")
    page.locator("#id_form-1-planned").fill("tusen")
    save_button(block).click()
    expect(block.locator(".error-summary")).to_be_visible()
    scan(page, "the cost lines form with errors", found)

    page.goto(f"/initiatives/{initiative.ref}/costs/")
    expect(page.locator("main h1")).to_be_visible()
    scan(page, "the cost lines page of its own", found)

    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"


PAGE_WIDTH = "() => document.documentElement.scrollWidth"


def test_on_a_phone_the_tables_and_the_form_scroll_in_their_own_boxes(
    log_in, page: Page, head, initiative
):
    save_lines(initiative, head, (2026, CostKind.INVESTMENT, 1_000_000))
    page.set_viewport_size(PHONE)
    log_in(head)
    block = open_initiative(page, initiative)
    wait_for_charts(page)
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]

    # The year-by-year table is wider than the phone: it scrolls in a named box the keyboard
    # reaches, and its last column can be brought into view.
    table = block.get_by_test_id("business-case-table")
    box = table.locator("xpath=..")
    expect(box).to_have_attribute("role", "region")
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_css("overflow-x", "auto")
    assert box.evaluate("box => box.scrollWidth > box.clientWidth")
    last = case_row(block, 2026).locator("td").last
    expect(last).not_to_be_in_viewport()
    box.focus()
    for _ in range(40):  # the arrow keys scroll the focused box, 40 px a press
        if box.evaluate("box => box.scrollLeft + box.clientWidth >= box.scrollWidth - 1"):
            break
        page.keyboard.press("ArrowRight")
    expect(last).to_be_in_viewport()
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]

    block = open_cost_form(page)
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    form_box = block.locator(".table-scroll")
    expect(form_box).to_have_attribute("role", "region")
    expect(form_box).to_have_attribute("tabindex", "0")
    assert form_box.evaluate("box => box.scrollWidth > box.clientWidth")
    # Each field, the last column's too, comes into view when it takes focus.
    remove = page.locator("#id_form-0-DELETE")
    remove.focus()
    expect(remove).to_be_in_viewport()
    remove.check()
    save = save_button(block)
    save.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
    save.click()
    expect(block.get_by_role("status")).to_have_text(shown("The cost lines were saved."))
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    assert not CostLine.objects.filter(initiative=initiative).exists()
