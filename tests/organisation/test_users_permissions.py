"""The permission matrix of the user administration: role × action, enforced on the server."""

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from tests.conftest import make_user

ROLES = ["office", "head", "executive", "no_role", "anonymous"]


@pytest.fixture
def users(office, head, executive, db):
    return {
        "office": office,
        "head": head,
        "executive": executive,
        "no_role": make_user(None, username="norole"),
        "anonymous": None,
    }


@pytest.fixture
def target(own_department, db):
    return make_user("executive", own_department, username="target")


def _expect(role: str, allowed_status: int) -> int:
    if role == "anonymous":
        return 302
    return allowed_status if role == "office" else 403


# (name, method, url name, takes the target's pk, post data, status for the office)
ACTIONS = [
    ("list", "get", "organisation:users", False, None, 200),
    ("invite form", "get", "organisation:user_invite", False, None, 200),
    ("invite", "post", "organisation:user_invite", False,
     {"first_name": "Ny", "last_name": "Person", "email": "ny@example.se", "role": "",
      "language": "sv"}, 302),
    ("create form", "get", "organisation:user_create", False, None, 200),
    ("create", "post", "organisation:user_create", False,
     {"username": "nyperson", "first_name": "Ny", "last_name": "Person", "role": ""}, 302),
    ("edit form", "get", "organisation:user_edit", True, None, 200),
    ("edit role and departments", "post", "organisation:user_edit", True,
     {"first_name": "T", "last_name": "P", "role": "office", "is_active": "on"}, 302),
    ("deactivate", "post", "organisation:user_deactivate", True, {}, 302),
    ("reactivate", "post", "organisation:user_reactivate", True, {}, 302),
    ("send reset link", "post", "organisation:user_reset", True, {}, 302),
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_only_the_office_administers_users(client_for, users, target, role, action):
    _name, method, url_name, with_pk, data, status = action
    target.email = "target@example.se"
    target.save()
    url = reverse(url_name, args=[target.pk] if with_pk else [])
    client = client_for(users[role])
    response = client.post(url, data) if method == "post" else client.get(url)
    assert response.status_code == _expect(role, status)


@pytest.mark.parametrize("role", ["head", "executive", "no_role", "anonymous"])
def test_a_denied_post_changes_nothing_and_sends_nothing(client_for, users, target, role):
    client = client_for(users[role])
    target.email = "target@example.se"
    target.save()
    client.post(
        reverse("organisation:user_invite"),
        {"first_name": "A", "last_name": "B", "email": "a@example.se", "language": "sv"},
    )
    client.post(reverse("organisation:user_create"), {"username": "x", "first_name": "X",
                                                      "last_name": "Y"})  # fmt: skip
    client.post(
        reverse("organisation:user_edit", args=[target.pk]),
        {"first_name": "Hijacked", "last_name": "P", "role": "office", "is_active": "on"},
    )
    client.post(reverse("organisation:user_deactivate", args=[target.pk]))
    client.post(reverse("organisation:user_reset", args=[target.pk]))
    target.refresh_from_db()
    assert target.first_name == "Test"
    assert target.is_active
    assert not target.groups.filter(name="office").exists()
    assert not User.objects.filter(username__in=["x", "a@example.se"]).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("role", ROLES)
def test_everyone_logged_in_has_their_own_page(client_for, users, role):
    response = client_for(users[role]).get(reverse("organisation:profile"))
    assert response.status_code == (302 if role == "anonymous" else 200)
