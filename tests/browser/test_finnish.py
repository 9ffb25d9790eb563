"""Finnish, chosen in the header like Swedish and English: the dashboard's text, its charts'
plotly locale and number format, and a WCAG scan of the Finnish page, at 1280 and 390 px."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import readable, scan
from tests.browser.test_dashboard import DASHBOARD, axis_ticks, expect_charts_drawn, plotly_locale

# The charts the shared portfolio fixture has data for (it scores no initiative against a goal).
CHARTS = ["funnel", "timeline", "departments"]
FINNISH_MONTHS = ("tammi", "helmi", "maalis", "huhti", "touko", "kesä",
                  "heinä", "elo", "syys", "loka", "marras", "joulu")  # fmt: skip


def switch_to_finnish(page: Page) -> None:
    page.locator("header").get_by_role("button", name="Suomi").click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")


def test_the_header_switches_the_dashboard_to_finnish_with_finnish_charts(
    log_in, page: Page, console_errors, executive, portfolio
):
    log_in(executive)
    page.goto(DASHBOARD)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("header button[lang=fi]")).to_have_text("Suomi")

    switch_to_finnish(page)

    expect(page).to_have_url(re.compile(re.escape(DASHBOARD) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitä salkku tuottaa")
    expect(page.get_by_role("link", name="Koontinäkymä")).to_be_visible()
    expect(page.get_by_role("heading", name="Ideasta tuotantoon")).to_be_visible()
    # The other two languages are offered, each named in its own language.
    expect(page.locator("header button[lang=sv]")).to_have_text("Svenska")
    expect(page.locator("header button[lang=en]")).to_have_text("English")
    expect(page.locator("header button[lang=fi]")).to_have_count(0)

    expect_charts_drawn(page, CHARTS)
    assert plotly_locale(page) == "fi"
    assert page.evaluate("document.getElementById('chart-timeline')._fullLayout.separators") == (
        ", "
    )
    ticks = " ".join(axis_ticks(page, "x"))
    assert any(month in ticks for month in FINNISH_MONTHS), ticks

    found: dict[str, list[dict]] = {}
    scan(page, "dashboard in Finnish", found)
    assert found == {}, readable(found)

    # And back: Swedish from the same header.
    page.locator("header").get_by_role("button", name="Svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect_charts_drawn(page, CHARTS)
    assert plotly_locale(page) == "sv"
    assert console_errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_the_language_switch_fits_the_header(log_in, page: Page, executive, portfolio, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(executive)
    page.goto(DASHBOARD)
    switch_to_finnish(page)
    for language in ("sv", "en"):
        button = page.locator(f"header button[lang={language}]")
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    header = page.locator("header").first.bounding_box()
    assert header is not None and header["width"] <= width
