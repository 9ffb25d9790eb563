"""Browser tests: the system Chromium, driven by pytest-playwright, against pytest-django's
live server.

Every test here is marked `browser`; run only these with `pytest tests/browser` or `-m browser`,
or leave them out with `-m "not browser"`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import timezone, translation
from playwright.sync_api import ConsoleMessage, Error, Page, expect

from benefits.models import Frequency
from initiatives import services
from initiatives.models import Health, Initiative, Kind, LessonKind, Stage
from organisation.permissions import ROLES
from tests.benefits.factories import make_benefit, measure
from tests.conftest import make_department, make_initiative, make_lesson, make_update

HERE = Path(__file__).resolve().parent
PASSWORD = "secret-pass-123"  # what tests.conftest.make_user sets
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Playwright's default, 5 s a step: CI runs two browsers beside two test workers on two cores, and a
# full page load after a POST took over 3 s there once (the edit-merge test, December 2026).
expect.set_options(timeout=5_000)


def shown(text: str) -> str:
    """The text as the site renders it: Swedish by default, English until a translation exists."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(str(text))


def mark_window(page: Page) -> None:
    """Set a mark on window that a full page load would wipe."""
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded, not swapped by htmx"


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    """Mark this folder's tests `browser` (before `-m` selects) and run them after all the others.

    After the others, because from the first browser test on, Playwright's event loop stays
    "running" in the test thread until the session ends (so the ORM needs
    DJANGO_ALLOW_ASYNC_UNSAFE), and because live_server's transactional tests empty every table,
    the role groups included, after each test.
    """
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
    yield  # pytest-django's and pytest's own reordering, `-m` and `-k` selection
    ours = [item for item in items if item.path.is_relative_to(HERE)]
    items[:] = [item for item in items if not item.path.is_relative_to(HERE)] + ours


@pytest.fixture(scope="session", autouse=True)
def _chromium_is_installed() -> None:
    """Skip the browser tests without Chromium on a laptop; fail them in CI, where it must exist."""
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return
    message = (
        f"Chromium not found at {CHROMIUM}. Install it with `apt-get install -y chromium`, "
        "or point CHROMIUM_PATH at a Chromium binary (never `playwright install`)."
    )
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    """Let the ORM run in the test thread while Playwright's sync API keeps its loop running there.

    Set for the browser tests only, not at import: a subprocess started by another test would
    inherit it (`manage.py check --deploy` warns about it, and a test asserts no warnings).
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    # One Chromium for the whole session (pytest-playwright's `browser` is session-scoped).
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Lets tests write page.goto("/initiatives/")."""
    return live_server.url


@pytest.fixture(autouse=True)
def role_groups(transactional_db) -> None:
    """The role groups, which a data migration creates.

    live_server needs a transactional database, and pytest-django empties every table after each
    transactional test: from the second browser test on, the groups are gone unless made again.
    """
    for name in ROLES:
        Group.objects.get_or_create(name=name)


@pytest.fixture
def log_in(page: Page) -> Callable[[User], Page]:
    """Log a user in through the real login page, as a person would."""

    def log_in_as(user: User) -> Page:
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name=shown("Log in"), exact=True).click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
        return page

    return log_in_as


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions on the page; a CSP violation shows up here."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_page_error(error: Error) -> None:
        errors.append(f"uncaught: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return errors


@pytest.fixture
def portfolio(office, head, executive, own_department, other_department) -> dict:
    """A realistic portfolio: initiatives in every stage, updates, lessons, stage changes.

    The school milk robot has a measured benefit (leaving the pilot needs that evidence), measured
    monthly and last 40 days ago, so it is also due for a measurement on the check-in page.
    """
    schools = make_initiative(
        own_department,
        ref="DIG-2026-001",
        title="Skolmjölksroboten",
        summary="Automate the milk orders of forty school kitchens.",
        kind=Kind.RPA,
        owner=head,
        budget=250_000,
        planned_start=dt.date(2026, 1, 15),
        planned_end=dt.date(2026, 12, 31),
        tags="RPA, schools",
    )
    lights = make_initiative(
        other_department,
        ref="DIG-2026-002",
        title="Smarta trafikljus",
        kind=Kind.IOT,
        stage=Stage.SCALING,
        budget=1_200_000,
    )
    chatbot = make_initiative(
        own_department,
        ref="DIG-2026-003",
        title="Chatbot för vårdnadshavare",
        kind=Kind.PILOT,
        stage=Stage.PILOT,
        hypothesis="Half of the phone questions can be answered by the bot.",
        stop_criteria="Fewer than one in five answers are right.",
    )
    e_service = make_initiative(
        make_department("Socialförvaltningen", "SOC"),
        ref="DIG-2026-004",
        title="E-tjänst för färdtjänst",
        kind=Kind.ESERVICE,
        stage=Stage.OPERATION,
    )
    make_update(schools, head, days_ago=40, health=Health.AMBER, summary="Supplier delayed.")
    make_update(
        schools,
        head,
        days_ago=3,
        health=Health.GREEN,
        summary="Ten kitchens live.",
        next_steps="Ten more in May.",
        blockers="None.",
    )
    make_update(lights, office, days_ago=10, health=Health.RED, summary="Sensors failing.")
    make_update(chatbot, head, days_ago=5, health=Health.AMBER, summary="Training the model.")
    make_lesson(schools, head)
    make_lesson(schools, head, kind=LessonKind.ADVICE, text="Talk to the kitchen staff first.")
    hours = make_benefit(
        schools,
        title="Freed kitchen hours",
        owner=head,
        valued_at_hourly_rate=True,
        frequency=Frequency.MONTHLY,
    )
    measure(hours, timezone.localdate() - dt.timedelta(days=100), 80, by=head)
    measure(hours, timezone.localdate() - dt.timedelta(days=40), 150, by=head)
    services.stage_change(
        initiative=schools, to_stage=Stage.PILOT, reason="The business case holds.", by=office
    )
    services.stage_propose(
        initiative=Initiative.objects.get(pk=schools.pk),
        to_stage=Stage.SCALING,
        reason="Ten kitchens run it without trouble.",
        by=head,
    )
    return {
        "schools": schools,
        "lights": lights,
        "chatbot": chatbot,
        "e_service": e_service,
        "hours": hours,
    }
