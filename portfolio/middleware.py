from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import translation

# Paths anyone may reach: the login page itself, the language switch, static files and the health
# check a load balancer calls. The JSON API authenticates every request itself (session or token)
# and answers 401 in JSON rather than redirecting a script to a login page.
PUBLIC_PREFIXES = ("/accounts/login/", "/i18n/", "/static/", "/healthz", "/api/v1/")


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
