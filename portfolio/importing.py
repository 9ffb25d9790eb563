"""What every importer shares: cell parsers with messages a user understands, and the plan."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

TRUE = {"true", "yes", "ja", "1", "x", "sant"}
FALSE = {"false", "no", "nej", "0", "", "falskt"}


class CellError(ValueError):
    pass


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Plan:
    """What an import would do: rows to create and update, and every error found."""

    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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


def parse_decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise CellError(_("Expected a number."))
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
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
    if number > 10**15:
        raise CellError(_("The amount is too large."))
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


def parse_choice(value, choices, *, required: bool = True) -> str:
    """A choice by its code or its label (Swedish or English), case-insensitive."""
    from django.utils import translation

    raw = text(value)
    if not raw:
        if required:
            raise CellError(_("This column is required."))
        return ""
    wanted = raw.casefold()
    for code, label in choices:
        names = {code.casefold(), str(label).casefold()}
        for language in ("sv", "en"):
            with translation.override(language):
                names.add(str(label).casefold())
        if wanted in names:
            return code
    allowed = ", ".join(code for code, _label in choices)
    raise CellError(
        _("“%(value)s” is not one of: %(allowed)s.") % {"value": raw, "allowed": allowed}
    )


def check_headers(headers: list[str], known: set[str], required: set[str], plan: Plan) -> bool:
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
