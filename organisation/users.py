"""Users as the office runs them: the list's query, invitations, roles, departments, activation.

A role is membership of exactly one of the groups in `permissions.ROLES`; other groups are left
alone. Department membership changes through each department (`department.members`), whose history
records them; django-simple-history cannot record them from the user's side. Changes of role,
name, e-mail and active state are written to Django's admin log (LogEntry), who and when, and are
visible in the admin beside the user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from organisation.models import Department, Organisation
from organisation.permissions import DEPARTMENT_HEAD, EXECUTIVE, OFFICE, ROLES
from organisation.signals import language_chosen

User = get_user_model()

NO_ROLE = ""
ROLE_LABELS = {
    OFFICE: _("Digitalization office"),
    DEPARTMENT_HEAD: _("Department head"),
    EXECUTIVE: _("Executive"),
    NO_ROLE: _("No role"),
}
# A second identical create by the same person within this time is the same click twice.
DOUBLE_SUBMIT_SECONDS = 10 * 60


class UserChangeRefused(Exception):
    """A change the office may not make (to themselves); the message says why."""


# --- reading -------------------------------------------------------------------------------------


def role_of(user) -> str:
    """The role as the list shows it, from the prefetched `role_groups` (superusers are office)."""
    if user.is_superuser:
        return OFFICE
    groups = user.role_groups if hasattr(user, "role_groups") else user.groups.all()
    names = {group.name for group in groups}
    return next((name for name in ROLES if name in names), NO_ROLE)


def _has_role() -> Q:
    in_role_group = Exists(
        User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name__in=ROLES)
    )
    return Q(is_superuser=True) | Q(in_role_group)


def users_for_list() -> QuerySet:
    """Every user with their role groups and departments, in a fixed number of queries;
    those waiting for a role (active, no role) first, then by name."""
    return (
        User.objects.annotate(has_role=_has_role())
        .prefetch_related(
            Prefetch(
                "groups", queryset=Group.objects.filter(name__in=ROLES), to_attr="role_groups"
            ),
            Prefetch("departments", queryset=Department.objects.order_by("name")),
        )
        .order_by("has_role", "-is_active", "first_name", "last_name", "username")
    )


def waiting_for_role() -> QuerySet:
    """Active users without a role: new single sign-on users, waiting for the office."""
    return User.objects.filter(is_active=True).exclude(_has_role())


def filter_users(
    users: QuerySet,
    *,
    role: str = "",
    department: Department | None = None,
    active: str = "",
    q: str = "",
) -> QuerySet:
    """The list's filters: role ("waiting" for active users without one), department, active
    ("yes"/"no") and a search in which every word must match a name, the username or e-mail."""
    if role == "waiting":
        users = users.filter(is_active=True).exclude(_has_role())
    elif role == OFFICE:
        users = users.filter(Q(is_superuser=True) | Q(groups__name=OFFICE))
    elif role in ROLES:
        # The highest role wins, as permissions.role reads it.
        higher = ROLES[: ROLES.index(role)]
        users = users.filter(groups__name=role, is_superuser=False).exclude(groups__name__in=higher)
    if department is not None:
        users = users.filter(departments=department)
    if active == "yes":
        users = users.filter(is_active=True)
    elif active == "no":
        users = users.filter(is_active=False)
    for word in q.split():
        users = users.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    return users.distinct()


def office_contacts() -> list:
    """Active office users, for the page a user without a role sees."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=OFFICE) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def is_pending_invitation(user) -> bool:
    """Invited (or created without a password) and never logged in."""
    return not user.has_usable_password() and user.last_login is None


def password_login_on() -> bool:
    return bool(getattr(settings, "PASSWORD_LOGIN", True))


def sso_only() -> bool:
    """Single sign-on is the only way in: a password link would be pointless."""
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", "")) and not password_login_on()


# --- invitation tokens ----------------------------------------------------------------------------


def invitation_timeout() -> int:
    return int(getattr(settings, "INVITATION_TIMEOUT", 7 * 24 * 3600))


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Like a password reset token (it dies when the password is set, so it works once), with its
    own salt, so a reset token is no invitation, and its own, longer, lifetime."""

    key_salt = "organisation.users.InvitationTokenGenerator"

    def state(self, user, token: str) -> str:
        """'valid', 'expired' (genuine but too old) or 'invalid' (used, tampered, incomplete)."""
        if not (user and token):
            return "invalid"
        try:
            ts_b36, _hash = token.split("-")
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return "invalid"
        genuine = any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )
        if not genuine:
            return "invalid"
        if self._num_seconds(self._now()) - timestamp > invitation_timeout():
            return "expired"
        return "valid"

    def check_token(self, user, token) -> bool:
        return self.state(user, token) == "valid"


invitation_token_generator = InvitationTokenGenerator()


def invitation_url(*, user, request, language: str) -> str:
    """Absolute; the page opens in the invitation's language."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_token_generator.make_token(user)
    path = reverse("invitation_accept", kwargs={"uidb64": uid, "token": token})
    return request.build_absolute_uri(f"{path}?lang={language}")


def _send(*, to: str, language: str, template: str, context: dict) -> None:
    """Plain text and HTML, rendered in the recipient's language."""
    with translation.override(language):
        subject = "".join(render_to_string(f"{template}_subject.txt", context).splitlines())
        text = render_to_string(f"{template}_email.txt", context)
        html = render_to_string(f"{template}_email.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_invitation(*, user, language: str, by, request) -> None:
    context = {
        "user": user,
        "url": invitation_url(user=user, request=request, language=language),
        "inviter": by.get_full_name() or by.get_username(),
        "organisation": Organisation.current().name,
        "valid_days": max(1, invitation_timeout() // (24 * 3600)),
    }
    _send(to=user.email, language=language, template="organisation/invitation", context=context)
    language_chosen.send(sender=None, user=user, language=language)


def send_reset_link(*, user, request) -> None:
    """Django's password reset e-mail (the same templates and link), to this one user."""
    context = {
        "email": user.email,
        "domain": request.get_host(),
        "site_name": request.get_host(),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request.is_secure() else "http",
    }
    subject = "".join(
        render_to_string("registration/password_reset_subject.txt", context).splitlines()
    )
    body = render_to_string("registration/password_reset_email.html", context)
    EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()


# --- writing --------------------------------------------------------------------------------------


def _log(*, by, user, flag: int, message: str) -> None:
    LogEntry.objects.log_actions(
        by.pk, User.objects.filter(pk=user.pk), flag, change_message=message, single_object=True
    )


def _serialise_creations() -> None:
    """Two creations at once wait for each other, so the second sees the first's user (there is
    no unique constraint on e-mail to lean on)."""
    Organisation.locked()


def user_role_set(*, user, role: str) -> None:
    """Exactly one role group (or none); other groups untouched."""
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
    if role and role not in groups:
        groups[role] = Group.objects.create(name=role)
    current = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    wanted = {role} if role else set()
    if current - wanted:
        user.groups.remove(*(groups[name] for name in current - wanted))
    if wanted - current:
        user.groups.add(*(groups[name] for name in wanted - current))
    user.__dict__.pop("_portfolio_role", None)


def _set_departments(*, user, departments: Iterable[Department], by) -> None:
    """Exactly these active departments; memberships of archived ones stay as they are."""
    wanted = {department.pk for department in departments}
    current = {department.pk: department for department in user.departments.active()}
    for department in Department.objects.active().filter(pk__in=wanted - set(current)):
        department._history_user = by
        department.members.add(user)
    for pk in set(current) - wanted:
        current[pk]._history_user = by
        current[pk].members.remove(user)
    user.__dict__.pop("_portfolio_department_ids", None)


def recently_added_by(user, by) -> bool:
    return LogEntry.objects.filter(
        user=by,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        action_flag=ADDITION,
        action_time__gte=timezone.now() - dt.timedelta(seconds=DOUBLE_SUBMIT_SECONDS),
    ).exists()


@dataclass
class Created:
    user: object
    created: bool  # False: the same form sent twice; the first one's user


@transaction.atomic
def user_invite(
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    departments: Iterable[Department],
    by,
) -> Created:
    """A user who sets their own password from the invitation link (the caller sends it).

    Idempotent on the e-mail: an invitation still pending for this address is returned as it is
    (the form refuses an address an active account already has)."""
    _serialise_creations()
    email = email.strip()
    existing = User.objects.filter(email__iexact=email).order_by("pk").first()
    if existing is not None and is_pending_invitation(existing):
        return Created(existing, created=False)
    user = User(username=email.lower(), email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.save()
    user_role_set(user=user, role=role)
    _set_departments(user=user, departments=departments, by=by)
    _log(by=by, user=user, flag=ADDITION, message=f"Invited ({email}); role: {role or 'none'}")
    return Created(user, created=True)


@transaction.atomic
def user_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    role: str,
    departments: Iterable[Department],
    password: str | None = None,
    by,
) -> Created:
    """A user registered by the office: with a first password, or none (single sign-on, or a
    reset link sent later). The same form sent twice by the same person gives one user."""
    _serialise_creations()
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        if recently_added_by(existing, by):
            return Created(existing, created=False)
        raise UserChangeRefused(_("A user with this username already exists."))
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user_role_set(user=user, role=role)
    _set_departments(user=user, departments=departments, by=by)
    _log(by=by, user=user, flag=ADDITION, message=f"Created; role: {role or 'none'}")
    return Created(user, created=True)


def check_own_change(*, user, by, role: str, is_active: bool) -> None:
    """The office may not lock itself out: no deactivating oneself, no dropping one's role."""
    if user.pk != by.pk:
        return
    if not is_active:
        raise UserChangeRefused(_("You cannot deactivate your own account."))
    if role != OFFICE and not user.is_superuser:
        raise UserChangeRefused(
            _("You cannot remove your own office role: ask another office user to do it.")
        )


@transaction.atomic
def user_update(
    *,
    user,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    departments: Iterable[Department],
    is_active: bool,
    by,
) -> None:
    """Name, e-mail, role, active departments and active state, recorded in the admin log."""
    user = User.objects.select_for_update().get(pk=user.pk)
    check_own_change(user=user, by=by, role=role, is_active=is_active)
    old_role = role_of(user)
    changes = []
    for field, value in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("email", email),
        ("is_active", is_active),
    ):
        if getattr(user, field) != value:
            changes.append(f"{field}: {getattr(user, field)!r} → {value!r}")
            setattr(user, field, value)
    if changes:
        user.save(update_fields=["first_name", "last_name", "email", "is_active"])
    if old_role != role and not (user.is_superuser and role == OFFICE):
        user_role_set(user=user, role=role)
        changes.append(f"role: {old_role or 'none'} → {role or 'none'}")
    _set_departments(user=user, departments=departments, by=by)
    if changes:
        _log(by=by, user=user, flag=CHANGE, message="; ".join(changes))


@transaction.atomic
def profile_update(*, user, first_name: str, last_name: str, email: str) -> None:
    """A user's own name and e-mail."""
    User.objects.filter(pk=user.pk).update(first_name=first_name, last_name=last_name, email=email)
    user.first_name, user.last_name, user.email = first_name, last_name, email


def log_reset_sent(*, user, by) -> None:
    _log(by=by, user=user, flag=CHANGE, message="Password link sent")


@transaction.atomic
def user_set_active(*, user, is_active: bool, by) -> None:
    """Deactivate (never delete: history keeps the name) or reactivate."""
    user = User.objects.select_for_update().get(pk=user.pk)
    check_own_change(user=user, by=by, role=OFFICE, is_active=is_active)
    if user.is_active != is_active:
        user.is_active = is_active
        user.save(update_fields=["is_active"])
        _log(by=by, user=user, flag=CHANGE, message="Reactivated" if is_active else "Deactivated")
