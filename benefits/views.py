from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from benefits import calibration as benefit_calibration
from benefits import services
from benefits.forms import (
    REGISTER_OPTIONAL_COLUMNS,
    BenefitFilterForm,
    BenefitForm,
    ClosingReviewForm,
    HandOverForm,
    MeasurementForm,
    SettingsForm,
)
from benefits.models import (
    Benefit,
    FollowUp,
    Measurement,
    PortfolioSetting,
    hourly_rate,
    review_due_q,
)
from initiatives.models import Initiative
from initiatives.services import InitiativeArchived
from organisation import permissions
from organisation.permissions import require
from portfolio import charts, keyset
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
        for benefit in Benefit.objects.filter(initiative=initiative).select_related(
            "owner", "reviewed_by"
        )
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
            "state": benefit.follow_up_state(initiative),
            "can_review": user is not None and permissions.can_review_benefit(user, benefit),
        }
        for benefit in benefits
    ]


def after_project(initiative: Initiative, cards: list[dict], user) -> dict | None:
    """The closed-as-completed initiative's benefits after the project: how many wait for the
    hand-over, are followed up, have ended; None while the initiative runs or when stopped."""
    if not cards or cards[0]["state"] in (FollowUp.PROJECT, FollowUp.STOPPED):
        return None
    states = [card["state"] for card in cards]
    return {
        "waiting": states.count(FollowUp.HANDOVER),
        "following": states.count(FollowUp.AFTER),
        "reviewed": states.count(FollowUp.REVIEWED),
        "can_hand_over": permissions.can_hand_over(user, initiative),
    }


def _get_initiative(request: HttpRequest, ref: str) -> Initiative:
    require(permissions.can_view(request.user))
    return get_object_or_404(permissions.visible_to(request.user), ref=ref)


def _get_benefit(request: HttpRequest, pk: int) -> Benefit:
    """A benefit of an initiative the user may see, or one they own as benefit owner (a line
    manager without a role sees only those)."""
    user = request.user
    benefits = Benefit.objects.select_related("initiative__department")
    if permissions.can_view(user):
        return get_object_or_404(
            benefits.filter(initiative__in=permissions.visible_to(user)), pk=pk
        )
    require(permissions.can_see_own_benefits(user))
    owned = benefits.filter(owner=user, initiative__archived_at__isnull=True, pk=pk).first()
    require(owned is not None)
    return owned


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
    came_from = request.POST.get("from")
    from_check_in = came_from == "check-in"
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
            if came_from == "mine":
                return redirect(f"{reverse('benefits:mine')}#benefit-{benefit.pk}")
            if not permissions.can_view(request.user):
                return redirect("benefits:mine")
            return redirect(f"{benefit.initiative.get_absolute_url()}#benefit-{benefit.pk}")
        form, status = None, 200
    elif not request.htmx:
        # Without JavaScript: the form as a page of its own, with the reasons and what was typed.
        context = {"benefit": benefit, "form": form, "standalone": True}
        return render(request, "benefits/measurement_form.html", context, status=422)
    forms = {benefit.pk: form} if form else {}
    if came_from == "mine":
        item = own_benefit_items(request.user, Benefit.objects.filter(pk=benefit.pk), forms)[0]
        context = {"item": item, "posted": status == 200}
        return render(request, "benefits/mine.html#own-benefit", context, status=status)
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
        # The fifty most overdue: a check-in is a to-do list, not a report. A closing review is
        # due when the follow-up period after the project is over.
        review_due = review_due_q(timezone.localdate())
        rows = rows.filter(Q(measurement_due=True) | review_due).order_by(
            "measurement_due_day", "id"
        )[:50]
    return [
        {
            "benefit": benefit,
            "review_due": benefit.review_due(),
            "form": forms.get(benefit.pk)
            or MeasurementForm(benefit=benefit, prefix=f"m{benefit.pk}"),
        }
        for benefit in rows
    ]


class KnownCountPaginator(Paginator):
    """A paginator told how many rows there are, instead of counting them."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached property


def _kept_totals(form: BenefitFilterForm, rate) -> tuple[dict, int] | None:
    """The register's totals and count from the dashboard's sums, when the filter is one they
    hold (none, or a department) and they are fresh; else None (computed from the rows)."""
    from portfolio import dashboard, figures

    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    narrowed = [
        name for name in ("q", "category", "confidence", "behind", "owner") if data.get(name)
    ]
    if narrowed or (form.is_bound and not form.is_valid()) or not figures.is_fresh(rate=rate):
        return None
    department = data.get("department")
    sums = dashboard._summed(
        figures.read(department_id=getattr(department, "pk", None), goal_id=None)
    )
    totals = {
        "expected_sek_total": dashboard._money(sums, "expected"),
        "realised_sek_total": dashboard._money(sums, "realised"),
    }
    return totals, int(sums.get("benefits", 0))


@require_http_methods(["GET"])
@login_required
def register(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    form = BenefitFilterForm(request.GET or None)
    visible = permissions.visible_to(request.user).active()
    rate = hourly_rate()
    benefits = form.filter(Benefit.objects.filter(initiative__in=visible).with_figures(rate=rate))
    kept = _kept_totals(form, rate)
    if kept is not None:
        # The sums kept on write (portfolio.figures), as the dashboard reads them: no aggregate
        # and no count over every benefit.
        totals, count = kept
        paginator = KnownCountPaginator(benefits.for_register(), 50, count=count)
    else:
        totals = benefits.totals()
        paginator = Paginator(benefits.for_register(), 50)
    page = keyset.get_page(request, paginator, kind="benefits")
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
    form = SettingsForm(request.POST or None, instance=setting)
    if request.method == "POST" and form.is_valid():
        services.settings_set(values=dict(form.cleaned_data), by=request.user)
        messages.success(request, _("The settings were saved."))
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


def own_benefit_items(user, benefits, forms: dict | None = None) -> list[dict]:
    """The user's own benefits with their figures, follow-up state and a measurement form."""
    forms = forms or {}
    today = timezone.localdate()
    rows = benefits.with_figures(rate=hourly_rate(), today=today).select_related(
        "initiative__department"
    )
    items = []
    for benefit in rows:
        state = benefit.follow_up_state()
        items.append(
            {
                "benefit": benefit,
                "state": state,
                "state_label": FollowUp(state).label,
                "review_due": benefit.review_due(today),
                "can_measure": permissions.can_record_measurement(user, benefit),
                "can_review": permissions.can_review_benefit(user, benefit),
                "form": forms.get(benefit.pk)
                or MeasurementForm(benefit=benefit, prefix=f"m{benefit.pk}"),
            }
        )
    return items


@require_http_methods(["GET"])
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My benefits: those the user owns as benefit owner and still follows up, in the project
    or after it, most overdue first; the page a line manager without a role works on."""
    require(permissions.can_see_own_benefits(request.user))
    owned = (
        Benefit.objects.filter(owner=request.user, initiative__archived_at__isnull=True)
        .followed_up()
        .order_by("target_date", "id")
    )
    page = Paginator(owned, 50).get_page(request.GET.get("page"))
    ids = [benefit.pk for benefit in page]
    items = sorted(
        own_benefit_items(request.user, Benefit.objects.filter(pk__in=ids)),
        key=lambda item: ids.index(item["benefit"].pk),
    )
    context = {"page": page, "items": items}
    return render(request, "benefits/mine.html", context)


def _handover_rows(initiative: Initiative, data=None) -> list[dict]:
    """Each benefit of the closed initiative: a form while it waits for hand-over, else what was
    decided."""
    benefits = (
        Benefit.objects.filter(initiative=initiative)
        .select_related("owner", "handed_over_by", "reviewed_by")
        .order_by("title", "id")
    )
    people = HandOverForm.people()
    rows = []
    for benefit in benefits:
        benefit.initiative = initiative
        waiting = benefit.handed_over_at is None
        rows.append(
            {
                "benefit": benefit,
                "form": HandOverForm(data, benefit=benefit, people=people) if waiting else None,
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
@login_required
def handover(request: HttpRequest, ref: str) -> HttpResponse:
    """The benefit hand-over at closure: every benefit gets or confirms an owner in line
    management and a follow-up period, in one form for the whole initiative."""
    initiative = _get_initiative(request, ref)
    require(permissions.can_hand_over(request.user, initiative))
    data = request.POST if request.method == "POST" else None
    rows = _handover_rows(initiative, data)
    forms = [row["form"] for row in rows if row["form"] is not None]
    problem, status = None, 200
    # Benefits the form was opened for but that someone handed over since: refused, nothing
    # written; the page shows what they decided, and the other forms keep what was typed.
    gone = [
        row["benefit"]
        for row in rows
        if row["form"] is None and data is not None and f"b{row['benefit'].pk}-owner" in data
    ]
    if gone:
        problem, status = str(services.HandedOverAlready(gone)), 409
    elif request.method == "POST":
        if forms and all(form.is_valid() for form in forms):
            entries = [
                services.HandOver(
                    benefit_id=form.benefit.pk,
                    owner_id=form.cleaned_data["owner"].pk,
                    follow_up_until=form.cleaned_data["follow_up_until"],
                )
                for form in forms
            ]
            try:
                services.handover(initiative=initiative, entries=entries, by=request.user)
            except services.HandedOverAlready as already:
                problem, status = str(already), 409
                # Show what is there now; the forms keep what was typed for the others.
                done = {benefit.pk for benefit in already.benefits}
                fresh = {row["benefit"].pk: row for row in _handover_rows(initiative)}
                rows = [
                    fresh[row["benefit"].pk] if row["benefit"].pk in done else row for row in rows
                ]
            except (services.NotHandedOver, InitiativeArchived) as refused:
                problem, status = str(refused), 409
            else:
                messages.success(
                    request,
                    _(
                        "The benefits were handed over. Their owners are reminded when a "
                        "measurement or the closing review is due."
                    ),
                )
                return redirect(f"{initiative.get_absolute_url()}#after-project")
        elif not forms:
            problem, status = _("Every benefit has been handed over already."), 409
        else:
            status = 422
    context = {
        "initiative": initiative,
        "rows": rows,
        "waiting": sum(1 for row in rows if row["form"] is not None),
        "problem": problem,
    }
    return render(request, "benefits/handover.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def closing_review(request: HttpRequest, pk: int) -> HttpResponse:
    """End a benefit's follow-up after the project: the closing measurement and a realisation
    review (realised, partly, not; why)."""
    benefit = _get_benefit(request, pk)
    if benefit.reviewed_at is not None:
        # Already ended (another tab, a second click): say so rather than refuse bare.
        require(permissions.can_record_measurement(request.user, benefit))
        context = {"benefit": benefit, "form": None, "problem": None}
        return render(request, "benefits/closing_review.html", context, status=200)
    require(permissions.can_review_benefit(request.user, benefit))
    form = ClosingReviewForm(request.POST or None, benefit=benefit)
    problem = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.closing_review(
                benefit=benefit,
                date=data["date"],
                value=data["value"],
                note=data["note"],
                outcome=data["outcome"],
                review_text=data["review_text"],
                by=request.user,
            )
        except services.MeasurementExists as exists:
            form.add_error("date", str(exists))
        except (services.ReviewedAlready, services.NotHandedOver, InitiativeArchived) as refused:
            problem = str(refused)
        else:
            messages.success(request, _("The follow-up of the benefit has ended. Thank you."))
            if permissions.can_view(request.user):
                return redirect(f"{benefit.initiative.get_absolute_url()}#benefit-{benefit.pk}")
            return redirect("benefits:mine")
    status = 409 if problem else 422 if form.errors else 200
    context = {"benefit": benefit, "form": form, "problem": problem}
    return render(request, "benefits/closing_review.html", context, status=status)
