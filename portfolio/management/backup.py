"""A portable dump of the whole database, and its restore into an empty, freshly migrated one.

The file is JSON Lines (one JSON object a line, UTF-8, gzip when its name ends in .gz):

- line 1, the header: the format, when and from which database it was made, and the migrations
  that database had applied (a restore needs the same ones: the rows carry those fields);
- one line per row, as Django's serializers write it (`{"model", "pk", "fields"}`), table by table
  in an order where every natural key a row refers to was written before it;
- the last line, the footer: the number of rows of each table, so that a cut-off file is refused.

Foreign keys name their row by natural key where the model has one (a user by username, a group
by name, a permission by codename, app and model), so they resolve against whatever ids the target
gave those rows. Groups are matched by name (the role groups the migration creates are reused, not
duplicated); every other row keeps its id, because ids appear in URLs, in the history tables' copy
of each row and in the admin log. Many-to-many links (a user's groups, a department's members) are
rows of their own, with their own ids, and are not written twice as lists on the rows they join.

Left out: what migrate recreates (content types, permissions), sessions (people sign in again),
django-axes' login logs, and the cache version (a restore gives the data a new one).
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import ForeignKey, Model
from django.utils import timezone
from django.utils.duration import duration_iso_string

FORMAT = "digitalization-portfolio-dump"
VERSION = 1
CHUNK_SIZE = 1000

# Not data: recreated by migrate, or logins and logs that must not come back from a backup.
LEFT_OUT_APPS = {"contenttypes", "sessions", "axes"}
LEFT_OUT_MODELS = {"auth.permission", "portfolio.dataversion"}

# Rows that a freshly migrated database may already hold (the role groups): written without
# their id and matched by natural key on restore.
MATCHED_BY_NATURAL_KEY = {"auth.group"}


class BackupError(Exception):
    """A dump or restore refused or failed; the message says why and what to do."""


def label(model: type[Model]) -> str:
    return model._meta.label_lower


def dumped_models(using: str = DEFAULT_DB_ALIAS) -> list[type[Model]]:
    """Every table a dump holds (whatever models are installed), natural-key targets first."""
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.app_label not in LEFT_OUT_APPS
        and label(model) not in LEFT_OUT_MODELS
        and router.allow_migrate_model(using, model)
    ]
    models.sort(key=label)
    return serializers.sort_dependencies([(None, models)], allow_cycles=True)


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    return sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connections[using]).applied_migrations()
    )


class _RowSerializer(PythonSerializer):
    """Django's serializer, minus many-to-many lists: their through tables are dumped as rows."""

    def handle_m2m_field(self, obj, field):
        pass


class _Encoder(json.JSONEncoder):
    """Like DjangoJSONEncoder, but keeps microseconds (it cuts times to milliseconds)."""

    def default(self, o):
        if isinstance(o, dt.date | dt.time):  # datetime is a date
            return o.isoformat()
        if isinstance(o, Decimal | uuid.UUID):
            return str(o)
        if isinstance(o, dt.timedelta):
            return duration_iso_string(o)
        return super().default(o)


def _rows(model: type[Model], using: str) -> Iterator[dict]:
    # Natural keys of related rows come from a join, not one query per row.
    natural = [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, ForeignKey) and hasattr(field.related_model, "natural_key")
    ]
    queryset = model._base_manager.using(using).select_related(*natural).order_by("pk")
    rows = queryset.iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
        yield from _RowSerializer().serialize(
            chunk,
            use_natural_foreign_keys=True,
            use_natural_primary_keys=label(model) in MATCHED_BY_NATURAL_KEY,
        )


def _line(data: dict) -> str:
    return json.dumps(data, cls=_Encoder, ensure_ascii=False, separators=(",", ":")) + "\n"


@contextmanager
def _snapshot(using: str):
    """One consistent view of the database for the whole dump, while others keep writing."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def write_dump(out: IO[str], *, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Write the dump to out, one row at a time; return the number of rows of each table."""
    counts: dict[str, int] = {}
    with _snapshot(using):
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now(),
            "database": connections[using].vendor,
            "migrations": applied_migrations(using),
        }
        out.write(_line(header))
        for model in dumped_models(using):
            count = 0
            for row in _rows(model, using):
                out.write(_line(row))
                count += 1
            counts[label(model)] = count
    out.write(_line({"end": FORMAT, "counts": counts}))
    return counts


def open_for_writing(path: Path, *, compress: bool) -> IO[str]:
    if compress:
        return gzip.open(path, "wt", encoding="utf-8")
    return path.open("w", encoding="utf-8")


def open_for_reading(path: Path) -> IO[str]:
    """Open a dump, gzipped or not (told by its first bytes, not its name)."""
    try:
        with path.open("rb") as raw:
            magic = raw.read(2)
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror or error}.") from error
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def _read_lines(stream: IO[str], path: Path) -> Iterator[tuple[int, dict]]:
    number = 0
    try:
        for number, text in enumerate(stream, start=1):
            if not text.strip():
                continue
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            yield number, data
    except (ValueError, OSError, EOFError, zlib.error) as error:
        # JSON, gzip (a cut-off or corrupt file) and UTF-8 errors all end here.
        raise BackupError(
            f"{path} is not a readable portfolio dump (line {number + 1}: {error})."
        ) from error


def _check_header(header: dict, path: Path, using: str) -> None:
    if header.get("format") != FORMAT:
        raise BackupError(f"{path} is not a portfolio dump (made by portfolio_dump).")
    if header.get("version") != VERSION:
        raise BackupError(
            f"{path} is a dump of format version {header.get('version')}; "
            f"this version of the app reads version {VERSION}."
        )
    theirs = set(header.get("migrations") or [])
    ours = set(applied_migrations(using))
    if theirs != ours:
        lacking = sorted(theirs - ours)
        extra = sorted(ours - theirs)
        parts = []
        if lacking:
            parts.append("this database lacks " + _few(lacking))
        if extra:
            parts.append("the dump was made before " + _few(extra))
        raise BackupError(
            "The dump was made at other migrations than this database is at: "
            + "; ".join(parts)
            + ". Restore into a database migrated exactly as the source was (the same release "
            "of the app, `manage.py migrate`), then upgrade and migrate as usual."
        )


def _few(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def rows_in_the_way(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Tables a restore would write to that already hold rows (the role groups do not count)."""
    counts = {
        label(model): model._base_manager.using(using).count()
        for model in dumped_models(using)
        if label(model) not in MATCHED_BY_NATURAL_KEY
    }
    return {name: count for name, count in counts.items() if count}


def _check_empty(using: str) -> None:
    in_the_way = rows_in_the_way(using)
    if in_the_way:
        held = _few([f"{name} ({count})" for name, count in sorted(in_the_way.items())])
        raise BackupError(
            f"The database is not empty: it holds rows in {held}. A restore only goes into an "
            "empty, freshly migrated database (see docs/BACKUP.md). Nothing was restored."
        )


def restore_dump(path: Path, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Load a dump into an empty, freshly migrated database, all or nothing.

    Returns the number of rows restored per table. Raises BackupError, with nothing written,
    when the file is not a complete dump of this schema or the database already holds data.
    """
    connection = connections[using]
    with open_for_reading(path) as stream:
        lines = _read_lines(stream, path)
        first = next(lines, None)
        if first is None:
            raise BackupError(f"{path} is empty.")
        _check_header(first[1], path, using)
        footer: dict = {}

        def objects() -> Iterator[dict]:
            for number, data in lines:
                if "end" in data:
                    footer.update(data)
                    return
                if not isinstance(data.get("model"), str) or not isinstance(
                    data.get("fields"), dict
                ):
                    raise BackupError(f"{path}, line {number}: not a row of a portfolio dump.")
                yield data

        counts: dict[str, int] = {}
        try:
            with transaction.atomic(using=using), connection.constraint_checks_disabled():
                # Checked inside the transaction that writes, so nobody can slip rows in between.
                _check_empty(using)
                deferred = []
                for item in serializers.deserialize(
                    "python", objects(), using=using, handle_forward_references=True
                ):
                    item.save(using=using)
                    name = label(type(item.object))
                    counts[name] = counts.get(name, 0) + 1
                    if item.deferred_fields:
                        deferred.append(item)
                for item in deferred:
                    item.save_deferred_fields(using=using)
                _check_footer(footer, counts, path)
                restored = [model for model in dumped_models(using) if counts.get(label(model))]
                connection.check_constraints(
                    table_names=[model._meta.db_table for model in restored]
                )
                _reset_sequences(restored, using)
                _new_data_version()
        except (DeserializationError, DatabaseError) as error:
            raise BackupError(f"The restore failed and nothing was restored: {error}") from error
    return counts


def _check_footer(footer: dict, counts: dict[str, int], path: Path) -> None:
    if footer.get("end") != FORMAT:
        raise BackupError(
            f"{path} ends before its last line: the dump is incomplete. Nothing was restored."
        )
    expected = {name: count for name, count in footer.get("counts", {}).items() if count}
    if expected != counts:
        differ = sorted(
            f"{name} ({counts.get(name, 0)} of {expected.get(name, 0)})"
            for name in set(expected) | set(counts)
            if counts.get(name, 0) != expected.get(name, 0)
        )
        raise BackupError(
            f"{path} does not hold the rows its last line counts: {_few(differ)}. "
            "Nothing was restored."
        )


def _reset_sequences(models: list[type[Model]], using: str) -> None:
    """Let the next new row get an id after the restored ones (PostgreSQL; SQLite needs none)."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _new_data_version() -> None:
    # Cached figures are keyed on the data version: a new one makes every app server recompute.
    from portfolio.cache import bump_data_version

    bump_data_version()
    # The dashboard's sums (portfolio.figures) come back with the data they were kept from, and
    # with the day they hold for: a restore on a later day finds them stale and rebuilds them.
