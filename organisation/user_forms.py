"""Forms of the user administration and of a user's own page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from organisation import users
from organisation.models import Department
from organisation.permissions import DEPARTMENT_HEAD, EXECUTIVE, OFFICE

ROLE_CHOICES = [
    (users.NO_ROLE, users.ROLE_LABELS[users.NO_ROLE]),
    (OFFICE, users.ROLE_LABELS[OFFICE]),
    (DEPARTMENT_HEAD, users.ROLE_LABELS[DEPARTMENT_HEAD]),
    (EXECUTIVE, users.ROLE_LABELS[EXECUTIVE]),
]
NAME_LENGTH = 150  # Django's User.first_name and last_name
USERNAME_LENGTH = 150


class UserFilterForm(forms.Form):
    """The list's filters, read from the query string so a filtered list can be shared."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[
            ("", _("All roles")),
            ("waiting", _("Waiting for a role")),
            (OFFICE, users.ROLE_LABELS[OFFICE]),
            (DEPARTMENT_HEAD, users.ROLE_LABELS[DEPARTMENT_HEAD]),
            (EXECUTIVE, users.ROLE_LABELS[EXECUTIVE]),
        ],
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        required=False,
        queryset=Department.objects.order_by("name"),
        empty_label=_("All departments"),
    )
    active = forms.ChoiceField(
        label=pgettext_lazy("user", "Active"),
        required=False,
        choices=[
            ("", _("Active and inactive")),
            ("yes", pgettext_lazy("user", "Active")),
            ("no", pgettext_lazy("user", "Inactive")),
        ],
    )

    def filter(self, queryset):
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        return users.filter_users(
            queryset,
            role=data["role"],
            department=data["department"],
            active=data["active"],
            q=data["q"],
        )


def _role_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Role"), required=False, choices=ROLE_CHOICES)


def _departments_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Departments"),
        required=False,
        queryset=Department.objects.active().order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )


class InviteForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=NAME_LENGTH)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_LENGTH)
    # The address becomes the username, which holds at most 150 characters.
    email = forms.EmailField(label=_("E-mail"), max_length=USERNAME_LENGTH)
    role = _role_field()
    departments = _departments_field()
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = get_language()

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        taken = users.User.objects.filter(email__iexact=email).order_by("pk").first()
        if taken is not None and not users.is_pending_invitation(taken):
            raise ValidationError(
                _("%(name)s already has an account with this e-mail address."),
                params={"name": taken.get_full_name() or taken.get_username()},
            )
        if taken is None and users.User.objects.filter(username__iexact=email).exists():
            raise ValidationError(_("A user with this e-mail address as username already exists."))
        return email


class CreateForm(forms.Form):
    """A user registered without an e-mail invitation; with single sign-on only, no password."""

    username = forms.CharField(
        label=_("Username"),
        max_length=USERNAME_LENGTH,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=NAME_LENGTH)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_LENGTH)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = _role_field()
    departments = _departments_field()
    password1 = forms.CharField(
        label=_("First password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Optional. Leave empty and send a password link later."),
    )
    password2 = forms.CharField(
        label=_("First password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, by, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.by = by
        if users.sso_only():
            del self.fields["password1"], self.fields["password2"]
            self.fields["username"].label = _("Username in single sign-on")
            self.fields["username"].help_text = _(
                "As the identity provider names the user (the claim %(claim)s), so that their "
                "first login finds this account."
            ) % {"claim": settings.OIDC_USERNAME_CLAIM}

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        existing = users.User.objects.filter(username__iexact=username).first()
        # The same form sent twice: the service hands back the first one's user.
        if existing is not None and not (
            existing.username == username and users.recently_added_by(existing, self.by)
        ):
            raise ValidationError(_("A user with this username already exists."))
        return username

    def clean(self) -> dict:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first or second:
            if first != second:
                self.add_error("password2", _("The two passwords differ."))
            elif "username" in data:
                candidate = users.User(
                    username=data["username"],
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                    email=data.get("email", ""),
                )
                try:
                    password_validation.validate_password(first, candidate)
                except ValidationError as error:
                    self.add_error("password1", error)
        return data


class UserEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=NAME_LENGTH, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_LENGTH, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = _role_field()
    departments = _departments_field()
    is_active = forms.BooleanField(
        label=pgettext_lazy("user", "Active"),
        required=False,
        help_text=_(
            "An inactive user cannot log in. Users are never deleted: history keeps names."
        ),
    )

    def __init__(self, *args, user, by, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "role": users.role_of(user),
                "departments": [d for d in user.departments.all() if not d.is_archived],
                "is_active": user.is_active,
            },
        )
        super().__init__(*args, **kwargs)
        self.user, self.by = user, by
        if user.is_superuser:
            self.fields["role"].help_text = _(
                "A superuser has the office's rights whatever the role says."
            )

    def clean(self) -> dict:
        data = super().clean()
        try:
            users.check_own_change(
                user=self.user,
                by=self.by,
                role=data.get("role", ""),
                is_active=data.get("is_active", False),
            )
        except users.UserChangeRefused as refused:
            raise ValidationError(str(refused)) from refused
        return data


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=NAME_LENGTH, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_LENGTH, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
