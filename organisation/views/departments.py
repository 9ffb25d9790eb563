"""Departments, run by the office: list, create, edit, archive, restore, merge. Never a delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from initiatives.models import Initiative
from organisation import permissions, services
from organisation.forms import DepartmentFilterForm, DepartmentForm, DepartmentMergeForm
from organisation.models import Department
from organisation.permissions import require
from organisation.views.department_history import department_history
from portfolio.htmx import page_or_fragment


def _count(queryset) -> Coalesce:
    """A correlated COUNT(*) per department (two joined counts would multiply each other)."""
    counted = (
        queryset.filter(department_id=OuterRef("pk"))
        .order_by()
        .values("department_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def departments_for_list(*, show_archived: bool):
    """The list's rows with their parent and counts of members and initiatives, in one query."""
    departments = Department.objects.all() if show_archived else Department.objects.active()
    return departments.select_related("parent").annotate(
        member_count=_count(Department.members.through.objects),
        initiative_count=_count(Initiative.objects),
    )


def _department_page(department: Department) -> str:
    return reverse("organisation:department_edit", args=[department.pk])


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    require(permissions.can_manage_organisation(request.user))
    form = DepartmentFilterForm(request.GET or None)
    show_archived = form.is_valid() and form.cleaned_data["archived"]
    context = {
        "form": form,
        "departments": departments_for_list(show_archived=show_archived),
        "show_archived": show_archived,
    }
    template = page_or_fragment(request, "organisation/department_list.html", "department-table")
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
def department_create(request: HttpRequest) -> HttpResponse:
    require(permissions.can_manage_organisation(request.user))
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(**form.cleaned_data, by=request.user)
        except services.DepartmentRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(request, _("Department %(name)s created.") % {"name": department})
            return _redirect(request, _department_page(department))
    template = page_or_fragment(request, "organisation/department_form.html", "department-form")
    context = {"form": form, "department": None}
    return render(request, template, context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The department's page: its form, members, units and change history."""
    require(permissions.can_manage_organisation(request.user))
    department = get_object_or_404(Department.objects.select_related("parent"), pk=pk)
    form = DepartmentForm(request.POST or None, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(department=department, **form.cleaned_data, by=request.user)
        except services.DepartmentRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(request, _("Your changes were saved."))
            return _redirect(request, _department_page(department))
    template = page_or_fragment(request, "organisation/department_form.html", "department-form")
    context = {
        "form": form,
        "department": department,
        "members": department.members.order_by("first_name", "last_name", "username"),
        "units": department.units.order_by("name"),
        "initiative_count": department.initiatives.count(),
        "history": department_history(department),
    }
    return render(request, template, context, status=422 if form.errors else 200)


@require_POST
@login_required
def department_archive(request: HttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_manage_organisation(request.user))
    department = get_object_or_404(Department, pk=pk)
    try:
        services.department_archive(department=department, by=request.user)
    except services.DepartmentRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(name)s is archived. Its initiatives and history are kept.") % {"name": department},
        )
    return redirect(_department_page(department))


@require_POST
@login_required
def department_restore(request: HttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_manage_organisation(request.user))
    department = get_object_or_404(Department, pk=pk)
    try:
        services.department_restore(department=department, by=request.user)
    except services.DepartmentRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("%(name)s is in use again.") % {"name": department})
    return redirect(_department_page(department))


@require_http_methods(["GET", "POST"])
@login_required
def department_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Two steps: choose the department to merge into, then confirm what will move (counts).
    Only the confirm step's post merges; sent twice, the second finds the source archived."""
    require(permissions.can_manage_organisation(request.user))
    source = get_object_or_404(Department, pk=pk)
    form = DepartmentMergeForm(request.POST or None, source=source)
    context = {"form": form, "source": source, "plan": None, "refused": None}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 422
        elif not form.cleaned_data["confirm"]:
            try:
                context["plan"] = services.department_merge_plan(
                    source=source, target=form.cleaned_data["target"]
                )
            except services.DepartmentRefused as refused:
                form.add_error("target", str(refused))
                status = 422
        else:
            target = form.cleaned_data["target"]
            try:
                plan = services.department_merge(source=source, target=target, by=request.user)
            except services.DepartmentRefused as refused:
                context["refused"] = str(refused)
                status = 409
            else:
                messages.success(request, _merged_message(plan))
                return redirect(_department_page(target))
    return render(request, "organisation/department_merge.html", context, status=status)


def _merged_message(plan: services.MergePlan) -> str:
    return _(
        "%(source)s was merged into %(target)s: %(initiatives)s initiatives and %(members)s "
        "members moved, and %(source)s is archived."
    ) % {
        "source": plan.source.name,
        "target": plan.target.name,
        "initiatives": plan.initiatives,
        "members": plan.members,
    }
