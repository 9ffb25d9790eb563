"""Two people acting on departments at once, or one clicking twice: one write, a clear answer,
never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from initiatives.models import Initiative
from organisation.forms import DepartmentForm, DepartmentMergeForm
from organisation.models import Department
from tests.benefits.concurrency import at_once, in_thread, threads_wait_for_locks, together_after
from tests.conftest import make_department, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_two_people_creating_the_same_code_at_once_get_one_department_and_a_message(
    office, tmp_path
):
    colleague = make_user("office")
    clients = [logged_in(office), logged_in(colleague)]
    url = reverse("organisation:department_create")
    with threads_wait_for_locks(tmp_path), together_after(DepartmentForm, "is_valid"):
        responses = at_once(
            lambda: clients[0].post(url, {"name": "Kultur", "code": "KUL"}),
            lambda: clients[1].post(url, {"name": "Kulturen", "code": "kul"}),
        )
        stored = in_thread(lambda: list(Department.objects.values_list("code", flat=True)))
    assert sorted(response.status_code for response in responses) == [302, 422]
    assert stored == ["KUL"]
    refused = next(response for response in responses if response.status_code == 422)
    assert "The code KUL is already used by" in refused.text


def test_two_merges_of_one_department_at_once_move_its_initiatives_once(
    office, own_department, other_department, own_initiative, tmp_path
):
    third = make_department("Socialförvaltningen", "SOC")
    colleague = make_user("office")
    clients = [logged_in(office), logged_in(colleague)]
    url = reverse("organisation:department_merge", args=[own_department.pk])
    with threads_wait_for_locks(tmp_path), together_after(DepartmentMergeForm, "is_valid"):
        responses = at_once(
            lambda: clients[0].post(url, {"target": other_department.pk, "confirm": "on"}),
            lambda: clients[1].post(url, {"target": third.pk, "confirm": "on"}),
        )
        moves = in_thread(lambda: Initiative.history.filter(id=own_initiative.pk).count())
        moved_to = in_thread(lambda: Initiative.objects.get(pk=own_initiative.pk).department_id)
    assert sorted(response.status_code for response in responses) == [302, 409]
    assert moves == 2  # created, moved once
    assert moved_to in (other_department.pk, third.pk)
    refused = next(response for response in responses if response.status_code == 409)
    assert "nothing was moved" in refused.text
