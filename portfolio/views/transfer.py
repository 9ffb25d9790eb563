"""Excel and CSV: exports of what the list pages show, and the office's import with a preview."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benefits import exports as benefit_exports
from benefits.forms import BenefitFilterForm
from benefits.models import Benefit, hourly_rate
from initiatives import exports as initiative_exports
from initiatives.forms import InitiativeFilterForm
from initiatives.models import Initiative
from organisation import permissions
from organisation.models import Department
from organisation.permissions import require
from portfolio import import_templates, importing, setup, tabular
from portfolio.forms import ImportForm
from portfolio.models import CouncilGoal, Decision, ImportBatch
from portfolio.ranking import fill_expected_sek, ranked
from portfolio.views.ranking import _candidates

RANKING_COLUMNS = ["rank", "ref", "title", "department", "stage", "score", "budget",
                   "expected_sek", "score_per_million", "must_do"]  # fmt: skip
DECISION_COLUMNS = ["rank", "ref", "title", "department", "score", "budget", "selected"]


@require_GET
@login_required
def initiatives_export(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    form = InitiativeFilterForm(request.GET or None, user=request.user)
    initiatives = list(form.filter(permissions.visible_to(request.user).for_list()))
    goals = list(CouncilGoal.objects.active())
    columns = initiative_exports.COLUMNS + initiative_exports.goal_columns(goals)
    rows = initiative_exports.initiative_rows(initiatives, goals)
    lines = initiative_exports.cost_line_rows([(i.pk, i.ref) for i in initiatives])
    sheets = [
        ("initiatives", columns, rows),
        (initiative_exports.COST_LINE_SHEET, initiative_exports.COST_LINE_COLUMNS, lines),
    ]
    return tabular.export(request, "initiatives", sheets)


@require_GET
@login_required
def cost_lines_export(request: HttpRequest) -> HttpResponse:
    """The cost lines of the initiatives the list shows (its filter), one row a line."""
    require(permissions.can_view(request.user))
    form = InitiativeFilterForm(request.GET or None, user=request.user)
    initiatives = form.filter(permissions.visible_to(request.user)).values_list("pk", "ref")
    lines = initiative_exports.cost_line_rows(list(initiatives))
    sheet = (initiative_exports.COST_LINE_SHEET, initiative_exports.COST_LINE_COLUMNS, lines)
    return tabular.export(request, "cost-lines", [sheet])


@require_GET
@login_required
def benefits_export(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    form = BenefitFilterForm(request.GET or None)
    visible = permissions.visible_to(request.user).active()
    benefits = form.filter(
        Benefit.objects.filter(initiative__in=visible).with_figures(rate=hourly_rate())
    ).for_register()
    sheets = [
        ("benefits", benefit_exports.COLUMNS, benefit_exports.benefit_rows(benefits)),
        ("measurements", benefit_exports.MEASUREMENT_COLUMNS,
         benefit_exports.measurement_rows(benefits)),
    ]  # fmt: skip
    return tabular.export(request, "benefits", sheets)


@require_GET
@login_required
def ranking_export(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user))
    form, candidates = _candidates(request, request.GET)
    ranking = list(ranked(candidates, form.weights())) if candidates.goals else []
    fill_expected_sek(ranking)
    goal_columns = [initiative_exports.goal_score_column(goal) for goal in candidates.goals]
    rows = []
    for item in ranking:
        row = {
            "rank": item.rank, "ref": item.row["ref"], "title": item.row["title"],
            "department": item.row["department__code"], "stage": item.row["stage"],
            "score": round(item.score, 4), "budget": item.row["budget"],
            "expected_sek": item.row["expected_sek"],
            "score_per_million": None if item.score_per_million is None
            else round(item.score_per_million, 4),
            "must_do": item.row["must_do"],
        }  # fmt: skip
        row.update(dict(zip(goal_columns, item.goal_scores, strict=True)))
        rows.append(row)
    return tabular.export(request, "ranking", [("ranking", RANKING_COLUMNS + goal_columns, rows)])


@require_GET
@login_required
def decision_export(request: HttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user))
    decision = get_object_or_404(Decision, pk=pk)
    selected = set(decision.selection)
    rows = [{**row, "selected": row["ref"] in selected} for row in decision.ranking]
    filename = f"decision-{decision.created_at:%Y-%m-%d}-{decision.pk}"
    return tabular.export(request, filename, [("decision", DECISION_COLUMNS, rows)])


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    require(permissions.can_import(request.user))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = importing.import_upload(
                kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], by=request.user
            )
        except tabular.TableError as error:
            form.add_error("file", str(error))
        else:
            return redirect("portfolio:import_preview", pk=batch.pk)
    recent = ImportBatch.objects.select_related("uploaded_by").defer("parsed")[:10]
    context = {"form": form, "recent": recent, "limit_mb": tabular.MAX_UPLOAD_BYTES // 1024**2,
               "max_rows": tabular.MAX_ROWS, "templates": _template_links(),
               "setup_open": setup.setup_open()}  # fmt: skip
    return render(request, "portfolio/import.html", context, status=422 if form.errors else 200)


def _template_links() -> list[tuple[str, str]]:
    return [
        ("initiatives", _("Initiatives, with a score for each council goal (XLSX)")),
        ("benefits", _("Benefits (XLSX)")),
        ("measurements", _("Measurements of benefits (XLSX)")),
    ]


@require_GET
@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty workbook to fill in: the importer's headers, an example row, drop-down lists and
    instructions in the user's language."""
    require(permissions.can_import(request.user))
    if kind not in import_templates.KINDS:
        raise Http404
    departments = list(Department.objects.active().values_list("code", flat=True))
    example_ref = (
        Initiative.objects.active().order_by("ref").values_list("ref", flat=True).first()
        or "DIG-2026-001"
    )
    content = import_templates.template_workbook(
        kind,
        user=request.user,
        departments=departments,
        goals=list(CouncilGoal.objects.active()),
        example_ref=example_ref,
    )
    response = HttpResponse(content, content_type=tabular.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="template-{kind}.xlsx"'
    return response


def _import_batch(request: HttpRequest, pk: int, *, rows: bool = False) -> ImportBatch:
    """The user's own batch; its stored rows only with `rows` (a plan needs them, a poll does
    not: read again if a plan is made after all)."""
    require(permissions.can_import(request.user))
    batches = ImportBatch.objects.select_related("applied_by", "uploaded_by")
    if not rows:
        batches = batches.defer("parsed")
    return get_object_or_404(batches, pk=pk, uploaded_by=request.user)


def _import_state(batch: ImportBatch) -> dict:
    """What the preview shows of the batch: its result, its wait, or its plan and any refusal."""
    context = {"batch": batch, "plan": None, "refusal": ""}
    if batch.applied_at or batch.pending:
        return context
    if batch.task_state == ImportBatch.TaskState.FAILED:
        context["refusal"] = batch.get_task_failure_display()
    context["plan"] = importing.import_plan(batch)
    return context


@require_GET
@login_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _import_batch(request, pk, rows=True)
    return render(request, "portfolio/import_preview.html", _import_state(batch))


@require_GET
@login_required
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview's state alone, which the page polls while the import is queued or running."""
    batch = _import_batch(request, pk)
    if not request.htmx:
        return redirect("portfolio:import_preview", pk=batch.pk)
    return render(request, "portfolio/import_preview.html#state", _import_state(batch))


@require_POST
@login_required
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the apply step (portfolio.tasks); with the immediate backend it has run on return."""
    batch = _import_batch(request, pk)
    try:
        batch = importing.import_queue(batch=batch, by=request.user)
    except importing.AlreadyApplied as refused:
        # A second click, or another tab: the first apply's result, and nothing written twice.
        context = {"batch": refused.batch, "plan": None, "refusal": str(refused)}
        return render(request, "portfolio/import_preview.html", context, status=409)
    except importing.AlreadyQueued as refused:
        context = {"batch": refused.batch, "plan": None, "refusal": str(refused)}
        return render(request, "portfolio/import_preview.html", context, status=409)
    if batch.task_state == ImportBatch.TaskState.FAILED:
        status = 422 if batch.task_failure == ImportBatch.Failure.PLAN else 503
        return render(request, "portfolio/import_preview.html", _import_state(batch), status=status)
    if batch.applied_at:
        messages.success(request, _("The file was imported."))
    return redirect("portfolio:import_preview", pk=batch.pk)
