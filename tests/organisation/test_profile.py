"""A user's own page, and the page a user without a role lands on."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from tests.conftest import make_user


@pytest.fixture
def newcomer(db):
    return make_user(None, username="newcomer")


def test_the_own_page_shows_role_and_departments_read_only(client_for, head):
    text = client_for(head).get(reverse("organisation:profile")).content.decode()
    assert "Department head" in text
    assert "Utbildningsförvaltningen" in text
    assert 'name="role"' not in text


def test_a_user_changes_their_name_and_email(client_for, executive):
    data = {"first_name": "Eva", "last_name": "Ek", "email": "eva@stad.se", "language": "en"}
    response = client_for(executive).post(reverse("organisation:profile"), data)
    assert response.status_code == 302
    executive.refresh_from_db()
    assert (executive.first_name, executive.last_name, executive.email) == (
        "Eva", "Ek", "eva@stad.se"
    )  # fmt: skip


def test_a_bad_email_is_refused_and_what_was_typed_is_kept(client_for, executive):
    data = {"first_name": "Typed", "last_name": "Ek", "email": "nope", "language": "en"}
    response = client_for(executive).post(reverse("organisation:profile"), data)
    assert response.status_code == 422
    assert 'value="Typed"' in response.content.decode()
    assert "Enter a valid email address." in response.content.decode()


def test_choosing_a_language_sets_the_language_cookie(client_for, executive):
    data = {"first_name": "", "last_name": "", "email": "", "language": "sv"}
    response = client_for(executive).post(reverse("organisation:profile"), data)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sv"
    follow = client_for(executive)
    follow.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert follow.get(reverse("organisation:profile")).context["form"]["language"].value() == "sv"


def test_the_password_link_is_offered_only_with_a_usable_password(client_for, executive):
    client = client_for(executive)
    assert (
        reverse("password_change") in client.get(reverse("organisation:profile")).content.decode()
    )
    executive.set_unusable_password()
    executive.save()
    client = client_for(executive)
    assert (
        reverse("password_change")
        not in client.get(reverse("organisation:profile")).content.decode().split("<main")[1]
    )


def test_the_api_tokens_link_is_offered_to_users_with_a_role(client_for, executive, newcomer):
    tokens = reverse("api:tokens")
    assert tokens in client_for(executive).get(reverse("organisation:profile")).content.decode()
    page = client_for(newcomer).get(reverse("organisation:profile")).content.decode()
    assert tokens not in page.split("<main")[1]


def test_a_user_without_a_role_lands_on_a_polite_page_naming_the_office(client_for, newcomer):
    office = make_user("office", username="chief")
    office.first_name, office.last_name, office.email = "Olle", "Chef", "olle@stad.se"
    office.save()
    User.objects.filter(pk=make_user("office", username="gone").pk).update(is_active=False)
    response = client_for(newcomer).get(reverse("home"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Your account has no role yet" in text
    assert "olle@stad.se" in text
    assert "gone" not in text.split("<main")[1]


def test_a_user_with_a_role_is_sent_on_to_their_page(client_for, executive, own_department):
    # (own_department: an installation that is set up; one without departments shows the setup)
    response = client_for(executive).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:dashboard")  # an executive's landing page


def test_pages_that_need_a_role_still_answer_403(client_for, newcomer):
    assert client_for(newcomer).get(reverse("initiatives:list")).status_code == 403


def test_the_own_page_takes_a_fixed_number_of_queries(client_for, head, django_assert_num_queries):
    client = client_for(head)
    client.get(reverse("organisation:profile"))
    with django_assert_num_queries(6):
        client.get(reverse("organisation:profile"))
