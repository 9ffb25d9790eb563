"""Numbers typed in Chromium whatever its own locale: the page's language decides how they read.

"17,4" typed on a Swedish page in an English Chromium became 174 while the field was an
<input type="number">; now it is a text field the server reads in the page's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from benefits.models import Measurement
from tests.benefits.factories import make_benefit
from tests.browser.conftest import PASSWORD
from tests.browser.test_accessibility import readable, scan


@pytest.fixture
def benefit(head, own_initiative):
    return make_benefit(own_initiative, owner=head, unit="min per case")


@pytest.fixture
def page_in(browser: Browser, live_server) -> Iterator[Callable[[str, str], Page]]:
    """A page in a Chromium with the given locale, showing the site in the given language."""
    contexts = []

    def open_page(locale: str, language: str) -> Page:
        context = browser.new_context(locale=locale, base_url=live_server.url)
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def log_in(page: Page, user) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def record(page: Page, benefit, value: str) -> None:
    page.goto(f"/benefits/{benefit.pk}/measurements/")
    field = page.locator(f"#id_m{benefit.pk}-value")
    expect(field).to_have_attribute("inputmode", "decimal")
    field.fill(value)
    expect(field).to_have_value(value)  # the browser keeps what was typed as it is
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page.locator(f"#id_m{benefit.pk}-date").fill(yesterday.isoformat())
    page.locator(f"#measure-{benefit.pk} button[type=submit]").click()


@pytest.mark.parametrize("locale", ["en-US", "sv-SE"])
@pytest.mark.parametrize("language,typed", [("sv", "17,4"), ("en", "17.4")])
def test_a_measurement_typed_in_the_pages_language_is_stored_as_it_reads(
    page_in, head, benefit, locale, language, typed
):
    page = page_in(locale, language)
    log_in(page, head)
    record(page, benefit, typed)
    page.wait_for_url(lambda url: "/initiatives/" in url)
    assert Measurement.objects.get(benefit=benefit).value == Decimal("17.4")


@pytest.mark.parametrize("locale", ["en-US", "sv-SE"])
def test_a_decimal_comma_on_an_english_page_is_refused_with_a_message_and_nothing_stored(
    page_in, head, benefit, locale
):
    page = page_in(locale, "en")
    log_in(page, head)
    record(page, benefit, "17,4")
    expect(page.get_by_text("“17,4” can be read in two ways")).to_be_visible()
    expect(page.locator(f"#id_m{benefit.pk}-value")).to_have_value("17,4")
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_pages_with_number_fields_have_no_wcag_violations(
    page_in, office, own_initiative, benefit, language
):
    found: dict[str, list[dict]] = {}
    page = page_in("en-US", language)
    log_in(page, office)
    for where, path in [
        ("measurement", f"/benefits/{benefit.pk}/measurements/"),
        ("benefit", f"/benefits/{benefit.pk}/edit/"),
        ("new initiative", "/initiatives/new/"),
        ("cost lines", f"/initiatives/{own_initiative.ref}/costs/"),
        ("hourly rate", "/benefits/settings/"),
    ]:
        page.goto(path)
        expect(page.locator("form input[inputmode]").first).to_be_visible()
        scan(page, f"{where} ({language})", found)
    page.goto(f"/benefits/{benefit.pk}/measurements/")
    page.locator(f"#id_m{benefit.pk}-value").fill("1.234,5")
    page.locator(f"#measure-{benefit.pk} button[type=submit]").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    scan(page, f"measurement with an error ({language})", found)
    assert not found, readable(found)
