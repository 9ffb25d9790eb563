from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from organisation import permissions, users

LANDING = {
    permissions.OFFICE: "portfolio:start",
    permissions.DEPARTMENT_HEAD: "initiatives:check_in",
    permissions.EXECUTIVE: "portfolio:dashboard",
}


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    # A user without a role (a first single sign-on login) is told whom to ask, not shown a 403.
    if not permissions.can_view(request.user):
        # A line manager who owns benefits works on them without any role.
        if (
            request.user.owned_benefits.followed_up()
            .filter(initiative__archived_at__isnull=True)
            .exists()
        ):
            return redirect("benefits:mine")
        context = {"contacts": users.office_contacts()}
        return render(request, "organisation/no_role.html", context)
    # Each role starts where its work is.
    return redirect(LANDING.get(permissions.role(request.user), "initiatives:list"))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    # For a load balancer: the process answers and the database is reachable.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
