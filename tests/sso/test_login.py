"""Single sign-on end to end over HTTP: our redirect, the real provider's form, our callback."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client, override_settings

from organisation.models import Department
from organisation.permissions import DEPARTMENT_HEAD, EXECUTIVE, OFFICE, ROLES
from sso import oidc
from tests.conftest import make_department, make_user
from tests.sso.conftest import (
    EXECUTIVE_GROUP,
    HEAD_UTB_GROUP,
    OFFICE_GROUP,
    local_path,
    provider_browser,
    query,
    sign_in_at_provider,
    sso_login,
    start_login,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def departments(db) -> None:
    make_department("Utbildningsförvaltningen", "UTB")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def roles_of(user: User) -> set[str]:
    return set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


def codes_of(user: User) -> set[str]:
    return set(user.departments.values_list("code", flat=True))


def logged_in_user(client: Client) -> User | None:
    from django.contrib.auth import get_user

    user = get_user(client)
    return user if user.is_authenticated else None


def test_the_login_redirect_carries_state_nonce_and_a_pkce_challenge(client, sso):
    location = start_login(client)
    assert location.startswith(f"{sso.issuer}/auth?")
    params = query(location)
    assert params["response_type"] == "code"
    assert params["client_id"] == "portfolio"
    assert params["redirect_uri"] == "http://testserver/accounts/oidc/callback/"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert set(params["scope"].split()) == {"openid", "email", "profile"}


def test_a_first_login_creates_the_user_from_the_claims(client, sso):
    claims = sso.set_account(
        "anna", email="anna@kommun.se", given_name="Anna", family_name="Berg", groups=[]
    )
    response = sso_login(client, sso, "anna")
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username=claims["sub"])
    assert logged_in_user(client) == user
    assert (user.email, user.first_name, user.last_name) == ("anna@kommun.se", "Anna", "Berg")
    assert not user.has_usable_password()
    assert roles_of(user) == set()  # no mapped group: no role


def test_a_first_login_without_a_role_claim_configured_gives_no_role(client, sso):
    claims = sso.set_account("bo", groups=[OFFICE_GROUP])
    with override_settings(OIDC_ROLE_CLAIM=""):
        sso_login(client, sso, "bo")
    assert roles_of(User.objects.get(username=claims["sub"])) == set()


def test_a_mapped_group_gives_the_role_and_departments(client, sso):
    claims = sso.set_account("cecilia", groups=["unrelated", HEAD_UTB_GROUP])
    sso_login(client, sso, "cecilia")
    user = User.objects.get(username=claims["sub"])
    assert roles_of(user) == {DEPARTMENT_HEAD}
    assert codes_of(user) == {"UTB"}
    assert client.get("/initiatives/").status_code == 200  # the role's pages open


def test_the_role_follows_the_claim_from_one_login_to_the_next(client, sso):
    claims = sso.set_account("david", groups=[HEAD_UTB_GROUP])
    sso_login(client, sso, "david")
    user = User.objects.get(username=claims["sub"])
    assert (roles_of(user), codes_of(user)) == ({DEPARTMENT_HEAD}, {"UTB"})

    sso.set_account("david", groups=[EXECUTIVE_GROUP])
    sso_login(Client(), sso, "david")
    assert (roles_of(user), codes_of(user)) == ({EXECUTIVE}, set())

    sso.set_account("david", groups=[EXECUTIVE_GROUP, OFFICE_GROUP])
    sso_login(Client(), sso, "david")
    assert roles_of(user) == {OFFICE}

    sso.set_account("david", groups=["unrelated"])
    sso_login(Client(), sso, "david")
    assert (roles_of(user), codes_of(user)) == (set(), set())


def test_a_hand_given_role_stays_when_roles_are_not_authoritative(client, sso):
    claims = sso.set_account("eva", groups=["unrelated"])
    user = make_user(EXECUTIVE, username=claims["sub"])
    with override_settings(OIDC_ROLES_AUTHORITATIVE=False):
        sso_login(client, sso, "eva")
    assert roles_of(user) == {EXECUTIVE}
    assert logged_in_user(client) == user


def test_a_hand_given_role_is_taken_away_when_roles_are_authoritative(client, sso):
    claims = sso.set_account("eva", groups=["unrelated"])
    user = make_user(EXECUTIVE, username=claims["sub"])
    sso_login(client, sso, "eva")
    assert roles_of(user) == set()


def test_without_a_role_claim_a_login_never_touches_roles(client, sso):
    claims = sso.set_account("frida", groups=[OFFICE_GROUP])
    user = make_user(DEPARTMENT_HEAD, Department.objects.get(code="UTB"), username=claims["sub"])
    with override_settings(OIDC_ROLE_CLAIM=""):
        sso_login(client, sso, "frida")
    assert (roles_of(user), codes_of(user)) == ({DEPARTMENT_HEAD}, {"UTB"})


def test_the_username_can_come_from_another_claim(client, sso):
    sso.set_account("gustav", preferred_username="gustav@kommun.se")
    with override_settings(OIDC_USERNAME_CLAIM="preferred_username"):
        sso_login(client, sso, "gustav")
    assert logged_in_user(client).username == "gustav@kommun.se"


def test_a_user_is_found_by_the_username_claim_never_by_email(client, sso):
    local = make_user(OFFICE, username="local-admin")
    local.email = "shared@kommun.se"
    local.save()
    claims = sso.set_account("hanna", email="shared@kommun.se", groups=[])
    sso_login(client, sso, "hanna")
    assert logged_in_user(client).username == claims["sub"]
    assert roles_of(local) == {OFFICE}


def test_a_deactivated_user_is_refused(client, sso):
    claims = sso.set_account("ivar", groups=[OFFICE_GROUP])
    user = make_user(username=claims["sub"])
    user.is_active = False
    user.save()
    response = sso_login(client, sso, "ivar")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert logged_in_user(client) is None


def test_the_next_page_is_kept_through_the_login(client, sso):
    sso.set_account("jonas", groups=[OFFICE_GROUP])
    callback = sign_in_at_provider(
        provider_browser(sso), start_login(client, "/initiatives/"), "jonas"
    )
    assert client.get(local_path(callback))["Location"] == "/initiatives/"


def test_a_replayed_callback_is_refused(client, sso):
    sso.set_account("karin", groups=[OFFICE_GROUP])
    callback = sign_in_at_provider(provider_browser(sso), start_login(client), "karin")
    assert client.get(local_path(callback))["Location"] == "/"

    # The same answer again, in the same browser: its state was used up.
    again = client.get(local_path(callback), follow=True)
    assert again.redirect_chain[0] == ("/accounts/login/", 302)
    # In another browser (an attacker's), even one with a login of its own under way.
    attacker = Client()
    start_login(attacker)
    response = attacker.get(local_path(callback), follow=True)
    assert response.redirect_chain[0] == ("/accounts/login/", 302)
    assert "did not succeed" in response.content.decode() or "lyckades inte" in (
        response.content.decode()
    )
    assert logged_in_user(attacker) is None


def test_logout_ends_the_providers_session_too(client, sso):
    sso.set_account("lena", groups=[OFFICE_GROUP])
    browser = provider_browser(sso)
    sso_login(client, sso, "lena", browser=browser)
    id_token = client.session["oidc_id_token"]
    # While the provider's session lives, a new login needs no password.
    location = start_login(Client())
    assert browser.get(location, allow_redirects=False).is_redirect

    response = client.post("/accounts/logout/")
    assert logged_in_user(client) is None
    end_session = oidc.provider_config().end_session_endpoint
    assert response["Location"].startswith(f"{end_session}?")
    params = query(response["Location"])
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://testserver/accounts/login/"

    # The provider asks "sign out?", the person confirms, and is sent back to our login page.
    page = browser.get(response["Location"])
    form_action = page.text.split('action="', 1)[1].split('"', 1)[0]
    xsrf = page.text.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
    back = browser.post(form_action, data={"xsrf": xsrf, "logout": "yes"}, allow_redirects=False)
    assert back.headers["Location"] == "http://testserver/accounts/login/"
    # The provider's session is over: the next login asks for the password again.
    again = browser.get(start_login(Client()), allow_redirects=True)
    assert 'name="password"' in again.text


def test_logout_of_a_password_session_stays_local(client, sso):
    client.force_login(make_user(OFFICE), backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"


def test_a_provider_whose_discovery_names_another_issuer_is_refused(client, sso):
    # Same server, other spelling: its discovery document says http://127.0.0.1:…, not localhost.
    wrong = sso.issuer.replace("127.0.0.1", "localhost")
    with override_settings(OIDC_ISSUER=wrong):
        response = client.get("/accounts/oidc/login/", follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert response.status_code == 200
    assert "Test IdP" in response.content.decode()


def test_an_unreachable_provider_is_a_message_not_an_error(client, sso):
    from tests.sso.conftest import _free_port

    with override_settings(OIDC_ISSUER=f"http://127.0.0.1:{_free_port()}"):
        response = client.get("/accounts/oidc/login/", follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]


def test_the_discovery_document_is_fetched_once(client, sso, monkeypatch):
    start_login(client)
    monkeypatch.setattr(oidc, "_fetch", lambda url: pytest.fail("fetched again"))
    start_login(Client())


def test_single_sign_on_pages_are_not_found_when_it_is_off(client, db):
    assert not oidc.enabled()
    assert client.get("/accounts/oidc/login/").status_code == 404
    assert client.get("/accounts/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404
