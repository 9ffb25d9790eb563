"""portfolio.bulk: the bulk writes of the synthetic portfolio and the figures' rebuild (COPY on
PostgreSQL, executemany and bulk_create on SQLite), on both databases the suite runs on."""

from __future__ import annotations

import datetime as dt
import gc
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from initiatives.models import Initiative, Lesson, Stage
from portfolio import bulk
from tests.conftest import make_department, make_initiative, make_user

LESSON_COLUMNS = ["initiative_id", "kind", "text", "author_id", "date", "created_at"]


def lesson_rows(initiatives, author, text="Börja smått; mät före och efter."):
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    return (
        (
            initiative.pk,
            "worked",
            None if text is None else f"{text} {initiative.ref}",
            author.pk,
            dt.date(2026, 3, 1),
            stamp,
        )
        for initiative in initiatives
    )


def drafts(department, owner, count: int) -> list[Initiative]:
    return [
        Initiative(
            ref=f"BULK-{number:03d}",
            title=f"Tab\there, a newline\nthere, a backslash \\ and ”citat” {number}",
            department=department,
            owner=owner,
            stage=Stage.PILOT,
            budget=Decimal(1_250_000) if number % 2 else None,
            planned_start=dt.date(2026, 1, 15),
            version=1,
        )
        for number in range(count)
    ]


@pytest.fixture
def author(db):
    return make_user("office")


def test_insert_writes_every_row_and_counts_as_one_statement(author, django_assert_num_queries):
    initiatives = [make_initiative() for _ in range(3)]
    with django_assert_num_queries(1):
        written = bulk.insert(Lesson, LESSON_COLUMNS, lesson_rows(initiatives, author))
    assert written == 3
    texts = sorted(Lesson.objects.values_list("initiative__ref", "text", "date", "author"))
    assert texts == sorted(
        (i.ref, f"Börja smått; mät före och efter. {i.ref}", dt.date(2026, 3, 1), author.pk)
        for i in initiatives
    )


def test_the_writer_gives_ids_and_writes_what_bulk_create_would(author):
    department = make_department()
    with transaction.atomic():
        with bulk.Writer() as writer:
            made = drafts(department, author, 5)
            writer.create(Initiative, made)
            # Rows read when written: the initiatives have their ids by then.
            writer.insert(Lesson, LESSON_COLUMNS, lesson_rows(made, author))
    assert all(item.pk and not item._state.adding for item in made)
    stored = {item.pk: item for item in Initiative.objects.filter(ref__startswith="BULK-")}
    assert set(stored) == {item.pk for item in made}
    for item in made:
        again = stored[item.pk]
        assert (again.ref, again.title, again.budget, again.stage, again.planned_start) == (
            item.ref,
            item.title,
            item.budget,
            item.stage,
            item.planned_start,
        )
        assert again.created_at is not None  # auto_now_add, as bulk_create sets it
    assert Lesson.objects.filter(initiative__ref__startswith="BULK-").count() == 5
    # The sequence moved on: the next ordinary save does not collide.
    assert make_initiative().pk > max(stored)


def test_a_failed_write_is_raised_and_nothing_is_kept(author):
    department = make_department()
    with pytest.raises((IntegrityError, DatabaseError)):
        with transaction.atomic():
            with bulk.Writer() as writer:
                made = drafts(department, author, 2)
                writer.create(Initiative, made)
                writer.insert(Lesson, LESSON_COLUMNS, lesson_rows(made, author, text=None))
    assert not Initiative.objects.filter(ref__startswith="BULK-").exists()
    assert not Lesson.objects.exists()


def test_an_error_of_the_caller_stops_the_writes_queued(author):
    department = make_department()
    with pytest.raises(ZeroDivisionError):
        with transaction.atomic():
            with bulk.Writer() as writer:
                writer.create(Initiative, drafts(department, author, 2))
                1 / 0  # noqa: B018
    assert not Initiative.objects.filter(ref__startswith="BULK-").exists()


def test_foreign_keys_are_checked_at_the_end_and_back_after_the_load(author):
    initiative = make_initiative()

    def foreign_keys() -> int:
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                "AND conrelid = %s::regclass",
                [Lesson._meta.db_table],
            )
            return cursor.fetchone()[0]

    before = foreign_keys()
    with transaction.atomic(), bulk.foreign_keys_checked_at_end(Lesson):
        bulk.insert(Lesson, LESSON_COLUMNS, lesson_rows([initiative], author))
    assert foreign_keys() == before
    assert Lesson.objects.count() == 1

    if connection.vendor != "postgresql":
        return  # SQLite checks foreign keys at COMMIT, which a test never reaches

    class Nowhere:
        pk = 987_654_321
        ref = "NOWHERE"

    with pytest.raises(IntegrityError):
        with transaction.atomic(), bulk.foreign_keys_checked_at_end(Lesson):
            bulk.insert(Lesson, LESSON_COLUMNS, lesson_rows([Nowhere], author))
    assert foreign_keys() == before  # rolled back with the rest
    assert Lesson.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a no-op without COPY")
def test_dropping_foreign_keys_needs_a_transaction(transactional_db):
    with pytest.raises(RuntimeError):
        with bulk.foreign_keys_checked_at_end(Lesson):
            pass


def test_the_collector_is_paused_and_restored():
    assert gc.isenabled()
    with bulk.paused_gc():
        assert not gc.isenabled()
        with bulk.paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves it as it found it
    assert gc.isenabled()
    with pytest.raises(ValueError), bulk.paused_gc():
        raise ValueError
    assert gc.isenabled()
