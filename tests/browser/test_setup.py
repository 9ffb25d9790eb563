"""The first-run setup in a real browser, without JavaScript help: every step, back and next, a
template download, the finish; an axe scan of every step page (and of its error state)."""

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from benefits.models import PortfolioSetting
from organisation.models import Department, Organisation
from portfolio.models import CouncilGoal
from tests.browser.conftest import PASSWORD, shown
from tests.browser.test_accessibility import readable, scan
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name=shown("Save and continue")).click()


def test_a_new_office_sets_up_the_portfolio_step_by_step_and_every_page_passes_axe(
    log_in, page: Page, office, console_errors
):
    found: dict[str, list[dict]] = {}
    log_in(office)
    page.goto("/portfolio/setup/")
    expect(page).to_have_url(re.compile(r"/portfolio/setup/organisation/$"))
    expect(page.locator("main h1")).to_have_text(shown("The organisation"))
    scan(page, "step 1: name", found)
    save_and_continue(page)  # empty: refused, with the message
    expect(page.locator(".error-summary")).to_be_visible()
    scan(page, "step 1 with an error", found)
    page.get_by_label(shown("Name of the organisation")).fill("Umeå kommun")
    save_and_continue(page)

    expect(page.locator("main h1")).to_have_text(shown("Departments"))
    scan(page, "step 2: departments", found)
    box = page.get_by_label(shown("Departments, one per line"))
    box.fill("Utbildningsförvaltningen\tUTB\nSocialförvaltningen\nsocialförvaltningen\n")
    page.get_by_role("button", name=shown("Preview")).click()
    expect(page.locator("main table").last).to_contain_text(
        shown("Line %(number)s:") % {"number": 3}
    )
    expect(box).to_have_value(
        "Utbildningsförvaltningen\tUTB\nSocialförvaltningen\nsocialförvaltningen\n"
    )
    scan(page, "step 2 with bad lines", found)
    box.fill("Utbildningsförvaltningen\tUTB\nSocialförvaltningen\n")
    page.get_by_role("button", name=shown("Preview")).click()
    expect(page.locator("main table").last).to_contain_text("SOC")
    scan(page, "step 2 preview", found)
    save_and_continue(page)

    expect(page.locator("main h1")).to_have_text(shown("Council goals"))
    scan(page, "step 3: goals", found)
    page.get_by_role("link", name=shown("Back")).click()  # back shows what was saved
    expect(page.locator("main h1")).to_have_text(shown("Departments"))
    expect(page.locator("main table").first).to_contain_text("Socialförvaltningen")
    save_and_continue(page)  # nothing typed: keeps them and goes on
    page.get_by_label("En grön och fossilfri stad").check()
    page.get_by_role("group", name=shown("Your own goal %(row)s") % {"row": 1}).get_by_label(
        shown("Title")
    ).fill("Digitalt först")
    save_and_continue(page)

    expect(page.locator("main h1")).to_have_text(shown("Hourly rate"))
    scan(page, "step 4: hourly rate", found)
    page.get_by_role("textbox", name=re.compile(shown("Hourly rate"), re.I)).fill("520")
    save_and_continue(page)

    expect(page.locator("main h1")).to_have_text(shown("Import the register"))
    expect(page.locator("main")).to_contain_text(
        shown("Setting up the portfolio: step %(number)s of %(total)s") % {"number": 5, "total": 5}
    )
    scan(page, "step 5: import", found)
    with page.expect_download() as download:
        page.get_by_role("link", name=shown("Benefits (XLSX)"), exact=True).click()
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert workbook.sheetnames[0] == "benefits"
    page.get_by_role("link", name=shown("Go to the import page")).click()
    expect(page.locator("main h1")).to_have_text(shown("Import from Excel or CSV"))
    scan(page, "import page with templates", found)
    page.get_by_role("link", name=shown("Back to the setup")).click()
    page.get_by_role("button", name=shown("Finish the setup")).click()
    expect(page.locator(".messages")).to_contain_text(
        shown("The setup is finished. Welcome to the portfolio.")
    )

    organisation = Organisation.current()
    assert organisation.name == "Umeå kommun" and organisation.setup_completed_at is not None
    assert sorted(Department.objects.values_list("code", flat=True)) == ["SOC", "UTB"]
    assert list(CouncilGoal.objects.values_list("title", flat=True)) == [
        "En grön och fossilfri stad",
        "Digitalt först",
    ]
    assert PortfolioSetting.current().hourly_rate == 520
    assert not found, readable(found)
    # The refused forms' 422 shows in the console as a failed resource load; nothing else may.
    assert [error for error in console_errors if "422" not in error] == []


def test_the_page_for_everyone_else_passes_axe(browser: Browser, live_server, db):
    executive = make_user("executive")
    page = browser.new_page(base_url=live_server.url)
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(executive.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=shown("Log in"), exact=True).click()
    page.goto("/portfolio/setup/waiting/")
    expect(page.locator("main h1")).to_have_text(shown("The portfolio is being set up"))
    found: dict[str, list[dict]] = {}
    scan(page, "setup pending", found)
    page.close()
    assert not found, readable(found)
