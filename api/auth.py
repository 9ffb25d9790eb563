"""Who is calling the API: a personal token (`Authorization: Bearer <token>`) or the session.

Both end in the same place as the pages: `request.user`, judged by `portfolio.permissions`. A token
that is presented but unknown or revoked is refused outright (401), even when a session cookie
comes along, so a script never silently runs as whoever is logged in in the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.security import HttpBearer, SessionAuth

from api.models import ApiToken
from organisation import permissions

NO_CREDENTIALS = "Log in, or send a personal API token: Authorization: Bearer <token>."
NO_ROLE = "Your account has no role in the portfolio; ask the digitalization office for one."


def _with_role(user):
    if not permissions.can_view(user):
        raise AuthorizationError(message=NO_ROLE)
    return user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        api_token = ApiToken.authenticate(token.strip())
        if api_token is None:
            raise AuthenticationError(message="Unknown or revoked API token.")
        api_token.touch()
        # The permissions module reads request.user, as it does for the pages.
        request.user = api_token.user
        return _with_role(api_token.user)


class Session(SessionAuth):
    """Django's session; the API is read-only, and GET needs no CSRF token."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        return _with_role(user) if user is not None else None


AUTH = [BearerToken(), Session()]


def authenticated(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's authentication for views outside its operations (the OpenAPI schema)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        for auth in AUTH:
            try:
                user = auth(request)
            except HttpError as error:
                return JsonResponse({"detail": error.message}, status=error.status_code)
            if user:
                return view(request, *args, **kwargs)
        response = JsonResponse({"detail": NO_CREDENTIALS}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    return wrapper
