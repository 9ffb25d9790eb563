"""The login request and the provider's callback: mozilla-django-oidc's views, made failure-proof.

Whatever comes back to the callback (no code, an unknown or replayed state, an error from the
provider, a token that fails verification, a provider that is down) ends on the login page with a
message, never in a 500; the cause is logged for the administrator.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from sso import oidc
from sso.services import LoginRefused

LOGGER = logging.getLogger(__name__)

# Everything a hostile or broken callback can raise on its way through the library and our backend.
LOGIN_ERRORS = (
    LoginRefused,
    oidc.DiscoveryError,
    SuspiciousOperation,
    jwt.PyJWTError,
    requests.RequestException,
    KeyError,
    TypeError,
    ValueError,
)


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME or _("single sign-on")


def back_to_login(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect(settings.LOGIN_URL)


class LoginView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with state, nonce and a PKCE challenge (the library's)."""

    def __init__(self, **kwargs) -> None:
        # The library reads the endpoints from settings here; ours come from discovery, on use.
        View.__init__(self, **kwargs)

    @property
    def OIDC_OP_AUTH_ENDPOINT(self) -> str:  # noqa: N802 - the library's attribute name
        return oidc.provider_config().authorization_endpoint

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:  # noqa: N802
        return settings.OIDC_RP_CLIENT_ID

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc.enabled():
            raise Http404(_("Single sign-on is not configured."))
        try:
            oidc.provider_config()
        except oidc.DiscoveryError as error:
            LOGGER.error("Single sign-on is unavailable: %s", error)
            return back_to_login(
                request,
                _("Logging in with %(provider)s is not possible right now. Please try again later.")
                % {"provider": provider_name()},
            )
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back; the library checks state, nonce and token."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc.enabled():
            raise Http404(_("Single sign-on is not configured."))
        try:
            return super().get(request)
        except LOGIN_ERRORS as error:
            LOGGER.warning("Single sign-on login refused: %s: %s", type(error).__name__, error)
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        if self.request.GET.get("error") == "access_denied":
            message = _("The login with %(provider)s was cancelled.")
        else:
            message = _("The login with %(provider)s did not succeed. Please try again.")
        return back_to_login(self.request, message % {"provider": provider_name()})


def remember_id_token_for_logout(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """On logout, keep the ID token the session is about to lose, for the provider's logout.

    Connected to user_logged_out, which Django sends before it flushes the session, so every way
    of logging out (our page, the admin's) also ends the provider's session; sso.middleware sends
    the browser there.
    """
    if request is not None and hasattr(request, "session"):
        id_token = request.session.get("oidc_id_token")
        if id_token:
            request.sso_logout_id_token = id_token


def post_logout_redirect_uri(request: HttpRequest) -> str:
    """Where the provider sends the browser after its logout: our login page (register it there)."""
    return request.build_absolute_uri(
        resolve_url(settings.LOGOUT_REDIRECT_URL or settings.LOGIN_URL)
    )
