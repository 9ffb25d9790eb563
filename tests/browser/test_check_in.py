import re

from playwright.sync_api import Locator, Page, expect

from initiatives.models import Health, ProgressUpdate
from tests.browser.conftest import assert_not_reloaded, mark_window, shown
from tests.conftest import make_initiative


def check_in_row(page: Page, ref: str) -> Locator:
    """The initiative's row, found by its link: re-resolves to the new row after a swap."""
    return page.locator("ul.check-in > li").filter(
        has=page.locator(f"h2 a[href='/initiatives/{ref}/']")
    )


def test_a_head_posts_an_update_inline_and_only_that_row_is_swapped(
    log_in, page: Page, console_errors, head, own_department, own_initiative
):
    neighbour = make_initiative(own_department, ref="DIG-2026-009", title="E-arkiv")
    log_in(head)
    page.goto("/initiatives/check-in/")
    mark_window(page)
    row = check_in_row(page, own_initiative.ref)
    expect(row).to_have_class(re.compile(r"\boverdue\b"))

    row.locator("summary").click()
    row.locator(f"input[type=radio][value='{Health.AMBER}']").check()
    row.locator("textarea[name$='-summary']").fill("Ten kitchens live.")
    row.locator("textarea[name$='-next_steps']").fill("Ten more in May.")
    row.locator("form button[type=submit]").click()

    expect(row.locator(".posted")).to_have_text(shown("Update posted."))
    expect(row.locator(".health-amber")).to_have_text(shown(Health.AMBER.label))
    expect(row).not_to_have_class(re.compile(r"\boverdue\b"))
    expect(row.locator("details")).not_to_have_attribute("open", "")
    # The neighbouring row was left alone.
    expect(check_in_row(page, neighbour.ref)).to_have_class(re.compile(r"\boverdue\b"))
    assert_not_reloaded(page)
    update = ProgressUpdate.objects.get(initiative=own_initiative)
    assert (update.health, update.summary, update.author) == (
        Health.AMBER,
        "Ten kitchens live.",
        head,
    )
    assert console_errors == []


def test_a_check_in_row_id_has_no_thousand_separator(log_in, page: Page, head, own_department):
    initiative = make_initiative(own_department, pk=123456, ref="DIG-2026-456")
    log_in(head)
    page.goto("/initiatives/check-in/")

    expect(check_in_row(page, initiative.ref)).to_have_id("check-in-123456", timeout=1_000)


def test_the_office_filters_its_check_in_without_a_page_load(
    log_in, page: Page, console_errors, office, portfolio, own_department
):
    log_in(office)
    page.goto("/initiatives/check-in/")
    cards = page.locator("ul.check-in > li h2")
    expect(cards).to_have_count(4)
    expect(page.locator("#check-in-results")).to_contain_text("Freed kitchen hours")
    mark_window(page)

    page.locator("form#check-in-filter select[name=department]").select_option(
        str(own_department.pk)
    )

    expect(cards).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"[?&]department={own_department.pk}(&|$)"))
    page.locator("form#check-in-filter select[name=kind]").select_option("pilot")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("DIG-2026-003")
    # The benefits due follow the filter: the school milk robot's is not among them now.
    expect(page.locator("#check-in-results")).not_to_contain_text("Freed kitchen hours")
    # A card still posts its update in place after the filter.
    row = check_in_row(page, "DIG-2026-003")
    row.locator("summary").click()
    row.locator(f"input[type=radio][value='{Health.GREEN}']").check()
    row.locator("textarea[name$='-summary']").fill("The bot answers.")
    row.locator("form button[type=submit]").click()
    expect(row.locator(".posted")).to_have_text(shown("Update posted."))
    assert_not_reloaded(page)
    assert console_errors == []


def test_a_head_is_offered_only_their_own_departments_on_the_check_in(
    log_in, page: Page, head, portfolio, own_department
):
    log_in(head)
    page.goto("/initiatives/check-in/")
    options = page.locator("form#check-in-filter select[name=department] option")
    expect(options).to_have_count(2)  # "All departments" and their own
    expect(options.nth(1)).to_have_attribute("value", str(own_department.pk))
    expect(page.locator("ul.check-in > li h2")).to_have_count(2)


def test_the_filtered_check_in_has_no_wcag_violations(
    log_in, page: Page, office, portfolio, own_department
):
    # Imported here: test_accessibility imports check_in_row from this module.
    from tests.browser.test_accessibility import readable, wcag_violations

    log_in(office)
    found = {}
    for path in ["/initiatives/check-in/?stage=pilot",
                 f"/initiatives/check-in/?department={own_department.pk}&q=nothing"]:  # fmt: skip
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        violations = wcag_violations(page)
        if violations:
            found[path] = violations
    assert not found, readable(found)
