import re

from playwright.sync_api import Page, expect

from initiatives.models import Stage
from tests.browser.conftest import assert_not_reloaded, mark_window, shown
from tests.conftest import make_initiative


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
