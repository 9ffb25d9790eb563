"""The budget selection in the browser (issue 14): a "requires" link kept, the chosen set marked
in the ranking with a summary on top, "only the chosen", ties ordered by a second key, and the
page scanned for WCAG violations."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from portfolio.models import Alignment, CouncilGoal, Decision, Dependency
from tests.browser.conftest import shown
from tests.browser.test_accessibility import readable, scan
from tests.conftest import make_initiative

RANKING = "/portfolio/ranking/"


@pytest.fixture
def goal(db) -> CouncilGoal:
    return CouncilGoal.objects.create(title="Välfärd", weight=Decimal("1"), order=1)


@pytest.fixture
def linked(goal, own_department) -> dict:
    """The booking service scores most but requires the platform, which scores least; the
    school robot scores between them. 600,000 SEK takes the service with the platform, not the
    robot with the platform's money left over."""

    def scored(ref, title, value, budget, **fields):
        initiative = make_initiative(own_department, ref=ref, title=title, budget=budget, **fields)
        Alignment.objects.create(initiative=initiative, goal=goal, score=value)
        return initiative

    platform = scored("DIG-2026-201", "Bokningsplattform", 1, 300_000)
    service = scored("DIG-2026-202", "E-tjänst för bokning", 5, 300_000)
    robot = scored("DIG-2026-203", "Skolroboten", 4, 500_000, cost_to_date=100_000)
    Dependency.objects.create(initiative=service, required=platform)
    return {"platform": platform, "service": service, "robot": robot}


def selected_refs(page: Page) -> list[str]:
    rows = page.locator("#ranking-table tbody tr")
    return rows.evaluate_all(
        "rows => rows.filter(row => row.querySelector('.plan-ok')).map(row => row.dataset.ref)"
    )


def test_a_budget_keeps_the_requires_link_and_marks_the_chosen_set(
    log_in, page: Page, console_errors, office, linked
):
    log_in(office)
    page.goto(RANKING)
    service_row = page.locator("#ranking-table tbody tr[data-ref='DIG-2026-202']")
    expect(service_row).to_contain_text(shown("requires %(ref)s") % {"ref": "DIG-2026-201"})

    budget = page.locator("#ranking-form input[name=budget]")
    budget.fill("600000")
    budget.press("Enter")
    expect(page.locator("[data-testid=budget-summary]")).to_be_visible()
    assert sorted(selected_refs(page)) == ["DIG-2026-201", "DIG-2026-202"]
    expect(page.locator("[data-testid=selection-status]")).to_be_visible()

    # Only the chosen, from the keyboard: the robot leaves the table.
    only = page.locator("#ranking-form input[name=only_chosen]")
    only.focus()
    page.keyboard.press("Space")
    expect(page.locator("#ranking-table tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"only_chosen=on"))
    assert console_errors == []


def test_a_decision_from_the_page_keeps_the_link_and_the_costs(
    log_in, page: Page, console_errors, office, linked
):
    log_in(office)
    page.goto(f"{RANKING}?budget=600000")
    page.locator("textarea[name=comment]").fill("KS valde bokningen med plattformen.")
    page.locator("form[action='/portfolio/decisions/new/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portfolio/decisions/\d+/$"))
    decision = Decision.objects.get()
    assert sorted(decision.selection) == ["DIG-2026-201", "DIG-2026-202"]
    assert decision.selection_method["requires"] == [["DIG-2026-202", "DIG-2026-201"]]
    expect(page.locator("[data-testid=decision-economics]")).to_contain_text("DIG-2026-201")
    assert console_errors == []


def test_ties_follow_the_second_key_chosen(log_in, page: Page, executive, goal, own_department):
    for ref, title, budget in [("DIG-2026-301", "Alfa", 2_000_000),
                               ("DIG-2026-302", "Beta", 500_000)]:  # fmt: skip
        initiative = make_initiative(own_department, ref=ref, title=title, budget=budget)
        Alignment.objects.create(initiative=initiative, goal=goal, score=3)
    log_in(executive)
    page.goto(RANKING)
    rows = page.locator("#ranking-table tbody tr")
    expect(rows.first).to_have_attribute("data-ref", "DIG-2026-301")
    page.locator("#ranking-form select[name=tie_key]").select_option("per_million")
    expect(rows.first).to_have_attribute("data-ref", "DIG-2026-302")
    expect(page.locator("[data-testid=second-key]").first).to_be_visible()
    # The shared rank stays the same.
    expect(rows.nth(0).locator("td").first).to_have_text("1")
    expect(rows.nth(1).locator("td").first).to_have_text("1")


def test_the_budget_selection_has_no_wcag_violations(log_in, page: Page, office, linked):
    found: dict[str, list[dict]] = {}
    log_in(office)
    page.goto(f"{RANKING}?budget=600000&running_years=2&tie_key=npv")
    expect(page.locator("[data-testid=budget-summary]")).to_be_visible()
    scan(page, "ranking with a budget, links and a second key", found)
    page.set_viewport_size({"width": 390, "height": 844})
    scan(page, "ranking with a budget at 390 px", found)
    assert found == {}, readable(found)
