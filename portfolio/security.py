"""Guards against input that would reach the database in a form it cannot store."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
# django-axes logs each failed login's username in a varchar(255).
AXES_USERNAME_LENGTH = 255


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username axes records and locks on, cut to what its log can hold.

    Without this a 300-character username made the attempt log fail (500 on PostgreSQL) instead of
    answering "wrong username or password".
    """
    data = credentials if credentials is not None else getattr(request, "data", request.POST)
    username = data.get("username")
    return username[:AXES_USERNAME_LENGTH] if isinstance(username, str) else username


def _holds_nul(values) -> bool:
    return any("\x00" in value for value in values)


def _query_holds_nul(query) -> bool:
    return any("\x00" in key or _holds_nul(values) for key, values in query.lists())


class RejectNulMiddleware:
    """Answer 400 to a request carrying a NUL character in its path, query, cookies or form.

    PostgreSQL cannot store or compare text with NUL in it: a lookup such as /initiatives/A%00/
    raised an error (500) deep in the ORM. Django's form CharFields refuse NUL already; this covers
    every other way text reaches a query (URL parts, filters, choice fields, the session cookie).
    Uploaded files are left to the importers, which name the row and column.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The JSON API validates its own parameters and names the one at fault (in JSON).
        api = request.path.startswith(API_PREFIX)
        if (
            "\x00" in request.path
            or _holds_nul(request.COOKIES.values())
            or (not api and _query_holds_nul(request.GET))
            or (not api and request.method == "POST" and _query_holds_nul(request.POST))
        ):
            message = _("The request holds a NUL character, which is not allowed.")
            if api:
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
