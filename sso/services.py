"""Writes at a single sign-on login: the user, their role and their departments from the claims."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from organisation.models import Department
from organisation.permissions import ROLES
from organisation.users import user_role_set

LOGGER = logging.getLogger(__name__)

# Django's User field lengths: a longer name is cut, not refused (a name is not an identity).
NAME_LENGTH = 150
EMAIL_LENGTH = 254


class LoginRefused(Exception):
    """The provider answered, but what it said cannot log anyone in (the reason is logged)."""


def username_from(claims: Mapping) -> str:
    """The stable identity: the claim OIDC_USERNAME_CLAIM names (sub, oid, preferred_username)."""
    name = settings.OIDC_USERNAME_CLAIM
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip():
        raise LoginRefused(f"the claims hold no {name!r} to name the user by")
    value = value.strip()
    if len(value) > get_user_model()._meta.get_field("username").max_length:
        raise LoginRefused(f"the {name!r} claim is longer than a username may be")
    return value


def _text(claims: Mapping, name: str, length: int) -> str | None:
    value = claims.get(name)
    return value.strip()[:length] if isinstance(value, str) else None


@transaction.atomic
def user_from_claims(*, claims: Mapping) -> AbstractBaseUser:
    """Find or create the user the claims name, update their details, and apply the role map.

    A user is found by username only, never by e-mail: an e-mail address can be given to another
    person later, a `sub` (or `oid`) cannot. A new user has no usable password: they log in through
    the provider.
    """
    User = get_user_model()
    username = username_from(claims)
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        user = User(username=username)
        user.set_unusable_password()
    details = {
        "email": _text(claims, "email", EMAIL_LENGTH),
        "first_name": _text(claims, "given_name", NAME_LENGTH),
        "last_name": _text(claims, "family_name", NAME_LENGTH),
    }
    for field, value in details.items():
        if value is not None:
            setattr(user, field, value)
    user.save()
    apply_role_claim(user=user, claims=claims)
    return user


def mapped_role(claims: Mapping) -> tuple[str, set[str]] | None:
    """The role and department codes the role claim maps to, or None when it maps to nothing.

    The claim may be one value or a list (Entra ID's `groups` is a list of group ids). When several
    values map, the highest role wins (office, then department head, then executive) and the
    departments of all of them are joined.
    """
    values = claims.get(settings.OIDC_ROLE_CLAIM)
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return None
    # Entries the system check (sso.checks) flags as malformed are skipped, not a failed login.
    entries = [
        entry
        for value in values
        if isinstance(value, str)
        and isinstance(entry := settings.OIDC_ROLE_MAP.get(value), dict)
        and entry.get("role") in ROLES
    ]
    if not entries:
        return None
    role = min((entry["role"] for entry in entries), key=ROLES.index)
    codes = {
        code
        for entry in entries
        if isinstance(entry.get("departments", []), list)
        for code in entry.get("departments", [])
        if isinstance(code, str)
    }
    return role, codes


def apply_role_claim(*, user: AbstractBaseUser, claims: Mapping) -> None:
    """Give the user the role and departments their role claim maps to, at every login.

    - OIDC_ROLE_CLAIM unset: roles are the office's business (admin, or the app); never touched.
    - The claim maps to a role: that role and exactly those departments (so a user moved from one
      group to another in the identity provider follows at their next login).
    - The claim maps to nothing: with OIDC_ROLES_AUTHORITATIVE on (the default) the user loses their
      role and departments, as someone removed from every mapped group should; with it off, what
      an administrator gave by hand is kept.
    Other groups, and superuser status, are left alone.
    """
    if not settings.OIDC_ROLE_CLAIM:
        return
    mapped = mapped_role(claims)
    if mapped is None and not settings.OIDC_ROLES_AUTHORITATIVE:
        return
    role, codes = mapped if mapped is not None else (None, set())
    user_role_set(user=user, role=role or "")
    departments = list(Department.objects.filter(code__in=codes))
    unknown = codes - {department.code for department in departments}
    if unknown:
        LOGGER.warning("OIDC_ROLE_MAP names unknown department codes: %s", sorted(unknown))
    # Through each department, whose history records its members (the reverse side cannot).
    current_departments = set(user.departments.all())
    for department in current_departments - set(departments):
        department.members.remove(user)
    for department in set(departments) - current_departments:
        department.members.add(user)
