"""The office's list of users: columns, the "waiting for a role" notice, filters, query counts."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_department, make_user


def _list(client, **query):
    return client.get(reverse("organisation:users"), query)


def test_the_list_shows_name_username_email_role_departments_last_login_and_active(
    client_for, office, own_department
):
    person = make_user("department_head", own_department, username="anna")
    person.first_name, person.last_name, person.email = "Anna", "Berg", "anna@example.se"
    person.last_login = timezone.now()
    person.save()
    make_user("executive", username="newcomer")
    response = _list(client_for(office))
    text = response.content.decode()
    assert response.status_code == 200
    for shown in ["Anna Berg", "anna", "anna@example.se", "Department head", "UTB", "yes"]:
        assert shown in text
    assert "never" in text  # the newcomer has never logged in


def test_users_waiting_for_a_role_are_counted_and_listed_first(client_for, office):
    make_user("executive", username="aaron")
    make_user(None, username="zed")
    make_user(None, username="zoe")
    response = _list(client_for(office))
    text = response.content.decode()
    assert "2 users are waiting for a role" in text
    assert text.index("zed") < text.index("aaron")
    assert list(response.context["page"].object_list)[0].username in {"zed", "zoe"}


def test_no_notice_when_nobody_is_waiting(client_for, office):
    make_user(None, username="gone").__class__.objects.filter(username="gone").update(
        is_active=False
    )
    assert "waiting for a role" not in _list(client_for(office)).content.decode()


def test_the_waiting_filter_lists_only_active_users_without_a_role(client_for, office):
    make_user(None, username="newcomer")
    make_user("executive", username="reader")
    User.objects.filter(pk=make_user(None, username="left").pk).update(is_active=False)
    names = {u.username for u in _list(client_for(office), role="waiting").context["page"]}
    assert names == {"newcomer"}


def test_the_role_filter_counts_a_user_by_their_highest_role(client_for, office):
    both = make_user("executive", username="both")
    both.groups.add(office.groups.get())
    make_user("executive", username="reader")
    names = {u.username for u in _list(client_for(office), role="executive").context["page"]}
    assert names == {"reader"}
    names = {u.username for u in _list(client_for(office), role="office").context["page"]}
    assert names == {"office", "both"}


def test_the_department_filter_lists_its_members(client_for, office, own_department):
    make_user("department_head", own_department, username="member")
    make_user("department_head", make_department(), username="elsewhere")
    response = _list(client_for(office), department=own_department.pk)
    assert {u.username for u in response.context["page"]} == {"member"}


def test_the_active_filter_separates_deactivated_users(client_for, office):
    User.objects.filter(pk=make_user("executive", username="left").pk).update(is_active=False)
    client = client_for(office)
    assert {u.username for u in _list(client, active="no").context["page"]} == {"left"}
    assert "left" not in {u.username for u in _list(client, active="yes").context["page"]}


def test_search_matches_every_word_in_name_username_or_email(client_for, office):
    anna = make_user("executive", username="ab1")
    anna.first_name, anna.last_name, anna.email = "Anna", "Berg", "anna.berg@stad.se"
    anna.save()
    make_user("executive", username="other")
    client = client_for(office)
    for query in ["anna berg", "ab1", "stad.se", "BERG"]:
        assert [u.username for u in _list(client, q=query).context["page"]] == ["ab1"]


def test_the_filter_answers_htmx_with_the_table_only(client_for, office):
    response = client_for(office).get(
        reverse("organisation:users"),
        {"q": "office"},
        headers={"HX-Request": "true", "HX-Target": "user-table"},
    )
    text = response.content.decode()
    assert 'id="user-table"' in text
    assert "<h1>" not in text


def _many_users(count: int) -> None:
    departments = [make_department() for _ in range(3)]
    for n in range(count):
        make_user(["office", "department_head", "executive", None][n % 4], *departments[: n % 3])


@pytest.mark.parametrize("count", [3, 80])
def test_the_list_takes_the_same_number_of_queries_whatever_the_number_of_users(
    client_for, office, django_assert_num_queries, count
):
    _many_users(count)
    client = client_for(office)
    _list(client)  # the session and the role groups, read once
    # session, user, role, count, page of users, their role groups, their departments, the
    # waiting count, the department filter's choices
    with django_assert_num_queries(9):
        response = _list(client)
    assert response.status_code == 200
