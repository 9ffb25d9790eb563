"""Whatever comes back to the callback, nothing is a 500: back to the login page, with a message."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user

from tests.sso.conftest import query, start_login

pytestmark = pytest.mark.django_db


def assert_back_at_login_with_a_message(client, response) -> None:
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert response.status_code == 200
    assert response.context["messages"] and any(
        "Test IdP" in str(message) for message in response.context["messages"]
    )
    assert not get_user(client).is_authenticated


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="nothing"),
        pytest.param({"state": "STATE"}, id="no code"),
        pytest.param({"code": "abc"}, id="no state"),
        pytest.param({"code": "abc", "state": "unknown-state"}, id="unknown state"),
        pytest.param({"code": "", "state": ""}, id="empty code and state"),
        pytest.param({"error": "server_error", "state": "STATE"}, id="provider error"),
        pytest.param({"code": "forged-code", "state": "STATE"}, id="code the provider never gave"),
    ],
)
def test_a_bad_callback_goes_back_to_login_with_a_message(client, sso, params):
    state = query(start_login(client))["state"]
    params = {key: value.replace("STATE", state) for key, value in params.items()}
    response = client.get("/accounts/oidc/callback/", params, follow=True)
    assert_back_at_login_with_a_message(client, response)


def test_a_callback_in_a_browser_that_never_started_a_login_goes_back_to_login(client, sso):
    response = client.get("/accounts/oidc/callback/", {"code": "a", "state": "b"}, follow=True)
    assert_back_at_login_with_a_message(client, response)


def test_a_cancelled_login_says_so(client, sso):
    state = query(start_login(client))["state"]
    response = client.get(
        "/accounts/oidc/callback/", {"error": "access_denied", "state": state}, follow=True
    )
    assert_back_at_login_with_a_message(client, response)
    assert any("cancel" in str(m) or "avbr" in str(m) for m in response.context["messages"])


def test_a_password_form_posted_with_a_code_never_reaches_the_provider(client, sso):
    # The backend exchanges a code only for the callback view, which checked the state first.
    response = client.post(
        "/accounts/login/?code=abc&state=def", {"username": "x", "password": "y"}
    )
    assert response.status_code == 200  # the form again, with "wrong username or password"
    assert not get_user(client).is_authenticated
