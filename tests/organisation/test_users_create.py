"""Creating a user without e-mail, for small installations (and single sign-on only)."""

from django.contrib.auth.models import User
from django.urls import reverse

from tests.conftest import make_user

FORM = {"username": "kalle", "first_name": "Kalle", "last_name": "Ek", "role": "executive"}


def test_the_office_creates_a_user_with_role_departments_and_first_password(
    client_for, office, own_department
):
    data = {**FORM, "departments": [own_department.pk], "password1": "Lagom-langt-9",
            "password2": "Lagom-langt-9"}  # fmt: skip
    response = client_for(office).post(reverse("organisation:user_create"), data)
    user = User.objects.get(username="kalle")
    assert response.status_code == 302
    assert user.check_password("Lagom-langt-9")
    assert list(user.groups.values_list("name", flat=True)) == ["executive"]
    assert list(user.departments.all()) == [own_department]


def test_a_user_created_without_a_password_cannot_log_in_with_one(client_for, office):
    client_for(office).post(reverse("organisation:user_create"), FORM)
    assert not User.objects.get(username="kalle").has_usable_password()


def test_a_weak_first_password_is_refused_by_the_password_validators(client_for, office):
    data = {**FORM, "password1": "kalle", "password2": "kalle"}
    response = client_for(office).post(reverse("organisation:user_create"), data)
    assert response.status_code == 422
    assert "too short" in response.content.decode()
    assert 'value="kalle"' in response.content.decode()  # the username is kept
    assert not User.objects.filter(username="kalle").exists()


def test_two_different_passwords_are_refused(client_for, office):
    data = {**FORM, "password1": "Lagom-langt-9", "password2": "Lagom-langt-8"}
    response = client_for(office).post(reverse("organisation:user_create"), data)
    assert response.status_code == 422
    assert "The two passwords differ." in response.content.decode()


def test_a_taken_username_is_refused_with_a_message(client_for, office):
    make_user("executive", username="kalle")
    response = client_for(office).post(reverse("organisation:user_create"), FORM)
    assert response.status_code == 422
    assert "A user with this username already exists." in response.content.decode()


def test_the_same_form_sent_twice_creates_one_user(client_for, office):
    client = client_for(office)
    first = client.post(reverse("organisation:user_create"), FORM)
    second = client.post(reverse("organisation:user_create"), FORM)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert User.objects.filter(username="kalle").count() == 1


def test_with_single_sign_on_only_there_is_no_password_and_the_username_is_the_sso_one(
    client_for, office, settings
):
    settings.OIDC_RP_CLIENT_ID = "portfolio"
    settings.PASSWORD_LOGIN = False
    response = client_for(office).get(reverse("organisation:user_create"))
    text = response.content.decode()
    assert "Username in single sign-on" in text
    assert "password1" not in text


def test_with_single_sign_on_only_the_invite_page_leads_to_create(client_for, office, settings):
    settings.OIDC_RP_CLIENT_ID = "portfolio"
    settings.PASSWORD_LOGIN = False
    response = client_for(office).get(reverse("organisation:user_invite"))
    assert response.status_code == 302
    assert response["Location"] == reverse("organisation:user_create")
