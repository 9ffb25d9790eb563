"""The main pages fit a 1,280-pixel screen and a 390-pixel phone, in Swedish and English.

For each page, with the demo city loaded and the office logged in: the page itself never scrolls
sideways (document.documentElement.scrollWidth <= innerWidth + 1), and every table either fits
its box or sits in a box of its own that scrolls (overflow-x auto or scroll), can be reached with
the keyboard (tabindex="0") and has a name, so that a keyboard user can scroll it too. At 1,280
pixels no table needs to scroll at all (the optional columns of the register and the ranking are
left out by default for that; see portfolio/columns.py).

Each page is saved as a full-page PNG screenshot in the test's temporary directory (printed with
`-s`; pytest keeps the last three runs' directories), to be looked at. The whole walk takes
about a minute.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from initiatives.demo import DEMO_PASSWORD, load_demo
from initiatives.models import Initiative
from notifications import rules
from tests.browser.test_accessibility import wait_for_charts

# LAYOUT_PAGES=goals,ranking runs only those pages, to look at them while working on them.
ONLY = {name for name in os.environ.get("LAYOUT_PAGES", "").split(",") if name}

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}

# Tables that may scroll inside their box on a 1,280-pixel screen, because scrolling is their
# point; keep it empty unless a table really has more columns than a screen holds.
MAY_SCROLL_ON_DESKTOP: set[tuple[str, str]] = set()

MEASURE = r"""() => {
  const root = document.documentElement;
  const tables = [];
  document.querySelectorAll("main table").forEach((table, index) => {
    if (!table.getClientRects().length) { return; }  // not rendered
    const box = table.parentElement;
    const style = getComputedStyle(box);
    const caption = table.querySelector("caption");
    const region = box.getAttribute("aria-label") || box.getAttribute("aria-labelledby");
    tables.push({
      name: table.id || (caption && caption.textContent.trim()) || `table ${index + 1}`,
      width: Math.ceil(table.getBoundingClientRect().width),
      room: box.clientWidth,
      scrolls: style.overflowX === "auto" || style.overflowX === "scroll",
      focusable: box.tabIndex >= 0,
      named: Boolean(region),
    });
  });
  // What reaches past the window's right edge, for the message (outermost first).
  const wide = [];
  const clipped = element => {
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") { return true; }
    }
    return false;
  };
  if (root.scrollWidth > window.innerWidth + 1) {
    for (const element of document.body.querySelectorAll("*")) {
      const right = element.getBoundingClientRect().right;
      if (right > window.innerWidth + 1 && !wide.some(outer => outer.contains(element))
          && !clipped(element)) {
        wide.push(element);
      }
    }
  }
  const describe = element => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
    + (element.className && typeof element.className === "string"
       ? "." + element.className.trim().split(/\s+/).join(".") : "")
    + ` (${Math.round(element.getBoundingClientRect().right)} px)`;
  return {scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, tables: tables,
          wide: wide.slice(0, 5).map(describe)};
}"""


def main_pages() -> dict[str, str]:
    """The pages the office uses every week, with an initiative that has benefits and a plan."""
    initiative = (
        Initiative.objects.filter(benefits__measurements__isnull=False).order_by("ref").first()
    )
    return {
        "start": reverse("portfolio:start"),
        "dashboard": reverse("portfolio:dashboard"),
        "initiatives": reverse("initiatives:list"),
        "initiative": initiative.get_absolute_url(),
        "check-in": reverse("initiatives:check_in"),
        "benefits": reverse("benefits:register"),
        "ranking": reverse("portfolio:ranking"),
        "goals": reverse("portfolio:goals"),
        "proposals": reverse("initiatives:proposals"),
        "import": reverse("portfolio:import"),
        "departments": reverse("organisation:departments"),
        "users": reverse("organisation:users"),
        "notifications": reverse("notifications:list"),
        "calibration": reverse("benefits:calibration"),
    }


def problems_of(where: str, measured: dict, *, desktop: bool, name: str) -> list[str]:
    found = []
    if measured["scrollWidth"] > measured["innerWidth"] + 1:
        found.append(
            f"{where}: the page is {measured['scrollWidth']} px wide in a "
            f"{measured['innerWidth']} px window; too wide: {', '.join(measured['wide'])}"
        )
    for table in measured["tables"]:
        if table["width"] <= table["room"] + 1:
            continue
        what = f"{where}: table “{table['name']}” is {table['width']} px in {table['room']} px"
        if desktop and (name, table["name"]) not in MAY_SCROLL_ON_DESKTOP:
            found.append(f"{what} (no table needs to scroll at 1280 px)")
        elif not table["scrolls"]:
            found.append(f"{what} and its box does not scroll")
        elif not (table["focusable"] and table["named"]):
            found.append(f"{what}; its scrolling box needs tabindex=0 and a name")
    return found


@pytest.fixture
def demo_office(page: Page, live_server) -> Page:
    """The demo city, with its office (kontoret) logged in."""
    load_demo()
    rules.collect()  # what the office is told, as after the first reminder run
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("kontoret")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("form[action$='/logout/']")).to_be_attached()
    return page


@pytest.mark.parametrize("language", ["sv", "en", "fi"])
def test_the_main_pages_fit_a_desktop_and_a_phone(
    demo_office: Page, live_server, tmp_path_factory, language: str
):
    """One logged-in page walks every page in both sizes (about 25 loads) in one language, and
    reports every problem at once; one test per language, so the workers share them."""
    page = demo_office
    problems: list[str] = []
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    shots: Path = tmp_path_factory.mktemp(f"layout-{language}")
    print(f"\nScreenshots: {shots}")
    for viewport_name, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for name, path in main_pages().items():
            if ONLY and name not in ONLY:
                continue
            page.goto(f"{live_server.url}{path}")
            expect(page.locator("html")).to_have_attribute("lang", language)
            wait_for_charts(page)
            page.screenshot(path=shots / f"{viewport['width']}-{name}.png", full_page=True)
            # Open the folded tables (the numbers beside the charts) and the column choice:
            # they have to fit as well once opened. (Folds that load their content when
            # opened hold forms, not tables.)
            page.evaluate(
                "document.querySelectorAll('main details').forEach(d => {"
                " if (d.querySelector('table, fieldset')) { d.open = true; } })"
            )
            where = f"{name} ({language}, {viewport['width']} px)"
            measured = page.evaluate(MEASURE)
            desktop = viewport_name == "desktop"
            problems += problems_of(where, measured, desktop=desktop, name=name)
    assert problems == [], "\n".join(problems)
