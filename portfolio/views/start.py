from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from organisation import permissions
from organisation.permissions import require
from organisation.signals import previous_login
from portfolio.start import start_context


@require_GET
@login_required
def start_page(request: HttpRequest) -> HttpResponse:
    require(permissions.is_office(request.user))
    context = start_context(user=request.user, since=previous_login(request))
    return render(request, "portfolio/start.html", context)
