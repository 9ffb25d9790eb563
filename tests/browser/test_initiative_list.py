import re

from django.conf import settings
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from initiatives.models import Outcome, Stage
from tests.browser.conftest import assert_not_reloaded, mark_window, shown
from tests.browser.test_accessibility import readable, wcag_violations
from tests.conftest import make_initiative


def shown_in(context: str, text: str) -> str:
    """A text with a translation context, as the site renders it (Swedish by default)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.pgettext(context, text)


def test_a_user_logs_in_and_sees_the_initiative_list(
    log_in, page: Page, console_errors, head, own_initiative, other_initiative
):
    log_in(head)
    # A department head lands on their check-in, and opens the list from the navigation.
    expect(page).to_have_url(re.compile(r"/initiatives/check-in/$"))
    page.get_by_role("navigation").get_by_role(
        "link", name=shown("Initiatives"), exact=True
    ).click()

    expect(page).to_have_url(re.compile(r"/initiatives/$"))
    expect(page.locator("h1")).to_have_text(shown("Initiatives"))
    rows = page.locator("#initiative-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("DIG-2026-001")
    expect(rows.nth(0)).to_contain_text("Skolmjölksroboten")
    expect(rows.nth(1)).to_contain_text("Smarta trafikljus")
    assert console_errors == []


def test_filtering_by_stage_swaps_the_table_without_a_page_load(
    log_in, page: Page, console_errors, office, own_department, own_initiative
):
    make_initiative(own_department, ref="DIG-2026-010", title="Chatbot", stage=Stage.PILOT)
    make_initiative(own_department, ref="DIG-2026-011", title="AI-tolk", stage=Stage.PILOT)
    make_initiative(own_department, ref="DIG-2026-012", title="E-arkiv", stage=Stage.SCALING)
    log_in(office)
    page.goto("/initiatives/")  # the office lands on its start page
    rows = page.locator("#initiative-table tbody tr")
    expect(rows).to_have_count(4)
    mark_window(page)

    page.locator("form#filter-form select[name=stage]").select_option(Stage.PILOT)

    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("DIG-2026-010")
    expect(rows.nth(1)).to_contain_text("DIG-2026-011")
    expect(page).to_have_url(re.compile(r"[?&]stage=pilot(&|$)"))
    assert_not_reloaded(page)
    assert console_errors == []


def test_typing_in_the_search_box_narrows_the_table_without_a_page_load(
    log_in, page: Page, console_errors, office, own_department, own_initiative
):
    make_initiative(own_department, ref="DIG-2026-010", title="Chatbot för skolan")
    make_initiative(own_department, ref="DIG-2026-011", title="Chatbot för äldreomsorgen")
    log_in(office)
    page.goto("/initiatives/")  # the office lands on its start page
    rows = page.locator("#initiative-table tbody tr")
    expect(rows).to_have_count(3)
    mark_window(page)
    search = page.locator("form#filter-form input[name=q]")

    search.press_sequentially("chatbot")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"[?&]q=chatbot(&|$)"))

    search.press_sequentially(" för skol")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("DIG-2026-010")
    # htmx encodes the space as %20, a plain form submit as +.
    expect(page).to_have_url(re.compile(r"[?&]q=chatbot(\+|%20)f%C3%B6r(\+|%20)skol(&|$)"))
    assert_not_reloaded(page)
    assert console_errors == []


def test_the_first_tab_reaches_the_skip_link_which_moves_focus_to_main(
    log_in, page: Page, office, own_initiative
):
    log_in(office)
    page.goto("/initiatives/")  # the office lands on its start page

    page.keyboard.press("Tab")
    skip_link = page.locator("a.skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_have_attribute("href", "#main")
    expect(skip_link).to_be_in_viewport()  # off-screen until focused, then visible

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    # The next stop is inside main, not back at the top of the header.
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


FITS = """() => {
  const box = document.querySelector("#initiative-table .table-scroll");
  const table = box.querySelector("table");
  return {
    page: document.documentElement.scrollWidth <= window.innerWidth,
    table: table.getBoundingClientRect().width <= box.clientWidth + 1,
  };
}"""


def test_the_list_opens_on_the_open_initiatives_with_its_columns_in_a_1280_px_window(
    log_in, page: Page, console_errors, office, portfolio, own_department
):
    make_initiative(
        own_department, ref="DIG-2026-020", title="Avslutad e-tjänst", stage=Stage.CLOSED,
        outcome=Outcome.COMPLETED,
    )  # fmt: skip
    make_initiative(
        own_department, ref="DIG-2026-021", title="Arkiverad", archived_at=timezone.now()
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(office)
    page.goto("/initiatives/")
    show = page.locator("form#filter-form select[name=show]")
    expect(show).to_have_value("open")
    expect(show.locator("option:checked")).to_have_text(shown_in("initiatives to show", "Open"))
    rows = page.locator("#initiative-table tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#initiative-table")).not_to_contain_text("DIG-2026-020")
    expect(page.locator("#initiative-table")).not_to_contain_text("DIG-2026-021")
    for header in ["Owner", "Stage", "Health", "Last update", "Expected SEK/year",
                   "Realised SEK/year"]:  # fmt: skip
        cell = page.locator("#initiative-table thead th").filter(has_text=shown(header))
        expect(cell).to_be_in_viewport()
    # The school milk robot: its owner, the date of its last update and its money.
    schools = rows.filter(has_text="DIG-2026-001")
    expect(schools).to_contain_text(portfolio["schools"].owner.get_full_name() or "head")
    expect(schools.locator("td").nth(7)).not_to_have_text("—")
    assert page.evaluate(FITS) == {"page": True, "table": True}
    mark_window(page)

    show.select_option("closed")

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("DIG-2026-020")
    expect(rows.first.locator(".health")).to_have_count(0)  # no health colour when closed
    expect(page).to_have_url(re.compile(r"[?&]show=closed(&|$)"))
    show.select_option("all")
    expect(rows).to_have_count(6)
    assert page.evaluate(FITS) == {"page": True, "table": True}
    assert_not_reloaded(page)
    assert console_errors == []


def test_sorting_by_expected_money_puts_the_valued_initiative_first(
    log_in, page: Page, office, portfolio
):
    log_in(office)
    page.goto("/initiatives/")
    page.locator("#initiative-table thead th").filter(has_text=shown("Expected SEK/year")).locator(
        "a"
    ).click()
    expect(page).to_have_url(re.compile(r"[?&]sort=expected_sek(&|$)"))
    page.locator("#initiative-table thead th").filter(has_text=shown("Expected SEK/year")).locator(
        "a"
    ).click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-expected_sek(&|$)"))
    expect(page.locator("#initiative-table tbody tr").first).to_contain_text("DIG-2026-001")


def test_the_filtered_list_has_no_wcag_violations(log_in, page: Page, office, portfolio):
    log_in(office)
    found = {}
    department = portfolio["schools"].department_id
    for path in ["/initiatives/", "/initiatives/?show=all&sort=-expected_sek",
                 f"/initiatives/?show=closed&department={department}&health=none"]:  # fmt: skip
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        violations = wcag_violations(page)
        if violations:
            found[path] = violations
    assert not found, readable(found)
