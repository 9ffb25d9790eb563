from django.urls import reverse

from tests.benefits.factories import make_benefit
from tests.conftest import make_initiative, make_update

URL = reverse("initiatives:check_in")


def test_it_lists_the_heads_open_initiatives_with_the_overdue_ones_first(
    client_for, head, own_department, other_department
):
    fresh = make_initiative(own_department, ref="A-1", title="Fresh")
    stale = make_initiative(own_department, ref="A-2", title="Stale")
    never = make_initiative(own_department, ref="A-3", title="Never")
    make_initiative(own_department, ref="A-4", title="Closed", stage="closed", outcome="completed")
    make_initiative(other_department, ref="B-1", title="Not mine")
    make_update(fresh, head, days_ago=3)
    make_update(stale, head, days_ago=45)
    response = client_for(head).get(URL)
    items = response.context["items"]
    assert [item["initiative"].ref for item in items] == ["A-3", "A-2", "A-1"]
    assert [item["overdue"] for item in items] == [True, True, False]
    assert response.context["overdue_count"] == 2
    assert never.title in response.text


def test_thirty_days_is_not_yet_overdue(client_for, head, own_department):
    initiative = make_initiative(own_department)
    make_update(initiative, head, days_ago=30)
    assert client_for(head).get(URL).context["items"][0]["overdue"] is False


def test_posting_inline_returns_the_row_with_the_new_health(client_for, head, own_department):
    initiative = make_initiative(own_department, ref="A-1")
    prefix = f"u{initiative.pk}"
    response = client_for(head).post(
        reverse("initiatives:progress_update", args=["A-1"]),
        {"from": "check-in", f"{prefix}-date": "2026-11-20", f"{prefix}-health": "amber",
         f"{prefix}-summary": "Waiting for the supplier."},
        headers={"HX-Request": "true", "HX-Target": f"check-in-{initiative.pk}"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<li id="check-in-{initiative.pk}"')
    assert "Amber" in response.text
    assert initiative.progress_updates.get().summary == "Waiting for the supplier."


def test_an_invalid_inline_update_comes_back_with_errors_and_the_input(
    client_for, head, own_department
):
    initiative = make_initiative(own_department, ref="A-1")
    prefix = f"u{initiative.pk}"
    response = client_for(head).post(
        reverse("initiatives:progress_update", args=["A-1"]),
        {"from": "check-in", f"{prefix}-date": "2026-11-20", f"{prefix}-summary": "Half typed"},
        headers={"HX-Request": "true", "HX-Target": f"check-in-{initiative.pk}"},
    )
    assert response.status_code == 422
    assert "Half typed" in response.text
    assert "This field is required" in response.text
    assert not initiative.progress_updates.exists()


def test_the_office_sees_every_open_initiative(
    client_for, office, own_department, other_department
):
    make_initiative(own_department)
    make_initiative(other_department)
    assert len(client_for(office).get(URL).context["items"]) == 2


def test_the_check_in_runs_the_same_queries_for_5_and_200_initiatives(
    client_for, head, own_department, django_assert_num_queries
):
    def fill(n):
        for i in range(n):
            initiative = make_initiative(own_department)
            make_update(initiative, head, days_ago=i % 60)
            make_benefit(initiative, frequency="monthly")

    client = client_for(head)
    fill(5)
    client.get(URL)
    with django_assert_num_queries(10) as first:  # + the hand-overs waiting
        client.get(URL)
    fill(195)
    with django_assert_num_queries(len(first)):
        client.get(URL)
