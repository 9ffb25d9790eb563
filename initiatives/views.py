from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from benefits.models import Benefit, PortfolioSetting, hourly_rate
from benefits.views import after_project, benefit_cards, due_benefit_items
from initiatives import costs, history, services
from initiatives.cost_views import case_context
from initiatives.forms import (
    SORT_COLUMNS,
    CheckInFilterForm,
    InitiativeFilterForm,
    InitiativeForm,
    LessonForm,
    LessonSearchForm,
    ProgressUpdateForm,
    StageChangeForm,
    StageDecisionForm,
)
from initiatives.models import Initiative, Lesson, Outcome, Stage, StageChange
from organisation import permissions
from organisation.permissions import require
from portfolio import business_case, keyset
from portfolio.columns import ColumnChoiceForm
from portfolio.htmx import page_or_fragment, wants_fragment
from portfolio.views.goals import alignment_context


def _get_visible(request: HttpRequest, ref: str) -> Initiative:
    require(permissions.can_view(request.user))
    return get_object_or_404(
        permissions.visible_to(request.user).select_related("department", "owner").with_health(),
        ref=ref,
    )


# Chosen by the reader ("Columns"): the business case of each initiative on the page
# (portfolio.business_case.figures_for), four queries whatever the page size.
LIST_OPTIONAL_COLUMNS = [
    ("economics", gettext_lazy("Net present value, benefit-cost ratio and payback year")),
]


@require_http_methods(["GET"])
@login_required
def initiative_list(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    form = InitiativeFilterForm(request.GET or None, user=request.user)
    initiatives = form.filter(permissions.visible_to(request.user).for_list())
    paginator = Paginator(initiatives, settings.INITIATIVES_PER_PAGE)
    page = keyset.get_page(request, paginator, kind="initiatives")
    columns = ColumnChoiceForm(request.GET or None, choices=LIST_OPTIONAL_COLUMNS)
    if "economics" in columns.chosen:
        page.object_list = list(page.object_list)  # one query, and the figures stay on the rows
        found = business_case.figures_for([initiative.pk for initiative in page.object_list])
        for initiative in page.object_list:
            initiative.economics = found.get(initiative.pk)
    context = {
        "form": form,
        "page": page,
        "sort": form.current_sort,
        "sort_columns": SORT_COLUMNS,
        "columns": columns,
    }
    return render(
        request, page_or_fragment(request, "initiatives/list.html", "initiative-table"), context
    )


def detail_context(request: HttpRequest, initiative: Initiative, **forms) -> dict:
    user = request.user
    can_edit = permissions.can_edit(user, initiative)
    return {
        "initiative": initiative,
        "stage_changes": initiative.stage_changes.select_related("proposed_by", "decided_by"),
        "updates": initiative.progress_updates.select_related("author"),
        "lessons": initiative.lessons.select_related("author"),
        "can_edit": can_edit,
        "can_change_stage": permissions.can_change_stage_directly(user, initiative)
        or permissions.can_propose_stage(user, initiative),
        "can_decide": permissions.can_decide_stage(user),
        "can_archive": permissions.can_archive(user, initiative),
        # The blank forms are loaded when opened (_entry_form); a posted one comes back here.
        "update_form": forms.get("update_form"),
        "update_entry": entry_form(initiative, "update", forms.get("update_form")),
        "lesson_entry": entry_form(initiative, "lesson", forms.get("lesson_form")),
        "decision_form": StageDecisionForm(),
        **benefits_context(initiative, can_edit=can_edit, user=user),
        **alignment_context(request, initiative),
        **case_context(request, initiative),
    }


def benefits_context(initiative: Initiative, *, can_edit: bool, user) -> dict:
    cards = benefit_cards(initiative, can_edit=can_edit, user=user)
    return {"benefit_cards": cards, "after_project": after_project(initiative, cards, user)}


@require_http_methods(["GET"])
@login_required
def initiative_detail(request: HttpRequest, ref: str) -> HttpResponse:
    initiative = _get_visible(request, ref)
    return render(request, "initiatives/detail.html", detail_context(request, initiative))


@require_http_methods(["GET"])
@login_required
def initiative_history(request: HttpRequest, ref: str) -> HttpResponse:
    """Who changed what, and when: a page of its own, or the fragment the initiative's page
    loads when its "Change history" is opened (it is not built for every view of the page)."""
    initiative = _get_visible(request, ref)
    context = {"initiative": initiative, "history": history.initiative_history(initiative)}
    return render(
        request, page_or_fragment(request, "initiatives/history.html", "change-history"), context
    )


@require_http_methods(["GET", "POST"])
@login_required
def initiative_create(request: HttpRequest) -> HttpResponse:
    require(permissions.can_create(request.user))
    form = InitiativeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            initiative = services.initiative_create(
                initiative=form.save(commit=False), by=request.user
            )
            # The money typed becomes the initiative's cost lines (initiatives.costs).
            costs.reconcile(
                initiative,
                {name: form.cleaned_data.get(name) for name in costs.MONEY_FIELDS},
                by=request.user,
                horizon=PortfolioSetting.current().horizon_years,
            )
        messages.success(request, _("Initiative %(ref)s created.") % {"ref": initiative.ref})
        return _redirect(request, initiative.get_absolute_url())
    status = 422 if form.errors else 200
    context = {"form": form, "initiative": None}
    template = page_or_fragment(request, "initiatives/form.html", "initiative-form")
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def initiative_edit(request: HttpRequest, ref: str) -> HttpResponse:
    initiative = _get_visible(request, ref)
    require(permissions.can_edit(request.user, initiative))
    form = InitiativeForm(request.POST or None, instance=initiative, user=request.user)
    context = {"form": form, "initiative": initiative}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 422
        else:
            try:
                saved = services.initiative_update(
                    initiative=initiative,
                    values=form.values_to_save(),
                    opened_version=form.cleaned_data["version"],
                    by=request.user,
                )
            except services.EditConflict as conflict:
                context.update(_conflict_context(request, conflict, form))
                status = 409
            except services.InitiativeArchived as refused:
                return _refused(request, initiative, refused)
            else:
                messages.success(request, _saved_message(form, saved))
                return _redirect(request, initiative.get_absolute_url())
    template = page_or_fragment(request, "initiatives/form.html", "initiative-form")
    return render(request, template, context, status=status)


def _saved_message(form: InitiativeForm, saved: services.EditSaved) -> str:
    if not saved.merged:
        return _("Your changes were saved.")
    if not saved.kept_theirs:
        return _(
            "Someone else saved this initiative while you were editing. Your changes were "
            "saved together with theirs."
        )
    fields = ", ".join(str(form.fields[name].label) for name in saved.kept_theirs)
    return _(
        "Someone else saved this initiative while you were editing. Your changes were saved, "
        "and theirs were kept: %(fields)s."
    ) % {"fields": fields}


def _conflict_context(
    request: HttpRequest, conflict: services.EditConflict, form: InitiativeForm
) -> dict:
    """The form again, opened on the saved version: what only they changed shows their value,
    what you changed keeps yours, and each field you both changed asks for a choice, so a
    second save can never overwrite their change unless you chose to."""
    current = conflict.current
    initial = {name: form.cleaned_data[name] for name in conflict.yours}
    initial.update(version=current.version, conflicts=",".join(conflict.conflicts))
    return {
        "form": InitiativeForm(instance=current, initial=initial, user=request.user),
        "conflict": history.values_changed_since(current, form.cleaned_data["version"]),
        "merge_problems": conflict.problems,
        "current": current,
    }


def _refused(request: HttpRequest, initiative: Initiative, refused: Exception) -> HttpResponse:
    """A write the initiative's state forbids (it was archived meanwhile): 409 with the reason,
    nothing written. htmx shows it in place of the page's main content."""
    context = {
        "initiative": initiative,
        "reason": str(refused),
        "visible": permissions.visible_to(request.user).filter(pk=initiative.pk).exists(),
    }
    if request.htmx:
        response = render(request, "initiatives/refused.html#refused", context, status=409)
        return reswap(retarget(response, "#main"), "innerHTML")
    return render(request, "initiatives/refused.html", context, status=409)


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_http_methods(["GET", "POST"])
@login_required
def stage_change(request: HttpRequest, ref: str) -> HttpResponse:
    initiative = _get_visible(request, ref)
    direct = permissions.can_change_stage_directly(request.user, initiative)
    require(direct or permissions.can_propose_stage(request.user, initiative))
    form = StageChangeForm(request.POST or None, initiative=initiative, may_override=direct)
    if request.method == "POST" and form.is_valid():
        action = services.stage_change if direct else services.stage_propose
        try:
            action(initiative=initiative, by=request.user, **form.cleaned_data)
        except services.StageRuleError as error:
            form.add_error(None, str(error))
        except services.InitiativeArchived as refused:
            return _refused(request, initiative, refused)
        else:
            if direct:
                messages.success(request, _("The stage was changed."))
                if handover := _handover_next(initiative):
                    return redirect(handover)
            else:
                messages.success(request, _("Your proposal was sent to the office for decision."))
            return redirect(initiative)
    context = {"form": form, "initiative": initiative, "direct": direct}
    return render(
        request, "initiatives/stage_change.html", context, status=422 if form.errors else 200
    )


@require_POST
@login_required
def stage_decide(request: HttpRequest, ref: str, pk: int) -> HttpResponse:
    initiative = _get_visible(request, ref)
    require(permissions.can_decide_stage(request.user))
    change = get_object_or_404(StageChange, pk=pk, initiative=initiative)
    form = StageDecisionForm(request.POST)
    problems = [
        # Shown above the form: name the field each is about.
        f"{form.fields[name].label}: {error}" if name in form.fields else error
        for name, errors in form.errors.items()
        for error in errors
    ]
    if not problems:
        try:
            services.stage_decide(
                change=change,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
                registry_number=form.cleaned_data["registry_number"],
                minutes_url=form.cleaned_data["minutes_url"],
                by=request.user,
            )
        except services.StageRuleError as error:
            problems.append(str(error))
        except services.InitiativeArchived as refused:
            return _refused(request, initiative, refused)
        else:
            messages.success(request, _("The decision was recorded."))
            if form.cleaned_data["decision"] == "approve" and (
                handover := _handover_next(initiative)
            ):
                return redirect(handover)
            return redirect(
                request.POST.get("next") == "proposals" and "initiatives:proposals" or initiative
            )
    # Refused: the same page again, this proposal's form with the reasons and what was typed.
    posted = {"change": change.pk, "data": request.POST, "problems": problems}
    if request.POST.get("next") == "proposals":
        return render(
            request, "initiatives/stage_proposals.html", _proposals_context(posted), status=422
        )
    context = {**detail_context(request, initiative), "posted": posted}
    return render(request, "initiatives/detail.html", context, status=422)


def _handover_next(initiative: Initiative) -> str | None:
    """Closing as completed opens the benefit hand-over: its page, when a benefit waits."""
    initiative.refresh_from_db(fields=["stage", "outcome"])
    if initiative.stage != Stage.CLOSED or initiative.outcome != Outcome.COMPLETED:
        return None
    if not Benefit.objects.filter(initiative=initiative, handed_over_at__isnull=True).exists():
        return None
    return reverse("benefits:handover", args=[initiative.ref])


def _proposals_context(posted: dict | None = None) -> dict:
    proposals = list(StageChange.objects.waiting_with_evidence(rate=hourly_rate()))
    for change in proposals:
        initiative = change.initiative
        # Spend against budget, shown beside the proposal; none without a budget.
        change.spent_share = (
            Decimal(initiative.cost_to_date) / initiative.budget
            if initiative.budget and initiative.cost_to_date is not None
            else None
        )
    return {"proposals": proposals, "decision_form": StageDecisionForm(), "posted": posted}


@require_http_methods(["GET"])
@login_required
def stage_proposals(request: HttpRequest) -> HttpResponse:
    require(permissions.can_decide_stage(request.user))
    return render(request, "initiatives/stage_proposals.html", _proposals_context())


# The two forms an initiative's page loads when opened: (url name, section their post swaps,
# button, heading: the fold-out's summary and the title of the page they also have).
ENTRY_FORMS = {
    "update": ("initiatives:progress_update", "progress-updates", gettext_lazy("Post update"),
               gettext_lazy("Post a progress update")),
    "lesson": ("initiatives:lesson_create", "lessons", gettext_lazy("Save lesson"),
               gettext_lazy("Record a lesson")),
}  # fmt: skip


def entry_form(initiative: Initiative, name: str, form=None) -> dict:
    """What initiatives/_entry_form.html and _entry_details.html need of one of ENTRY_FORMS;
    form is None until it is loaded, or a posted form coming back."""
    url_name, section, button, heading = ENTRY_FORMS[name]
    return {
        "form": form,
        "form_id": f"{name}-form",
        "action": reverse(url_name, args=[initiative.ref]),
        "section": section,
        "button": button,
        "heading": heading,
    }


def _entry_form(request: HttpRequest, initiative: Initiative, name: str, form) -> HttpResponse:
    """A blank progress update or lesson form: into the initiative's page, or as a page."""
    context = {"initiative": initiative, "entry": entry_form(initiative, name, form)}
    if wants_fragment(request, f"{name}-form"):
        return render(request, "initiatives/_entry_form.html", context)
    return render(request, "initiatives/entry_form.html", {**context, "standalone": True})


@require_http_methods(["GET", "POST"])
@login_required
def progress_update_create(request: HttpRequest, ref: str) -> HttpResponse:
    initiative = _get_visible(request, ref)
    require(permissions.can_edit(request.user, initiative))
    if request.method == "GET":
        return _entry_form(request, initiative, "update", ProgressUpdateForm())
    from_check_in = request.POST.get("from") == "check-in"
    prefix = f"u{initiative.pk}" if from_check_in else None
    form = ProgressUpdateForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            services.progress_update_create(
                initiative=initiative, by=request.user, **form.cleaned_data
            )
        except services.InitiativeArchived as refused:
            return _refused(request, initiative, refused)
        if not request.htmx:
            messages.success(request, _("Progress update posted."))
            return redirect("initiatives:check_in" if from_check_in else initiative)
        initiative = _get_visible(request, ref)
        form = ProgressUpdateForm(prefix=prefix)
        status = 200
    else:
        status = 422
    if from_check_in:
        context = {"item": _check_in_item(initiative, form), "posted": status == 200}
        return render(request, "initiatives/check_in.html#check-in-row", context, status=status)
    context = detail_context(request, initiative, update_form=form)
    context["posted"] = status == 200
    template = "initiatives/detail.html" + ("#progress-updates" if request.htmx else "")
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def lesson_create(request: HttpRequest, ref: str) -> HttpResponse:
    initiative = _get_visible(request, ref)
    require(permissions.can_edit(request.user, initiative))
    if request.method == "GET":
        return _entry_form(request, initiative, "lesson", LessonForm())
    form = LessonForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.lesson_create(initiative=initiative, by=request.user, **form.cleaned_data)
        except services.InitiativeArchived as refused:
            return _refused(request, initiative, refused)
        if not request.htmx:
            messages.success(request, _("Lesson recorded."))
            return redirect(initiative)
        form, status = LessonForm(), 200
    context = detail_context(request, initiative, lesson_form=form)
    template = "initiatives/detail.html" + ("#lessons" if request.htmx else "")
    return render(request, template, context, status=status)


@require_POST
@login_required
def initiative_archive(request: HttpRequest, ref: str) -> HttpResponse:
    initiative = _get_visible(request, ref)
    require(permissions.can_archive(request.user, initiative))
    if initiative.is_archived:
        services.initiative_restore(initiative=initiative, by=request.user)
        messages.success(request, _("The initiative was restored."))
    else:
        services.initiative_archive(initiative=initiative, by=request.user)
        messages.success(request, _("The initiative was archived. It can be restored."))
    return redirect(initiative)


def _check_in_item(initiative: Initiative, form: ProgressUpdateForm | None = None) -> dict:
    return {
        "initiative": initiative,
        "overdue": initiative.is_overdue_for_update(),
        "form": form or ProgressUpdateForm(prefix=f"u{initiative.pk}"),
    }


@require_http_methods(["GET"])
@login_required
def check_in(request: HttpRequest) -> HttpResponse:
    require(permissions.can_check_in(request.user))
    # The filters only narrow what the user may update anyway: a head's own departments.
    form = CheckInFilterForm(request.GET or None, user=request.user)
    shown = form.narrow(permissions.editable_by(request.user).open().for_check_in())
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    items = [_check_in_item(initiative) for initiative in page]
    overdue = sum(1 for item in items if item["overdue"])
    # Benefits due a measurement or their closing review: those of the user's initiatives, also
    # after they closed as completed, until each benefit's follow-up ends; and those the user
    # owns as benefit owner in other departments' initiatives (they may record those too).
    mine = form.narrow(permissions.editable_by(request.user).with_health())
    owned = form.narrow(permissions.visible_to(request.user).active().with_health())
    due = Benefit.objects.followed_up().filter(
        Q(initiative__in=mine.order_by().values("pk"))
        | Q(owner=request.user, initiative__in=owned.order_by().values("pk"))
    )
    handovers = (
        mine.order_by()
        .filter(
            stage=Stage.CLOSED,
            outcome=Outcome.COMPLETED,
            benefits__handed_over_at__isnull=True,
        )
        .distinct()
        .order_by("ref")
        .values("ref", "title")[:50]
    )
    context = {
        "form": form,
        "page": page,
        "items": items,
        "overdue_count": overdue,
        "due_benefits": due_benefit_items(due, only_due=True),
        "handovers": list(handovers),
    }
    return render(
        request, page_or_fragment(request, "initiatives/check_in.html", "check-in-results"), context
    )


@require_http_methods(["GET"])
@login_required
def lesson_register(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    form = LessonSearchForm(request.GET or None)
    visible = permissions.visible_to(request.user)
    lessons = form.filter(Lesson.objects.filter(initiative__in=visible).for_register())
    page = Paginator(lessons, 25).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    return render(
        request, page_or_fragment(request, "initiatives/lessons.html", "lesson-results"), context
    )
