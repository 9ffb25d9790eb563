"""Keyset ("seek") pagination for the long lists, and the signed cursors it carries.

An offset page (`LIMIT 25 OFFSET 90000`) makes the database produce and throw away every row
before the page, so page 3,600 of the initiative list costs 3,600 times page 1. A keyset page asks
instead for the rows after (or before) a position in the list's order, `WHERE (sort, ref) > (v, r)`,
and costs what page 1 costs. The position travels in a cursor, signed so that nobody can make us
parse a forged one: the values of the ordering columns of the last row of the page (next) or its
first row (previous), the direction, and the page number it leads to, so that "Page 7 of 2,000"
still shows. The links keep `?page=N` beside the cursor: a bookmark whose cursor no longer verifies
(a new SECRET_KEY, a hand-edited link, other filters) falls back to that page by offset.

The rows are the offset paginator's rows, in its order: the seek condition is built from the
queryset's own `order_by()`, NULLs placed where its `nulls_first`/`nulls_last` put them, and the
comparisons are done by the database, in its collation. An ordering that cannot be seeked exactly
falls back to offset (`seek_columns` returns None): see there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import F, OrderBy, Q, QuerySet
from django.http import HttpRequest, QueryDict

SALT = "portfolio.keyset"
NEXT, PREVIOUS = "next", "prev"
# Parameters that move through the list without changing which rows it holds, or in which order.
NOT_FILTERS = frozenset({"page", "cursor"})
# Keys read back from a cursor must compare in the database exactly as the row's own value does.
# Decimal and float values (the money annotations, computed in SQL; floats on SQLite) are rounded
# on their way into Python, so a row could compare unequal to its own key.
INEXACT_TYPES = frozenset({"DecimalField", "FloatField"})


class BadCursor(ValueError):
    """A cursor we did not give out, or not for this list."""


def sign_cursor(payload: dict, *, kind: str, salt: str = SALT) -> str:
    """An opaque, URL-safe cursor for the list `kind`, signed so that a client can neither forge
    a position nor make us parse garbage as one. `payload` must be JSON: strings, numbers, None."""
    return signing.dumps({**payload, "list": kind}, salt=salt, compress=True)


def read_cursor(cursor: str, *, kind: str, salt: str = SALT) -> dict:
    """The payload of a cursor made by `sign_cursor(..., kind=kind, salt=salt)`; BadCursor for
    anything else (garbled, forged, signed under an old SECRET_KEY, or another list's)."""
    try:
        payload = signing.loads(cursor, salt=salt)
    except (signing.BadSignature, ValueError, TypeError):
        raise BadCursor(cursor) from None
    if not isinstance(payload, dict) or payload.get("list") != kind:
        raise BadCursor(cursor)
    return payload


@dataclass(frozen=True)
class Column:
    """One column of a list's order: a field path or an annotation."""

    name: str
    descending: bool
    nulls_first: bool  # where NULLs come in this order (meaningless when not nullable)
    nullable: bool

    def reversed(self) -> Column:
        return Column(self.name, not self.descending, not self.nulls_first, self.nullable)

    def order_by(self) -> OrderBy:
        nulls = {"nulls_first": True} if self.nulls_first else {"nulls_last": True}
        return OrderBy(F(self.name), descending=self.descending, **(nulls if self.nullable else {}))


def seek_columns(queryset: QuerySet) -> list[Column] | None:
    """The queryset's ordering as seekable columns, or None where only an offset gives exactly
    the offset paginator's rows:

    - the last column is not unique and not null (ties would be skipped or repeated);
    - a nullable column ordered without an explicit nulls_first/nulls_last (SQLite and PostgreSQL
      put its NULLs at opposite ends);
    - a decimal or float column (INEXACT_TYPES), an expression other than a plain F(), a
      to-many path, random order.
    """
    columns = []
    for item in queryset.query.order_by:
        column = _column(queryset, item)
        if column is None:
            return None
        columns.append(column)
    if not columns or not _is_unique(queryset.model, columns[-1]):
        return None
    return columns


def _column(queryset: QuerySet, item) -> Column | None:
    if isinstance(item, str):
        if item == "?" or "." in item:
            return None
        name, descending, nulls_first, explicit = (
            item.lstrip("-"),
            item.startswith("-"),
            False,
            False,
        )
    elif isinstance(item, OrderBy) and isinstance(item.expression, F):
        name, descending = item.expression.name, item.descending
        nulls_first, explicit = bool(item.nulls_first), bool(item.nulls_first or item.nulls_last)
    else:
        return None
    if name == "pk":
        name = queryset.model._meta.pk.name
    field_type = _field_type(queryset, name)
    if field_type is None or field_type[0] in INEXACT_TYPES:
        return None
    nullable = field_type[1]
    if nullable and not explicit:
        return None
    return Column(name, descending, nulls_first, nullable)


def _field_type(queryset: QuerySet, name: str) -> tuple[str, bool] | None:
    """(internal type, nullable) of a field path or annotation; None if it is neither, or goes
    through a relation that can give a row several values."""
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field.get_internal_type(), True
    model, nullable = queryset.model, False
    parts = name.split("__")
    for index, part in enumerate(parts):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.many_to_many or field.one_to_many or not field.concrete:
            return None
        nullable = nullable or field.null
        if index < len(parts) - 1:
            if not field.is_relation:
                return None
            model = field.related_model
    return field.get_internal_type(), nullable


def _is_unique(model, column: Column) -> bool:
    if column.nullable or "__" in column.name:
        return False
    try:
        field = model._meta.get_field(column.name)
    except FieldDoesNotExist:
        return False
    return field.primary_key or field.unique


def _alias(index: int) -> str:
    return f"keyset_{index}"


def _encode(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _beyond(column: Column, alias: str, value) -> Q | None:
    """Rows whose `column` comes after `value` in the column's order; None for none."""
    if value is None:
        return Q(**{f"{alias}__isnull": False}) if column.nulls_first else None
    beyond = Q(**{f"{alias}__{'lt' if column.descending else 'gt'}": value})
    if column.nullable and not column.nulls_first:
        beyond |= Q(**{f"{alias}__isnull": True})
    return beyond


def _after(columns: list[Column], key: list) -> Q:
    """Rows strictly after `key` in the order `columns`: beyond it in the first column, or equal
    there and beyond it in the second, and so on."""
    alternatives, equal = [], Q()
    for index, (column, value) in enumerate(zip(columns, key, strict=True)):
        alias = _alias(index)
        beyond = _beyond(column, alias, value)
        if beyond is not None:
            alternatives.append(equal & beyond)
        equal &= Q(**{f"{alias}__isnull": True}) if value is None else Q(**{alias: value})
    condition = reduce(or_, alternatives)
    first, value = columns[0], key[0]
    if value is not None and (not first.nullable or first.nulls_first):
        # Redundant, but a bound on the first column alone lets PostgreSQL start an index scan
        # at the position instead of filtering its way there from the first row.
        condition &= Q(**{f"{_alias(0)}__{'lte' if first.descending else 'gte'}": value})
    return condition


def _decode(queryset: QuerySet, key, count: int) -> list:
    if not isinstance(key, list) or len(key) != count:
        raise BadCursor(key)
    decoded = []
    for index, value in enumerate(key):
        if value is not None:
            field = queryset.query.annotations[_alias(index)].output_field
            try:
                value = field.to_python(value)
            except (ValidationError, TypeError, ValueError):
                raise BadCursor(key) from None
        decoded.append(value)
    return decoded


def query_digest(query: QueryDict) -> str:
    """A short fingerprint of the filters and sort in the query string: a cursor is a position
    among the rows these filters give, in this order."""
    pairs = sorted(
        (key, value)
        for key, values in query.lists()
        if key not in NOT_FILTERS
        for value in values
        if value != ""
    )
    return hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]


class KeysetPage(Page):
    """A page of a list, with the cursors of the pages beside it (None where a link gives the
    page by number alone: the first page, or a list that cannot be seeked)."""

    def __init__(
        self,
        object_list,
        number,
        paginator,
        *,
        has_previous,
        has_next,
        previous_cursor,
        next_cursor,
    ):
        super().__init__(object_list, number, paginator)
        self._has_previous, self._has_next = has_previous, has_next
        self.previous_cursor, self.next_cursor = previous_cursor, next_cursor

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self._has_previous

    # Not checked against num_pages: rows added or removed since the count moved the pages.
    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def get_page(request: HttpRequest, paginator: Paginator, *, kind: str) -> Page:
    """The page `request` asks for of `paginator`'s queryset: after or before the position in
    `?cursor=`, or `?page=N` by offset without a valid cursor (the first page without either).

    Two queries whatever the page: the paginator's count (none when it was told the count) and
    the rows. A cursor that does not verify, is another list's, or was made for other filters or
    another sort is ignored, never an error: the link's `page=N` is served by offset instead.
    """
    queryset = paginator.object_list
    columns = seek_columns(queryset)
    if columns is None:
        return paginator.get_page(request.GET.get("page"))
    queryset = queryset.annotate(**{_alias(i): F(c.name) for i, c in enumerate(columns)})
    digest = query_digest(request.GET)
    page = None
    if cursor := request.GET.get("cursor"):
        try:
            page = _seek(queryset, columns, paginator, read_cursor(cursor, kind=kind), digest)
        except BadCursor:
            page = None
    if page is None:
        page = _by_number(queryset, paginator, request.GET.get("page"))
    _add_cursors(page, columns, kind=kind, digest=digest)
    return page


def _by_number(queryset, paginator: Paginator, number) -> KeysetPage:
    """The page by offset, as Paginator.get_page numbers and slices it, over the queryset with
    its rows' keys."""
    number = paginator.get_page(number).number
    bottom = (number - 1) * paginator.per_page
    top = bottom + paginator.per_page
    if top + paginator.orphans >= paginator.count:
        top = paginator.count
    rows = list(queryset[bottom:top]) if top > bottom else []
    return KeysetPage(
        rows,
        number,
        paginator,
        has_previous=number > 1,
        has_next=number < paginator.num_pages,
        previous_cursor=None,
        next_cursor=None,
    )


def _seek(queryset, columns, paginator, payload: dict, digest: str) -> KeysetPage | None:
    direction, number = payload.get("dir"), payload.get("page")
    if payload.get("query") != digest or direction not in (NEXT, PREVIOUS):
        raise BadCursor(payload)
    if not isinstance(number, int) or isinstance(number, bool):
        raise BadCursor(payload)
    key = _decode(queryset, payload.get("key"), len(columns))
    walk = columns if direction == NEXT else [column.reversed() for column in columns]
    per_page = paginator.per_page
    rows = list(
        queryset.filter(_after(walk, key)).order_by(*(c.order_by() for c in walk))[: per_page + 1]
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not rows:
        return None  # the rows after it are gone: the page by number instead
    # The number the cursor carries, unless rows added or removed since moved the ends.
    if direction == NEXT:
        has_previous, has_next = True, more
        number = max(2, min(number, paginator.num_pages - 1) if more else paginator.num_pages)
    else:
        rows.reverse()
        has_previous, has_next = more, True
        number = max(2, min(number, paginator.num_pages - 1)) if more else 1
    return KeysetPage(
        rows,
        number,
        paginator,
        has_previous=has_previous,
        has_next=has_next,
        previous_cursor=None,
        next_cursor=None,
    )


def _add_cursors(page: KeysetPage, columns: list[Column], *, kind: str, digest: str) -> None:
    rows = page.object_list
    if not rows:
        return

    def cursor(row, direction: str, number: int) -> str:
        key = [_encode(getattr(row, _alias(i))) for i in range(len(columns))]
        payload = {"query": digest, "dir": direction, "key": key, "page": number}
        return sign_cursor(payload, kind=kind)

    if page.has_next():
        page.next_cursor = cursor(rows[-1], NEXT, page.number + 1)
    if page.has_previous() and page.number > 2:
        page.previous_cursor = cursor(rows[0], PREVIOUS, page.number - 1)
