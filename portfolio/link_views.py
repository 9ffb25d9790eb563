"""An initiative's "Dependencies and alternatives": shown on its page to everyone who may read it,
edited by the office in place (htmx) or on a page of its own (without JavaScript).

Every write is a POST with its CSRF token; a refused one comes back as the same form with the
message at its field and what was typed kept (422), and writes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from initiatives.models import Initiative, Stage
from initiatives.services import InitiativeArchived
from organisation import permissions
from organisation.permissions import require
from portfolio import links
from portfolio.htmx import wants_fragment
from portfolio.link_forms import GroupForm, RequiresForm
from portfolio.models import Alternative, Dependency

SECTION = "dependencies"  # the section's element id on the initiative page
TEMPLATE = "portfolio/links.html"
FRAGMENT = f"{TEMPLATE}#links-section"
# Suggestions for the "requires" field: open initiatives by reference; any reference typed is
# still looked up, so the list may stop here at a very large portfolio.
MAX_SUGGESTIONS = 500


def links_context(
    user, initiative: Initiative, *, editing: bool = False, **forms: Form | None
) -> dict:
    """What the section shows: what the initiative requires, what requires it, its group and
    the group's other members; the office's forms when editing. Two queries, five editing."""
    can_manage = permissions.can_manage_links(user) and not initiative.is_archived
    editing = editing and can_manage
    archived_shown = permissions.can_see_archived(user)
    # Both directions in one query, and the group with all its members in another.
    both = Dependency.objects.filter(Q(initiative=initiative) | Q(required=initiative))
    requires, required_by = [], []
    for link in both.select_related("initiative", "required"):
        if link.initiative_id == initiative.pk:
            requires.append(link)
        else:
            required_by.append(link.initiative)
    in_group = Alternative.objects.filter(group__members__initiative=initiative)
    group, others = None, []
    for alternative in in_group.select_related("group", "initiative"):
        group = alternative.group
        if alternative.initiative_id != initiative.pk:
            others.append(alternative.initiative)
    if not archived_shown:
        requires = [link for link in requires if not link.required.is_archived]
        required_by = [other for other in required_by if not other.is_archived]
        others = [other for other in others if not other.is_archived]
    context = {
        "requires": sorted(requires, key=lambda link: link.required.ref),
        "required_by": sorted(required_by, key=lambda other: other.ref),
        "group": group,
        "group_members": sorted(others, key=lambda other: other.ref),
        "can_manage": can_manage,
        "editing": editing,
        "message": None,
        "error": None,
    }
    if editing:
        context["requires_form"] = forms.get("requires_form") or RequiresForm()
        group_form = forms.get("group_form")
        if group is None:
            context["group_form"] = group_form or GroupForm()
        elif group_form is not None and group_form.errors:
            # In a group already (the form sent twice): the group is shown, with why not.
            context["error"] = " ".join(e for errors in group_form.errors.values() for e in errors)
        context["suggestions"] = list(
            Initiative.objects.active()
            .exclude(pk=initiative.pk)
            .exclude(stage=Stage.CLOSED)
            .order_by("ref")
            .values_list("ref", "title")[:MAX_SUGGESTIONS]
        )
    return {"initiative": initiative, "links": context}


def _editable(request: HttpRequest, ref: str) -> Initiative:
    require(permissions.can_view(request.user))
    initiative = get_object_or_404(
        permissions.visible_to(request.user).select_related("department"), ref=ref
    )
    require(permissions.can_manage_links(request.user) and not initiative.is_archived)
    return initiative


def _attach(form: Form, error: ValidationError, field: str) -> None:
    """The service's refusal at the form's field it is about (`field` unless it names another)."""
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            for message in messages_:
                form.add_error(name if name in form.fields else field, message)
    else:
        for message in error.messages:
            form.add_error(field, message)


def _section(request: HttpRequest, initiative: Initiative, *, status: int, **extra) -> HttpResponse:
    """The section being edited: in place of the one on the page (htmx), or its own page."""
    message, error = extra.pop("message", None), extra.pop("error", None)
    context = links_context(request.user, initiative, editing=True, **extra)
    if message:
        context["links"]["message"] = message
    if error:
        context["links"]["error"] = error
    template = FRAGMENT if request.htmx else TEMPLATE
    return render(request, template, context, status=status)


def _done(request: HttpRequest, initiative: Initiative, message: str) -> HttpResponse:
    if request.htmx:
        return _section(request, initiative, status=200, message=message)
    messages.success(request, message)
    return redirect(f"{initiative.get_absolute_url()}#{SECTION}")


def _archived(request: HttpRequest, initiative: Initiative, error: Exception) -> HttpResponse:
    # Archived since the form was opened: the whole page again, with the message.
    messages.error(request, str(error))
    if request.htmx:
        return HttpResponseClientRedirect(initiative.get_absolute_url())
    return redirect(initiative)


@require_GET
@login_required
def links_edit(request: HttpRequest, ref: str) -> HttpResponse:
    """The office's forms: swapped in place of the section, or a page of their own."""
    initiative = _editable(request, ref)
    context = links_context(request.user, initiative, editing=True)
    template = FRAGMENT if wants_fragment(request, SECTION) else TEMPLATE
    return render(request, template, context)


@require_POST
@login_required
def requires_add(request: HttpRequest, ref: str) -> HttpResponse:
    initiative = _editable(request, ref)
    form = RequiresForm(request.POST)
    if form.is_valid():
        typed = form.cleaned_data["required"]
        required = permissions.visible_to(request.user).filter(ref__iexact=typed).first()
        if required is None:
            form.add_error(
                "required", _("No initiative has the reference “%(ref)s”.") % {"ref": typed}
            )
        else:
            try:
                links.requires_add(initiative=initiative, required=required, by=request.user)
            except InitiativeArchived as archived:
                return _archived(request, initiative, archived)
            except ValidationError as error:
                _attach(form, error, "required")
            else:
                names = {"ref": initiative.ref, "required": required.ref}
                return _done(request, initiative, _("%(ref)s now requires %(required)s.") % names)
    return _section(request, initiative, status=422, requires_form=form)


@require_POST
@login_required
def requires_remove(request: HttpRequest, ref: str) -> HttpResponse:
    initiative = _editable(request, ref)
    posted = request.POST.get("link", "")
    try:
        if not posted.isdigit():
            raise ValidationError(_("Choose a requirement to remove."))
        required = links.requires_remove(
            initiative=initiative, link_id=int(posted), by=request.user
        )
    except InitiativeArchived as archived:
        return _archived(request, initiative, archived)
    except ValidationError as error:
        return _section(request, initiative, status=422, error=" ".join(error.messages))
    names = {"ref": initiative.ref, "required": required.ref}
    return _done(request, initiative, _("%(ref)s no longer requires %(required)s.") % names)


@require_POST
@login_required
def group_set(request: HttpRequest, ref: str) -> HttpResponse:
    """Put the initiative in a group of alternatives: one that exists, or a new one."""
    initiative = _editable(request, ref)
    form = GroupForm(request.POST)
    if form.is_valid():
        group, name = form.cleaned_data["group"], form.cleaned_data["new_group"]
        try:
            if group is not None:
                member = links.alternative_join(initiative=initiative, group=group, by=request.user)
            else:
                member = links.alternative_create(initiative=initiative, name=name, by=request.user)
        except InitiativeArchived as archived:
            return _archived(request, initiative, archived)
        except ValidationError as error:
            _attach(form, error, "group" if group is not None else "new_group")
        else:
            names = {"ref": initiative.ref, "name": member.group.name}
            return _done(request, initiative, _("%(ref)s is now in the group “%(name)s”.") % names)
    return _section(request, initiative, status=422, group_form=form)


@require_POST
@login_required
def group_leave(request: HttpRequest, ref: str) -> HttpResponse:
    initiative = _editable(request, ref)
    try:
        group = links.alternative_leave(initiative=initiative, by=request.user)
    except InitiativeArchived as archived:
        return _archived(request, initiative, archived)
    except ValidationError as error:
        return _section(request, initiative, status=422, error=" ".join(error.messages))
    names = {"ref": initiative.ref, "name": group.name}
    return _done(request, initiative, _("%(ref)s left the group “%(name)s”.") % names)
