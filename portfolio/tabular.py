"""Tables in and out: CSV and XLSX with stable snake_case headers, numbers as numbers, ISO dates.

Shared by every export and import, so that a file exported from one page imports back unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # 10 MB: ample for 10,000 initiatives
MAX_ROWS = 50_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TableError(ValueError):
    """A file that cannot be read as a table; the message says why, in words a user understands."""


def _cell(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value else ""
    return str(value)


def csv_response(filename: str, columns: list[str], rows: list[dict]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with å, ä, ö correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(row.get(column)) for column in columns])
    return response


def xlsx_response(filename: str, sheets: list[tuple[str, list[str], list[dict]]]) -> HttpResponse:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(columns)
        widths = [len(column) for column in columns]
        for row in rows:
            values = [_cell(row.get(column)) for column in columns]
            sheet.append(values)
            for index, value in enumerate(values):
                widths[index] = max(widths[index], min(len(_text(value)), 60))
        sheet.freeze_panes = "A2"
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width + 2
        for index, column in enumerate(columns, start=1):
            if column.endswith(("_date", "_start", "_end", "_on")) or column == "date":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export(request, filename: str, sheets: list[tuple[str, list[str], list[dict]]]):
    """The format the user asked for: ?format=xlsx (all sheets) or csv (the first sheet)."""
    if request.GET.get("format") == "xlsx":
        return xlsx_response(filename, sheets)
    _title, columns, rows = sheets[0]
    return csv_response(filename, columns, rows)


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, object]]]  # (row number as the user sees it, values)


def read_table(upload) -> dict[str, Sheet]:
    """Read an uploaded CSV or XLSX into sheets of rows keyed by header.

    Refuses, with a message, what it cannot read safely: too large, not a spreadsheet, empty,
    formulas, merged cells, too many rows.
    """
    if upload.size > MAX_UPLOAD_BYTES:
        raise TableError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1024 / 1024, 1), "limit": MAX_UPLOAD_BYTES // 1024**2}
        )
    content = upload.read()
    if not content.strip():
        raise TableError(_("The file is empty."))
    if content[:2] == b"PK":
        return _read_xlsx(content)
    return {"": _read_csv(content)}


def _read_csv(content: bytes) -> Sheet:
    if b"\x00" in content[:4096]:
        raise TableError(_("This is not a CSV or Excel (XLSX) file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError as error:
            raise TableError(_("The file is not readable text (use UTF-8).")) from error
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        lines = list(reader)
    except csv.Error as error:
        raise TableError(
            _("The CSV file could not be read: %(error)s") % {"error": error}
        ) from error
    return _sheet("", lines)


def _sheet(name: str, lines: list[list]) -> Sheet:
    lines = [line for line in lines if any(_text(v).strip() for v in line)]
    if not lines:
        raise TableError(_("The file has no rows."))
    if len(lines) - 1 > MAX_ROWS:
        raise TableError(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
    headers = [_text(h).strip().lower() for h in lines[0]]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        values = {headers[i]: line[i] for i in range(min(len(headers), len(line))) if headers[i]}
        rows.append((number, values))
    return Sheet(name, headers, rows)


def _read_xlsx(content: bytes) -> dict[str, Sheet]:
    try:
        workbook = load_workbook(io.BytesIO(content), data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise TableError(_("This is not a readable Excel (XLSX) file.")) from error
    sheets = {}
    for sheet in workbook.worksheets:
        if sheet.merged_cells.ranges:
            first = next(iter(sheet.merged_cells.ranges))
            raise TableError(
                _("Sheet “%(sheet)s” has merged cells (%(range)s); unmerge them and try again.")
                % {"sheet": sheet.title, "range": first.coord}
            )
        lines = []
        for row in sheet.iter_rows(values_only=False):
            line = []
            for cell in row:
                if cell.data_type == "f":
                    raise TableError(
                        _("Cell %(cell)s in sheet “%(sheet)s” holds a formula; paste values only.")
                        % {"cell": cell.coordinate, "sheet": sheet.title}
                    )
                line.append(cell.value)
            lines.append(line)
        if any(any(v not in (None, "") for v in line) for line in lines):
            sheets[sheet.title.strip().lower()] = _sheet(sheet.title, lines)
    if not sheets:
        raise TableError(_("The file has no rows."))
    return sheets
