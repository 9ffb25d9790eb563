"""Single sign-on in Chromium: our login page, the real provider's form, back logged in, and out."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from organisation.models import Department
from sso import oidc
from tests.browser.conftest import shown
from tests.browser.test_accessibility import wcag_violations
from tests.conftest import make_initiative
from tests.sso.conftest import HEAD_UTB_GROUP, PASSWORD, PROVIDER_NAME, sso_overrides


@pytest.fixture
def sso_live(oidc_provider, live_server):
    oidc.clear_cache()
    with override_settings(**sso_overrides(oidc_provider)):
        yield oidc_provider
    oidc.clear_cache()


def sign_in_with_provider(page: Page, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role(
        "link", name=shown("Log in with %(provider)s") % {"provider": PROVIDER_NAME}
    ).click()
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_login_pages_with_single_sign_on_pass_the_axe_scan(page: Page, sso_live):
    page.goto("/accounts/login/")
    assert wcag_violations(page) == []
    with override_settings(PASSWORD_LOGIN=False):
        page.goto("/accounts/login/")
        expect(page.locator("#id_password")).to_have_count(0)
        assert wcag_violations(page) == []
        page.goto("/accounts/password/reset/")
        assert wcag_violations(page) == []


def test_a_department_head_logs_in_through_the_provider_and_out_again(page: Page, sso_live):
    utb = Department.objects.create(name="Utbildningsförvaltningen", code="UTB")
    other = Department.objects.create(name="Trafikkontoret", code="TK")
    make_initiative(utb, title="Skolmjölksroboten")
    make_initiative(other, title="Smarta trafikljus")
    sso_live.set_account("cecilia", given_name="Cecilia", family_name="Ek", groups=[HEAD_UTB_GROUP])

    sign_in_with_provider(page, "cecilia")

    expect(page).not_to_have_url(re.compile(r"/accounts/login/|/interaction/"))
    expect(page.locator(".site-header .user")).to_contain_text("Cecilia Ek")
    expect(page.locator(".site-header .role")).to_contain_text(shown("Department head"))
    page.goto("/initiatives/check-in/")
    expect(page.get_by_text("Skolmjölksroboten")).to_be_visible()
    expect(page.get_by_text("Smarta trafikljus")).to_have_count(0)

    # Logging out ends the provider's session too: the next login asks for the password again.
    page.get_by_role("button", name=shown("Log out")).click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.get_by_role(
        "link", name=shown("Log in with %(provider)s") % {"provider": PROVIDER_NAME}
    ).click()
    expect(page.get_by_label("Password")).to_be_visible()
