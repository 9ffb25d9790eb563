"""The ID token is verified by the library against the real provider's keys: forged ones fail.

Each test starts a real login (our redirect stores state, nonce and PKCE verifier in the session),
then the provider's token endpoint answers with a token the test made: signed with the provider's
own key but wrong in one way, or signed with another key. The signature is checked against the
JWKS the running provider publishes.
"""

from __future__ import annotations

import base64
import json
import time
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user
from django.test import Client

from sso.backend import Backend
from tests.sso.conftest import CLIENT_ID, CLIENT_SECRET, Provider, query, start_login

pytestmark = pytest.mark.django_db


def valid_claims(provider: Provider, nonce: str, **changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "sub": "sub-forged",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "email": "forged@kommun.se",
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def callback_with(client: Client, make_token) -> tuple[int, str, bool]:
    """Run the callback with the token make_token(nonce) builds; (status, location, logged in)."""
    params = query(start_login(client))
    token = make_token(params["nonce"])
    with (
        mock.patch.object(
            Backend, "get_token", return_value={"id_token": token, "access_token": "opaque"}
        ),
        # Claims from the ID token alone, as with Entra ID's groups and oid.
        mock.patch.object(Backend, "OIDC_OP_USER_ENDPOINT", None),
    ):
        response = client.get(
            "/accounts/oidc/callback/", {"code": "forged-code", "state": params["state"]}
        )
    return response.status_code, response.get("Location", ""), get_user(client).is_authenticated


def test_a_well_made_token_logs_in(client, sso):
    # The harness itself works: only the flaw in each test below refuses the token.
    assert callback_with(client, lambda nonce: sso.sign(valid_claims(sso, nonce))) == (
        302,
        "/",
        True,
    )


REFUSED = (302, "/accounts/login/", False)


def test_an_expired_token_is_refused(client, sso):
    past = int(time.time()) - 3600
    token = lambda nonce: sso.sign(valid_claims(sso, nonce, iat=past - 300, exp=past))  # noqa: E731
    assert callback_with(client, token) == REFUSED


def test_a_token_without_expiry_is_refused(client, sso):
    token = lambda nonce: sso.sign(valid_claims(sso, nonce, exp=None))  # noqa: E731
    assert callback_with(client, token) == REFUSED


def test_a_tampered_token_is_refused(client, sso):
    def tampered(nonce: str) -> str:
        header, payload, signature = sso.sign(valid_claims(sso, nonce)).split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["sub"] = "someone-else"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"{header}.{forged}.{signature}"

    assert callback_with(client, tampered) == REFUSED


def test_a_token_signed_with_another_key_is_refused(client, sso):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = lambda nonce: sso.sign(valid_claims(sso, nonce), key=other)  # noqa: E731
    assert callback_with(client, token) == REFUSED


def test_a_token_with_an_unknown_key_id_is_refused(client, sso):
    token = lambda nonce: sso.sign(valid_claims(sso, nonce), kid="unknown")  # noqa: E731
    assert callback_with(client, token) == REFUSED


def test_an_unsigned_token_is_refused(client, sso):
    def unsigned(nonce: str) -> str:
        encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")  # noqa: E731
        claims = valid_claims(sso, nonce)
        return (
            encode({"alg": "none", "kid": "test-signing-key"}) + b"." + encode(claims) + b"."
        ).decode()

    assert callback_with(client, unsigned) == REFUSED


def test_a_token_signed_with_the_client_secret_is_refused(client, sso):
    import jwt

    token = lambda nonce: jwt.encode(  # noqa: E731
        valid_claims(sso, nonce),
        CLIENT_SECRET,
        algorithm="HS256",
        headers={"kid": "test-signing-key"},
    )
    assert callback_with(client, token) == REFUSED


def test_a_token_from_another_issuer_is_refused(client, sso):
    token = lambda nonce: sso.sign(valid_claims(sso, nonce, iss="https://evil.example"))  # noqa: E731
    assert callback_with(client, token) == REFUSED


def test_a_token_for_another_client_is_refused(client, sso):
    token = lambda nonce: sso.sign(valid_claims(sso, nonce, aud="another-app"))  # noqa: E731
    assert callback_with(client, token) == REFUSED


def test_a_token_for_several_clients_must_name_us_as_authorized_party(client, sso):
    audience = [CLIENT_ID, "another-app"]
    token = lambda nonce: sso.sign(valid_claims(sso, nonce, aud=audience))  # noqa: E731
    assert callback_with(client, token) == REFUSED
    named = lambda nonce: sso.sign(valid_claims(sso, nonce, aud=audience, azp=CLIENT_ID))  # noqa: E731
    assert callback_with(Client(), named) == (302, "/", True)


def test_a_token_with_another_nonce_is_refused(client, sso):
    token = lambda nonce: sso.sign(valid_claims(sso, "a-nonce-from-another-login"))  # noqa: E731
    assert callback_with(client, token) == REFUSED


def test_a_token_without_the_username_claim_is_refused(client, sso):
    token = lambda nonce: sso.sign(valid_claims(sso, nonce, oid=None))  # noqa: E731
    from django.test import override_settings

    with override_settings(OIDC_USERNAME_CLAIM="oid"):
        assert callback_with(client, token) == REFUSED
