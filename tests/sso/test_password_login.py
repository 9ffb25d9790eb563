"""The login page: a single sign-on button when configured, the password form unless it is off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user
from django.test import override_settings

from tests.conftest import make_user
from tests.sso.conftest import PROVIDER_NAME

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def test_without_single_sign_on_the_login_page_has_no_button(client):
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/oidc/login/" not in page
    assert 'name="password"' in page


def test_with_single_sign_on_the_login_page_offers_the_provider(client, sso):
    page = client.get("/accounts/login/", {"next": "/initiatives/?stage=pilot"}).content.decode()
    assert f"{PROVIDER_NAME}</a>" in page
    assert 'href="/accounts/oidc/login/?next=/initiatives/%3Fstage%3Dpilot"' in page
    assert 'name="password"' in page  # password login stays unless switched off


def test_without_a_provider_name_the_button_says_single_sign_on(client, sso):
    with override_settings(OIDC_PROVIDER_NAME=""), override_settings(LANGUAGE_CODE="en"):
        client.cookies["django_language"] = "en"
        page = client.get("/accounts/login/").content.decode()
    assert "Log in with single sign-on" in page


@pytest.fixture
def password_login_off(sso):
    with override_settings(PASSWORD_LOGIN=False):
        yield sso


def test_with_password_login_off_the_form_and_the_reset_link_are_hidden(client, password_login_off):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="password"' not in page
    assert "/accounts/password/reset/" not in page
    assert f"{PROVIDER_NAME}</a>" in page


def test_with_password_login_off_a_password_is_refused(client, password_login_off):
    user = make_user()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "secret-pass-123"}
    )
    assert response.status_code == 403
    assert f"{PROVIDER_NAME}</a>" in response.content.decode()
    assert not get_user(client).is_authenticated


def test_with_password_login_off_the_admin_refuses_a_password(client, password_login_off):
    user = make_user(username="root")
    user.is_staff = user.is_superuser = True
    user.save()
    response = client.post("/admin/login/", {"username": "root", "password": "secret-pass-123"})
    # The site's login-required middleware sends it to our login page; were the admin's login
    # reachable, sso.middleware would refuse it (403) like ours.
    assert response.status_code in {302, 403}
    assert response.get("Location", "/accounts/login/").startswith("/accounts/login/")
    assert not get_user(client).is_authenticated


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/MQ/set-password/",
        "/accounts/password/reset/complete/",
    ],
)
def test_with_password_login_off_the_password_reset_is_refused(client, password_login_off, path):
    assert client.get(path).status_code == 403
    assert client.post(path, {"email": "a@kommun.se"}).status_code == 403


def test_with_password_login_on_a_password_still_logs_in(client, sso):
    user = make_user()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "secret-pass-123"}
    )
    assert response.status_code == 302
    assert get_user(client) == user


def settings_error(**environ: str) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "PASSWORD_LOGIN"))},
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        **environ,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stderr if result.returncode else ""


def test_password_login_cannot_be_switched_off_without_single_sign_on():
    assert "PASSWORD_LOGIN=false needs OIDC_ISSUER" in settings_error(PASSWORD_LOGIN="false")


def test_a_role_map_that_is_not_json_stops_the_start():
    assert "OIDC_ROLE_MAP is not valid JSON" in settings_error(OIDC_ROLE_MAP="{groups")


def test_with_single_sign_on_configured_password_login_can_be_switched_off():
    assert (
        settings_error(
            PASSWORD_LOGIN="false",
            OIDC_ISSUER="https://login.microsoftonline.com/tenant/v2.0",
            OIDC_CLIENT_ID="app",
        )
        == ""
    )
