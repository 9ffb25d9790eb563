"""Who may call the API: the same roles as the pages, by session or by personal token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from api.models import ApiToken
from tests.api.conftest import make_token

ENDPOINTS = [
    "/api/v1/initiatives",
    "/api/v1/initiatives/DIG-2026-001",
    "/api/v1/goals",
    "/api/v1/ranking",
    "/api/v1/dashboard",
    "/api/v1/openapi.json",
]


@pytest.fixture
def users(office, head, executive, no_role):
    return {"office": office, "head": head, "executive": executive, "no_role": no_role}


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_callers_get_401_in_json(client, own_initiative, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "Bearer" in response.json()["detail"]


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("role", ["office", "head", "executive"])
def test_every_role_may_read_by_token(api_as, users, own_initiative, url, role):
    assert api_as(users[role]).get(url).status_code == 200


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("role", ["office", "head", "executive"])
def test_every_role_may_read_by_session(client, users, own_initiative, url, role):
    client.force_login(users[role])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_user_without_a_role_gets_403_by_token_and_by_session(
    api_as, client, no_role, own_initiative, url
):
    assert api_as(no_role).get(url).status_code == 403
    client.force_login(no_role)
    response = client.get(url)
    assert response.status_code == 403
    assert "no role" in response.json()["detail"]


def test_an_unknown_token_gets_401(client, own_initiative):
    response = client.get("/api/v1/initiatives", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Unknown or revoked API token."}


def test_a_revoked_token_gets_401(client, executive):
    secret = make_token(executive)
    ApiToken.objects.get().revoke()
    response = client.get("/api/v1/goals", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_a_bad_token_is_refused_even_with_a_session(client, executive):
    client.force_login(executive)
    response = client.get("/api/v1/goals", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_a_deactivated_users_token_gets_401(client, executive):
    secret = make_token(executive)
    executive.is_active = False
    executive.save()
    response = client.get("/api/v1/goals", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_a_token_records_its_use_at_most_once_a_minute(client, executive):
    secret = make_token(executive)
    headers = {"Authorization": f"Bearer {secret}"}
    client.get("/api/v1/goals", headers=headers)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get("/api/v1/goals", headers=headers)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    client.get("/api/v1/goals", headers=headers)
    assert ApiToken.objects.get().last_used_at > first


def test_the_token_acts_with_its_owners_rights_not_the_sessions(
    client, office, executive, own_initiative
):
    own_initiative.archived_at = timezone.now()
    own_initiative.save()
    client.force_login(office)
    secret = make_token(executive)
    response = client.get(
        "/api/v1/initiatives/DIG-2026-001", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 404


def test_the_schema_describes_both_ways_to_authenticate(api_as, executive):
    schema = api_as(executive).get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Digitalization portfolio API"
    schemes = schema["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}
    assert set(schema["paths"]) == {
        "/api/v1/initiatives",
        "/api/v1/initiatives/{ref}",
        "/api/v1/goals",
        "/api/v1/ranking",
        "/api/v1/dashboard",
    }


def test_there_is_no_docs_page_that_would_need_a_cdn(api_as, executive):
    assert api_as(executive).get("/api/v1/docs").status_code == 404
