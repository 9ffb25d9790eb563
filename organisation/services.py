"""Writes to departments and users: one keyword-only, atomic function each."""

from __future__ import annotations

from django.db import transaction

from organisation.models import Department


@transaction.atomic
def department_create(*, name: str, code: str, by, parent: Department | None = None) -> Department:
    """A new department; the caller has checked the name and code (a form or the setup)."""
    department = Department(name=name.strip(), code=code.strip().upper(), parent=parent)
    department._history_user = by
    department.save()
    return department
