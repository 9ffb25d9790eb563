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
