"""The office creates, renames and merges departments in the browser; each page passes the
WCAG 2.1 AA scan."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from initiatives.models import Initiative
from organisation.models import Department
from tests.browser.conftest import shown
from tests.browser.test_accessibility import readable, wcag_violations
from tests.conftest import make_initiative


def test_the_office_creates_renames_and_merges_a_department(
    log_in, page: Page, console_errors, office, head, own_department, other_department
):
    initiative = make_initiative(own_department, title="Skolmjölksroboten")
    found: dict[str, list[dict]] = {}
    log_in(office)

    page.goto("/organisation/departments/")
    expect(page.locator("#department-table")).to_contain_text("Utbildningsförvaltningen")
    if violations := wcag_violations(page):
        found["list"] = violations

    # Create: a code already used (in another letter case) is refused in place, input kept.
    page.get_by_role("link", name=shown("New department")).click()
    page.locator("#id_name").fill("Kulturförvaltningen")
    page.locator("#id_code").fill("utb")
    page.locator("#department-form button[type=submit]").click()
    expect(page.locator("#department-form .errorlist")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Kulturförvaltningen")
    if violations := wcag_violations(page):
        found["form with an error"] = violations
    page.locator("#id_code").fill("kul")
    page.locator("#department-form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Kulturförvaltningen")
    assert Department.objects.get(name="Kulturförvaltningen").code == "KUL"

    # Rename: the change history on the department's page says who changed what.
    page.locator("#id_name").fill("Kultur- och fritidsförvaltningen")
    page.locator("#department-form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Kultur- och fritidsförvaltningen")
    expect(page.locator("ol.history li").first).to_contain_text(office.get_full_name())
    expect(page.locator("ol.history li").first).to_contain_text("Kulturförvaltningen")
    if violations := wcag_violations(page):
        found["department page"] = violations

    # Merge UTB into TK: choose, see what will move, confirm.
    page.goto(f"/organisation/departments/{own_department.pk}/")
    page.get_by_role("link", name=shown("Merge into another department")).click()
    page.locator("#id_target").select_option(str(other_department.pk))
    page.get_by_role("button", name=shown("Show what will move")).click()
    expect(page.locator("#merge-initiatives")).to_have_text("1")
    expect(page.locator("#merge-members")).to_have_text("1")
    assert Initiative.objects.get(pk=initiative.pk).department == own_department
    if violations := wcag_violations(page):
        found["merge confirm"] = violations
    page.locator("form.form-actions button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/organisation/departments/{other_department.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Trafikkontoret")
    expect(page.locator("ol.history li").first).to_contain_text("Utbildningsförvaltningen")
    assert Initiative.objects.get(pk=initiative.pk).department == other_department
    assert Department.objects.get(pk=own_department.pk).is_archived
    assert head in other_department.members.all()

    assert not found, readable(found)
    # The refused code's 422 shows in the console as a failed resource load; nothing else may.
    assert [error for error in console_errors if "422" not in error] == []
