"""The check-in page has the list's filters; they only narrow what the user may update anyway."""

import pytest
from django.urls import reverse

from tests.benefits.factories import make_benefit
from tests.conftest import make_department, make_initiative, make_update

URL = reverse("initiatives:check_in")


def cards(response) -> list[str]:
    return [item["initiative"].ref for item in response.context["items"]]


def due(response) -> list[str]:
    return [item["benefit"].title for item in response.context["due_benefits"]]


@pytest.fixture
def cards_of_two_departments(own_department, other_department, head):
    robot = make_initiative(own_department, ref="A-1", title="Robot", kind="rpa", stage="pilot")
    bot = make_initiative(own_department, ref="A-2", title="Chatbot", kind="other", stage="idea")
    lights = make_initiative(other_department, ref="B-1", title="Trafikljus", stage="pilot")
    make_initiative(other_department, ref="B-2", title="Closed", stage="closed", outcome="stopped")
    make_update(robot, head, health="red")
    make_update(bot, head, health="green")
    make_benefit(robot, title="Robot hours", frequency="monthly")
    make_benefit(lights, title="Fewer queues", frequency="monthly")
    return robot, bot, lights


def test_the_office_narrows_its_check_in_to_one_department(
    client_for, office, cards_of_two_departments, other_department
):
    client = client_for(office)
    assert cards(client.get(URL)) == ["B-1", "A-1", "A-2"]
    response = client.get(URL, {"department": other_department.pk})
    assert cards(response) == ["B-1"]
    assert due(response) == ["Fewer queues"]
    assert f'<option value="{other_department.pk}" selected>' in response.text


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"stage": "pilot"}, ["B-1", "A-1"]),
        ({"kind": "rpa"}, ["A-1"]),
        ({"health": "red"}, ["A-1"]),
        ({"health": "none"}, ["B-1"]),
        ({"q": "ljus"}, ["B-1"]),
        ({"q": "a-2"}, ["A-2"]),
        ({"stage": "closed"}, ["B-1", "A-1", "A-2"]),  # not a choice here: ignored
    ],
)
def test_the_check_in_filters_like_the_list(
    client_for, office, cards_of_two_departments, query, expected
):
    assert cards(client_for(office).get(URL, query)) == expected


def test_a_head_is_offered_only_their_own_departments(
    client_for, head, cards_of_two_departments, own_department, other_department
):
    response = client_for(head).get(URL)
    assert cards(response) == ["A-1", "A-2"]
    assert f'<option value="{own_department.pk}">' in response.text
    assert f'value="{other_department.pk}"' not in response.text


@pytest.mark.parametrize(
    "query", [{"q": "Trafikljus"}, {"stage": "pilot"}, {"health": "none"}, {"kind": "iot"}]
)
def test_a_heads_filters_never_reach_another_departments_initiatives(
    client_for, head, cards_of_two_departments, query
):
    response = client_for(head).get(URL, query)
    assert "B-1" not in cards(response)
    assert "B-1 Trafikljus" not in response.text and "Fewer queues" not in due(response)


def test_a_head_asking_for_another_department_still_sees_only_their_own(
    client_for, head, cards_of_two_departments, other_department
):
    response = client_for(head).get(URL, {"department": other_department.pk})
    assert response.status_code == 200
    assert cards(response) == ["A-1", "A-2"]
    assert "Trafikljus" not in response.text


def test_a_filter_that_finds_nothing_says_so(client_for, office, cards_of_two_departments):
    response = client_for(office).get(URL, {"q": "nothing like this"})
    assert cards(response) == []
    assert "No open initiative of yours matches the filter." in response.text


def test_htmx_gets_only_the_results(client_for, office, cards_of_two_departments):
    response = client_for(office).get(
        URL, {"kind": "rpa"}, headers={"HX-Request": "true", "HX-Target": "check-in-results"}
    )
    assert response.text.lstrip().startswith('<div id="check-in-results"')
    assert "<html" not in response.text and 'id="check-in-filter"' not in response.text
    assert "Robot" in response.text and "Chatbot" not in response.text


def test_a_row_still_swaps_alone_after_a_post(client_for, head, cards_of_two_departments):
    robot = cards_of_two_departments[0]
    prefix = f"u{robot.pk}"
    response = client_for(head).post(
        reverse("initiatives:progress_update", args=["A-1"]),
        {"from": "check-in", f"{prefix}-date": "2026-11-20", f"{prefix}-health": "amber",
         f"{prefix}-summary": "Waiting."},
        headers={"HX-Request": "true", "HX-Target": f"check-in-{robot.pk}"},
    )  # fmt: skip
    assert response.text.lstrip().startswith(f'<li id="check-in-{robot.pk}"')


def test_the_filtered_check_in_runs_the_same_queries_for_5_and_40_initiatives(
    client_for, office, django_assert_num_queries
):
    departments = [make_department() for _ in range(3)]

    def fill(n):
        for i in range(n):
            initiative = make_initiative(departments[i % 3], stage="pilot", title=f"Robot {i}")
            make_update(initiative, office, days_ago=i % 60)
            make_benefit(initiative, frequency="monthly")

    query = {"department": departments[0].pk, "stage": "pilot", "q": "Robot", "health": "green"}
    client = client_for(office)
    fill(5)
    client.get(URL, query)
    with django_assert_num_queries(10) as first:  # + the hand-overs waiting
        client.get(URL, query)
    fill(35)
    with django_assert_num_queries(len(first)):
        response = client.get(URL, query)
    assert len(response.context["items"]) == 14
