"""Decisions with their evidence, in a browser: the office reads what a stage proposal rests on and
approves it with the registry number and the minutes; a saved prioritisation decision gets its
minutes afterwards. Both pages pass an axe scan and fit a phone."""

import re

from playwright.sync_api import Page, expect

from initiatives.models import StageChange
from portfolio.models import Decision
from tests.browser.conftest import shown
from tests.browser.test_accessibility import readable, wcag_violations

MINUTES = "https://example.se/ks/2026-11-24/protokoll.pdf"


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_office_reads_the_evidence_and_approves_with_registry_number_and_minutes(
    log_in, page: Page, console_errors, office, portfolio
):
    schools = portfolio["schools"]
    change = StageChange.objects.get(initiative=schools, status="proposed")
    log_in(office)
    page.goto("/initiatives/stage-proposals/")
    proposal = page.locator(f"#proposal-{change.pk}")
    evidence = proposal.locator("section.evidence")

    # What the decision rests on, beside the form.
    expect(evidence.locator("[data-testid=latest-update]")).to_contain_text("Ten kitchens live.")
    expect(evidence.locator(".health-green")).to_have_text(shown("Green"))
    expect(evidence.locator("[data-testid=spend]")).to_contain_text("250")
    expect(evidence.get_by_role("row").filter(has_text="Freed kitchen hours")).to_contain_text(
        re.compile(r"150\D+400", re.DOTALL)
    )
    expect(evidence).to_contain_text("Talk to the kitchen staff first.")
    found = {}
    violations = wcag_violations(page)
    if violations:
        found["proposals"] = violations

    form = proposal.locator("form.decision-form")
    form.get_by_label(shown("Approve")).check()
    form.get_by_label(shown("Comment")).fill("Scale to all forty kitchens.")
    form.get_by_label(shown("Registry number")).fill("KS 2026/123")
    form.get_by_label(shown("Link to the minutes")).fill(MINUTES)
    form.get_by_role("button", name=shown("Record decision")).click()

    expect(page).to_have_url(re.compile(r"/initiatives/stage-proposals/$"))
    expect(page.locator(".messages")).to_contain_text(shown("The decision was recorded."))
    expect(page.locator(f"#proposal-{change.pk}")).to_have_count(0)
    change.refresh_from_db()
    assert (change.status, change.registry_number, change.minutes_url) == (
        "approved",
        "KS 2026/123",
        MINUTES,
    )

    page.goto(schools.get_absolute_url())
    history = page.locator("section[aria-labelledby=stages-heading]")
    expect(history).to_contain_text("KS 2026/123")
    expect(history.get_by_role("link", name=shown("Minutes"))).to_have_attribute("href", MINUTES)
    violations = wcag_violations(page)
    if violations:
        found["initiative after the decision"] = violations
    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"
    assert console_errors == []


def test_the_proposals_page_fits_a_phone(log_in, page: Page, office, portfolio):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(office)
    page.goto("/initiatives/stage-proposals/")
    expect(page.locator("section.evidence")).to_have_count(1)
    assert fits(page)


def test_the_office_adds_the_minutes_to_a_saved_decision(
    log_in, page: Page, console_errors, office
):
    decision = Decision.objects.create(
        comment="The executive committee's priorities for 2027.",
        weights={"Välfärd": 1.0},
        ranking=[],
        created_by=office,
    )
    log_in(office)
    page.goto(decision.get_absolute_url())
    form = page.locator("#decision-record form")
    form.get_by_label(shown("Link to the minutes")).fill("javascript:alert(1)")
    form.get_by_role("button").click()
    expect(form.locator(".errorlist")).to_contain_text(
        shown("Use a web address starting with https:// or http://.")
    )
    found = {}
    violations = wcag_violations(page)
    if violations:
        found["decision with an error"] = violations

    form = page.locator("#decision-record form")
    form.get_by_label(shown("Registry number")).fill("KS 2026/123")
    form.get_by_label(shown("Link to the minutes")).fill(MINUTES)
    form.get_by_role("button").click()
    expect(page.locator("[data-testid=registry-number]")).to_have_text("KS 2026/123")
    expect(page.locator("[data-testid=minutes] a")).to_have_attribute("href", MINUTES)
    expect(page.locator(".decision-record-changes li")).to_have_count(1)
    violations = wcag_violations(page)
    if violations:
        found["decision with its minutes"] = violations
    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"
    # The refused link's 422 is the one failed request.
    assert [e for e in console_errors if "422" not in e] == []
