"""Notifications in a browser: the header's count, the list, marking as read, the settings; axe."""

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Page, expect

from notifications import rules
from tests.browser.conftest import shown
from tests.browser.test_accessibility import WCAG_21_AA, without_known_app_bugs
from tests.conftest import make_department, make_initiative, make_update, make_user


def axe(page: Page) -> list:
    return without_known_app_bugs(Axe().run(page, options=WCAG_21_AA).response["violations"])


def test_a_head_sees_the_count_reads_the_list_and_chooses_weekly(page: Page, log_in):
    department = make_department()
    head = make_user("department_head", department, username="notified-head")
    for title in ("Skolskjuts-RPA", "Digital närvaro"):
        initiative = make_initiative(department, title=title, owner=head)
        make_update(initiative, head, days_ago=45)
    rules.collect()
    log_in(head)
    page.goto("/initiatives/")
    link = page.get_by_role("link", name=shown("Notifications"))
    expect(link).to_contain_text("2")
    link.click()
    expect(page.locator("#notification-list li")).to_have_count(2)
    expect(page.locator("#notification-list")).to_contain_text("Skolskjuts-RPA")
    assert axe(page) == []
    page.locator("#notification-list li").first.get_by_role("button").click()
    expect(page.locator("#notification-list li.unread")).to_have_count(1)
    expect(page.get_by_role("link", name=shown("Notifications"))).to_contain_text("1")

    page.get_by_role("link", name=shown("Choose what you get by e-mail, and how often")).click()
    page.get_by_role("group", name=shown("Progress update overdue")).get_by_label(
        shown("By e-mail once a week")
    ).check()
    assert axe(page) == []
    page.get_by_role("button", name=shown("Save")).click()
    expect(page.locator(".messages")).to_be_visible()
    expect(
        page.get_by_role("group", name=shown("Progress update overdue")).get_by_label(
            shown("By e-mail once a week")
        )
    ).to_be_checked()


def test_a_head_marks_one_then_all_as_read(page: Page, log_in):
    department = make_department()
    head = make_user("department_head", department, username="reading-head")
    for title in ("Skolskjuts-RPA", "Digital närvaro", "E-arkiv"):
        make_update(make_initiative(department, title=title, owner=head), head, days_ago=45)
    rules.collect()
    log_in(head)
    page.goto("/notifications/")
    unread = page.locator("#notification-list li.unread")
    expect(unread).to_have_count(3)

    unread.first.get_by_role("button", name=shown("Mark as read")).click()
    expect(unread).to_have_count(2)
    expect(page.get_by_role("link", name=shown("Notifications"))).to_contain_text("2")

    page.get_by_role("button", name=shown("Mark all as read")).click()
    with translation.override(settings.LANGUAGE_CODE):
        marked = translation.ngettext(
            "%(count)s notification marked as read.", "%(count)s notifications marked as read.", 2
        ) % {"count": 2}
    expect(page.locator(".messages")).to_contain_text(marked)
    expect(unread).to_have_count(0)
    expect(page.locator("#notification-list li")).to_have_count(3)  # kept, only read
    expect(page.get_by_role("button", name=shown("Mark all as read"))).to_have_count(0)
    expect(page.locator("#notification-count")).to_have_count(0)
    assert not head.notifications.filter(read_at__isnull=True).exists()
