import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_sends_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy


def test_pages_carry_no_inline_script(client_for, office, own_initiative):
    response = client_for(office).get(own_initiative.get_absolute_url())
    for chunk in response.text.split("<script")[1:]:
        assert chunk.split(">")[0].strip().startswith("src="), chunk[:80]


def test_the_login_page_logs_a_user_in(client, db):
    make_user("executive", username="ledningen")
    response = client.post(
        reverse("login"), {"username": "ledningen", "password": "secret-pass-123"}
    )
    assert response.status_code == 302
    assert client.get(reverse("initiatives:list")).status_code == 200


def test_a_wrong_password_shows_a_message_and_keeps_the_username(client, db):
    make_user("executive", username="ledningen")
    response = client.post(reverse("login"), {"username": "ledningen", "password": "nope"})
    assert response.status_code == 200
    assert 'value="ledningen"' in response.text
    assert 'role="alert"' in response.text


def test_repeated_failures_lock_the_login_with_a_clear_message(client, db):
    make_user("executive", username="ledningen")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "ledningen", "password": "nope"})
    response = client.post(
        reverse("login"), {"username": "ledningen", "password": "secret-pass-123"}
    )
    assert response.status_code == 429
    assert "15" in response.text
    assert "_auth_user_id" not in client.session


def test_logging_out_needs_a_post_and_ends_the_session(client_for, office):
    client = client_for(office)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("initiatives:list")).status_code == 302


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def _expiry(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_an_idle_session_is_pushed_forward_at_most_once_a_minute(client_for, office):
    from portfolio.middleware import SessionRefreshMiddleware

    client = client_for(office)
    logged_in = _expiry(client)
    client.get(reverse("initiatives:list"))
    assert _expiry(client) == logged_in  # within the minute: nothing written

    session = client.session  # as if the last write were two minutes ago
    session[SessionRefreshMiddleware.KEY] -= 120
    session.save()
    client.get(reverse("initiatives:list"))
    refreshed = _expiry(client)
    assert refreshed > logged_in
    stamp = client.session[SessionRefreshMiddleware.KEY]
    client.get(reverse("initiatives:list"))
    assert _expiry(client) == refreshed and client.session[SessionRefreshMiddleware.KEY] == stamp


def test_no_session_is_written_for_a_visitor_or_after_logging_out(client, client_for, office):
    from django.contrib.sessions.models import Session

    client.get(reverse("login"))
    assert not Session.objects.exists()
    logged_in = client_for(office)
    logged_in.post(reverse("logout"))
    logged_in.get(reverse("login"))
    assert not Session.objects.exists()


def test_forms_are_csrf_protected(office, own_initiative):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    response = client.post(
        reverse("initiatives:archive", args=[own_initiative.ref]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    own_initiative.refresh_from_db()
    assert own_initiative.archived_at is None


def test_the_health_check_answers_without_login(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "HTTPS"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portfolio.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="false", SECRET_KEY="x7#kP!q2" * 8, ALLOWED_HOSTS="portfolio.example.se",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("debug", ["false"])
def test_demo_data_never_loads_without_debug(debug):
    result = _manage("load_demo", DEBUG=debug, SECRET_KEY="x7#kP!q2" * 8)
    assert result.returncode != 0
