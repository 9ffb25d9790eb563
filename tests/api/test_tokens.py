"""The API tokens page: create (shown once), list and revoke one's own personal tokens."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from tests.api.conftest import make_token

URL = reverse("api:tokens")


def create(client, name: str = "Power BI") -> str:
    response = client.post(URL, {"name": name})
    assert response.status_code == 200
    return response.context["secret"]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_without_a_role_may_not_have_tokens(client_for, no_role):
    client = client_for(no_role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", ["office", "head", "executive"])
def test_every_role_may_create_a_token_and_use_it(client_for, users_by_role, role):
    client = client_for(users_by_role[role])
    secret = create(client)
    token = ApiToken.objects.get()
    assert token.user == users_by_role[role]
    assert token.name == "Power BI"
    client.logout()
    response = client.get("/api/v1/goals", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_the_new_token_is_shown_once_and_never_again(client_for, executive):
    client = client_for(executive)
    response = client.post(URL, {"name": "Power BI"})
    secret = response.context["secret"]
    assert secret in response.text
    assert "no-store" in response["Cache-Control"]
    later = client.get(URL)
    assert secret not in later.text
    assert secret[:8] in later.text  # the prefix tells the tokens apart


def test_only_a_hash_of_the_token_is_stored(client_for, executive):
    secret = create(client_for(executive))
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.values_list().get()
    assert all(secret not in str(value) for value in stored)


def test_a_token_needs_a_name(client_for, executive):
    response = client_for(executive).post(URL, {"name": " "})
    assert response.status_code == 422
    assert response.context["secret"] is None
    assert not ApiToken.objects.exists()


def test_the_page_lists_only_my_tokens(client_for, executive, office):
    make_token(office, name="Office script")
    make_token(executive, name="My dashboard")
    response = client_for(executive).get(URL)
    assert [token.name for token in response.context["tokens"]] == ["My dashboard"]
    assert "Office script" not in response.text


def test_revoking_a_token_stops_it_working(client_for, executive):
    client = client_for(executive)
    secret = create(client)
    token = ApiToken.objects.get()
    response = client.post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked
    client.logout()
    response = client.get("/api/v1/goals", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_i_cannot_revoke_someone_elses_token(client_for, executive, office):
    make_token(office)
    token = ApiToken.objects.get()
    response = client_for(executive).post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert not token.is_revoked


def test_revoking_needs_a_post(client_for, executive):
    make_token(executive)
    token = ApiToken.objects.get()
    response = client_for(executive).get(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 405


def test_the_forms_carry_a_csrf_token(executive):
    client = Client(enforce_csrf_checks=True)
    client.force_login(executive)
    assert client.post(URL, {"name": "x"}).status_code == 403
    page = client.get(URL)
    assert 'name="csrfmiddlewaretoken"' in page.text


def test_the_header_links_to_the_tokens_page(client_for, executive, no_role):
    assert f'href="{URL}"' in client_for(executive).get(reverse("portfolio:goals")).text
    assert f'href="{URL}"' not in client_for(no_role).get(reverse("portfolio:goals")).text


def test_the_page_is_accessible_markup(client_for, executive):
    client = client_for(executive)
    create(client, "Power BI")
    text = client.get(URL).text
    assert '<label for="id_name"' in text
    assert '<th scope="col">' in text
    assert '<th scope="row">Power BI</th>' in text
    assert "<h1>API tokens</h1>" in text
