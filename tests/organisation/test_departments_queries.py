"""The department list reads a constant number of queries, whatever the number of departments and
members."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import make_department, make_initiative, make_user

pytestmark = pytest.mark.django_db


def _departments(count: int) -> None:
    parent = make_department("Stadsledningskontoret", "SLK")
    for n in range(count - 1):
        department = make_department(f"Enhet {n:03d}", f"E{n:03d}")
        department.parent = parent
        department.save()
        department.members.add(make_user("department_head"), make_user("department_head"))
        make_initiative(department)


@pytest.mark.parametrize("count", [3, 60])
def test_the_list_reads_the_same_number_of_queries_for_3_and_60_departments(
    client_for, office, django_assert_num_queries, count
):
    _departments(count)
    client = client_for(office)
    # session, user, the user's groups (the role), the departments with their counts
    with django_assert_num_queries(4):
        response = client.get(reverse("organisation:departments"), {"archived": "on"})
    assert response.status_code == 200
    assert len(response.context["departments"]) == count
