"""Users in a real browser: an invitation accepted from the e-mail, a waiting user given a role,
and the WCAG 2.1 AA scan of the list, invite, edit, own and no-role pages."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, shown
from tests.browser.test_accessibility import readable, scan
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def test_an_invited_user_opens_the_link_sets_a_password_and_lands_logged_in(
    log_in, page: Page, office, own_department, console_errors
):
    found: dict[str, list[dict]] = {}
    mail.outbox.clear()
    log_in(office)
    page.goto("/organisation/users/invite/")
    scan(page, "invite", found)
    page.get_by_label(shown("First name")).fill("Sara")
    page.get_by_label(shown("Last name")).fill("Lind")
    page.get_by_label(shown("E-mail")).fill("sara.lind@stad.se")
    page.get_by_label(shown("Role")).select_option("department_head")
    page.get_by_label(own_department.name).check()
    page.get_by_role("button", name=shown("Send the invitation")).click()
    expect(page.locator(".messages")).to_contain_text("sara.lind@stad.se")
    scan(page, "edit, after inviting", found)
    [message] = mail.outbox
    link = re.search(r"(http://\S+/accounts/invitation/\S+)", message.body).group(1)

    page.context.clear_cookies()
    page.goto(link)
    scan(page, "invitation accept", found)
    page.locator("#id_new_password1").fill("Mjolk-robot-2026")
    page.locator("#id_new_password2").fill("Mjolk-robot-2026")
    page.get_by_role("button", name=shown("Set the password and log in")).click()
    expect(page).to_have_url(re.compile(r"/initiatives/"))
    expect(page.locator(".site-header .user")).to_contain_text("Sara Lind")
    assert User.objects.get(username="sara.lind@stad.se").check_password("Mjolk-robot-2026")
    assert not found, readable(found)
    assert console_errors == []


def test_the_office_gives_a_waiting_user_a_role(log_in, page: Page, office, console_errors):
    found: dict[str, list[dict]] = {}
    newcomer = make_user(None, username="newcomer")
    log_in(office)
    page.goto("/organisation/users/")
    scan(page, "user list", found)
    waiting = page.locator(".notice")
    expect(waiting).to_contain_text("1")
    waiting.get_by_role("link").click()
    page.get_by_role("link", name=newcomer.get_full_name()).click()
    scan(page, "edit", found)
    page.get_by_label(shown("Role")).select_option("executive")
    page.get_by_role("button", name=shown("Save changes")).click()
    expect(page).to_have_url(re.compile(r"/organisation/users/$"))
    expect(page.locator(".notice")).to_have_count(0)
    assert newcomer.groups.filter(name="executive").exists()
    assert not found, readable(found)
    assert console_errors == []


def test_the_list_filters_in_place_with_htmx(log_in, page: Page, office, console_errors):
    make_user("executive", username="reader")
    make_user("department_head", username="headcount")
    log_in(office)
    page.goto("/organisation/users/")
    page.get_by_label(shown("Search")).fill("reader")
    expect(page.locator("#user-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=reader"))
    assert console_errors == []


def test_a_user_without_a_role_sees_the_polite_page_and_their_own_page(
    page: Page, office, console_errors
):
    found: dict[str, list[dict]] = {}
    office.email = "office@stad.se"
    office.save()
    newcomer = make_user(None, username="newcomer")
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(newcomer.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=shown("Log in"), exact=True).click()
    expect(page.locator("main")).to_contain_text("office@stad.se")
    scan(page, "no role", found)
    page.locator("main").get_by_role("link", name=shown("Your account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(shown("Your account"))
    scan(page, "own page", found)
    page.get_by_label(shown("E-mail")).fill("broken")
    page.get_by_role("button", name=shown("Save"), exact=True).click()
    expect(page.locator(".errorlist")).to_be_visible()
    scan(page, "own page, with an error", found)
    assert not found, readable(found)
    # The invalid form's answer is a 422 by design; the browser logs every 4xx.
    assert [error for error in console_errors if "status of 422" not in error] == []
