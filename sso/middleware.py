from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sso import oidc
from sso.views import post_logout_redirect_uri

# With PASSWORD_LOGIN=false these are refused, not only hidden: a password form posted by a script
# must fail as surely as one typed in.
PASSWORD_RESET_VIEWS = frozenset(
    {"password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete"}
)
PASSWORD_LOGIN_VIEWS = frozenset({"login", "admin:login"})


class SingleSignOnMiddleware:
    """Password login off, the provider's logout, and the logout form's way to the provider.

    - PASSWORD_LOGIN=false: a password sent to the login pages, and every password reset page,
      is answered 403 with a link to single sign-on.
    - After any logout of a single sign-on session, the redirect goes to the provider's
      end_session_endpoint (with id_token_hint and post_logout_redirect_uri) instead, so the
      provider's session ends too and the next login asks for the password again.
    - The provider's origin is added to the page's form-action: browsers check a form's redirects
      against it, and the logout form's redirect leads to the provider.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not oidc.enabled():
            return response
        id_token = getattr(request, "sso_logout_id_token", None)
        if id_token and response.status_code in {301, 302, 303}:
            url = oidc.end_session_url(
                id_token=id_token, post_logout_redirect_uri=post_logout_redirect_uri(request)
            )
            if url:
                response["Location"] = url
        update = dict(getattr(response, "_csp_update", None) or {})
        update["form-action"] = [*update.get("form-action", []), *oidc.provider_origins()]
        response._csp_update = update
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if settings.PASSWORD_LOGIN:
            return None
        match = request.resolver_match
        name = match.view_name if match else None
        if name in PASSWORD_RESET_VIEWS or (
            name in PASSWORD_LOGIN_VIEWS and request.method not in {"GET", "HEAD"}
        ):
            return render(request, "sso/password_login_off.html", status=403)
        return None
