"""Writing many rows at once: PostgreSQL's COPY, `executemany` on other databases.

At 100,000 initiatives the synthetic portfolio is about three million rows and the figures'
rebuild 100,000 JSON documents. Django's `bulk_create` and `executemany` send them as INSERT
statements (about 15,000 rows a second here); COPY streams them in one statement, ten to twenty
times faster, and the database parses while Python draws the next rows (two cores at work).
psycopg's `Cursor.copy` does the text encoding (in C with psycopg-binary), with the same
adapters as a query's parameters: Decimal, date, aware datetime, None, JSON.

    insert(Measurement, ["benefit_id", "date", "value", ...], rows)   # rows: tuples, at once

    with Writer() as writer:   # in a thread, while the caller draws the next rows
        writer.create(Benefit, benefits)   # model instances, given ids as bulk_create does
        writer.insert(Measurement, columns, rows)

For a load into tables in use by nobody else (the synthetic portfolio), also
`foreign_keys_checked_at_end` (one join per foreign key instead of a lookup per row),
`analyze` after it and `paused_gc` around it.
"""

from __future__ import annotations

import gc
import operator
import queue
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

BATCH = 2000  # rows per executemany / bulk_create batch where there is no COPY


@contextmanager
def paused_gc():
    """Python's cycle collector off for a bulk load. It runs every few hundred allocations and
    its oldest generation walks every live object: with millions of rows being built (none of
    them in a cycle that matters) that is a third of the time. Reference counting still frees
    what is dropped; the collector is back on, as it was, at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def analyze(*models_) -> None:
    """Fresh statistics for tables just bulk-loaded (PostgreSQL; SQLite plans without them), so
    the queries that read them next are planned for their real size, not an empty table's."""
    if not has_copy():
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models_)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


@contextmanager
def foreign_keys_checked_at_end(*models_):
    """PostgreSQL: the foreign keys of these tables dropped for a bulk load and added back at its
    end, each then checked with one join over the whole table (what ADD CONSTRAINT does) rather
    than a lookup per row (about 7 µs each: two thirds of the time of loading the synthetic
    portfolio's three million rows). A row that points nowhere still fails the load, with
    PostgreSQL's message naming the constraint; on any failure the caller's transaction is
    rolled back, and the constraints with it.

    Inside a transaction only. ALTER TABLE holds the tables' exclusive locks until it ends: for
    bulk loads such as the synthetic portfolio, not a database people are using."""
    if not has_copy():
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("foreign_keys_checked_at_end() needs a transaction")
    found = _drop_foreign_keys([model._meta.db_table for model in models_])
    yield
    _add_foreign_keys(found)


def _drop_foreign_keys(tables: list[str]) -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        # Checks still pending from this transaction's earlier writes done now: a table with
        # pending checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY 1, 2",
            [tables],
        )
        found = cursor.fetchall()
        for table, name, _definition in found:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    return found


def _add_foreign_keys(found: list[tuple[str, str, str]]) -> None:
    with connection.cursor() as cursor:
        for table, name, definition in found:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django has them


def real_connection():
    """The default connection itself, not `django.db.connection`'s proxy, whose every attribute
    goes through a thread-local lookup (a third of the time of preparing a million values)."""
    return connections[DEFAULT_DB_ALIAS]


def has_copy() -> bool:
    return connection.vendor == "postgresql"


def _copy_sql(model, columns: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    return f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"


def _logged(db, sql: str) -> None:
    """Count a COPY as Django counts a query (DEBUG's connection.queries, the tests'
    django_assert_num_queries): it runs on the raw connection, past Django's cursor."""
    if db.queries_logged:
        db.queries_log.append({"sql": sql, "time": "0.000"})


def _copy(db, sql: str, rows: Iterable[Sequence]) -> int:
    """COPY the rows on the connection (a Django connection, used from any thread: its psycopg
    connection, its errors turned into Django's as its cursors do); how many."""
    count = 0
    with db.wrap_database_errors, db.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def insert(model, columns: Sequence[str], rows: Iterable[Sequence], *, batch_size=BATCH) -> int:
    """Write the rows (tuples of database values, in the order of `columns`); how many.

    The values must be what the driver takes as they are: str, int, bool, Decimal, date, None,
    aware datetimes adapted by the caller (`connection.ops.adapt_datetimefield_value`), JSON as
    the field's `get_db_prep_save` gives it. Columns left out get the database's default (an
    identity primary key); Django's Python-side defaults are not applied.
    """
    if has_copy():
        db = real_connection()
        db.ensure_connection()
        sql = _copy_sql(model, columns)
        _logged(db, sql)
        return _copy(db, sql, rows)
    marks = ", ".join(["%s"] * len(columns))
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"
    count = 0
    with connection.cursor() as cursor:
        batch: list[Sequence] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _reserve_sql(model) -> tuple[str, list]:
    return (
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column],
    )


def _reserve(db, sql_and_params: tuple[str, list], count: int) -> list[int]:
    """`count` new primary keys from the table's own sequence: rows written with them never
    collide with rows others insert meanwhile."""
    if count <= 0:
        return []
    sql, params = sql_and_params
    with db.wrap_database_errors, db.connection.cursor() as cursor:
        cursor.execute(sql, [*params, count])
        return [row[0] for row in cursor.fetchall()]


def history_rows(model, objects: list, *, by_id: int | None, kind: str = "+", reason=None):
    """The django-simple-history records bulk_history_create would write for these objects, as
    `insert` and `Writer.insert` take them: (the historical model, its columns, the rows). Each
    record is dated the object's `_history_date` when it has one (as django-simple-history
    reads it), else now; by the user `by_id`; of `kind` ("+", "~" or "-"). The rows are read
    when written: objects created just before have their ids by then."""
    historical = model.history.model
    tracked = historical.tracked_fields
    columns = [field.column for field in tracked] + [
        "history_date", "history_user_id", "history_change_reason", "history_type",
    ]  # fmt: skip
    db = real_connection()
    adapt = db.ops.adapt_datetimefield_value
    now = timezone.now()
    rows = (
        [
            *(field.get_db_prep_save(getattr(obj, field.attname), db) for field in tracked),
            adapt(getattr(obj, "_history_date", now)),
            by_id,
            reason,
            kind,
        ]
        for obj in objects
    )
    return historical, columns, rows


# Fields whose value psycopg takes as it is: their get_db_prep_save on PostgreSQL only converts a
# value to the type it already has (a str, an int, a bool, a Decimal, a date, a related id).
# Read straight off the object they cost nothing; through get_db_prep_save, a million calls.
PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DecimalField,
    models.ForeignKey,
)


def _is_plain(field) -> bool:
    if isinstance(field, PLAIN_FIELDS):
        return True
    # A date without auto_now(_add), not a datetime (whose naive values Django makes aware).
    return type(field) is models.DateField and not (field.auto_now or field.auto_now_add)


class _Rows:
    """How the objects of one model become COPY rows: every concrete field, as its `pre_save`
    and `get_db_prep_save` give it (plain values as they are, see PLAIN_FIELDS)."""

    def __init__(self, model):
        self.model = model
        self.db = real_connection()
        fields = model._meta.concrete_fields
        self.plain = [field for field in fields if _is_plain(field)]
        self.others = [field for field in fields if not _is_plain(field)]
        names = [field.attname for field in self.plain]  # the primary key at least
        # attrgetter of two names or more gives a tuple: the first name twice makes one that does.
        self.read_plain = operator.attrgetter(*(names if len(names) > 1 else names * 2))
        self.width = len(names)
        self.sql = _copy_sql(model, [field.column for field in self.plain + self.others])
        self.automatic_pk = isinstance(model._meta.pk, AutoFieldMixin)
        self.reserve_sql = _reserve_sql(model) if self.automatic_pk else None

    def row(self, obj) -> list:
        values = list(self.read_plain(obj))[: self.width]
        values += [
            field.get_db_prep_save(field.pre_save(obj, True), self.db) for field in self.others
        ]
        return values

    def write(self, db, objects: list) -> list:
        """Give the objects their ids (from the sequence), COPY them, mark them saved."""
        if not objects:
            return objects
        if self.automatic_pk:
            attname = self.model._meta.pk.attname
            for obj, new_id in zip(
                objects, _reserve(db, self.reserve_sql, len(objects)), strict=True
            ):
                setattr(obj, attname, new_id)
        _copy(db, self.sql, (self.row(obj) for obj in objects))
        for obj in objects:
            obj._state.adding = False
            obj._state.db = DEFAULT_DB_ALIAS
        return objects


class Writer:
    """Bulk writes handed over while the caller builds the next rows.

    On PostgreSQL a thread does them, in order, with COPY on the caller's own connection and
    transaction: the database parses, stores and indexes them on one core while Python draws the
    next rows on the other. The caller must not use the database connection until the block
    ends; the first failure stops the writes and is raised there (or at the next hand-over).
    Elsewhere every write is done at once (bulk_create, `insert`).

    Rows and objects may be given as generators: they are read when their turn comes, so ids
    that an earlier `create` gives are set by then.

        with bulk.Writer() as writer:
            for chunk in chunks:
                initiatives = draw(chunk)
                writer.create(Initiative, initiatives)
                writer.insert(Alignment, columns, ((i.pk, ...) for i in initiatives))
    """

    def __init__(self, *, ahead: int = 8, batch_size: int = BATCH):
        self.ahead = ahead  # writes queued at most: bounds the memory of drawn rows
        self.batch_size = batch_size
        self.threaded = False
        self.failure: BaseException | None = None
        self._rows: dict = {}

    def __enter__(self) -> Writer:
        self.threaded = has_copy()
        if self.threaded:
            self.db = real_connection()  # this thread's: the writer's thread uses it too
            self.db.ensure_connection()
            self.jobs: queue.Queue = queue.Queue(maxsize=self.ahead)
            self.thread = threading.Thread(target=self._work, name="bulk-writer", daemon=True)
            self.thread.start()
        return self

    def create(self, model, objects: Iterable) -> None:
        """What `model.objects.bulk_create(objects)` does — every concrete field written and
        each object given its primary key (from the table's sequence on PostgreSQL; any other
        primary key, a one-to-one's, must be set) — without signals, as bulk_create."""
        if not self.threaded:
            model.objects.bulk_create(list(objects), batch_size=self.batch_size)
            return
        if model not in self._rows:
            self._rows[model] = _Rows(model)
        rows = self._rows[model]
        self._submit(lambda: rows.write(self.db, list(objects)))

    def insert(self, model, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        if not self.threaded:
            insert(model, columns, rows, batch_size=self.batch_size)
            return
        sql = _copy_sql(model, columns)
        self._submit(lambda: _copy(self.db, sql, rows))

    def _submit(self, job) -> None:
        if self.failure is not None:
            raise self.failure
        self.jobs.put(job)

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.failure is None:
                try:
                    job()
                except BaseException as error:  # noqa: BLE001 — raised in the caller's thread
                    self.failure = error

    def __exit__(self, exc_type, exc, traceback) -> None:
        if not self.threaded:
            return
        if exc is not None and self.failure is None:
            self.failure = exc  # the writes still queued are skipped
        self.jobs.put(None)
        self.thread.join()
        if exc is not None:
            return  # the caller's error goes on; its transaction is rolled back
        if self.failure is not None:
            raise self.failure
