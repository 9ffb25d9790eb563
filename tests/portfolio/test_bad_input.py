"""Input the database cannot hold gets a 4xx with a message, never a 500 (issue 12)."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse


def test_a_username_longer_than_the_attempt_log_is_a_failed_login(client, db):
    response = client.post(reverse("login"), {"username": "x" * 300, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text or (
        "Ange ett korrekt" in response.text
    )
    assert AccessAttempt.objects.get().username == "x" * 255


def test_a_very_long_username_is_still_locked_out_after_five_failures(client, db):
    for _ in range(5):
        client.post(reverse("login"), {"username": "y" * 1000, "password": "wrong"})
    response = client.post(reverse("login"), {"username": "y" * 1000, "password": "wrong"})
    assert response.status_code == 429


@pytest.mark.parametrize(
    "url",
    [
        "/initiatives/DIG%00/",
        "/initiatives/?q=a%00b",
        "/initiatives/?department=%00",
        "/benefits/?q=%00",
        "/portfolio/ranking/?x%00=1",
    ],
)
def test_a_nul_character_in_the_address_is_a_bad_request(client_for, office, url):
    response = client_for(office).get(url)
    assert response.status_code == 400
    assert "NUL" in response.text


def test_a_nul_character_in_a_posted_field_is_a_bad_request(client_for, office, own_initiative):
    response = client_for(office).post(
        reverse("initiatives:edit", args=[own_initiative.ref]), {"title": "a\x00b"}
    )
    assert response.status_code == 400


def test_a_nul_character_in_the_session_cookie_is_a_bad_request(client, db):
    client.cookies["sessionid"] = "abc\x00def"
    response = client.get(reverse("login"))
    assert response.status_code == 400


def test_the_login_page_without_nul_still_answers(client, db):
    assert client.get(reverse("login")).status_code == 200


def test_a_nul_character_in_an_api_path_is_a_400_in_json(client_for, office):
    response = client_for(office).get("/api/v1/initiatives/DIG%00")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
