"""Keyset paging of the API's lists: `cursor` in, `next_cursor` out, no OFFSET and no COUNT."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import signing
from django.utils import timezone

from api.api import CURSOR_SALT
from portfolio.models import Alignment, CouncilGoal
from tests.conftest import make_initiative, make_update

LIST = "/api/v1/initiatives"
RANKING = "/api/v1/ranking"
BAD_CURSOR = "cursor: not a cursor this list gave out; start again without one."


def walk(client, url: str, params: dict, between=None) -> tuple[list[str], list[dict]]:
    """Every ref of a list, following next_cursor from the first page; `between(n)` runs after
    page n, as other users' writes would."""
    refs, bodies = [], []
    cursor = None
    for n in range(100):
        response = client.get(url, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        bodies.append(body)
        refs += [item["ref"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return refs, bodies
        if between:
            between(n)
    raise AssertionError("the cursor never ended")


@pytest.fixture
def seven(own_department):
    return [make_initiative(own_department, ref=f"P-{n}") for n in (5, 3, 7, 1, 4, 2, 6)]


def test_walking_the_cursor_returns_every_initiative_once_in_order(api_as, executive, seven):
    refs, bodies = walk(api_as(executive), LIST, {"limit": 2})
    assert refs == [f"P-{n}" for n in range(1, 8)]
    assert [len(body["items"]) for body in bodies] == [2, 2, 2, 1]
    first, *rest = bodies
    assert (first["count"], first["offset"], first["limit"]) == (7, 0, 2)
    for body in rest:  # no COUNT on cursor pages, and no offset to tell
        assert (body["count"], body["offset"], body["limit"]) == (None, None, 2)


def test_a_page_that_ends_the_list_exactly_has_no_next_cursor(api_as, executive, seven):
    refs, bodies = walk(api_as(executive), LIST, {"limit": 7})
    assert len(bodies) == 1 and len(refs) == 7
    assert api_as(executive).get(LIST, {"limit": 7}).json()["next_cursor"] is None


def test_rows_written_between_pages_neither_repeat_nor_shift_the_walk(
    api_as, executive, own_department, seven
):
    def between(n):
        if n == 0:  # after P-1, P-2: one behind the cursor, one ahead, one gone
            make_initiative(own_department, ref="P-0")
            make_initiative(own_department, ref="P-35")
            seven[-1].delete()  # P-6

    refs, _bodies = walk(api_as(executive), LIST, {"limit": 2}, between)
    assert refs == ["P-1", "P-2", "P-3", "P-35", "P-4", "P-5", "P-7"]


def test_filters_keep_working_with_a_cursor(api_as, executive, own_department, other_department):
    for n in range(6):
        department = own_department if n % 2 else other_department
        initiative = make_initiative(department, ref=f"Q-{n}", title=f"Robot {n}")
        make_update(initiative, executive, health="red" if n < 4 else "green")
    client = api_as(executive)
    refs, _ = walk(client, LIST, {"limit": 1, "department": "UTB", "q": "robot"})
    assert refs == ["Q-1", "Q-3", "Q-5"]
    refs, _ = walk(client, LIST, {"limit": 2, "health": "red"})
    assert refs == ["Q-0", "Q-1", "Q-2", "Q-3"]
    # The cursor holds a position only: another filter continues from the same place.
    cursor = client.get(LIST, {"limit": 2}).json()["next_cursor"]  # after Q-1
    body = client.get(LIST, {"cursor": cursor, "department": "UTB"}).json()
    assert [item["ref"] for item in body["items"]] == ["Q-3", "Q-5"]


def test_the_archived_list_pages_with_a_cursor_too(api_as, office, own_department):
    for n in range(3):
        make_initiative(own_department, ref=f"OLD-{n}", archived_at=timezone.now())
    refs, _ = walk(api_as(office), LIST, {"limit": 2, "archived": "true"})
    assert refs == ["OLD-0", "OLD-1", "OLD-2"]


def test_an_offset_page_still_counts_and_offers_a_cursor(api_as, executive, seven):
    client = api_as(executive)
    body = client.get(LIST, {"limit": 2, "offset": 2}).json()
    assert (body["count"], body["offset"]) == (7, 2)
    assert [item["ref"] for item in body["items"]] == ["P-3", "P-4"]
    after = client.get(LIST, {"limit": 2, "cursor": body["next_cursor"]}).json()
    assert [item["ref"] for item in after["items"]] == ["P-5", "P-6"]


def forged(payload) -> str:
    return signing.dumps(payload, salt=CURSOR_SALT, key="not our secret key")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        ":::",
        "eyJsaXN0IjoiaW5pdGlhdGl2ZXMiLCJrZXkiOlsiUC0zIl19",  # base64 JSON, unsigned
        "a" * 4000,
        "ünïcødé:ü:ü",
    ],
)
def test_a_garbled_cursor_is_a_400_that_says_so(api_as, executive, seven, cursor):
    response = api_as(executive).get(LIST, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json() == {"detail": BAD_CURSOR}


def test_a_forged_or_tampered_cursor_is_a_400(api_as, executive, seven):
    client = api_as(executive)
    real = client.get(LIST, {"limit": 2}).json()["next_cursor"]
    tampered = real[:-3] + ("AAA" if real[-3:] != "AAA" else "BBB")
    for cursor in (tampered, forged({"list": "initiatives", "key": ["P-3"]})):
        response = client.get(LIST, {"cursor": cursor})
        assert response.status_code == 400
        assert response.json() == {"detail": BAD_CURSOR}


@pytest.mark.parametrize(
    "payload",
    [
        {"list": "ranking", "key": ["P-3"]},
        {"list": "initiatives", "key": "P-3"},
        {"list": "initiatives", "key": [3]},
        {"list": "initiatives", "key": ["P-3", 4]},
        {"list": "initiatives"},
        ["initiatives", "P-3"],
        None,
    ],
)
def test_a_signed_cursor_of_the_wrong_shape_is_a_400(api_as, executive, seven, payload):
    cursor = signing.dumps(payload, salt=CURSOR_SALT)
    response = api_as(executive).get(LIST, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json() == {"detail": BAD_CURSOR}


def test_an_empty_cursor_is_the_first_page(api_as, executive, seven):
    body = api_as(executive).get(LIST, {"cursor": "", "limit": 2}).json()
    assert [item["ref"] for item in body["items"]] == ["P-1", "P-2"]
    assert body["count"] == 7


def test_a_cursor_with_an_offset_is_a_400(api_as, executive, seven):
    client = api_as(executive)
    cursor = client.get(LIST, {"limit": 2}).json()["next_cursor"]
    response = client.get(LIST, {"cursor": cursor, "offset": 2})
    assert response.status_code == 400
    assert response.json() == {"detail": "cursor: give either a cursor or an offset, not both."}


def test_a_cursor_page_takes_a_constant_number_of_queries_without_offset_or_count(
    api_as, executive, own_department, head, django_assert_num_queries
):
    def make(n):
        for _ in range(n):
            make_update(make_initiative(own_department, owner=head, tags="a"), head)

    client = api_as(executive)
    make(5)
    cursor = client.get(LIST, {"limit": 2}).json()["next_cursor"]
    # token and user, role; the department code and the page: no COUNT; the page's business
    # case figures (settings, initiatives, cost lines, benefits)
    with django_assert_num_queries(8) as captured:
        body = client.get(LIST, {"limit": 2, "cursor": cursor, "department": "UTB"}).json()
    assert len(body["items"]) == 2
    make(295)
    cursor = client.get(LIST, {"limit": 200}).json()["next_cursor"]
    with django_assert_num_queries(8) as captured:
        body = client.get(LIST, {"limit": 100, "cursor": cursor, "department": "UTB"}).json()
    assert len(body["items"]) == 100 and body["next_cursor"] is None
    sql = [query["sql"].upper() for query in captured.captured_queries]
    page = [statement for statement in sql if '"INITIATIVES_INITIATIVE"."REF" >' in statement]
    assert len(page) == 1
    assert "LIMIT 101" in page[0]
    assert not any(" OFFSET " in statement for statement in sql)
    assert not any("COUNT(" in statement for statement in sql)


@pytest.fixture
def goals(db):
    return [
        CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1),
        CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2),
    ]


@pytest.fixture
def ranked_candidates(goals, own_department):
    """Nine candidates, with ties in score and equal titles in different case."""
    titles = ["Alfa", "beta", "Beta", "Gamma", "delta", "Epsilon", "zeta", "Eta", "theta"]
    made = []
    for n, title in enumerate(titles):
        initiative = make_initiative(own_department, ref=f"R-{n}", title=title)
        Alignment.objects.create(initiative=initiative, goal=goals[n % 2], score=n % 3 + 1)
        made.append(initiative)
    return made


def test_walking_the_ranking_with_a_cursor_gives_its_order(
    api_as, executive, goals, ranked_candidates
):
    client = api_as(executive)
    whole = client.get(RANKING).json()
    expected = [item["ref"] for item in whole["items"]]
    for limit in (1, 2, 4):
        refs, bodies = walk(client, RANKING, {"limit": limit})
        assert refs == expected
        assert all(body["count"] == 9 for body in bodies)
    weights = {f"w_{goals[0].pk}": "1", f"w_{goals[1].pk}": "3"}
    expected = [item["ref"] for item in client.get(RANKING, weights).json()["items"]]
    assert walk(client, RANKING, {"limit": 2, **weights})[0] == expected


def test_a_ranking_cursor_holds_a_long_title_in_any_script(
    api_as, executive, goals, own_department
):
    for n in range(3):
        initiative = make_initiative(own_department, ref=f"L-{n}", title="Åäö€ 🚀" * 33 + str(n))
        Alignment.objects.create(initiative=initiative, goal=goals[0], score=3)
    refs, _ = walk(api_as(executive), RANKING, {"limit": 1})
    assert refs == ["L-0", "L-1", "L-2"]


def test_a_ranking_cursor_survives_its_row_leaving_the_ranking(
    api_as, executive, goals, ranked_candidates
):
    client = api_as(executive)
    expected = [item["ref"] for item in client.get(RANKING).json()["items"]]
    first = client.get(RANKING, {"limit": 3}).json()
    last = next(i for i in ranked_candidates if i.ref == first["items"][-1]["ref"])
    last.stage, last.outcome = "closed", "completed"
    last.save()
    rest, _ = walk(client, RANKING, {"limit": 2, "cursor": first["next_cursor"]})
    assert rest == expected[3:]


def test_a_ranking_cursor_under_other_weights_is_a_400(api_as, executive, goals, ranked_candidates):
    client = api_as(executive)
    cursor = client.get(RANKING, {"limit": 2}).json()["next_cursor"]
    response = client.get(RANKING, {"cursor": cursor, f"w_{goals[0].pk}": "5"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "cursor: it was given for other weights; start again without a cursor."
    }
    initiatives_cursor = client.get(LIST, {"limit": 2}).json()["next_cursor"]
    response = client.get(RANKING, {"cursor": initiatives_cursor})
    assert response.status_code == 400
    assert response.json() == {"detail": BAD_CURSOR}
