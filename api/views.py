"""The profile page where a user creates and revokes their personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from api.forms import TokenForm
from api.models import ApiToken
from organisation import permissions
from organisation.permissions import require


@never_cache  # the response to a create carries the secret: keep it out of every cache
@require_http_methods(["GET", "POST"])
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's tokens; a new one's secret is shown in the response that creates it, once."""
    require(permissions.can_view(request.user))
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = ApiToken.issue(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    context = {
        "form": form,
        "tokens": ApiToken.objects.for_profile(request.user),
        "secret": secret,
    }
    return render(request, "api/tokens.html", context, status=422 if form.errors else 200)


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user))
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    token.revoke()
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api:tokens")
