"""Inviting a user by e-mail, and the one-time page where they choose their password."""

import re
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from organisation import users
from tests.conftest import make_user

FORM = {
    "first_name": "Sara",
    "last_name": "Lind",
    "email": "Sara.Lind@stad.se",
    "role": "department_head",
    "language": "en",
}


def _invite(client, **changes):
    return client.post(reverse("organisation:user_invite"), {**FORM, **changes})


def _link(message) -> str:
    return re.search(r"http://testserver(/accounts/invitation/\S+)", message.body).group(1)


def test_an_invitation_creates_a_user_without_a_usable_password_with_role_and_departments(
    client_for, office, own_department
):
    response = _invite(client_for(office), departments=[own_department.pk])
    user = User.objects.get(email="Sara.Lind@stad.se")
    assert response.status_code == 302
    assert user.username == "sara.lind@stad.se"
    assert (user.first_name, user.last_name) == ("Sara", "Lind")
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["department_head"]
    assert list(user.departments.all()) == [own_department]


def test_the_invitation_email_has_an_absolute_link_in_text_and_html(client_for, office):
    _invite(client_for(office))
    [message] = mail.outbox
    assert message.to == ["Sara.Lind@stad.se"]
    assert "http://testserver/accounts/invitation/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="http://testserver/accounts/invitation/' in html


def test_the_invitation_is_written_in_the_chosen_language(client_for, office):
    _invite(client_for(office), language="sv")
    [message] = mail.outbox
    html, _mimetype = message.alternatives[0]
    assert '<html lang="sv">' in html
    assert "?lang=sv" in message.body  # the page behind the link opens in Swedish too


def test_the_invitation_language_defaults_to_the_page_language(client_for, office):
    response = client_for(office).get(reverse("organisation:user_invite"))
    assert response.context["form"]["language"].value() == "en"


def test_the_link_sets_the_password_and_logs_the_user_in(client_for, office, client):
    _invite(client_for(office))
    link = _link(mail.outbox[0])
    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Choose your password" in page.content.decode()
    response = client.post(
        link, {"new_password1": "Mjolk-robot-2026", "new_password2": "Mjolk-robot-2026"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="Sara.Lind@stad.se")
    assert user.check_password("Mjolk-robot-2026")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert response.cookies["django_language"].value == "en"


def test_the_link_works_once(client_for, office, client):
    _invite(client_for(office))
    link = _link(mail.outbox[0])
    client.logout()
    client.post(link, {"new_password1": "Mjolk-robot-2026", "new_password2": "Mjolk-robot-2026"})
    client.logout()
    again = client.get(link)
    assert "already been used" in again.content.decode()
    assert "new_password1" not in again.content.decode()


def test_an_expired_link_says_so_and_asks_for_a_new_invitation(
    client_for, office, client, settings
):
    _invite(client_for(office))
    link = _link(mail.outbox[0])
    client.logout()
    settings.INVITATION_TIMEOUT = 60
    later = (
        users.invitation_token_generator._num_seconds(users.invitation_token_generator._now()) + 61
    )
    with mock.patch.object(users.InvitationTokenGenerator, "_num_seconds", return_value=later):
        response = client.get(link)
    text = response.content.decode()
    assert "The invitation has expired" in text
    assert "new invitation" in text


def test_a_link_six_days_old_still_works_though_a_reset_link_would_have_expired(
    client_for, office, client
):
    _invite(client_for(office))
    link = _link(mail.outbox[0])
    client.logout()
    now = users.invitation_token_generator._num_seconds(users.invitation_token_generator._now())
    with mock.patch.object(
        users.InvitationTokenGenerator, "_num_seconds", return_value=now + 6 * 24 * 3600
    ):
        response = client.get(link)
    assert "Choose your password" in response.content.decode()


def test_a_password_reset_token_is_no_invitation(client_for, office, client):
    from django.contrib.auth.tokens import default_token_generator

    _invite(client_for(office))
    user = User.objects.get(email="Sara.Lind@stad.se")
    uid = _link(mail.outbox[0]).split("/")[3]
    token = default_token_generator.make_token(user)
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/accounts/invitation/{uid}/{token}/")
    assert "does not work" in response.content.decode()


def test_a_weak_password_on_the_invitation_page_is_refused_and_the_link_still_works(
    client_for, office, client
):
    _invite(client_for(office))
    link = _link(mail.outbox[0])
    client.logout()
    response = client.post(link, {"new_password1": "sara", "new_password2": "sara"})
    assert response.status_code == 422
    assert "too short" in response.content.decode()
    assert client.get(link).status_code == 200


def test_the_invitation_page_stays_anonymous_for_a_tampered_uid(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/accounts/invitation/zzzz/abc-def/")
    assert response.status_code == 200
    assert "does not work" in response.content.decode()


def test_the_same_invitation_sent_twice_makes_one_user_and_one_email(client_for, office):
    client = client_for(office)
    first = _invite(client)
    second = _invite(client)
    assert first.status_code == second.status_code == 302
    assert User.objects.filter(email__iexact="sara.lind@stad.se").count() == 1
    assert len(mail.outbox) == 1


def test_an_email_an_account_already_has_is_refused_with_a_message(client_for, office):
    existing = make_user("executive", username="sara")
    existing.email = "sara.lind@stad.se"
    existing.save()
    response = _invite(client_for(office))
    assert response.status_code == 422
    assert "already has an account with this e-mail address" in response.content.decode()
    assert 'value="Sara"' in response.content.decode()  # what was typed is kept
    assert mail.outbox == []


def test_an_email_another_user_has_as_username_is_refused(client_for, office):
    make_user("executive", username="sara.lind@stad.se")
    response = _invite(client_for(office))
    assert response.status_code == 422
    assert "as username already exists" in response.content.decode()


def test_a_malformed_email_is_refused(client_for, office):
    response = _invite(client_for(office), email="not-an-address")
    assert response.status_code == 422
    assert "Enter a valid email address." in response.content.decode()
