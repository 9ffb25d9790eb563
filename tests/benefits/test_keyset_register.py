"""The benefits register pages by keyset: Next and Previous carry a signed cursor, and walking them
gives exactly the offset pages' rows, for every sort, both ways, with NULLs and ties."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from benefits.forms import SORTS
from portfolio import keyset
from tests import paging
from tests.benefits.factories import TODAY, make_benefit
from tests.conftest import make_department, make_initiative

URL = reverse("benefits:register")
PER_PAGE = 50
# Money and rates computed in SQL come back rounded into Python: these sorts page by offset.
OFFSET_SORTS = {"expected_sek", "realised_sek", "realisation_rate"}
ALL_SORTS = [key for key in SORTS] + [f"-{key}" for key in SORTS]


def fill(count: int, *, archived: int = 0, prefix: str = "R") -> None:
    """`count` benefits over initiatives of three departments, ten a initiative, whose every sort
    column has ties, and NULLs where it can (no measurement, no money, no rate); `archived`
    initiatives more, archived, with ten benefits each."""
    departments = [make_department(f"Förvaltning {prefix}{c}", f"{prefix}{c}") for c in "BAC"]
    titles = ["Same", "Alpha", "zeta", "Same", "Ärende", "Beta", "Hours"]
    categories = ["redistribution", "financial", "quality", "financial"]
    initiatives = [
        make_initiative(
            departments[n % 3],
            ref=f"{prefix}-{(n * 5) % 17:03d}-{n}",
            archived_at=timezone.now() if n >= count // 10 + 1 else None,
        )
        for n in range(count // 10 + 1 + archived)
    ]
    for n in range(count + 10 * archived):
        initiative = initiatives[n // 10 if n < count else count // 10 + 1 + (n - count) // 10]
        measured = n % 3 != 0
        make_benefit(
            initiative,
            title=titles[n % len(titles)],
            category=categories[n % len(categories)],
            valued_at_hourly_rate=n % 4 == 0,
            sek_per_unit=Decimal("2") if n % 4 == 1 else None,
            is_disbenefit=n % 5 == 0,
            target_value=Decimal("400") if n % 6 else Decimal("0"),
            latest_value=Decimal(n % 7) if measured else None,
            latest_measured_on=TODAY - dt.timedelta(days=n % 4) if measured else None,
        )


@pytest.fixture
def many(db):
    fill(120, archived=2)


def titles(response) -> list[tuple[str, str, int]]:
    return [(b.initiative.ref, b.title, b.pk) for b in response.context["page"]]


def by_offset(client, query: dict) -> list[list]:
    return paging.by_offset(client, URL, query, titles)


def by_links(client, url: str, rel: str) -> tuple[list[list], list[str]]:
    return paging.by_links(client, url, rel, titles)


link = paging.link


@pytest.mark.parametrize("sort", ALL_SORTS)
def test_following_next_and_previous_gives_the_offset_pages_for_every_sort(
    client_for, executive, many, sort
):
    client = client_for(executive)
    want = by_offset(client, {"sort": sort})
    assert [len(page) for page in want] == [50, 50, 20]
    forward, links = by_links(client, f"{URL}?sort={sort}", "next")
    assert forward == want
    seeked = all("cursor=" in url for url in links)
    assert seeked == (sort.lstrip("-") not in OFFSET_SORTS)
    backward, _links = by_links(client, f"{URL}?sort={sort}&page=3", "prev")
    assert backward == want[::-1]
    every = [row for page in forward for row in page]
    assert len(set(every)) == 120


@pytest.mark.parametrize("sort", ["latest", "-latest"])
def test_benefits_never_measured_come_last_both_ways(client_for, executive, many, sort):
    client = client_for(executive)
    pages, links = by_links(client, f"{URL}?sort={sort}&col=latest", "next")
    assert all("cursor=" in url for url in links)
    measured_on = []
    for url in [f"{URL}?sort={sort}&col=latest", *links]:
        measured_on += [b.latest_measured_on for b in client.get(url).context["page"]]
    empty = [day is None for day in measured_on]
    assert any(empty) and empty == sorted(empty)
    days = [day for day in measured_on if day is not None]
    assert days == sorted(days, reverse=sort.startswith("-"))


def test_the_count_and_the_page_number_show_on_a_cursor_page(client_for, executive, many):
    client = client_for(executive)
    second = client.get(link(client.get(URL, {"sort": "-title"}), "next"))
    assert "120 benefits" in second.text
    assert "Page 2 of 3" in second.text
    third = client.get(link(second, "next"))
    assert "Page 3 of 3" in third.text
    assert link(third, "next") is None
    assert "cursor=" in link(third, "prev")


def test_filters_and_sort_are_kept_in_the_cursor_links(client_for, executive, db):
    fill(500)
    client = client_for(executive)
    query = {"category": "financial", "q": "am", "sort": "-department", "col": "department"}
    want = by_offset(client, query)
    assert len(want) == 2 and all(row[1] == "Same" for page in want for row in page)
    url = f"{URL}?category=financial&q=am&sort=-department&col=department"
    pages, links = by_links(client, url, "next")
    assert pages == want
    kept = parse_qs(urlsplit(links[0]).query)
    assert {key: kept[key] for key in query} == {key: [value] for key, value in query.items()}
    assert "cursor" in kept


@pytest.mark.parametrize("cursor", ["garbage", "", "x:y:z", "a" * 5000])
def test_a_tampered_cursor_falls_back_to_the_page_by_number(client_for, executive, many, cursor):
    client = client_for(executive)
    want = by_offset(client, {"sort": "category"})
    response = client.get(URL, {"sort": "category", "page": 2, "cursor": cursor})
    assert response.status_code == 200
    assert titles(response) == want[1]
    assert titles(client.get(URL, {"sort": "category", "cursor": cursor})) == want[0]


def test_a_cursor_of_the_initiative_list_is_ignored(client_for, executive, many):
    client = client_for(executive)
    digest = keyset.query_digest(client.get(URL).wsgi_request.GET)
    payload = {"query": digest, "dir": "next", "key": ["R-005-1", "R-005-1", "Same", 1], "page": 2}
    response = client.get(URL, {"cursor": keyset.sign_cursor(payload, kind="initiatives")})
    assert titles(response) == by_offset(client, {})[0]


def test_a_cursor_at_an_archived_initiatives_benefit_shows_nothing_archived(client_for, head, many):
    """Nobody sees an archived initiative's benefits in the register: a cursor whose position is
    one of them gives the visible rows after it, and nothing of the archived initiative."""
    from benefits.models import Benefit

    hidden = Benefit.objects.filter(initiative__archived_at__isnull=False).order_by("id").first()
    client = client_for(head)
    digest = keyset.query_digest(client.get(URL).wsgi_request.GET)
    ref = hidden.initiative.ref
    payload = {"query": digest, "dir": "next", "key": [ref, ref, hidden.title, hidden.pk]}
    cursor = keyset.sign_cursor({**payload, "page": 2}, kind="benefits")
    response = client.get(URL, {"cursor": cursor})
    assert response.status_code == 200
    every = [row for page in by_offset(client, {}) for row in page]
    after = [row for row in every if (row[0], row[1], row[2]) > (ref, hidden.title, hidden.pk)]
    assert titles(response) == after[:PER_PAGE]
    assert ref not in response.text


def test_htmx_gets_the_table_with_cursor_links_beside_hrefs(client_for, executive, many):
    client = client_for(executive)
    second = link(client.get(URL), "next")
    response = client.get(second, headers={"HX-Request": "true", "HX-Target": "benefit-table"})
    assert response.text.lstrip().startswith('<div id="benefit-table"')
    nav = re.search(r'<a href="([^"]+)" hx-get="([^"]+)" rel="next"', response.text)
    assert nav and nav.group(1) == nav.group(2) and "cursor=" in nav.group(1)


def _rows_query(queries) -> str:
    (sql,) = [
        query["sql"]
        for query in queries.captured_queries
        if 'FROM "benefits_benefit"' in query["sql"] and "LIMIT" in query["sql"]
    ]
    return sql


@pytest.mark.parametrize("sort", ["initiative", "-title", "latest", "-realised_sek"])
def test_a_deep_cursor_page_runs_the_queries_of_the_first(
    client_for, executive, django_assert_num_queries, db, sort
):
    fill(260)
    client = client_for(executive)
    client.get(URL, {"sort": sort})  # warm up the session
    # session, user, role, hourly rate, whether the kept figures are fresh, totals, count, rows,
    # department and owner choices: ten, on the first page and on the fifth reached by cursor.
    with django_assert_num_queries(10):
        url = link(client.get(URL, {"sort": sort}), "next")
    for _ in range(3):
        url = link(client.get(url), "next")
    with django_assert_num_queries(10), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.context["page"].number == 5
    assert len(titles(response)) == PER_PAGE
    assert ("OFFSET" in _rows_query(queries)) == (sort.lstrip("-") in OFFSET_SORTS)
    fill(200, prefix="S")
    with django_assert_num_queries(10):
        client.get(url)
