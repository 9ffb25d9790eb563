"""The office's import: what every importer shares, and its three steps as services.

1. Upload (`import_upload`): the file is read once (`tabular.read_table`), every cell is parsed and
   checked (formats, choices, names looked up, the model fields' own validators), and the rows
   that parsed are stored with the batch as JSON (dates as ISO text, decimals as text), beside
   every error found. The file itself is not kept: the stored rows are the record.
2. Preview (`import_plan`): the stored rows are compared with the database, in a constant number
   of queries per file, into a Plan: what would be created, changed or left alone, and the
   problems only the database can tell (an archived initiative, an unknown benefit).
3. Apply (`import_apply`): the same comparison, made again under the batch's lock so that the
   database may have changed since the preview, then bulk writes; exactly once. The office's click
   does not run it in the request: `import_queue` moves the batch to "queued" (at most once, under
   the same lock) and enqueues portfolio.tasks.apply_import, which a worker runs (`db_worker`,
   TASKS_BACKEND=database) or, with the default immediate backend, the request itself at once.
   The task claims the batch (`import_start`), calls `import_apply`, and records a refusal on the
   batch (`import_failed`) for the preview page to show; the page polls while it waits.

An importer (initiatives.importers, benefits.importers) provides `parse(sheets) -> Parsed`,
`plan(rows, *, lock) -> Plan` and `apply(plan, *, by, source) -> dict`.

An empty cell means "not given", exactly like a missing column: it never overwrites a value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portfolio import bulk, tabular

TRUE = {"true", "yes", "ja", "kyllä", "1", "x", "sant", "tosi"}
FALSE = {"false", "no", "nej", "ei", "0", "falskt", "epätosi"}
# Rows of ids or refs looked up per query: far below SQLite's limit of 32,766 parameters.
CHUNK = 2000
# Bumped when the stored rows change shape; a batch stored in another shape is uploaded again.
FORMAT = 2


class CellError(ValueError):
    pass


class Missing:
    """An empty cell or a column the file does not have: the value is not given."""

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = Missing()


@dataclass
class RowError:
    row: int
    column: str
    message: str
    sheet: str = ""

    def as_json(self) -> list:
        return [self.row, self.column, self.message, self.sheet]


@dataclass
class Parsed:
    """What the upload step keeps: the rows that parsed (JSON), and every problem found."""

    rows: dict = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    count: int = 0

    def as_json(self) -> dict:
        return {
            "format": FORMAT,
            "rows": self.rows,
            "errors": [error.as_json() for error in self.errors],
            # PostgreSQL cannot store a NUL in JSON either; a message may quote a cell.
            "file_errors": [_printable(message) for message in self.file_errors],
            "count": self.count,
        }


@dataclass
class Plan:
    """What an import would do: rows to create and update, and every error found."""

    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    new_measurements: int = 0
    changed_measurements: int = 0
    other_writes: int = 0  # goal scores

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors

    @property
    def measurements(self) -> int:
        return self.new_measurements + self.changed_measurements

    @property
    def writes(self) -> int:
        """Rows of the file the apply step writes (created or changed)."""
        return len(self.creates) + len(self.updates) + self.measurements

    @property
    def seconds(self) -> int:
        """Roughly how long writing them takes, from bench/import_apply.py on a 2-core machine:
        initiatives and benefits (each with its history) about 2,000 a second, measurements
        and goal scores about 12,000."""
        rows = len(self.creates) + len(self.updates)
        return max(1, round(rows / 2000 + (self.measurements + self.other_writes) / 12000))


# Cells -------------------------------------------------------------------------------------------


def _printable(value: str) -> str:
    return value.replace("\x00", "\ufffd")


def text(value) -> str:
    """A cell as trimmed text. Refuses a NUL (PostgreSQL cannot store one), whatever read it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = str(value)
    if "\x00" in raw:
        raise CellError(_("The cell holds a NUL character; remove it."))
    return raw.strip()


def parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError as error:
        raise CellError(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": raw}
        ) from error


def parse_decimal(value, places: int | None = None) -> Decimal | None:
    """A number from a number cell or from text (Swedish or English decimal mark, spaces).

    A spreadsheet's number (a float) is rounded to `places` decimals, as the user sees it; text
    is taken as written, so that "1.23456" is refused where 4 decimals are kept.
    """
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise CellError(_("Expected a number."))
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value))
        except InvalidOperation as error:
            raise CellError(_("Expected a number.")) from error
        if not number.is_finite():
            raise CellError(_("Expected a number."))
        if isinstance(value, float) and places is not None and abs(number) < 10**15:
            number = number.quantize(Decimal(1).scaleb(-places))
        return number
    raw = re.sub(r"[\s\u00a0\u202f]", "", text(value)).replace(",", ".")
    try:
        number = Decimal(raw)
    except InvalidOperation as error:
        raise CellError(_("“%(value)s” is not a number.") % {"value": text(value)}) from error
    if not number.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": text(value)})
    return number


def parse_amount(value) -> int | None:
    """Whole kronor, 0 or more."""
    number = parse_decimal(value)
    if number is None:
        return None
    if number < 0:
        raise CellError(_("Amounts cannot be negative."))
    if number != number.to_integral_value():
        raise CellError(_("Write whole kronor."))
    return int(number)


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise CellError(_("Write true or false."))


class ChoiceNames:
    """Reads a choice by its code or its English, Swedish or Finnish name, case-insensitive.

    The names are looked up once per file, not once per cell.
    """

    def __init__(self, choices):
        self.names = {}
        for language in ("en", "sv", "fi"):
            with translation.override(language):
                for code, label in choices:
                    self.names.setdefault(_key(str(label)), code)
        for code, _label in choices:
            self.names[_key(code)] = code  # a code wins over another choice's name
        self.allowed = ", ".join(code for code, _label in choices)

    def __call__(self, value) -> str:
        raw = text(value)
        code = self.names.get(_key(raw))
        if code is None:
            raise CellError(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": raw, "allowed": self.allowed}
            )
        return code


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def validated(model, name: str, value):
    """Run the model field's own validators (bounds, lengths, date windows) on a parsed value."""
    try:
        model._meta.get_field(name).run_validators(value)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from error
    return value


class Cells:
    """One row's cells, read column by column; every problem is recorded with row and column."""

    def __init__(self, number: int, values: dict, errors: list[RowError], sheet: str = ""):
        self.number, self.values, self.errors, self.sheet = number, values, errors, sheet
        self.failed = False

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, _printable(message), self.sheet))
        self.failed = True

    def get(self, column: str, parse, *, model=None, name: str = "", required: str = ""):
        """The parsed value, or MISSING when the cell is empty or the column absent (an error
        when `required` says why it may not be), or None after recording the cell's error."""
        raw = self.values.get(column)
        try:
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if required:
                    raise CellError(required)
                return MISSING
            value = parse(raw)
            if model is not None:
                validated(model, name or column, value)
            return value
        except CellError as problem:
            self.error(column, str(problem))
            return None


def check_headers(headers: list[str], known: set[str], required: set[str], plan) -> bool:
    unknown = [h for h in headers if h and h not in known and not h.startswith("goal_")]
    missing = sorted(required - set(headers))
    if unknown:
        plan.file_errors.append(
            _("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}
        )
    if missing:
        plan.file_errors.append(
            _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    duplicated = sorted({h for h in headers if h and headers.count(h) > 1})
    if duplicated:
        plan.file_errors.append(
            _("Columns appear twice: %(columns)s.") % {"columns": ", ".join(duplicated)}
        )
    return not plan.file_errors


# Stored rows -------------------------------------------------------------------------------------


def to_json(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def from_json(model, fields: dict) -> dict:
    """Stored values back to what the model's fields hold."""
    result = {}
    for name, value in fields.items():
        kind = model._meta.get_field(name).get_internal_type()
        if value is not None and kind == "DateField":
            value = dt.date.fromisoformat(value)
        elif value is not None and kind == "DecimalField":
            value = Decimal(value)
        result[name] = value
    return result


def fetch_in(queryset, lookup: str, values) -> list:
    """The queryset's rows whose `lookup` is among the values, in one query per CHUNK values."""
    values = list(dict.fromkeys(values))
    rows = []
    for start in range(0, len(values), CHUNK):
        rows += queryset.filter(**{f"{lookup}__in": values[start : start + CHUNK]})
    return rows


# Bulk writes -------------------------------------------------------------------------------------
# Django's bulk_create and bulk_update spend ~30 µs per row and field compiling SQL (bulk_update a
# CASE branch per row); for the hundreds of thousands of rows a file at the limits holds, one
# prepared statement run by executemany is ten times faster. No signals, as with bulk_create.


def _sql_values(fields, obj, *, add: bool) -> list:
    return [field.get_db_prep_save(field.pre_save(obj, add), connection) for field in fields]


def insert_rows(model, objects: list, *, key: tuple[str, str]) -> None:
    """INSERT the objects, then set their ids, read back by `key` (two fields, unique together:
    the first a foreign key, for the look-up)."""
    if not objects:
        return
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objects), CHUNK * 5):
            cursor.executemany(
                sql,
                [_sql_values(fields, obj, add=True) for obj in objects[start : start + CHUNK * 5]],
            )
    parent, other = (model._meta.get_field(name).attname for name in key)
    wanted = {(getattr(obj, parent), getattr(obj, other)): obj for obj in objects}
    stored = fetch_in(
        model.objects.values_list("pk", parent, other), parent, {k[0] for k in wanted}
    )
    for pk, *pair in stored:
        obj = wanted.get(tuple(pair))
        if obj is not None:
            obj.pk = pk
            obj._state.adding = False


def insert_history(
    model, objects: list, *, by, update: bool = False, deleted: bool = False
) -> None:
    """The simple-history rows bulk_history_create would write ("+" or "~", by whom, now); with
    `deleted`, the "-" rows a delete writes (before `delete_rows`)."""
    if not objects:
        return
    kind = "-" if deleted else "~" if update else "+"
    bulk.insert(*bulk.history_rows(model, objects, by_id=by.pk if by else None, kind=kind))


def update_rows(model, names: list[str], objects: list) -> None:
    """UPDATE each object's row by primary key: the named fields (no history; the caller
    writes it with insert_history)."""
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"
    with connection.cursor() as cursor:
        for start in range(0, len(objects), CHUNK * 5):
            cursor.executemany(
                sql,
                [_sql_values(fields, obj, add=False) + [obj.pk]
                 for obj in objects[start : start + CHUNK * 5]],
            )  # fmt: skip


def delete_rows(model, objects: list) -> None:
    """DELETE each object's row by primary key, without signals (no history; the caller writes
    it first with insert_history(..., deleted=True)). Only for rows nothing else refers to."""
    if not objects:
        return
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {table} WHERE {pk} = %s", [[obj.pk] for obj in objects])


# The three steps ---------------------------------------------------------------------------------


def importer(kind: str):
    """The module that imports this kind of file."""
    if kind == "benefits":
        from benefits import importers
    else:
        from initiatives import importers
    return importers


def import_upload(*, kind: str, upload, by):
    """Read and check the file once, and keep what was read with a new batch.

    Raises tabular.TableError for a file that cannot be read as a table.
    """
    from portfolio.models import ImportBatch

    sheets = tabular.read_table(upload)
    parsed = importer(kind).parse(sheets)
    # A filename comes from the browser: no NUL or other control character reaches the database.
    filename = re.sub(r"[\x00-\x1f\x7f]", "", upload.name or "")[:255] or "upload"
    return ImportBatch.objects.create(
        kind=kind,
        filename=filename,
        parsed=parsed.as_json(),
        row_count=parsed.count,
        uploaded_by=by,
    )


def import_plan(batch, *, lock: bool = False) -> Plan:
    """What applying the batch would do now, with every problem: the upload's and the database's."""
    stored = batch.parsed or {}
    plan = Plan()
    if stored.get("format") != FORMAT:
        plan.file_errors.append(
            _("This upload was stored by an earlier version of the app; upload the file again.")
        )
        return plan
    if stored["file_errors"]:
        plan.file_errors = list(stored["file_errors"])
        return plan
    plan = importer(batch.kind).plan(stored["rows"], lock=lock)
    plan.errors = sorted(
        [RowError(*item) for item in stored["errors"]] + plan.errors,
        key=lambda error: (error.sheet, error.row),
    )
    return plan


class AlreadyApplied(Exception):
    """The batch was applied before (perhaps a moment ago, by a second click)."""

    def __init__(self, batch):
        self.batch = batch
        applied = timezone.localtime(batch.applied_at)
        if applied.date() == timezone.localdate():
            when = date_format(applied, "H:i")
        else:
            when = date_format(applied, "SHORT_DATETIME_FORMAT")
        person = batch.applied_by or batch.uploaded_by
        super().__init__(
            _("This file was already imported at %(time)s by %(person)s; nothing was written "
              "this time.")
            % {"time": when, "person": person.get_full_name() or person.username}
        )  # fmt: skip


class PlanHasErrors(Exception):
    def __init__(self, plan: Plan):
        self.plan = plan
        super().__init__(_("The file has errors; nothing was imported."))


@transaction.atomic
def import_apply(*, batch, by) -> dict:
    """Apply the batch's stored rows in one transaction, exactly once.

    The batch's row is locked first, so a second apply (a double click, two tabs) waits for the
    first and then finds it applied: AlreadyApplied, nothing written. Raises PlanHasErrors, with
    nothing written, when the rows no longer fit the database (an initiative archived since).
    """
    from benefits.services import lock_rows
    from portfolio.models import ImportBatch

    # An UPDATE as the first statement, then select_for_update: on PostgreSQL the row lock; on
    # SQLite, where select_for_update is a plain read, a reader that then writes fails at once
    # while another writer is active, but a first write waits for it (the busy timeout).
    lock_rows(ImportBatch.objects.filter(pk=batch.pk))
    locked = (
        ImportBatch.objects.select_for_update(of=("self",))
        .select_related("applied_by")
        .get(pk=batch.pk)
    )
    if locked.applied_at is not None:
        raise AlreadyApplied(locked)
    plan = import_plan(locked, lock=True)
    if not plan.ok:
        raise PlanHasErrors(plan)
    result = importer(locked.kind).apply(plan, by=by, source=locked.filename)
    locked.applied_at, locked.applied_by, locked.result = timezone.now(), by, result
    locked.task_state, locked.task_failure = locked.TaskState.DONE, ""
    locked.save(update_fields=["applied_at", "applied_by", "result", "task_state", "task_failure"])
    return result


# The apply step as a background task -------------------------------------------------------------


class AlreadyQueued(Exception):
    """The batch is queued or being applied (a second click, another tab): nothing more queued."""

    def __init__(self, batch):
        self.batch = batch
        super().__init__(
            _("This file is already being imported; it was not queued again. This page shows "
              "the result when it is done.")
        )  # fmt: skip


def _locked(batch_id: int):
    """The batch's row, locked until the transaction ends (see import_apply for why both)."""
    from benefits.services import lock_rows
    from portfolio.models import ImportBatch

    lock_rows(ImportBatch.objects.filter(pk=batch_id))
    return (
        ImportBatch.objects.select_for_update(of=("self",))
        .defer("parsed")
        .select_related("applied_by")
        .get(pk=batch_id)
    )


@transaction.atomic
def import_queue(*, batch, by):
    """Queue the batch's apply step as a background task, at most once; the batch as it is after.

    Under the batch's lock, so of two clicks at once the second waits for the first and then
    finds the batch queued, running or applied: AlreadyQueued or AlreadyApplied, nothing queued.
    The task is enqueued inside this transaction: with the database backend its row is stored
    together with the batch's "queued", or neither is; with the immediate backend (`make run`,
    the tests) it runs here and now, so the batch comes back done or failed, as before tasks.
    """
    from portfolio.models import ImportBatch
    from portfolio.tasks import apply_import

    locked = _locked(batch.pk)
    if locked.applied_at is not None:
        raise AlreadyApplied(locked)
    if locked.pending:
        raise AlreadyQueued(locked)
    ImportBatch.objects.filter(pk=locked.pk).update(
        task_state=ImportBatch.TaskState.QUEUED,
        task_failure="",
        task_id="",
        queued_at=timezone.now(),
        queued_by=by,
    )
    queued = apply_import.enqueue(locked.pk)
    ImportBatch.objects.filter(pk=locked.pk).update(task_id=queued.id[:64])
    return (
        ImportBatch.objects.defer("parsed")
        .select_related("applied_by", "uploaded_by")
        .get(pk=locked.pk)
    )


def import_start(batch_id: int):
    """Claim the batch for this run of the task: the batch, or None when there is nothing to do.

    Nothing to do: it was applied, or failed, or removed since it was queued; so a worker's
    second run of the same task (a retry) writes nothing. A batch left "running" by a worker that
    stopped is claimed again: import_apply's lock still lets only one run write.
    """
    from portfolio.models import ImportBatch

    claimed = ImportBatch.objects.filter(
        pk=batch_id,
        applied_at__isnull=True,
        task_state__in=[ImportBatch.TaskState.QUEUED, ImportBatch.TaskState.RUNNING],
    ).update(task_state=ImportBatch.TaskState.RUNNING)
    if not claimed:
        return None
    return ImportBatch.objects.defer("parsed").select_related("queued_by").get(pk=batch_id)


def import_done(batch_id: int) -> None:
    """Another run applied the batch first: it is done, whatever this run thought."""
    from portfolio.models import ImportBatch

    ImportBatch.objects.filter(pk=batch_id, applied_at__isnull=False).update(
        task_state=ImportBatch.TaskState.DONE, task_failure=""
    )


def import_failed(batch_id: int, failure: str) -> None:
    """Record why the apply step wrote nothing (an ImportBatch.Failure), for the page to show.

    Never over an applied batch: a second run that failed does not hide the first one's result.
    """
    from portfolio.models import ImportBatch

    ImportBatch.objects.filter(pk=batch_id, applied_at__isnull=True).update(
        task_state=ImportBatch.TaskState.FAILED, task_failure=failure
    )
