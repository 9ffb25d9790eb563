"""The API tokens page in a real browser: create one, see it once, use it, revoke it."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import readable, scan

pytestmark = pytest.mark.browser


def test_a_user_creates_uses_and_revokes_a_token_and_the_page_has_no_wcag_violations(
    log_in, page: Page, executive, console_errors, live_server
):
    found: dict[str, list[dict]] = {}
    log_in(executive)
    page.goto("/api/tokens/")
    scan(page, "tokens, none yet", found)
    page.fill("input[name=name]", "Power BI")
    page.locator("form[action$='/api/tokens/'] button[type=submit]").click()
    secret = page.locator("#new-token").input_value().strip()
    assert len(secret) > 30
    scan(page, "tokens, just created", found)
    # The token works from outside the browser session, as Power BI would call it.
    response = page.request.get(
        f"{live_server.url}/api/v1/goals", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status == 200
    page.locator("form[action*='/revoke'] button").first.click()
    expect(page.locator("form[action*='/revoke']")).to_have_count(0)
    revoked = page.request.get(
        f"{live_server.url}/api/v1/goals", headers={"Authorization": f"Bearer {secret}"}
    )
    assert revoked.status == 401
    scan(page, "tokens, revoked", found)
    assert not found, readable(found)
    assert console_errors == []
