"""The ranking's candidates: only numbers are cached, names are read for the rows shown."""

from decimal import Decimal

import numpy as np
import pytest

from initiatives.models import Initiative
from portfolio import ranking
from portfolio.models import Alignment, CouncilGoal
from portfolio.prioritisation import strategic_scores
from tests.conftest import make_initiative


@pytest.fixture
def goals(db):
    return [
        CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1),
        CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2),
    ]


def many(department, goals, count: int) -> list[Initiative]:
    made = [
        make_initiative(department, title=f"Initiativ {n:04d}", budget=1000 * (n + 1))
        for n in range(count)
    ]
    Alignment.objects.bulk_create(
        Alignment(initiative=initiative, goal=goals[n % 2], score=1 + n % 5)
        for n, initiative in enumerate(made)
    )
    return made


def test_the_cached_value_holds_numbers_only(own_department, goals):
    many(own_department, goals, 5)
    arrays = ranking._fetch(Initiative.objects.open(), [goal.pk for goal in goals])
    assert all(isinstance(array, np.ndarray) for array in arrays)
    assert [array.dtype.kind for array in arrays] == ["i", "i", "b", "i", "i", "i", "i", "b"]
    ids, costs, must, alignment, _tie_keys, _spent, _running, _operating = arrays
    assert alignment.dtype == np.int8 and alignment.shape == (5, 2)
    first = Initiative.objects.get(title="Initiativ 0000")
    assert (ids[0], costs[0], must[0]) == (first.pk, 1000, False)


def test_scores_from_the_small_matrix_equal_those_from_floats(own_department, goals):
    many(own_department, goals, 7)
    candidates = ranking.load_candidates(Initiative.objects.all(), goals)
    weights = [2.0, 1.0]
    assert np.array_equal(
        strategic_scores(candidates.alignment, weights),
        strategic_scores(candidates.alignment.astype(float), weights),
    )


def test_a_page_reads_its_rows_details_in_one_query(
    own_department, goals, caching, django_assert_num_queries
):
    many(own_department, goals, 120)
    candidates = ranking.load_candidates(Initiative.objects.all(), goals)
    rows = ranking.ranked(candidates, [2.0, 1.0])
    with django_assert_num_queries(1):
        page = rows[50:100]
    assert len(page) == 50
    assert [row.row["title"] for row in page] == [
        candidates.row(index)["title"] for index in rows.order[50:100]
    ]
    with django_assert_num_queries(0):  # read once per request
        rows[60:70]


def test_all_rows_beyond_a_list_of_ids_are_read_with_the_filter_in_one_query(
    own_department, goals, settings, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(ranking, "BY_ID", 10)
    many(own_department, goals, 30)
    candidates = ranking.load_candidates(Initiative.objects.all(), goals)
    rows = ranking.ranked(candidates, [2.0, 1.0])
    with django_assert_num_queries(1):
        every = list(rows)
    assert len(every) == 30
    assert [row.rank for row in every] == sorted(row.rank for row in every)
    with django_assert_num_queries(0):
        assert candidates.refs(rows.order[:3]) == [row.row["ref"] for row in every[:3]]


def test_a_candidate_deleted_after_its_numbers_were_cached_is_left_out(
    own_department, goals, caching
):
    made = many(own_department, goals, 6)
    ranking.load_candidates(Initiative.objects.all(), goals)  # cached
    # A delete sends signals that give a new version; a reader that had already read the old
    # version (the request began just before) still holds the old numbers.
    candidates = ranking.load_candidates(Initiative.objects.all(), goals)
    Initiative.objects.filter(pk=made[0].pk).delete()
    rows = ranking.ranked(candidates, [2.0, 1.0])
    assert len(rows[0:6]) == 5
    assert len(list(rows)) == 5
    assert made[0].ref not in candidates.refs(rows.order)
    gone = int(np.flatnonzero(candidates.ids == made[0].pk)[0])
    assert rows.at(gone) is None and candidates.row(gone) is None
