"""The initiative list pages by keyset: Next and Previous carry a signed cursor, and walking them
gives exactly the offset pages' rows, for every sort, both ways, with NULLs and ties."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives.forms import SORTS
from portfolio import keyset
from tests import paging
from tests.benefits.factories import make_benefit
from tests.conftest import make_department, make_initiative, make_update, make_user

URL = reverse("initiatives:list")
PER_PAGE = 4
# Money summed in SQL comes back rounded into Python: these sorts page by offset (portfolio.keyset).
OFFSET_SORTS = {"expected_sek", "realised_sek"}
ALL_SORTS = [key for key in SORTS] + [f"-{key}" for key in SORTS]


@pytest.fixture(autouse=True)
def small_pages(settings):
    settings.INITIATIVES_PER_PAGE = PER_PAGE


@pytest.fixture
def many(head):
    """23 initiatives whose every sort column has ties, and NULLs where it can: no owner, no
    update, no budget, no planned end, no benefit; two archived, three closed."""
    departments = [make_department(f"Förvaltning {c}", f"F{c}") for c in "BAC"]
    people = [make_user("department_head", username=f"owner{n}") for n in range(3)]
    people[1].first_name = "Åsa"
    people[1].save()
    titles = ["Same", "Alpha", "zeta", "Same", "Ärende", "Beta"]
    stages = ["idea", "pilot", "operation", "closed", "idea"]
    for i in range(23):
        initiative = make_initiative(
            departments[i % 3],
            ref=f"K-{(i * 7) % 23:03d}",
            title=titles[i % len(titles)],
            owner=None if i % 4 == 3 else people[i % 3],
            stage=stages[i % len(stages)],
            kind=["rpa", "iot", "other"][i % 3],
            budget=None if i % 3 == 0 else 1000 * (i % 4),
            planned_end=None if i % 2 else dt.date(2027, 1 + i % 3, 1),
            archived_at=timezone.now() if i in (5, 17) else None,
        )
        if i % 3:
            make_update(initiative, head, days_ago=i % 4, health=["green", "amber", "red"][i % 3])
        if i % 2 == 0:
            make_benefit(initiative, valued_at_hourly_rate=True)


def refs(response) -> list[str]:
    return [initiative.ref for initiative in response.context["page"]]


def by_offset(client, query: dict) -> list[list]:
    return paging.by_offset(client, URL, query, refs)


def by_links(client, url: str, rel: str) -> tuple[list[list], list[str]]:
    return paging.by_links(client, url, rel, refs)


link = paging.link


@pytest.mark.parametrize("sort", ALL_SORTS)
def test_following_next_and_previous_gives_the_offset_pages_for_every_sort(
    client_for, office, many, sort
):
    client = client_for(office)
    query = {"show": "all", "sort": sort}
    want = by_offset(client, query)
    assert len(want) == 6
    forward, links = by_links(client, f"{URL}?show=all&sort={sort}", "next")
    assert forward == want
    seeked = all("cursor=" in url for url in links)
    assert seeked == (sort.lstrip("-") not in OFFSET_SORTS)
    backward, _links = by_links(client, f"{URL}?show=all&sort={sort}&page=6", "prev")
    assert backward == want[::-1]
    every = [ref for page in forward for ref in page]
    assert len(every) == len(set(every)) == 23


def test_a_page_reached_by_cursor_knows_its_number(client_for, office, many):
    client = client_for(office)
    url = f"{URL}?show=all&sort=-owner"
    for number in range(1, 5):
        response = client.get(url)
        assert f"Page {number} of 6" in response.text
        url = link(response, "next")
    assert parse_qs(urlsplit(url).query)["page"] == ["5"]
    previous = link(client.get(url), "prev")
    assert "cursor=" in previous
    assert "Page 4 of 6" in client.get(previous).text


def test_the_link_back_to_the_first_page_has_no_cursor(client_for, office, many):
    client = client_for(office)
    second = link(client.get(URL, {"show": "all", "sort": "title"}), "next")
    first = link(client.get(second), "prev")
    assert "cursor" not in first
    assert parse_qs(urlsplit(first).query) == {"show": ["all"], "sort": ["title"], "page": ["1"]}


@pytest.mark.parametrize("sort", ["owner", "-owner", "last_update", "-last_update", "-budget"])
def test_empty_values_come_last_both_ways(client_for, office, many, sort):
    from organisation import permissions

    client = client_for(office)
    pages, _links = by_links(client, f"{URL}?show=all&sort={sort}", "next")
    column = SORTS[sort.lstrip("-")]
    value = dict(permissions.visible_to(office).for_list().values_list("ref", column))
    values = [value[ref] for page in pages for ref in page]
    empty = [v is None for v in values]
    assert any(empty) and empty == sorted(empty)  # every NULL after every value
    filled = [v for v in values if v is not None]
    if not isinstance(filled[0], str):  # strings go by the database's collation
        assert filled == sorted(filled, reverse=sort.startswith("-"))


def test_filters_and_sort_are_kept_in_the_cursor_links(client_for, office, many):
    client = client_for(office)
    query = {"show": "all", "q": "a", "kind": "rpa", "sort": "-title"}
    want = by_offset(client, query)
    assert len(want) == 2
    url = f"{URL}?show=all&q=a&kind=rpa&sort=-title"
    pages, links = by_links(client, url, "next")
    assert pages == want
    kept = parse_qs(urlsplit(links[0]).query)
    assert {key: kept[key] for key in query} == {key: [value] for key, value in query.items()}
    assert "cursor" in kept


def test_a_cursor_for_other_filters_gives_the_page_by_number(client_for, office, many):
    client = client_for(office)
    second = link(client.get(URL, {"show": "all", "sort": "title"}), "next")
    other_sort = second.replace("sort=title", "sort=-title")
    response = client.get(other_sort)
    assert refs(response) == by_offset(client, {"show": "all", "sort": "-title"})[1]


@pytest.mark.parametrize(
    "cursor", ["garbage", "", "a" * 5000, "eyJsaXN0IjoiaW5pdGlhdGl2ZXMifQ:1abc:def"]
)
def test_a_tampered_cursor_falls_back_to_the_page_by_number(client_for, office, many, cursor):
    client = client_for(office)
    want = by_offset(client, {"show": "all", "sort": "stage"})
    response = client.get(URL, {"show": "all", "sort": "stage", "page": 3, "cursor": cursor})
    assert response.status_code == 200
    assert refs(response) == want[2]
    response = client.get(URL, {"show": "all", "sort": "stage", "cursor": cursor})
    assert refs(response) == want[0]


def test_a_cursor_with_a_changed_character_is_refused(client_for, office, many):
    client = client_for(office)
    third = link(client.get(link(client.get(URL, {"show": "all"}), "next")), "next")
    cursor = parse_qs(urlsplit(third).query)["cursor"][0]
    changed = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    response = client.get(URL, {"show": "all", "page": 1, "cursor": changed})
    assert response.status_code == 200
    assert refs(response) == by_offset(client, {"show": "all"})[0]


def test_another_lists_cursor_is_ignored(client_for, office, many):
    client = client_for(office)
    digest = keyset.query_digest(client.get(URL, {"show": "all"}).wsgi_request.GET)
    payload = {"query": digest, "dir": "next", "key": ["K-010", "K-010"], "page": 4}
    cursor = keyset.sign_cursor(payload, kind="benefits")
    response = client.get(URL, {"show": "all", "cursor": cursor})
    assert refs(response) == by_offset(client, {"show": "all"})[0]


def test_a_cursor_at_an_archived_row_shows_a_head_nothing_archived(client_for, office, head, many):
    """The office sees archived initiatives, a head does not: a head given the office's link
    gets the active rows after that position, and the page count of its own list."""
    client = client_for(office)
    archived = sorted(client.get(URL, {"show": "archived"}).context["page"], key=lambda i: i.ref)
    digest = keyset.query_digest(client.get(URL, {"show": "all"}).wsgi_request.GET)
    payload = {"query": digest, "dir": "next", "key": [archived[0].ref] * 2, "page": 5}
    cursor = keyset.sign_cursor(payload, kind="initiatives")
    response = client_for(head).get(URL, {"show": "all", "cursor": cursor})
    assert response.status_code == 200
    every = [ref for page in by_offset(client_for(head), {"show": "all"}) for ref in page]
    assert refs(response) == [ref for ref in every if ref > archived[0].ref][:PER_PAGE]
    for initiative in archived:
        assert initiative.ref not in response.text


def test_htmx_gets_the_table_with_cursor_links_beside_hrefs(client_for, office, many):
    client = client_for(office)
    second = link(client.get(URL, {"show": "all"}), "next")
    response = client.get(second, headers={"HX-Request": "true", "HX-Target": "initiative-table"})
    assert response.text.lstrip().startswith('<div id="initiative-table"')
    nav = re.search(r'<a href="([^"]+)" hx-get="([^"]+)" rel="next"', response.text)
    assert nav and nav.group(1) == nav.group(2) and "cursor=" in nav.group(1)


def test_sort_headers_drop_the_cursor(client_for, office, many):
    client = client_for(office)
    response = client.get(link(client.get(URL, {"show": "all"}), "next"))
    headers = re.findall(r'<th scope="col"[^>]*>\s*<a href="([^"]+)"', response.text)
    assert headers and not any("cursor" in url or "page=" in url for url in headers)


def _fill(n: int, head) -> None:
    departments = [make_department() for _ in range(4)]
    for i in range(n):
        initiative = make_initiative(departments[i % 4], budget=1000 * i, owner=head)
        make_update(initiative, head, days_ago=i % 40)
        make_benefit(initiative, valued_at_hourly_rate=True)


@pytest.mark.parametrize("sort", ["ref", "-last_update", "owner", "-expected_sek"])
def test_a_deep_cursor_page_runs_the_queries_of_the_first(
    client_for, head, django_assert_num_queries, sort
):
    _fill(60, head)
    client = client_for(head)
    client.get(URL, {"sort": sort})  # warm up the session
    # session, user, role, departments of the user, department choices, hourly rate, count and
    # page: eight, on the first page and on the fourteenth reached by cursor.
    with django_assert_num_queries(8):
        url = link(client.get(URL, {"sort": sort}), "next")
    for _ in range(12):
        url = link(client.get(url), "next")
    with django_assert_num_queries(8), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.context["page"].number == 14
    assert len(refs(response)) == PER_PAGE
    (rows_query,) = [
        query["sql"]
        for query in queries.captured_queries
        if 'FROM "initiatives_initiative"' in query["sql"] and "LIMIT" in query["sql"]
    ]
    assert ("OFFSET" in rows_query) == (sort.lstrip("-") in OFFSET_SORTS)
