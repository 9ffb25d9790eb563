"""The initiative's cost lines, edited inline on its page, and its business case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from initiatives.cost_forms import CostLineFormSet, initial_lines
from initiatives.costs import cost_lines_save
from initiatives.models import Initiative
from initiatives.services import EditConflict, InitiativeArchived
from organisation import permissions
from organisation.models import Department
from organisation.permissions import require
from portfolio import business_case, charts
from portfolio.htmx import wants_fragment

FORM_FRAGMENT = "cost-form"
CASE_FRAGMENT = "business-case"


def case_context(request: HttpRequest, initiative: Initiative) -> dict:
    """What the initiative page's "Costs and business case" block shows."""
    case = business_case.initiative_case(initiative)
    return {
        "initiative": initiative,
        "case": case,
        "cost_lines": case.lines,
        "case_chart": charts.business_case_chart(case) if case.has_money else None,
        "can_edit_costs": permissions.can_edit(request.user, initiative),
    }


def _payers(initiative: Initiative):
    """Departments a line may name: those in use, and any a line names already."""
    named = initiative.cost_lines.filter(payer__isnull=False).values("payer_id")
    return Department.objects.filter(Q(archived_at__isnull=True) | Q(pk__in=named)).order_by("name")


def _initial(initiative: Initiative) -> list[dict]:
    return initial_lines(initiative.cost_lines.order_by("year", "kind", "id"))


@require_http_methods(["GET", "POST"])
@login_required
def cost_lines(request: HttpRequest, ref: str) -> HttpResponse:
    """Edit the cost lines: every line of the initiative in one form, saved all or nothing.

    A page of its own, or, asked by htmx, the form in place of the initiative page's "Costs and
    business case" block, which comes back once saved. Posts the version the form was opened
    on; when someone saved the initiative since, nothing is written and the form comes back
    with what the user typed beside the lines as saved now.
    """
    require(permissions.can_view(request.user))
    initiative = get_object_or_404(
        permissions.visible_to(request.user).select_related("department"), ref=ref
    )
    require(permissions.can_edit(request.user, initiative))
    payers = _payers(initiative)
    status, saved_now, opened = 200, None, initiative.version
    if request.method == "POST":
        formset = CostLineFormSet(request.POST, departments=payers)
        posted = request.POST.get("version", "")
        opened = int(posted) if posted.isdigit() else 0
        status = 422
        if formset.is_valid():
            try:
                initiative = cost_lines_save(
                    initiative=initiative, lines=formset.lines(), opened_version=opened,
                    by=request.user,
                )  # fmt: skip
            except InitiativeArchived as archived:
                messages.error(request, str(archived))
                if request.htmx:  # the whole page again, with the message; not in the block
                    return HttpResponseClientRedirect(initiative.get_absolute_url())
                return redirect(initiative)
            except EditConflict as conflict:
                status, initiative = 409, conflict.current
                # The form is now opened on the saved version: saving again replaces it.
                saved_now, opened = (
                    list(initiative.cost_lines.select_related("payer")),
                    initiative.version,
                )
            else:
                if request.htmx:
                    context = {**case_context(request, initiative), "saved": True}
                    return render(request, f"initiatives/detail.html#{CASE_FRAGMENT}", context)
                messages.success(request, _("The cost lines were saved."))
                return redirect(f"{initiative.get_absolute_url()}#{CASE_FRAGMENT}")
    else:
        formset = CostLineFormSet(initial=_initial(initiative), departments=payers)
    context = {
        "initiative": initiative,
        "formset": formset,
        "version": opened,
        "saved_now": saved_now,
    }
    template = "initiatives/costs.html"
    if wants_fragment(request, CASE_FRAGMENT):
        template += f"#{FORM_FRAGMENT}"  # the form in place of the block, same element id
    return render(request, template, context, status=status)
