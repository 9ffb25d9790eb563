"""mozilla-django-oidc's authentication backend, with the endpoints found by discovery.

The library does the protocol: the code exchange (with the PKCE verifier), the ID token's signature
against the provider's JWKS, its algorithm, expiry and nonce. This subclass adds what the library
leaves out and OpenID Connect Core 3.1.3.7 requires (the token's issuer and audience), takes the
claims from the ID token and the userinfo endpoint together, and finds users by a stable claim.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from sso import oidc
from sso.services import LoginRefused, user_from_claims

# Claims an ID token must carry (OpenID Connect Core 2); PyJWT checks exp only when it is present.
REQUIRED_ID_TOKEN_CLAIMS = ("iss", "sub", "aud", "exp", "iat")


class Backend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs) -> None:
        # Django instantiates backends on every request of a logged-in user: no settings checks and
        # no network here (the library's __init__ wants the endpoints as settings).
        self.UserModel = get_user_model()

    OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:  # noqa: N802 - the library's attribute names
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:  # noqa: N802
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:  # noqa: N802
        return settings.OIDC_RP_SIGN_ALGO

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # noqa: N802
        return oidc.provider_config().token_endpoint

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:  # noqa: N802
        return oidc.provider_config().jwks_uri

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str | None:  # noqa: N802
        return oidc.provider_config().userinfo_endpoint

    def authenticate(self, request, **kwargs):
        # Only the callback view, which checked the state and passes the nonce it stored, may
        # exchange a code: a password form posted to ?code=…&state=… must not reach the provider.
        if request is None or kwargs.get("nonce") is None or not oidc.enabled():
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if "nonce" in kwargs:  # the ID token (the library also verifies a signed userinfo here)
            check_id_token_claims(payload)
        return payload

    def get_userinfo(self, access_token, id_token, payload) -> dict:
        """The ID token's claims, completed by the userinfo endpoint's when there is one.

        Entra ID puts `groups` and `oid` only in the ID token; other providers put e-mail and names
        only in userinfo. The verified ID token wins where both have a claim.
        """
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if not isinstance(userinfo, Mapping) or userinfo.get("sub") != payload.get("sub"):
                # Core 5.3.2: a userinfo answer about someone else must not be used.
                raise LoginRefused("the userinfo response names another subject")
            claims = {**userinfo, **payload}
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        # Refusals raise (the callback view answers them) instead of returning None, which Django
        # would count as a failed password login for django-axes: with no username to lock, that
        # could lock out a whole city hall behind one address.
        return user_from_claims(claims=self.get_userinfo(access_token, id_token, payload))


def check_id_token_claims(payload: Mapping) -> None:
    """The ID token was issued by our provider, for us (OpenID Connect Core 3.1.3.7)."""
    missing = [name for name in REQUIRED_ID_TOKEN_CLAIMS if name not in payload]
    if missing:
        raise LoginRefused(f"the ID token lacks {', '.join(missing)}")
    issuer = oidc.provider_config().issuer
    if payload["iss"] != issuer:
        raise LoginRefused(f"the ID token was issued by {payload['iss']!r}, not {issuer!r}")
    audience = payload["aud"] if isinstance(payload["aud"], list) else [payload["aud"]]
    client_id = settings.OIDC_RP_CLIENT_ID
    if client_id not in audience:
        raise LoginRefused("the ID token was issued for another client")
    if len(audience) > 1 and payload.get("azp") != client_id:
        raise LoginRefused("the ID token's authorized party is another client")
