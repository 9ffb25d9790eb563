"""A user's role and state are history like everything else: who changed them, and when."""

from django.contrib.auth.models import User
from django.urls import reverse

from tests.conftest import make_user


def _edit(client, user, **changes):
    data = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email,
            "role": "", "is_active": "on", **changes}  # fmt: skip
    return client.post(reverse("organisation:user_edit", args=[user.pk]), data)


def test_giving_a_role_is_recorded_with_who_gave_it(client_for, office, own_department):
    person = make_user(None, own_department, username="newcomer")
    _edit(client_for(office), person, role="executive")
    latest = person.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == office
    assert [g.group.name for g in latest.groups.all()] == ["executive"]


def test_deactivating_is_recorded_with_who_did_it(client_for, office):
    person = make_user("executive", username="leaving")
    client_for(office).post(reverse("organisation:user_deactivate", args=[person.pk]))
    latest = person.history.order_by("-history_date", "-history_id").first()
    assert (latest.is_active, latest.history_user) == (False, office)


def test_the_history_keeps_no_password_hash(office):
    assert not hasattr(User.history.model, "password") or "password" not in {
        f.name for f in User.history.model._meta.fields
    }


def test_logging_in_adds_no_history_row(client, db):
    person = make_user("executive", username="daily")
    before = person.history.count()
    client.post(reverse("login"), {"username": "daily", "password": "secret-pass-123"})
    person.refresh_from_db()
    assert person.last_login is not None
    assert person.history.count() == before


def test_the_user_page_shows_who_changed_the_role(client_for, office, own_department):
    person = make_user(None, own_department, username="newcomer")
    client = client_for(office)
    _edit(client, person, role="executive")
    page = client.get(reverse("organisation:user_edit", args=[person.pk])).text
    assert "Change history" in page
    assert "No role" in page and "Executive" in page


def test_the_user_page_takes_the_same_queries_after_many_changes(
    client_for, office, own_department, django_assert_num_queries
):
    person = make_user(None, own_department, username="newcomer")
    client = client_for(office)
    url = reverse("organisation:user_edit", args=[person.pk])
    _edit(client, person, role="executive")
    after_one = count_queries(client, url)
    for role in ["office", "department_head", "executive", "", "office"] * 4:
        _edit(client, person, role=role)
    with django_assert_num_queries(after_one):
        client.get(url)


def count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)
