import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import translation

# Paths anyone may reach: the accounts pages (login, and the password reset link; Django's own views
# there that need a user, such as the password change, require login themselves), the language
# switch, static files and the health check a load balancer calls. The JSON API authenticates every
# request itself (session or token) and answers 401 in JSON rather than redirecting a script to a
# login page.
PUBLIC_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/api/v1/")


class LanguageMiddleware:
    """Swedish unless the user chose otherwise with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; our users work in Swedish
    whatever their browser says, so only the explicit choice (the language cookie) counts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class LoginRequiredMiddleware:
    """Nobody who is not logged in sees anything but the login page.

    A safety net under the per-view checks: a view that forgets @login_required still stays private.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SessionRefreshMiddleware:
    """Sessions end after SESSION_COOKIE_AGE idle seconds, without a write on every request.

    Django's SESSION_SAVE_EVERY_REQUEST would write the session row on every page (a transaction
    of its own: three round trips to the database). Here a logged-in user's session is written,
    and its expiry pushed forward, at most once every SESSION_REFRESH_SECONDS; the idle timeout
    is then exact to within that interval.
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval = settings.SESSION_REFRESH_SECONDS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a logged-in session: never one for an API token's request or after a logout.
        if session is not None and SESSION_KEY in session:
            if int(time.time()) - session.get(self.KEY, 0) >= self.interval:
                self.stamp(request=request)  # saved, with a new expiry, on the way out
        return response

    @classmethod
    def stamp(cls, sender=None, request: HttpRequest | None = None, **_kwargs) -> None:
        """Record that the session is being written now (also connected to user_logged_in)."""
        if request is not None and hasattr(request, "session"):
            request.session[cls.KEY] = int(time.time())
