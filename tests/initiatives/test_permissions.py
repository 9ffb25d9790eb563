"""The permission matrix: role × own/other department × action, enforced on the server."""

import pytest
from django.urls import reverse

from initiatives.models import Initiative, Lesson, ProgressUpdate, StageChange
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
def initiatives(own_initiative, other_initiative):
    return {"own": own_initiative, "other": other_initiative}


def _expect(role: str, allowed: set[str], allowed_status: int, denied_status: int = 403) -> int:
    if role == "anonymous":
        return 302
    return allowed_status if role in allowed else denied_status


READERS = {"office", "head", "executive"}

# (name, method, url name, allowed roles for own department, for other department, allowed status,
#  post data). "head" is allowed only where the initiative is in the head's own department.
ACTIONS = [
    ("detail", "get", "initiatives:detail", READERS, READERS, 200, None),
    ("change history", "get", "initiatives:history", READERS, READERS, 200, None),
    ("goal score forms", "get", "portfolio:alignment_edit", {"office"}, {"office"}, 200, None),
    ("edit form", "get", "initiatives:edit", {"office", "head"}, {"office"}, 200, None),
    ("stage form", "get", "initiatives:stage", {"office", "head"}, {"office"}, 200, None),
    ("progress update form", "get", "initiatives:progress_update", {"office", "head"}, {"office"},
     200, None),
    ("lesson form", "get", "initiatives:lesson_create", {"office", "head"}, {"office"}, 200, None),
    ("progress update", "post", "initiatives:progress_update", {"office", "head"}, {"office"}, 302,
     {"date": "2026-11-01", "health": "amber", "summary": "Delayed by procurement."}),
    ("lesson", "post", "initiatives:lesson_create", {"office", "head"}, {"office"}, 302,
     {"kind": "advice", "text": "Involve the staff early."}),
    ("archive", "post", "initiatives:archive", {"office"}, {"office"}, 302, {}),
]  # fmt: skip


@pytest.mark.parametrize("department", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_initiative_actions_follow_the_matrix(
    client_for, users, initiatives, role, department, action
):
    name, method, url_name, allowed_own, allowed_other, status, data = action
    initiative = initiatives[department]
    allowed = allowed_own if department == "own" else allowed_other
    client = client_for(users[role])
    url = reverse(url_name, args=[initiative.ref])
    response = client.post(url, data) if method == "post" else client.get(url)
    assert response.status_code == _expect(role, allowed, status)


@pytest.mark.parametrize("role", ["head", "executive", "no_role", "anonymous"])
def test_a_denied_post_changes_nothing(client_for, users, other_initiative, role):
    client = client_for(users[role])
    client.post(
        reverse("initiatives:progress_update", args=[other_initiative.ref]),
        {"date": "2026-11-01", "health": "red", "summary": "x"},
    )
    client.post(reverse("initiatives:archive", args=[other_initiative.ref]))
    client.post(
        reverse("initiatives:edit", args=[other_initiative.ref]),
        {"title": "Hijacked", "kind": "other", "department": other_initiative.department_id,
         "version": other_initiative.version},
    )  # fmt: skip
    other_initiative.refresh_from_db()
    assert other_initiative.title == "Smarta trafikljus"
    assert other_initiative.archived_at is None
    assert not ProgressUpdate.objects.exists()


PAGES = [
    ("list", "initiatives:list", {"office", "head", "executive"}),
    ("lessons", "initiatives:lessons", {"office", "head", "executive"}),
    ("check-in", "initiatives:check_in", {"office", "head"}),
    ("proposals", "initiatives:proposals", {"office"}),
    ("create", "initiatives:create", {"office", "head"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
def test_pages_follow_the_matrix(client_for, users, role, page):
    _name, url_name, allowed = page
    response = client_for(users[role]).get(reverse(url_name))
    assert response.status_code == _expect(role, allowed, 200)


def test_anonymous_users_are_sent_to_login(client_for, own_initiative):
    response = client_for(None).get(reverse("initiatives:detail", args=[own_initiative.ref]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "role,department,expected",
    [
        ("office", "own", True),
        ("office", "other", True),
        ("head", "own", True),
        ("head", "other", False),
        ("executive", "own", False),
    ],
)
def test_creating_follows_the_matrix(
    client_for, users, own_department, other_department, role, department, expected
):
    target = own_department if department == "own" else other_department
    response = client_for(users[role]).post(
        reverse("initiatives:create"),
        {"title": "Ny e-tjänst", "kind": "eservice", "department": target.pk},
    )
    assert Initiative.objects.filter(title="Ny e-tjänst").exists() == expected
    assert response.status_code in ({302} if expected else {403, 422})


@pytest.fixture
def proposal(own_initiative, head):
    return StageChange.objects.create(
        initiative=own_initiative,
        from_stage="idea",
        to_stage="pilot",
        reason="Ready to try with two schools.",
        status="proposed",
        proposed_by=head,
    )


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_decides_stage_proposals(client_for, users, proposal, role):
    response = client_for(users[role]).post(
        reverse("initiatives:stage_decide", args=[proposal.initiative.ref, proposal.pk]),
        {"decision": "approve", "comment": ""},
    )
    proposal.refresh_from_db()
    assert response.status_code == _expect(role, {"office"}, 302)
    assert (proposal.status == "approved") == (role == "office")


@pytest.mark.parametrize("role", ["head", "executive"])
def test_archived_initiatives_are_hidden_from_everyone_but_the_office(
    client_for, users, office, own_initiative, role
):
    client_for(office).post(reverse("initiatives:archive", args=[own_initiative.ref]))
    for name in ("initiatives:detail", "initiatives:history"):
        url = reverse(name, args=[own_initiative.ref])
        assert client_for(users[role]).get(url).status_code == 404
        assert client_for(office).get(url).status_code == 200


def test_nobody_can_edit_an_archived_initiative_until_restored(client_for, office, own_initiative):
    client = client_for(office)
    client.post(reverse("initiatives:archive", args=[own_initiative.ref]))
    assert client.get(reverse("initiatives:edit", args=[own_initiative.ref])).status_code == 403
    client.post(reverse("initiatives:archive", args=[own_initiative.ref]))
    assert client.get(reverse("initiatives:edit", args=[own_initiative.ref])).status_code == 200
    assert Lesson.objects.count() == 0
