"""The benefits register fits a 1,280-pixel screen: the columns the office decides on by default,
the others chosen under "Columns" and kept in the query string."""

import re

import pytest
from django.urls import reverse

from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_department, make_initiative

URL = reverse("benefits:register")


@pytest.fixture
def benefit(head, own_department):
    robot = make_initiative(own_department, ref="DIG-1", title="Skolmjölksroboten")
    hours = make_benefit(robot, title="Hours", valued_at_hourly_rate=True, owner=head)
    measure(hours, TODAY, 100, head)
    return hours


def headers(html: str) -> list[str]:
    thead = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    cells = re.findall(r"<th[^>]*>(.*?)</th>", thead, re.S)
    return [re.sub(r"<[^>]+>|[▲▼]", "", cell).strip() for cell in cells]


def test_the_register_shows_the_deciding_columns_by_default(client_for, executive, benefit):
    response = client_for(executive).get(URL)
    assert headers(response.text) == [
        "Initiative",
        "Benefit",
        "Benefit owner",
        "Realised",
        "Expected SEK/year",
        "Realised SEK/year",
        "Plan",
    ]
    assert "Skolmjölksroboten" in response.text  # the initiative's title under its ref
    assert benefit.owner.get_full_name() in response.text


def test_chosen_columns_come_in_their_place_and_stay_ticked(client_for, executive, benefit):
    response = client_for(executive).get(URL, {"col": ["latest", "department", "bogus"]})
    assert headers(response.text) == [
        "Initiative",
        "Benefit",
        "Department",
        "Benefit owner",
        "Latest measurement",
        "Realised",
        "Expected SEK/year",
        "Realised SEK/year",
        "Plan",
    ]
    assert response.context["columns"].chosen == {"latest", "department"}
    html = response.text
    assert re.search(r'<input type="checkbox" name="col" value="latest"[^>]* checked', html)
    assert not re.search(r'<input type="checkbox" name="col" value="category"[^>]* checked', html)
    # The sort links keep the choice.
    assert re.search(r'href="[^"]*col=latest[^"]*sort=-?title', html) or re.search(
        r'href="[^"]*sort=-?title[^"]*col=latest', html
    )


def test_the_columns_are_in_the_filter_form_as_labelled_checkboxes(client_for, executive, benefit):
    html = client_for(executive).get(URL).text
    form = html.split('id="benefit-filter"', 1)[1].split("</form>", 1)[0]
    assert "<summary>Columns</summary>" in form
    assert "<legend>Show these columns too</legend>" in form
    for key in ("department", "category", "confidence", "latest"):
        assert f'value="{key}"' in form


def test_the_table_scrolls_in_a_named_focusable_box(client_for, executive, benefit):
    html = client_for(executive).get(URL).text
    assert (
        '<div class="table-scroll" tabindex="0" role="region" '
        'aria-labelledby="benefit-table-caption">' in html
    )
    assert 'id="benefit-table-caption"' in html


def test_optional_columns_add_no_query(client_for, executive, head, django_assert_num_queries):
    department = make_department()
    for i in range(60):
        initiative = make_initiative(department)
        measure(make_benefit(initiative, owner=head), TODAY, i, head)
    client = client_for(executive)
    client.get(URL)
    # 9, and one: whether the dashboard's sums hold (not here), which would spare the totals
    with django_assert_num_queries(10) as plain:
        client.get(URL)
    every = {"col": ["department", "category", "confidence", "latest"]}
    with django_assert_num_queries(len(plain)):
        response = client.get(URL, every)
    assert len(headers(response.text)) == 11
