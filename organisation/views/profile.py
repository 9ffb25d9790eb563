"""A user's own page: name, e-mail, language; links to the password and API tokens pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from organisation import permissions, users
from organisation.signals import language_chosen
from organisation.user_forms import ProfileForm


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """As Django's set_language view does; portfolio.middleware.LanguageMiddleware reads it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """Everyone logged in, with or without a role."""
    user = request.user
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": translation.get_language(),
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        users.profile_update(
            user=user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
        )
        language_chosen.send(sender=None, user=user, language=data["language"])
        with translation.override(data["language"]):
            messages.success(request, _("Your details were saved."))
        response = redirect("organisation:profile")
        set_language_cookie(response, data["language"])
        return response
    context = {
        "form": form,
        "role_label": users.ROLE_LABELS[users.role_of(user)],
        "departments": user.departments.order_by("name"),
        "can_use_api": permissions.can_view(user),
    }
    return render(request, "organisation/profile.html", context, status=422 if form.errors else 200)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the header's switch), remembering a logged-in user's choice for
    what is written to them later (e-mails)."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in {code for code, _name in settings.LANGUAGES}:
        language_chosen.send(sender=None, user=request.user, language=language)
    return response
