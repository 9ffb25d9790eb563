from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from benefits import calibration as benefit_calibration
from benefits import services
from benefits.forms import (
    REGISTER_OPTIONAL_COLUMNS,
    BenefitFilterForm,
    BenefitForm,
    HourlyRateForm,
    MeasurementForm,
)
from benefits.models import Benefit, Measurement, PortfolioSetting, hourly_rate
from initiatives.models import Initiative
from initiatives.services import InitiativeArchived
from organisation import permissions
from organisation.permissions import require
from portfolio import charts
from portfolio.columns import ColumnChoiceForm
from portfolio.htmx import page_or_fragment, wants_fragment


def benefit_cards(
    initiative: Initiative, *, can_edit: bool, forms: dict | None = None, user=None
) -> list[dict]:
    """Each benefit of the initiative with its figures, chart and measurement form.

    Three queries whatever the number of benefits and measurements. The figures are computed in
    Python (`attach_figures`, held equal to `with_figures` by the tests).
    """
    rate = hourly_rate()
    benefits = [
        benefit.attach_figures(rate)
        for benefit in Benefit.objects.filter(initiative=initiative).select_related("owner")
    ]
    for benefit in benefits:
        benefit.initiative = initiative  # the rights below read it: no query per benefit
    by_benefit = defaultdict(list)
    for measurement in Measurement.objects.filter(benefit__in=benefits).order_by("date"):
        by_benefit[measurement.benefit_id].append(measurement)
    forms = forms or {}
    return [
        {
            "benefit": benefit,
            "measurements": by_benefit[benefit.pk],
            "chart": charts.benefit_chart(benefit, by_benefit[benefit.pk]),
            "rows": charts.chart_rows(benefit, by_benefit[benefit.pk]),
            # A blank form is loaded when opened (measurement_create, GET); a posted one is here.
            "form": forms.get(benefit.pk),
            "can_edit": can_edit,
            # The benefit's owner records its measurements even without the right to edit it.
            "can_measure": can_edit
            or (user is not None and permissions.can_record_measurement(user, benefit)),
        }
        for benefit in benefits
    ]


def _get_initiative(request: HttpRequest, ref: str) -> Initiative:
    require(permissions.can_view(request.user))
    return get_object_or_404(permissions.visible_to(request.user), ref=ref)


def _get_benefit(request: HttpRequest, pk: int) -> Benefit:
    require(permissions.can_view(request.user))
    visible = permissions.visible_to(request.user)
    return get_object_or_404(
        Benefit.objects.select_related("initiative__department").filter(initiative__in=visible),
        pk=pk,
    )


def _saved(form: BenefitForm, benefit: Benefit, by) -> bool:
    """Save the benefit, or put the reason it cannot be saved on the form."""
    try:
        services.benefit_save(benefit=benefit, by=by)
    except services.BenefitTitleTaken as taken:
        form.add_error("title", str(taken))
        return False
    except InitiativeArchived as archived:
        form.add_error(None, str(archived))
        return False
    return True


@require_http_methods(["GET", "POST"])
@login_required
def benefit_create(request: HttpRequest, ref: str) -> HttpResponse:
    initiative = _get_initiative(request, ref)
    require(permissions.can_edit(request.user, initiative))
    form = BenefitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        benefit = form.save(commit=False)
        benefit.initiative = initiative
        if _saved(form, benefit, request.user):
            messages.success(request, _("Benefit added."))
            return redirect(f"{initiative.get_absolute_url()}#benefits")
    context = {
        "form": form,
        "initiative": initiative,
        "benefit": None,
        "calibration": benefit_calibration.for_kind(initiative.kind),
    }
    return render(request, "benefits/form.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def benefit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    benefit = _get_benefit(request, pk)
    require(permissions.can_edit_benefit(request.user, benefit))
    form = BenefitForm(request.POST or None, instance=benefit)
    if request.method == "POST" and form.is_valid():
        if _saved(form, form.save(commit=False), request.user):
            messages.success(request, _("Benefit saved."))
            return redirect(f"{benefit.initiative.get_absolute_url()}#benefit-{benefit.pk}")
    context = {
        "form": form,
        "initiative": benefit.initiative,
        "benefit": benefit,
        "calibration": benefit_calibration.for_kind(benefit.initiative.kind),
    }
    return render(request, "benefits/form.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def measurement_create(request: HttpRequest, pk: int) -> HttpResponse:
    benefit = _get_benefit(request, pk)
    require(permissions.can_record_measurement(request.user, benefit))
    if request.method == "GET":
        # The blank form: into the benefit's card when opened there, or as a page of its own.
        context = {"benefit": benefit, "form": MeasurementForm(benefit=benefit, prefix=f"m{pk}")}
        if wants_fragment(request, f"measure-{pk}"):
            return render(request, "benefits/_measurement_form.html", context)
        return render(request, "benefits/measurement_form.html", {**context, "standalone": True})
    from_check_in = request.POST.get("from") == "check-in"
    form = MeasurementForm(request.POST, benefit=benefit, prefix=f"m{benefit.pk}")
    status = 422
    saved = False
    if form.is_valid():
        try:
            services.measurement_create(benefit=benefit, by=request.user, **form.cleaned_data)
            saved = True
        except services.MeasurementExists as exists:
            # Saved by someone else, perhaps a moment ago: say what is there, keep what was typed.
            form.add_error("date", str(exists))
        except InitiativeArchived as archived:
            form.add_error(None, str(archived))
    if saved:
        if not request.htmx:
            messages.success(request, _("Measurement recorded."))
            if from_check_in:
                return redirect("initiatives:check_in")
            return redirect(f"{benefit.initiative.get_absolute_url()}#benefit-{benefit.pk}")
        form, status = None, 200
    elif not request.htmx:
        # Without JavaScript: the form as a page of its own, with the reasons and what was typed.
        context = {"benefit": benefit, "form": form, "standalone": True}
        return render(request, "benefits/measurement_form.html", context, status=422)
    forms = {benefit.pk: form} if form else {}
    if from_check_in:
        item = due_benefit_items(Benefit.objects.filter(pk=benefit.pk), forms)[0]
        context = {"item": item, "posted": status == 200}
        return render(request, "initiatives/check_in.html#benefit-row", context, status=status)
    can_edit = permissions.can_edit_benefit(request.user, benefit)
    cards = benefit_cards(benefit.initiative, can_edit=can_edit, forms=forms, user=request.user)
    card = next(card for card in cards if card["benefit"].pk == benefit.pk)
    context = {"card": card, "posted": status == 200}
    return render(request, "benefits/_benefits.html#benefit-card", context, status=status)


def due_benefit_items(benefits, forms: dict | None = None, *, only_due: bool = False) -> list[dict]:
    """Benefits with their figures and an inline measurement form, for the check-in page."""
    forms = forms or {}
    rows = benefits.with_figures(rate=hourly_rate()).select_related("initiative__department")
    if only_due:
        # The fifty most overdue: a check-in is a to-do list, not a report.
        rows = rows.filter(measurement_due=True).order_by("measurement_due_day", "id")[:50]
    return [
        {
            "benefit": benefit,
            "form": forms.get(benefit.pk)
            or MeasurementForm(benefit=benefit, prefix=f"m{benefit.pk}"),
        }
        for benefit in rows
    ]


@require_http_methods(["GET"])
@login_required
def register(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    form = BenefitFilterForm(request.GET or None)
    visible = permissions.visible_to(request.user).active()
    benefits = form.filter(
        Benefit.objects.filter(initiative__in=visible).with_figures(rate=hourly_rate())
    )
    totals = benefits.totals()
    page = Paginator(benefits.for_register(), 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "totals": totals,
        "sort": form.current_sort,
        "columns": ColumnChoiceForm(request.GET, choices=REGISTER_OPTIONAL_COLUMNS),
    }
    return render(
        request, page_or_fragment(request, "benefits/register.html", "benefit-table"), context
    )


@require_http_methods(["GET", "POST"])
@login_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    require(permissions.can_change_settings(request.user))
    setting = PortfolioSetting.current()
    form = HourlyRateForm(request.POST or None, instance=setting)
    if request.method == "POST" and form.is_valid():
        services.hourly_rate_set(rate=form.cleaned_data["hourly_rate"], by=request.user)
        messages.success(request, _("The hourly rate was saved."))
        return redirect("benefits:settings")
    context = {"form": form, "setting": setting}
    return render(request, "benefits/settings.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET"])
@login_required
def calibration(request: HttpRequest) -> HttpResponse:
    """What history teaches: realised against promised, by kind, department, category and
    confidence."""
    require(permissions.can_see_calibration(request.user))
    history = benefit_calibration.realisation_history()
    context = {
        "calibration": history,
        "chart": benefit_calibration.chart(history.by_kind) if history.enough else None,
        "min_cases": benefit_calibration.MIN_CASES,
    }
    return render(request, "benefits/calibration.html", context)
