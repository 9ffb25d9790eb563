"""The office's user administration, and the public page where an invitation is accepted."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required, login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from organisation import permissions, users
from organisation.permissions import require
from organisation.user_forms import CreateForm, InviteForm, UserEditForm, UserFilterForm
from organisation.views.profile import set_language_cookie
from organisation.views.user_history import user_history
from portfolio.htmx import page_or_fragment

User = get_user_model()
USERS_PER_PAGE = 50


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


@require_http_methods(["GET"])
@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require(permissions.can_manage_organisation(request.user))
    form = UserFilterForm(request.GET or None)
    page = Paginator(form.filter(users.users_for_list()), USERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    for person in page.object_list:
        person.role = users.role_of(person)
        person.role_label = users.ROLE_LABELS[person.role]
    context = {
        "form": form,
        "page": page,
        "waiting": users.waiting_for_role().count(),
        "sso_only": users.sso_only(),
    }
    return render(
        request, page_or_fragment(request, "organisation/users.html", "user-table"), context
    )


@require_http_methods(["GET", "POST"])
@login_required
def user_invite(request: HttpRequest) -> HttpResponse:
    require(permissions.can_manage_organisation(request.user))
    if users.sso_only():
        messages.info(
            request,
            _(
                "Users log in with single sign-on only, so there is no password to invite them "
                "to: register them here with their single sign-on username."
            ),
        )
        return redirect("organisation:user_create")
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = users.user_invite(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"],
            departments=data["departments"],
            by=request.user,
        )
        if result.created:
            users.send_invitation(
                user=result.user, language=data["language"], by=request.user, request=request
            )
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": data["email"]})
        else:
            messages.info(
                request,
                _(
                    "%(email)s has already been invited; no second e-mail was sent. Send the "
                    "invitation again from their page if it was lost."
                )
                % {"email": result.user.email},
            )
        return redirect("organisation:user_edit", result.user.pk)
    status = 422 if form.errors else 200
    return render(request, "organisation/user_invite.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    require(permissions.can_manage_organisation(request.user))
    form = CreateForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = users.user_create(
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
                departments=data["departments"],
                password=data.get("password1") or None,
                by=request.user,
            )
        except users.UserChangeRefused as refused:
            form.add_error("username", str(refused))
        else:
            if result.created:
                messages.success(
                    request, _("User %(name)s created.") % {"name": _name(result.user)}
                )
            return redirect("organisation:user_edit", result.user.pk)
    context = {"form": form, "sso_only": users.sso_only()}
    status = 422 if form.errors else 200
    return render(request, "organisation/user_create.html", context, status=status)


def _edit_context(request: HttpRequest, person, form: UserEditForm) -> dict:
    return {
        "person": person,
        "form": form,
        "archived_departments": [d for d in person.departments.all() if d.is_archived],
        "pending": users.is_pending_invitation(person),
        "can_send_link": users.password_login_on() and bool(person.email),
        "is_self": person.pk == request.user.pk,
        "history": user_history(person),
    }


def _get_user(pk: int):
    return get_object_or_404(User.objects.prefetch_related("departments", "groups"), pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_manage_organisation(request.user))
    person = _get_user(pk)
    form = UserEditForm(request.POST or None, user=person, by=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            users.user_update(user=person, by=request.user, **data)
        except users.UserChangeRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": _name(person)})
            return redirect("organisation:users")
    status = 422 if form.errors else 200
    return render(
        request, "organisation/user_edit.html", _edit_context(request, person, form), status=status
    )


def _set_active(request: HttpRequest, pk: int, *, is_active: bool) -> HttpResponse:
    require(permissions.can_manage_organisation(request.user))
    person = _get_user(pk)
    try:
        users.user_set_active(user=person, is_active=is_active, by=request.user)
    except users.UserChangeRefused as refused:
        messages.error(request, str(refused))
    else:
        message = (
            _("%(name)s can log in again.") if is_active else _("%(name)s can no longer log in.")
        )
        messages.success(request, message % {"name": _name(person)})
    return redirect("organisation:user_edit", person.pk)


@require_POST
@login_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, is_active=False)


@require_POST
@login_required
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, is_active=True)


@require_POST
@login_required
def user_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """A link to set a password: the invitation again while it is pending, else a reset link."""
    require(permissions.can_manage_organisation(request.user))
    person = _get_user(pk)
    if not users.password_login_on():
        messages.error(
            request, _("Password login is switched off: users log in with single sign-on.")
        )
    elif not person.email:
        messages.error(request, _("%(name)s has no e-mail address.") % {"name": _name(person)})
    elif not person.is_active:
        messages.error(
            request, _("%(name)s is inactive: reactivate them first.") % {"name": _name(person)}
        )
    else:
        if users.is_pending_invitation(person):
            users.send_invitation(
                user=person, language=translation.get_language(), by=request.user, request=request
            )
        else:
            users.send_reset_link(user=person, request=request)
        users.log_reset_sent(user=person, by=request.user)
        messages.success(
            request, _("A password link was sent to %(email)s.") % {"email": person.email}
        )
    return redirect("organisation:user_edit", person.pk)


def _invited_user(uidb64: str):
    try:
        return User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None


@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Public: the invited person chooses a password and is logged in. The link works once (the
    token dies with the unusable password) and for INVITATION_TIMEOUT seconds."""
    language = request.GET.get("lang")
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language
    person = _invited_user(uidb64)
    if person is not None and request.user.is_authenticated and request.user.pk == person.pk:
        return redirect("home")  # the form sent twice: the first one logged them in
    state = users.invitation_token_generator.state(person, token) if person else "invalid"
    if state == "valid" and not (person.is_active and users.password_login_on()):
        state = "invalid"
    form = SetPasswordForm(person, request.POST or None) if state == "valid" else None
    if form is not None and request.method == "POST" and form.is_valid():
        form.save()
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome, %(name)s. Your password is set.") % {"name": _name(person)}
        )
        response = redirect("home")
        if language in dict(settings.LANGUAGES):
            set_language_cookie(response, language)
        return response
    context = {"form": form, "state": state, "person": person}
    status = 422 if form is not None and form.errors else 200
    return render(request, "organisation/invitation_accept.html", context, status=status)
