"""axe-core scans of the main pages, limited to the WCAG 2.1 A and AA rules.

One test walks several pages and reports every page's violations together, so that a failure shows
all the work to do at once (and the suite stays fast: one login, one data set).
"""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.test_check_in import check_in_row

WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

axe = Axe()

# Known app bugs, reported and tracked, left out of the scans so the rest stays strict. Each one has
# a strict xfail test that starts to pass (and so fails the suite) once the app is fixed: then
# delete its entry here and the xfail marker there.
# Rule id → target pattern of violations accepted as known bugs; keep it empty.
KNOWN_APP_BUGS: dict[str, re.Pattern] = {}


def without_known_app_bugs(violations: list[dict]) -> list[dict]:
    """The violations minus the nodes of KNOWN_APP_BUGS (only those rules, only those targets)."""
    kept = []
    for violation in violations:
        known = KNOWN_APP_BUGS.get(violation["id"])
        nodes = [
            node
            for node in violation["nodes"]
            if not (known and known.match(" ".join(map(str, node["target"]))))
        ]
        if nodes:
            kept.append({**violation, "nodes": nodes})
    return kept


def wait_for_charts(page: Page) -> None:
    """Wait until plotly has drawn every benefit chart on the page (static/js/charts.js).

    Longer than the 3 s a step may take elsewhere: the first chart of a page waits for plotly's
    3.5 MB script to be parsed, which took over 3 s on a busy CI machine."""
    charts = page.locator("div.chart")
    for index in range(charts.count()):
        expect(charts.nth(index).locator("svg.main-svg").first).to_be_attached(timeout=15_000)


def wcag_violations(page: Page) -> list[dict]:
    # Open every <details> first, so the forms folded inside them are scanned too; those the
    # page loads when opened (htmx) are in once the network is quiet.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.wait_for_load_state("networkidle")
    return without_known_app_bugs(axe.run(page, options=WCAG_21_AA).response["violations"])


def readable(found: dict[str, list[dict]]) -> str:
    """Rule, impact, help and the offending elements, page by page."""
    lines = []
    for where, violations in found.items():
        lines.append(f"\n== {where}")
        for violation in violations:
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']}"
                f" <{violation['helpUrl']}>"
            )
            for node in violation["nodes"]:
                lines.append(f"  - {' '.join(map(str, node['target']))}: {node['html'][:160]}")
                for line in (node.get("failureSummary") or "").splitlines():
                    lines.append(f"      {line}")
    return "\n".join(lines)


def scan(page: Page, where: str, found: dict[str, list[dict]]) -> None:
    violations = wcag_violations(page)
    if violations:
        found[where] = violations


def test_the_login_page_has_no_wcag_violations(page: Page, office):
    found: dict[str, list[dict]] = {}
    page.goto("/accounts/login/")
    expect(page.locator("#id_username")).to_be_visible()
    scan(page, "login", found)

    page.locator("#id_username").fill(office.username)
    page.locator("#id_password").fill("not-the-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    scan(page, "login with a wrong password", found)

    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"


def test_the_portfolio_pages_have_no_wcag_violations(log_in, page: Page, office, portfolio):
    found: dict[str, list[dict]] = {}
    log_in(office)
    for where, path in [
        ("list", "/initiatives/"),
        ("filtered and sorted list", "/initiatives/?stage=pilot&sort=-budget"),
        ("detail", "/initiatives/DIG-2026-001/"),
        ("edit", "/initiatives/DIG-2026-001/edit/"),
        ("stage change", "/initiatives/DIG-2026-001/stage/"),
        ("check-in", "/initiatives/check-in/"),
    ]:
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        wait_for_charts(page)
        scan(page, f"{where} {path}", found)

    # Forms that came back with errors, swapped in by htmx.
    page.goto("/initiatives/DIG-2026-001/edit/")
    page.locator("#id_title").fill("")
    page.locator("#id_planned_end").fill("2025-01-01")
    page.locator("#initiative-form button[type=submit]").click()
    expect(page.locator("#initiative-form .error-summary")).to_be_visible()
    scan(page, "edit with errors", found)

    page.goto("/initiatives/check-in/")
    row = check_in_row(page, portfolio["chatbot"].ref)
    row.locator("summary").click()
    row.locator("form button[type=submit]").click()  # empty, so it comes back with errors
    expect(row.locator(".error-summary")).to_be_visible()
    scan(page, "check-in row with errors", found)

    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"
