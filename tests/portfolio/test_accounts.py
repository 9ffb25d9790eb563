"""Passwords: changing one's own, and a reset link by e-mail for whoever forgot theirs."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

OLD = "secret-pass-123"  # make_user's password
NEW = "a-new-Passphrase-42"


def _english_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _logs_in(username: str, password: str) -> bool:
    # Through the login page: django-axes needs the request, so Client.login cannot be used.
    client = _english_client()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def _assert_accessible(html: str) -> None:
    """Headings start at h1 and never skip a level; every visible input has its label."""
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
    assert levels and levels[0] == 1, levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    main = html.split('<main id="main"', 1)[1]
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", main):
        if re.search(r'type="(hidden|submit)"|\bhidden\b', tag):
            continue
        field_id = re.search(r'\sid="([^"]+)"', tag)
        assert field_id, tag
        assert f'for="{field_id[1]}"' in main, tag


def _reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match[1]


# Changing one's own password


def test_the_header_links_to_the_change_page(client_for, head):
    response = client_for(head).get(reverse("initiatives:list"))
    link = rf'<a href="{reverse("password_change")}"\s*>Change password</a>'
    assert re.search(link, response.text)


@pytest.mark.parametrize("role", ["office", "department_head", "executive", None])
def test_every_user_can_open_the_change_page_whatever_their_role(client_for, role):
    response = client_for(make_user(role)).get(reverse("password_change"))
    assert response.status_code == 200
    assert "<h1>Change password</h1>" in response.text
    assert f'href="{reverse("password_change")}" aria-current="page"' in response.text
    _assert_accessible(response.text)


def test_an_anonymous_visitor_is_sent_to_the_login_page(client_for):
    response = client_for(None).get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_wrong_old_password_gives_a_message_and_keeps_the_user_logged_in(client_for, head):
    client = client_for(head)
    response = client.post(
        reverse("password_change"),
        {"old_password": "not-my-password", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert "Your old password was entered incorrectly" in response.text
    _assert_accessible(response.text)
    head.refresh_from_db()
    assert head.check_password(OLD)
    assert client.get(reverse("initiatives:list")).status_code == 200


def test_two_different_new_passwords_give_a_message(client_for, head):
    response = client_for(head).post(
        reverse("password_change"),
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW + "x"},
    )
    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.text
    head.refresh_from_db()
    assert head.check_password(OLD)


def test_a_weak_new_password_is_refused_with_the_reason(client_for, head):
    response = client_for(head).post(
        reverse("password_change"),
        {"old_password": OLD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "This password is entirely numeric." in response.text


def test_a_changed_password_keeps_the_session_and_logs_in_from_then_on(client_for, head):
    client = client_for(head)
    response = client.post(
        reverse("password_change"),
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("password_change_done"), 302)]
    assert "<h1>Password changed</h1>" in response.text
    _assert_accessible(response.text)
    # The session that changed it stays logged in (Django updates its hash) ...
    assert client.get(reverse("initiatives:list")).status_code == 200
    # ... and from now on only the new password logs in.
    assert _logs_in("head", NEW)
    assert not _logs_in("head", OLD)


# Resetting a forgotten password by e-mail


def test_the_login_page_links_to_the_reset_page(client_for):
    response = client_for(None).get(reverse("login"))
    assert f'<a href="{reverse("password_reset")}">Forgot your password?</a>' in response.text


@pytest.mark.parametrize(
    "name", ["password_reset", "password_reset_done", "password_reset_complete"]
)
def test_the_reset_pages_open_without_logging_in(client_for, name):
    response = client_for(None).get(reverse(name))
    assert response.status_code == 200
    _assert_accessible(response.text)


def test_a_reset_request_emails_a_one_time_link_that_sets_the_password(client_for):
    user = make_user("executive", username="ledningen")
    user.email = "ledningen@demostad.se"
    user.save()
    client = client_for(None)

    response = client.post(reverse("password_reset"), {"email": "Ledningen@Demostad.se"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ledningen@demostad.se"]
    assert "ledningen" in message.body

    link = _reset_link(message)
    # Django swaps the token for a placeholder kept in the session, so it never sits in a URL
    # that a page's links could leak through the Referer header.
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "<h1>Choose a new password</h1>" in form_page.text
    _assert_accessible(form_page.text)
    set_password_url = form_page.redirect_chain[-1][0]

    done = client.post(set_password_url, {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert "<h1>Password set</h1>" in done.text
    assert _logs_in("ledningen", NEW)
    assert not _logs_in("ledningen", OLD)

    # The link has done its work: opened again it says so, and offers a new one.
    again = _english_client().get(link, follow=True)
    assert "<h1>The link does not work</h1>" in again.text
    assert f'href="{reverse("password_reset")}"' in again.text
    _assert_accessible(again.text)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client_for):
    known = make_user("executive", username="ledningen")
    known.email = "ledningen@demostad.se"
    known.save()

    answers = []
    for email in ["ledningen@demostad.se", "nobody@demostad.se"]:
        client = client_for(None)
        response = client.post(reverse("password_reset"), {"email": email}, follow=True)
        answers.append((response.redirect_chain, response.status_code, _main(response.text)))
    assert answers[0] == answers[1]
    assert [m.to for m in mail.outbox] == [["ledningen@demostad.se"]]


def test_an_inactive_user_gets_no_link(client_for):
    user = make_user("executive", username="slutat")
    user.email = "slutat@demostad.se"
    user.is_active = False
    user.save()
    client_for(None).post(reverse("password_reset"), {"email": "slutat@demostad.se"})
    assert mail.outbox == []


def test_a_malformed_address_is_refused_and_kept(client_for):
    response = client_for(None).post(reverse("password_reset"), {"email": "not an address"})
    assert response.status_code == 200
    assert 'value="not an address"' in response.text
    assert "Enter a valid email address." in response.text
    assert mail.outbox == []


def test_a_tampered_link_does_not_work(client_for):
    user = make_user("executive", username="ledningen")
    user.email = "ledningen@demostad.se"
    user.save()
    client = client_for(None)
    client.post(reverse("password_reset"), {"email": "ledningen@demostad.se"})
    link = _reset_link(mail.outbox[0])
    tampered = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]
    response = client.get(tampered, follow=True)
    assert "<h1>The link does not work</h1>" in response.text
    assert User.objects.get(pk=user.pk).check_password(OLD)


def _main(html: str) -> str:
    """The page's content without the CSRF tokens, which differ per session."""
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)
