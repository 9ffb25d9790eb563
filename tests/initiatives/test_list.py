from decimal import Decimal

import pytest
from django.urls import reverse

from tests.benefits.factories import make_benefit
from tests.conftest import make_department, make_initiative, make_update

URL = reverse("initiatives:list")


@pytest.fixture
def listed(own_department, other_department, head):
    robot = make_initiative(
        own_department,
        ref="DIG-2026-001",
        title="Skolmjölksroboten",
        kind="rpa",
        stage="operation",
        budget=250_000,
    )
    lights = make_initiative(
        other_department,
        ref="DIG-2026-002",
        title="Smarta trafikljus",
        kind="iot",
        stage="pilot",
        summary="Sensorer i korsningar",
        budget=900_000,
    )
    permits = make_initiative(
        other_department,
        ref="DIG-2026-003",
        title="Digitalt bygglov",
        kind="eservice",
        stage="idea",
    )
    make_update(lights, head, health="red")
    make_update(robot, head, days_ago=10, health="amber")
    make_update(robot, head, days_ago=2, health="green")
    return robot, lights, permits  # fmt: skip


def rows(response) -> list[str]:
    return [initiative.ref for initiative in response.context["page"]]


def test_it_lists_initiatives_in_ref_order(client_for, executive, listed):
    response = client_for(executive).get(URL)
    assert rows(response) == ["DIG-2026-001", "DIG-2026-002", "DIG-2026-003"]
    assert "Skolmjölksroboten" in response.text


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"stage": "pilot"}, ["DIG-2026-002"]),
        ({"kind": "rpa"}, ["DIG-2026-001"]),
        ({"health": "red"}, ["DIG-2026-002"]),
        ({"health": "green"}, ["DIG-2026-001"]),
        ({"health": "none"}, ["DIG-2026-003"]),
        ({"q": "korsningar"}, ["DIG-2026-002"]),
        ({"q": "dig-2026-003"}, ["DIG-2026-003"]),
        ({"q": "bygglov", "stage": "pilot"}, []),
    ],
)
def test_it_filters(client_for, executive, listed, query, expected):
    assert rows(client_for(executive).get(URL, query)) == expected


def test_it_filters_by_department(client_for, executive, listed, other_department):
    response = client_for(executive).get(URL, {"department": other_department.pk})
    assert rows(response) == ["DIG-2026-002", "DIG-2026-003"]


def test_the_latest_update_gives_the_health(client_for, executive, listed):
    response = client_for(executive).get(URL)
    robot = response.context["page"][0]
    assert robot.health == "green"


@pytest.mark.parametrize(
    "sort,expected",
    [
        ("title", ["DIG-2026-003", "DIG-2026-001", "DIG-2026-002"]),
        ("-title", ["DIG-2026-002", "DIG-2026-001", "DIG-2026-003"]),
        ("-budget", ["DIG-2026-002", "DIG-2026-001", "DIG-2026-003"]),
        ("budget", ["DIG-2026-001", "DIG-2026-002", "DIG-2026-003"]),
    ],
)
def test_columns_sort(client_for, executive, listed, sort, expected):
    response = client_for(executive).get(URL, {"sort": sort})
    assert rows(response) == expected


@pytest.mark.parametrize(
    "query",
    [{"sort": "password"}, {"department": "abc"}, {"stage": "<script>"}, {"page": "999"},
     {"page": "x"}, {"health": "blue"}, {"q": "x" * 500}],
)  # fmt: skip
def test_bad_query_parameters_never_fail(client_for, executive, listed, query):
    assert client_for(executive).get(URL, query).status_code == 200


def test_htmx_gets_only_the_table(client_for, executive, listed):
    response = client_for(executive).get(
        URL, {"stage": "pilot"}, headers={"HX-Request": "true", "HX-Target": "initiative-table"}
    )
    assert response.text.lstrip().startswith('<div id="initiative-table"')
    assert "<html" not in response.text
    assert "Smarta trafikljus" in response.text


def test_it_paginates(client_for, executive, own_department, settings):
    settings.INITIATIVES_PER_PAGE = 10
    for n in range(25):
        make_initiative(own_department, ref=f"P-{n:03d}")
    response = client_for(executive).get(URL, {"page": 3})
    assert rows(response) == [f"P-{n:03d}" for n in range(20, 25)]
    assert 'rel="prev"' in response.text


def test_archived_initiatives_show_only_when_the_office_asks(client_for, office, listed):
    from django.utils import timezone

    permits = listed[2]
    permits.archived_at = timezone.now()
    permits.save()
    client = client_for(office)
    assert "DIG-2026-003" not in rows(client.get(URL))
    assert rows(client.get(URL, {"archived": "on"})) == ["DIG-2026-003"]


def test_user_input_is_escaped(client_for, executive, own_department):
    make_initiative(own_department, title="<script>alert(1)</script>")
    response = client_for(executive).get(URL)
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def _fill(n: int, head) -> None:
    departments = [make_department() for _ in range(4)]
    for i in range(n):
        initiative = make_initiative(departments[i % 4], budget=1000 * i, owner=head)
        make_update(initiative, head, days_ago=i % 40)
        make_benefit(initiative, valued_at_hourly_rate=True)
        make_benefit(initiative, sek_per_unit=Decimal("2"), is_disbenefit=True)


@pytest.mark.parametrize(
    "query",
    [{}, {"stage": "idea", "q": "Initiative", "sort": "-health"}, {"sort": "-expected_sek"},
     {"show": "all", "sort": "realised_sek"}],
)  # fmt: skip
def test_the_list_runs_the_same_queries_for_5_and_40_initiatives(
    client_for, head, django_assert_num_queries, query
):
    client = client_for(head)
    _fill(5, head)
    client.get(URL, query)  # warm up the session
    # session, user, role, departments of the user, department choices, hourly rate, count and
    # page (the money and the latest update are subqueries): eight, whatever the number of rows.
    with django_assert_num_queries(8):
        client.get(URL, query)
    _fill(35, head)
    with django_assert_num_queries(8):
        response = client.get(URL, query)
    assert response.context["page"].paginator.count >= 25
