"""Who may run departments: the office only. Role × own/other department × action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from organisation.models import Department
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

ACTIONS = {
    "list": ("get", lambda d, o: reverse("organisation:departments")),
    "create": ("get", lambda d, o: reverse("organisation:department_create")),
    "create-post": ("post", lambda d, o: reverse("organisation:department_create")),
    "edit": ("get", lambda d, o: reverse("organisation:department_edit", args=[d.pk])),
    "edit-post": ("post", lambda d, o: reverse("organisation:department_edit", args=[d.pk])),
    "archive": ("post", lambda d, o: reverse("organisation:department_archive", args=[d.pk])),
    "restore": ("post", lambda d, o: reverse("organisation:department_restore", args=[d.pk])),
    "merge": ("get", lambda d, o: reverse("organisation:department_merge", args=[d.pk])),
    "merge-post": ("post", lambda d, o: reverse("organisation:department_merge", args=[d.pk])),
}

OFFICE_STATUS = {
    "list": 200,
    "create": 200,
    "create-post": 302,
    "edit": 200,
    "edit-post": 302,
    "archive": 302,
    "restore": 302,
    "merge": 200,
    "merge-post": 302,
}


def _post_data(action: str, other: Department) -> dict:
    if action == "create-post":
        return {"name": "Kulturförvaltningen", "code": "KUL"}
    if action == "edit-post":
        return {"name": "Skolförvaltningen", "code": "UTB"}
    if action == "merge-post":
        return {"target": other.pk, "confirm": "on"}
    return {}


@pytest.fixture
def people(users_by_role):
    return {**users_by_role, "no role": make_user(None), "anonymous": None}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("who", "whose"),
    [
        ("office", "own"),
        ("head", "own"),
        ("head", "other"),
        ("executive", "own"),
        ("no role", "own"),
        ("anonymous", "own"),
    ],
)
def test_only_the_office_may_run_departments(
    client_for, people, own_department, other_department, who, whose, action
):
    department, other = (
        (own_department, other_department) if whose == "own" else (other_department, own_department)
    )
    if action == "restore":
        Department.objects.filter(pk=department.pk).update(archived_at="2026-01-01T00:00:00Z")
    method, url = ACTIONS[action]
    client = client_for(people[who])
    response = getattr(client, method)(url(department, other), _post_data(action, other))

    if who == "office":
        assert response.status_code == OFFICE_STATUS[action]
    elif who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 403
    if who != "office":
        department.refresh_from_db()
        assert department.name in ("Utbildningsförvaltningen", "Trafikkontoret")
        assert Department.objects.count() == 2
        assert department.is_archived == (action == "restore")
