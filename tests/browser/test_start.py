"""The office's start page in a browser: reached from the login, and no axe violation."""

import datetime as dt

from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from initiatives.models import StageChange
from portfolio.models import ImportBatch
from tests.browser.test_accessibility import WCAG_21_AA, without_known_app_bugs
from tests.conftest import make_department, make_initiative, make_update, make_user


def test_the_office_lands_on_the_start_page_and_it_passes_an_axe_scan(page: Page, log_in):
    department = make_department()
    office = make_user("office", username="start-office")
    head = make_user("department_head", department)
    pilot = make_initiative(
        department, title="Late pilot", stage="pilot",
        planned_end=timezone.localdate() - dt.timedelta(days=1),
    )  # fmt: skip
    make_update(pilot, head, days_ago=40)
    StageChange.objects.create(
        initiative=pilot, from_stage="pilot", to_stage="scaling", reason="It worked.",
        status="proposed", proposed_by=head,
    )  # fmt: skip
    ImportBatch.objects.create(kind="initiatives", filename="waiting.xlsx", uploaded_by=office)
    log_in(office)
    page.goto("/")
    expect(page).to_have_url("/portfolio/start/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    violations = without_known_app_bugs(Axe().run(page, options=WCAG_21_AA).response["violations"])
    assert violations == []
