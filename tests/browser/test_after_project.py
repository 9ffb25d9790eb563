"""Benefits after the project in a browser: the office closes an initiative as completed and hands
its benefits over to line management; a line manager without a role measures and reviews them on
My benefits, also with the keyboard only; the pages pass an axe scan and fit a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation
from playwright.sync_api import Locator, Page, expect

from benefits import services
from benefits.models import FOLLOW_UP_AT_LEAST, Benefit, Measurement, Realisation
from initiatives.models import Outcome, Stage
from tests.benefits.factories import make_benefit, measure
from tests.browser.conftest import assert_not_reloaded, mark_window, shown
from tests.browser.test_accessibility import readable, scan
from tests.conftest import make_initiative, make_user


def days_from_today(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def shown_plural(singular: str, plural: str, count: int, **values) -> str:
    """A {% blocktranslate count counter=… %} text as the site renders it."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.ngettext(singular, plural, count) % {"counter": count, **values}


def short_date(date: dt.date) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return formats.date_format(date, "SHORT_DATE_FORMAT")


def fits(page: Page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def person(user) -> str:
    return user.get_full_name() or user.username


def handover_fieldset(page: Page, benefit: Benefit) -> Locator:
    return page.locator(f"fieldset#handover-{benefit.pk}")


@pytest.fixture
def line_manager(db):
    """A benefit owner in line management, without any role."""
    return make_user(None, username="linjechef")


@pytest.fixture
def running(own_department, head):
    """An initiative in operation with two benefits: one owned by the head, one without owner."""
    initiative = make_initiative(
        own_department, ref="DIG-2026-020", title="E-arkiv för skolorna", stage=Stage.OPERATION
    )
    hours = make_benefit(initiative, title="Freed staff hours", owner=head)
    measure(hours, days_from_today(-100), 150, by=head)
    calls = make_benefit(initiative, title="Fewer phone calls", unit="calls/year")
    return {"initiative": initiative, "hours": hours, "calls": calls}


@pytest.fixture
def handed_over(own_department, office, line_manager):
    """A benefit of an initiative closed as completed, handed over to the line manager, whose
    follow-up period is over (the closing review is due); measured once 100 days ago."""
    initiative = make_initiative(
        own_department,
        ref="DIG-2026-030",
        title="Digital närvaro",
        stage=Stage.CLOSED,
        outcome=Outcome.COMPLETED,
    )
    benefit = make_benefit(initiative, title="Fewer absence calls", owner=line_manager)
    measure(benefit, days_from_today(-100), 100, by=office)
    services.handover(
        initiative=initiative,
        entries=[
            services.HandOver(
                benefit_id=benefit.pk,
                owner_id=line_manager.pk,
                follow_up_until=timezone.localdate(),
            )
        ],
        by=office,
    )
    return benefit


def test_the_office_closes_as_completed_and_hands_the_benefits_over(
    log_in, page: Page, console_errors, office, head, line_manager, running
):
    initiative, hours, calls = running["initiative"], running["hours"], running["calls"]
    found: dict[str, list[dict]] = {}
    log_in(office)
    page.goto(initiative.get_absolute_url())
    page.get_by_role("link", name=shown("Change stage"), exact=True).click()
    page.get_by_label(shown("New stage")).select_option(Stage.CLOSED)
    page.get_by_label(shown("Outcome (when closing)")).select_option(Outcome.COMPLETED)
    page.locator("#id_reason").fill("Every school uses it.")
    page.get_by_role("button", name=shown("Change stage")).click()

    expect(page).to_have_url(re.compile(rf"/benefits/handover/{initiative.ref}/$"))
    expect(page.locator("main h1")).to_contain_text(shown("Benefit hand-over"))
    expect(page.locator("main fieldset.card")).to_have_count(2)
    # The benefit owner set on the benefit is proposed; the other has none yet.
    expect(page.locator(f"#id_b{hours.pk}-owner")).to_have_value(str(head.pk))
    expect(page.locator(f"#id_b{calls.pk}-owner")).to_have_value("")
    scan(page, "hand-over", found)

    # Too short a follow-up: after the target date, but less than a year from today.
    too_short = days_from_today(300)
    hours_box = handover_fieldset(page, hours)
    hours_box.get_by_label(shown("Benefit owner")).select_option(label=person(line_manager))
    hours_box.get_by_label(shown("Follow up until")).fill(too_short.isoformat())
    handover_fieldset(page, calls).get_by_label(shown("Benefit owner")).select_option(
        label=person(head)
    )
    page.get_by_role("button", name=shown("Hand the benefits over")).click()

    expect(page.locator(f"#id_b{hours.pk}-follow_up_until_error")).to_have_text(
        shown("Follow the benefit up for at least a year: until %(date)s or later.")
        % {"date": short_date(timezone.localdate() + FOLLOW_UP_AT_LEAST)}
    )
    expect(page.locator(".error-summary")).to_have_count(1)  # only the one benefit's
    expect(page.locator(f"#id_b{hours.pk}-owner")).to_have_value(str(line_manager.pk))
    expect(page.locator(f"#id_b{hours.pk}-follow_up_until")).to_have_value(too_short.isoformat())
    expect(page.locator(f"#id_b{calls.pk}-owner")).to_have_value(str(head.pk))
    assert not Benefit.objects.filter(initiative=initiative, handed_over_at__isnull=False).exists()
    scan(page, "hand-over with an error", found)

    until = days_from_today(400)
    handover_fieldset(page, hours).get_by_label(shown("Follow up until")).fill(until.isoformat())
    page.get_by_role("button", name=shown("Hand the benefits over")).click()

    expect(page).to_have_url(re.compile(rf"/initiatives/{initiative.ref}/#after-project$"))
    after = page.locator("#after-project")
    expect(after.get_by_role("heading")).to_have_text(shown("After the project"))
    expect(after).to_contain_text(
        shown_plural(
            "%(counter)s is followed up after the project.",
            "%(counter)s are followed up after the project.",
            2,
        )
    )
    expect(after.get_by_role("link", name=shown("Hand the benefits over"))).to_have_count(0)
    for benefit in (hours, calls):
        expect(page.locator(f"#benefit-{benefit.pk} .follow-up .badge")).to_have_text(
            shown("Followed up after the project")
        )
    hours.refresh_from_db()
    calls.refresh_from_db()
    assert (hours.owner, hours.follow_up_until, hours.handed_over_by) == (
        line_manager,
        until,
        office,
    )
    assert (calls.owner, calls.follow_up_until) == (head, calls.default_follow_up_until())
    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"
    # The refused hand-over's 422 is the one failed request.
    assert [error for error in console_errors if "422" not in error] == []


def test_a_second_hand_over_is_refused_and_shows_what_the_first_decided(
    log_in, page: Page, office, head, line_manager, running
):
    initiative, hours, calls = running["initiative"], running["hours"], running["calls"]
    initiative.stage, initiative.outcome = Stage.CLOSED, Outcome.COMPLETED
    initiative.save()
    log_in(office)
    page.goto(f"/benefits/handover/{initiative.ref}/")
    handover_fieldset(page, calls).get_by_label(shown("Benefit owner")).select_option(
        label=person(head)
    )
    # Someone else hands the hours over while the form is open.
    services.handover(
        initiative=initiative,
        entries=[
            services.HandOver(
                benefit_id=hours.pk, owner_id=line_manager.pk, follow_up_until=days_from_today(500)
            )
        ],
        by=office,
    )
    page.get_by_role("button", name=shown("Hand the benefits over")).click()

    expect(page.locator(".error-summary[role=alert]")).to_contain_text("Freed staff hours")
    expect(handover_fieldset(page, hours)).to_contain_text(person(line_manager))
    expect(handover_fieldset(page, hours).locator("select")).to_have_count(0)
    expect(page.locator(f"#id_b{calls.pk}-owner")).to_have_value(str(head.pk))
    calls.refresh_from_db()
    assert calls.handed_over_at is None


def test_a_line_manager_measures_and_ends_the_follow_up_on_my_benefits(
    log_in, page: Page, console_errors, line_manager, handed_over
):
    benefit = handed_over
    found: dict[str, list[dict]] = {}
    log_in(line_manager)

    expect(page).to_have_url(re.compile(r"/benefits/mine/$"))
    nav = page.get_by_role("navigation", name=shown("Main"))
    expect(nav.get_by_role("link")).to_have_count(1)
    expect(nav.get_by_role("link")).to_have_text(shown("My benefits"))
    expect(page.get_by_role("link", name=shown("Notifications"))).to_be_visible()
    row = page.locator(f"#benefit-{benefit.pk}")
    expect(row.locator(".badge")).to_have_text(shown("Followed up after the project"))
    expect(row.locator(".overdue-label", has_text=shown("Closing review due"))).to_have_count(1)
    scan(page, "my benefits", found)

    # The scan opened every <details>: the form is showing.
    mark_window(page)
    measured_on = days_from_today(-10)
    expect(row.locator("details")).to_have_attribute("open", "")
    row.locator(f"#id_m{benefit.pk}-date").fill(measured_on.isoformat())
    row.locator(f"#id_m{benefit.pk}-value").fill("300")
    row.get_by_role("button", name=shown("Save measurement")).click()

    row = page.locator(f"#benefit-{benefit.pk}")
    expect(row.locator(".posted")).to_have_text(shown("Measurement recorded."))
    expect(row.locator(".facts")).to_contain_text(short_date(measured_on))
    expect(row.locator(".facts")).to_contain_text("300")
    assert_not_reloaded(page)
    assert Measurement.objects.get(benefit=benefit, date=measured_on).value == 300

    row.get_by_role("link", name=shown("End the follow-up: closing measurement and review")).click()
    expect(page).to_have_url(re.compile(rf"/benefits/{benefit.pk}/review/$"))
    scan(page, "closing review", found)

    # Without saying whether or why: the errors, and what was typed is kept.
    page.get_by_label(shown("Date of the closing measurement")).fill(
        timezone.localdate().isoformat()
    )
    page.get_by_label(shown("Closing value")).fill("320")
    page.locator("#id_note").fill("From the absence system.")
    page.get_by_role("button", name=shown("End the follow-up")).click()

    expect(page.locator("#id_outcome_error")).to_have_text(
        shown("Say whether the benefit was realised.")
    )
    expect(page.locator("#id_review_text_error")).to_have_text(
        shown("Say in a sentence or two why.")
    )
    expect(page.get_by_label(shown("Closing value"))).to_have_value("320")
    expect(page.locator("#id_note")).to_have_value("From the absence system.")
    assert Benefit.objects.get(pk=benefit.pk).reviewed_at is None
    scan(page, "closing review with errors", found)

    # The rest with the keyboard only: from the note, Tab into the radios, Space, an arrow, Tab
    # to the reason, type it, Tab to the button and Enter.
    page.locator("#id_note").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#id_outcome_0")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#id_outcome_0")).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label(shown("Partly realised"))).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("#id_review_text")).to_be_focused()
    page.keyboard.type("Two of three schools use it; the third kept phoning.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=shown("End the follow-up"))).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/benefits/mine/$"))
    expect(page.locator(".messages")).to_contain_text(
        shown("The follow-up of the benefit has ended. Thank you.")
    )
    expect(page.locator(f"#benefit-{benefit.pk}")).to_have_count(0)
    benefit.refresh_from_db()
    assert benefit.review_outcome == Realisation.PARTLY
    assert benefit.review_text == "Two of three schools use it; the third kept phoning."
    assert (benefit.reviewed_by, benefit.closing_measurement.value) == (line_manager, 320)
    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"
    # The refused review's 422 is the one failed request.
    assert [error for error in console_errors if "422" not in error] == []


def test_the_hand_over_page_and_my_benefits_fit_a_phone(
    log_in, page: Page, office, line_manager, running, handed_over
):
    page.set_viewport_size({"width": 390, "height": 844})
    initiative = running["initiative"]
    initiative.stage, initiative.outcome = Stage.CLOSED, Outcome.COMPLETED
    initiative.save()
    log_in(office)
    page.goto(initiative.get_absolute_url())
    # While benefits wait, the initiative page leads to the hand-over.
    page.locator("#after-project").get_by_role("link", name=shown("Hand the benefits over")).click()
    expect(page).to_have_url(re.compile(rf"/benefits/handover/{initiative.ref}/$"))
    expect(page.locator("main fieldset.card")).to_have_count(2)
    assert fits(page), "the hand-over page scrolls sideways at 390 px"
    page.get_by_role("button", name=shown("Hand the benefits over")).click()  # an owner missing
    expect(page.locator(".error-summary")).to_have_count(1)
    assert fits(page), "the hand-over page with an error scrolls sideways at 390 px"

    page.context.clear_cookies()
    log_in(line_manager)
    expect(page).to_have_url(re.compile(r"/benefits/mine/$"))
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    expect(page.locator(f"#id_m{handed_over.pk}-value")).to_be_visible()
    assert fits(page), "My benefits scrolls sideways at 390 px"
