"""The initiative list shows the open initiatives unless `show` asks for others, with the columns
that matter: owner, stage, health, last update, expected and realised SEK/year."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from benefits.models import hourly_rate
from initiatives.forms import InitiativeFilterForm
from tests.benefits.factories import make_benefit, measure
from tests.conftest import make_initiative, make_update, make_user

URL = reverse("initiatives:list")
EXPORT = reverse("portfolio:initiatives_export")


@pytest.fixture
def mixed(own_department, other_department):
    """One initiative in each state: open, completed, stopped, archived and archived closed."""
    return {
        "open": make_initiative(own_department, ref="A-OPEN", stage="pilot"),
        "completed": make_initiative(
            own_department, ref="B-DONE", stage="closed", outcome="completed"
        ),
        "stopped": make_initiative(
            other_department, ref="C-STOP", stage="closed", outcome="stopped"
        ),
        "archived": make_initiative(own_department, ref="D-ARCH", archived_at=timezone.now()),
        "archived_closed": make_initiative(
            own_department,
            ref="E-ARCL",
            stage="closed",
            outcome="stopped",
            archived_at=timezone.now(),
        ),
    }


def rows(response) -> list[str]:
    return [initiative.ref for initiative in response.context["page"]]


def test_it_hides_closed_and_archived_initiatives_by_default(client_for, office, mixed):
    response = client_for(office).get(URL)
    assert rows(response) == ["A-OPEN"]
    assert '<option value="open" selected>Open</option>' in response.text


def test_a_filtered_list_says_it_still_shows_only_the_open_ones(client_for, office, mixed):
    response = client_for(office).get(URL, {"department": mixed["open"].department_id})
    assert rows(response) == ["A-OPEN"]
    assert '<option value="open" selected>Open</option>' in response.text


@pytest.mark.parametrize(
    "show,expected",
    [
        ("open", ["A-OPEN"]),
        ("closed", ["B-DONE", "C-STOP"]),
        ("archived", ["D-ARCH", "E-ARCL"]),
        ("all", ["A-OPEN", "B-DONE", "C-STOP", "D-ARCH", "E-ARCL"]),
    ],
)
def test_the_office_chooses_what_to_show(client_for, office, mixed, show, expected):
    response = client_for(office).get(URL, {"show": show})
    assert rows(response) == expected
    assert f'<option value="{show}" selected>' in response.text


@pytest.mark.parametrize("role", ["head", "executive"])
def test_only_the_office_is_offered_and_shown_archived_initiatives(
    client_for, users_by_role, mixed, role
):
    client = client_for(users_by_role[role])
    response = client.get(URL, {"show": "all"})
    assert rows(response) == ["A-OPEN", "B-DONE", "C-STOP"]
    assert 'value="archived"' not in response.text
    # Asking for them anyway is ignored: the open ones, never the archived.
    assert rows(client.get(URL, {"show": "archived"})) == ["A-OPEN"]
    assert rows(client.get(URL, {"archived": "on"})) == ["A-OPEN"]


def test_old_links_to_closed_or_archived_initiatives_keep_working(client_for, office, mixed):
    client = client_for(office)
    response = client.get(URL, {"stage": "closed"})
    assert rows(response) == ["B-DONE", "C-STOP"]
    assert '<option value="closed" selected>' in response.text
    assert rows(client.get(URL, {"archived": "on"})) == ["D-ARCH", "E-ARCL"]


def test_a_health_colour_finds_no_closed_initiative(client_for, office, head, mixed):
    make_update(mixed["open"], head, health="red")
    make_update(mixed["completed"], head, health="red")
    assert rows(client_for(office).get(URL, {"health": "red", "show": "all"})) == ["A-OPEN"]


def test_the_export_follows_the_same_filter_as_the_list(client_for, office, mixed):
    client = client_for(office)

    def exported(query):
        response = client.get(EXPORT, {**query, "format": "csv"})
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return [row["ref"] for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))]

    assert exported({}) == ["A-OPEN"]
    assert exported({"show": "closed"}) == ["B-DONE", "C-STOP"]
    assert exported({"show": "all"}) == ["A-OPEN", "B-DONE", "C-STOP", "D-ARCH", "E-ARCL"]
    # Sorted by a money column, as the list can be.
    assert exported({"show": "all", "sort": "-expected_sek"})[0] == "A-OPEN"


def test_an_unbound_form_shows_open(office):
    form = InitiativeFilterForm(user=office)
    assert form["show"].value() == "open"


@pytest.fixture
def money(own_department, head):
    """An initiative with a benefit valued at the hourly rate (measured) and a dis-benefit."""
    initiative = make_initiative(own_department, ref="M-1", owner=head)
    hours = make_benefit(initiative, valued_at_hourly_rate=True)  # 400 h/year expected
    licence = make_benefit(initiative, sek_per_unit=Decimal("2"), is_disbenefit=True)
    measure(hours, dt.date.today() - dt.timedelta(days=3), 150, by=head)
    make_initiative(own_department, ref="M-2")  # no benefit: no money
    return initiative, hours, licence


def test_it_shows_the_expected_and_realised_sek_per_year_as_the_benefits_register(
    client_for, executive, money
):
    initiative, hours, licence = money
    hours.refresh_from_db()
    rate = hourly_rate()
    response = client_for(executive).get(URL)
    first, second = response.context["page"]
    assert first.expected_sek == hours.get_expected_sek(rate) + licence.get_expected_sek(rate)
    assert first.expected_sek == 400 * rate - 800
    assert first.realised_sek == hours.get_realised_sek(rate) == 150 * rate
    assert (second.expected_sek, second.realised_sek) == (None, None)
    row = response.text[response.text.index("M-1") :].split("</tr>")[0]
    assert f"{400 * rate - 800:,.0f}" in row and f"{150 * rate:,.0f}" in row


def test_it_shows_the_owner_and_the_date_of_the_last_update(client_for, executive, money, head):
    head.first_name, head.last_name = "Anna", "Lind"
    head.save()
    make_update(money[0], head, days_ago=12)
    make_update(money[0], head, days_ago=2)
    response = client_for(executive).get(URL)
    row = response.text[response.text.index("M-1") :].split("</tr>")[0]
    assert "Anna Lind" in row
    last = timezone.localdate() - dt.timedelta(days=2)
    assert response.context["page"][0].last_update_on == last
    assert last.strftime("%Y-%m-%d") in row or f"{last.month}/{last.day}/" in row


@pytest.mark.parametrize(
    "sort,expected",
    [
        ("expected_sek", ["CHEAP", "DEAR", "NONE"]),
        ("-expected_sek", ["DEAR", "CHEAP", "NONE"]),
        ("realised_sek", ["DEAR", "CHEAP", "NONE"]),
        ("-realised_sek", ["CHEAP", "DEAR", "NONE"]),
        ("last_update", ["DEAR", "CHEAP", "NONE"]),
        ("-last_update", ["CHEAP", "DEAR", "NONE"]),
        ("owner", ["CHEAP", "DEAR", "NONE"]),
        ("-owner", ["DEAR", "CHEAP", "NONE"]),
    ],
)
def test_the_new_columns_sort_with_empty_values_last(
    client_for, executive, own_department, sort, expected
):
    anna = make_user("department_head", own_department, username="anna")
    anna.first_name = "Anna"
    anna.save()
    bo = make_user("department_head", own_department, username="bo")
    bo.first_name = "Bo"
    bo.save()
    none = make_initiative(own_department, ref="NONE")
    none.owner = None
    none.save()
    cheap = make_initiative(own_department, ref="CHEAP", owner=anna)
    dear = make_initiative(own_department, ref="DEAR", owner=bo)
    small = make_benefit(cheap, target_value=Decimal("10"), valued_at_hourly_rate=True)
    large = make_benefit(dear, target_value=Decimal("1000"), valued_at_hourly_rate=True)
    measure(small, dt.date.today(), 9, by=anna)
    measure(large, dt.date.today(), 1, by=bo)
    make_update(cheap, anna, days_ago=1)
    make_update(dear, bo, days_ago=20)
    response = client_for(executive).get(URL, {"sort": sort})
    assert rows(response) == expected
    assert 'aria-sort="' in response.text


def test_a_closed_initiative_shows_no_health_colour(client_for, office, head, mixed):
    make_update(mixed["completed"], head, health="red")
    response = client_for(office).get(URL, {"show": "closed"})
    row = response.text[response.text.index("B-DONE") :].split("</tr>")[0]
    assert "health-red" not in row and "health-none" not in row


def test_the_department_pages_link_lists_every_initiative_it_counts(
    client_for, office, mixed, own_department
):
    client = client_for(office)
    page = client.get(reverse("organisation:department_edit", args=[own_department.pk])).text
    href = re.search(r'href="(/initiatives/\?[^"]*)"', page).group(1).replace("&amp;", "&")
    assert rows(client.get(href)) == ["A-OPEN", "B-DONE", "D-ARCH", "E-ARCL"]
