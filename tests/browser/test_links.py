""" "Requires" links and groups of alternatives on the initiative page (issue 14), in a real
Chromium: the office adds a link from the keyboard in place, a bad reference is shown at its
field, and an axe scan of the section, its form and its page of its own."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from initiatives.models import Initiative
from portfolio.models import Alternative, AlternativeGroup, Dependency
from tests.browser.conftest import assert_not_reloaded, mark_window, shown
from tests.browser.test_accessibility import readable, scan
from tests.conftest import make_initiative


@pytest.fixture
def initiatives(own_department, other_department) -> dict[str, Initiative]:
    scaling = make_initiative(
        own_department, ref="DIG-2026-005", title="Öppna miljödata via API", stage="scaling"
    )
    sensors = make_initiative(
        other_department, ref="DIG-2025-011", title="Luftkvalitetssensorer vid skolor",
        stage="pilot",
    )  # fmt: skip
    camera = make_initiative(
        own_department, ref="DIG-2025-003", title="Digital tillsyn i hemtjänsten", stage="pilot"
    )
    return {"scaling": scaling, "sensors": sensors, "camera": camera}


def open_section(page: Page, initiative: Initiative) -> Locator:
    page.goto(initiative.get_absolute_url())
    page.wait_for_load_state("load")  # htmx starts once the deferred scripts have run
    return page.locator("#dependencies")


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def test_the_office_adds_a_requires_link_from_the_keyboard_and_sees_it(
    log_in, page: Page, console_errors, office, initiatives
):
    scaling = initiatives["scaling"]
    log_in(office)
    section = open_section(page, scaling)
    expect(section.get_by_text(shown("It requires no other initiative."))).to_be_visible()
    mark_window(page)

    page.get_by_role("link", name=shown("Edit dependencies and alternatives")).focus()
    page.keyboard.press("Enter")
    heading = section.get_by_role("heading", name=shown("Dependencies and alternatives"))
    expect(heading).to_be_focused()  # the swapped-in form takes focus at its heading
    expect(page.locator("section#dependencies")).to_have_count(1)  # swapped, not nested

    field = page.locator("#id_requires-required")
    for _ in range(6):  # past "Done" to the first field
        if is_focused(field):
            break
        page.keyboard.press("Tab")
    expect(field).to_be_focused()
    page.keyboard.type("DIG-2025-011")
    page.keyboard.press("Enter")

    names = {"ref": "DIG-2026-005", "required": "DIG-2025-011"}
    expect(section.get_by_role("status")).to_have_text(
        shown("%(ref)s now requires %(required)s.") % names
    )
    requires = section.get_by_test_id("requires")
    expect(requires.get_by_role("link", name="DIG-2025-011")).to_be_visible()
    expect(requires).to_contain_text("Luftkvalitetssensorer vid skolor")
    expect(heading).to_be_focused()
    assert_not_reloaded(page)
    assert Dependency.objects.filter(initiative=scaling, required=initiatives["sensors"]).exists()

    # Saved, not only shown: the required one's page says what requires it.
    section = open_section(page, initiatives["sensors"])
    expect(section.get_by_test_id("required-by").get_by_role("link")).to_have_text("DIG-2026-005")
    assert console_errors == []


def test_an_unknown_reference_is_shown_at_its_field_with_what_was_typed(
    log_in, page: Page, office, initiatives
):
    log_in(office)
    section = open_section(page, initiatives["scaling"])
    mark_window(page)
    section.get_by_role("link", name=shown("Edit dependencies and alternatives")).click()
    field = page.locator("#id_requires-required")
    field.fill("DIG-1999-999")
    section.get_by_role("button", name=shown("Add the requirement")).click()

    error = page.locator("#id_requires-required_error")
    expect(error).to_have_text(
        shown("No initiative has the reference “%(ref)s”.") % {"ref": "DIG-1999-999"}
    )
    expect(field).to_have_value("DIG-1999-999")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(section.locator(".error-summary")).to_be_focused()
    assert_not_reloaded(page)
    assert not Dependency.objects.exists()


def test_the_office_puts_two_initiatives_in_a_group(log_in, page: Page, office, initiatives):
    log_in(office)
    section = open_section(page, initiatives["camera"])
    section.get_by_role("link", name=shown("Edit dependencies and alternatives")).click()
    page.locator("#id_group-new_group").fill("Nattlig tillsyn")
    section.get_by_role("button", name=shown("Put it in the group")).click()
    expect(section.get_by_test_id("group")).to_contain_text("Nattlig tillsyn")

    section = open_section(page, initiatives["scaling"])
    section.get_by_role("link", name=shown("Edit dependencies and alternatives")).click()
    page.locator("#id_group-group").select_option(label="Nattlig tillsyn (DIG-2025-003)")
    section.get_by_role("button", name=shown("Put it in the group")).click()
    expect(section.get_by_test_id("group-members").get_by_role("link")).to_have_text("DIG-2025-003")
    group = AlternativeGroup.objects.get()
    assert Alternative.objects.filter(group=group).count() == 2


def test_the_section_and_its_forms_have_no_wcag_violations(log_in, page: Page, office, initiatives):
    Dependency.objects.create(initiative=initiatives["scaling"], required=initiatives["sensors"])
    group = AlternativeGroup.objects.create(name="Nattlig tillsyn")
    Alternative.objects.create(group=group, initiative=initiatives["camera"])
    found: dict[str, list[dict]] = {}
    log_in(office)
    section = open_section(page, initiatives["scaling"])
    scan(page, "initiative page with its dependencies", found)

    section.get_by_role("link", name=shown("Edit dependencies and alternatives")).click()
    expect(page.locator("#id_requires-required")).to_be_visible()
    scan(page, "the dependencies form, swapped in", found)

    section.get_by_role("button", name=shown("Add the requirement")).click()
    expect(section.locator(".error-summary")).to_be_visible()
    section.get_by_role("button", name=shown("Put it in the group")).click()
    expect(page.locator("#id_group-group_error")).to_be_visible()
    scan(page, "the dependencies form with errors", found)

    page.goto(f"/portfolio/initiatives/{initiatives['camera'].ref}/links/")
    expect(page.locator("main h1")).to_be_visible()
    scan(page, "the dependencies page of its own, in a group", found)

    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"
