import re

from django.utils.text import capfirst
from playwright.sync_api import Page, expect

from initiatives import services
from initiatives.models import Initiative, Stage, StageChange
from tests.browser.conftest import assert_not_reloaded, mark_window, shown
from tests.browser.test_accessibility import wcag_violations


def test_a_head_edits_the_title_and_sees_it_on_the_detail_page(
    log_in, page: Page, console_errors, head, own_initiative
):
    log_in(head)
    page.goto(f"/initiatives/{own_initiative.ref}/edit/")

    page.locator("#id_title").fill("Skolmjölksroboten 2.0")
    page.locator("#initiative-form button[type=submit]").click()

    # htmx follows the HX-Redirect with a full navigation to the detail page.
    expect(page).to_have_url(re.compile(rf"/initiatives/{own_initiative.ref}/$"))
    expect(page.locator("h1")).to_contain_text("Skolmjölksroboten 2.0")
    expect(page.locator(".messages")).to_have_text(shown("Your changes were saved."))
    assert Initiative.objects.get(pk=own_initiative.pk).title == "Skolmjölksroboten 2.0"

    # The change history is loaded when opened, here from the keyboard.
    history = page.locator("#change-history")
    expect(history).not_to_contain_text("Skolmjölksroboten 2.0")
    page.wait_for_load_state("load")  # htmx starts once the deferred scripts have run
    mark_window(page)
    page.get_by_text(shown("Show who changed what, and when")).focus()
    page.keyboard.press("Enter")
    expect(history.locator("ol.history li").first).to_contain_text(head.get_full_name())
    expect(history.locator("table").first).to_contain_text("Skolmjölksroboten 2.0")
    assert_not_reloaded(page)
    assert console_errors == []


def test_a_head_opens_the_update_form_and_posts_an_update_without_a_page_load(
    log_in, page: Page, console_errors, head, own_initiative
):
    log_in(head)
    page.goto(f"/initiatives/{own_initiative.ref}/")
    section = page.locator("#progress-updates")
    expect(section.locator("textarea")).to_have_count(0)  # the form comes when opened
    mark_window(page)

    section.get_by_text(shown("Post a progress update")).click()
    section.locator("#id_summary").fill("Upphandlingen klar.")
    section.locator("input[name=health][value=amber]").check()
    section.get_by_role("button", name=shown("Post update")).click()

    expect(section.locator(".posted")).to_have_text(shown("Update posted."))
    expect(section.locator("ol.timeline li")).to_have_count(1)
    expect(section.locator("ol.timeline li").first).to_contain_text("Upphandlingen klar.")
    expect(page.locator("section#progress-updates")).to_have_count(1)  # swapped, not nested
    assert_not_reloaded(page)
    assert own_initiative.progress_updates.get().summary == "Upphandlingen klar."
    assert console_errors == []


def test_an_end_before_the_start_shows_the_error_inline_and_keeps_the_typed_title(
    log_in, page: Page, head, own_initiative
):
    log_in(head)
    page.goto(f"/initiatives/{own_initiative.ref}/edit/")
    mark_window(page)

    page.locator("#id_title").fill("Skolmjölksroboten 2.0")
    page.locator("#id_planned_start").fill("2026-06-01")
    page.locator("#id_planned_end").fill("2026-03-01")
    page.locator("#initiative-form button[type=submit]").click()

    error = page.locator("#id_planned_end_error")
    expect(error).to_have_text(shown("The planned end cannot be before the planned start."))
    expect(page.locator("#id_planned_end")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_title")).to_have_value("Skolmjölksroboten 2.0")
    expect(page.locator("#id_planned_start")).to_have_value("2026-06-01")
    expect(page).to_have_url(re.compile(rf"/initiatives/{own_initiative.ref}/edit/$"))
    assert_not_reloaded(page)
    assert Initiative.objects.get(pk=own_initiative.pk).title == "Skolmjölksroboten"


def test_the_error_summary_takes_focus_after_an_invalid_edit(
    log_in, page: Page, head, own_initiative
):
    log_in(head)
    page.goto(f"/initiatives/{own_initiative.ref}/edit/")

    page.locator("#id_title").fill("")
    page.locator("#initiative-form button[type=submit]").click()

    # So that a screen reader announces the errors (static/js/app.js).
    expect(page.locator("#initiative-form .error-summary")).to_be_focused()


def test_the_office_moves_an_idea_to_pilot_and_sees_it_in_the_stage_history(
    log_in, page: Page, console_errors, office, own_initiative
):
    log_in(office)
    page.goto(f"/initiatives/{own_initiative.ref}/stage/")

    page.locator("select[name=to_stage]").select_option(Stage.PILOT)
    page.locator("textarea[name=reason]").fill("The business case holds up.")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/initiatives/{own_initiative.ref}/$"))
    overview = page.locator("section[aria-labelledby=overview-heading]")
    expect(overview.locator(".facts dd").first).to_have_text(shown(Stage.PILOT.label))
    history_rows = page.locator("section[aria-labelledby=stages-heading] tbody tr")
    expect(history_rows).to_have_count(1)
    expect(history_rows.first).to_contain_text(
        f"{shown(Stage.IDEA.label)} → {shown(Stage.PILOT.label)}"
    )
    expect(history_rows.first).to_contain_text("The business case holds up.")
    expect(history_rows.first).to_contain_text(office.get_full_name())
    assert StageChange.objects.get(initiative=own_initiative).to_stage == Stage.PILOT
    assert console_errors == []


def save_meanwhile(initiative: Initiative, by, **values) -> None:
    """Someone else saves the initiative while the form is open in the browser."""
    saved = Initiative.objects.get(pk=initiative.pk)
    services.initiative_update(initiative=saved, values=values, opened_version=saved.version, by=by)


def test_an_edit_saved_after_someone_else_s_save_merges_both(
    log_in, page: Page, console_errors, office, head, own_initiative
):
    log_in(head)
    page.goto(f"/initiatives/{own_initiative.ref}/edit/")
    save_meanwhile(own_initiative, office, title="Skolmjölksroboten (kontoret)")

    page.locator("#id_tags").fill("RPA, skola")
    page.locator("#initiative-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/initiatives/{own_initiative.ref}/$"))
    merged = shown(
        "Someone else saved this initiative while you were editing. Your changes were saved, "
        "and theirs were kept: %(fields)s."
    ) % {"fields": capfirst(shown("title"))}
    expect(page.locator(".messages")).to_have_text(merged)
    expect(page.locator("h1")).to_contain_text("Skolmjölksroboten (kontoret)")
    saved = Initiative.objects.get(pk=own_initiative.pk)
    assert (saved.title, saved.tags) == ("Skolmjölksroboten (kontoret)", "RPA, skola")
    assert console_errors == []


def test_a_field_both_changed_waits_for_a_choice_in_place(
    log_in, page: Page, office, head, own_initiative
):
    log_in(head)
    page.goto(f"/initiatives/{own_initiative.ref}/edit/")
    save_meanwhile(own_initiative, office, title="Kontorets titel")
    page.wait_for_load_state("load")
    mark_window(page)

    page.locator("#id_title").fill("Min titel")
    page.locator("#id_summary").fill("Min sammanfattning")
    page.locator("#initiative-form button[type=submit]").click()

    choice = page.locator("#id_choose_title")
    expect(choice).to_contain_text("Kontorets titel")
    expect(choice).to_contain_text("Min titel")
    expect(page.locator("#id_summary")).to_have_value("Min sammanfattning")
    assert_not_reloaded(page)
    assert wcag_violations(page) == []

    # Saving again without choosing is refused, and keeps what was typed.
    page.locator("#initiative-form button[type=submit]").click()
    expect(page.locator("#id_choose_title_error")).to_have_text(
        shown("Choose which value to keep.")
    )
    expect(page.locator("#id_summary")).to_have_value("Min sammanfattning")
    assert_not_reloaded(page)
    assert Initiative.objects.get(pk=own_initiative.pk).title == "Kontorets titel"

    page.locator("input[name=choose_title][value=yours]").check()
    page.locator("#initiative-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/initiatives/{own_initiative.ref}/$"))
    saved = Initiative.objects.get(pk=own_initiative.pk)
    assert (saved.title, saved.summary) == ("Min titel", "Min sammanfattning")
