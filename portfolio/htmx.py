"""Small shared helpers for pages that serve both a whole page and an htmx fragment."""

from django.db.models import F
from django.http import HttpRequest


def wants_fragment(request: HttpRequest, fragment: str) -> bool:
    """Whether htmx asks to swap only the element with this id."""
    return bool(request.htmx) and request.htmx.target == fragment


def page_or_fragment(request: HttpRequest, template: str, fragment: str) -> str:
    """The whole page, or only the named partial when htmx asks to swap that element."""
    return f"{template}#{fragment}" if wants_fragment(request, fragment) else template


def order_by_column(sort: str, columns: dict[str, str]):
    """The ordering for a `sort` key (`-` for descending); empty values go last either way, on
    SQLite and PostgreSQL alike."""
    column = F(columns[sort.lstrip("-")])
    return column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True)
