"""System checks for the single sign-on settings a typo could break at the first login."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from organisation.permissions import ROLES


def check_role_map(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    role_map = settings.OIDC_ROLE_MAP
    if not isinstance(role_map, dict):
        return [checks.Error("OIDC_ROLE_MAP must be a JSON object.", id="sso.E001")]
    for value, entry in role_map.items():
        if not isinstance(entry, dict) or entry.get("role") not in ROLES:
            errors.append(
                checks.Error(
                    f"OIDC_ROLE_MAP[{value!r}] must be an object with a role, one of {ROLES}.",
                    id="sso.E002",
                )
            )
            continue
        departments = entry.get("departments", [])
        if not isinstance(departments, list) or not all(isinstance(c, str) for c in departments):
            errors.append(
                checks.Error(
                    f"OIDC_ROLE_MAP[{value!r}]['departments'] must be a list of department codes.",
                    id="sso.E003",
                )
            )
    if role_map and not settings.OIDC_ROLE_CLAIM:
        errors.append(
            checks.Warning(
                "OIDC_ROLE_MAP is set but OIDC_ROLE_CLAIM is not, so it is never used.",
                id="sso.W001",
            )
        )
    return errors


def register() -> None:
    checks.register(check_role_map)
