"""Tables in and out: CSV and XLSX with stable snake_case headers, numbers as numbers, ISO dates.

Shared by every export and import, so that a file exported from one page imports back unchanged.
Text that a spreadsheet program would run as a formula goes out as text (see `_neutralised`), and
uploads are read streaming, with caps on bytes, rows and cells checked while reading, so that a
small file claiming a huge sheet is refused in moments instead of tying up a worker.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # 10 MB: ample for 10,000 initiatives
MAX_ROWS = 50_000  # data rows in one sheet, the header not counted
# Rows x used columns over the whole file: 10,000 initiatives with 15 goals (50 columns), 50,000
# measurements (5 columns) or 20,000 benefits (23 columns). An XLSX's cells are counted in its
# inflated XML before anything is parsed, and reading stops as soon as the count passes the cap.
# (A sheet's declared <dimension> is not trusted either way: it can lie, and some programs
# declare far more than they fill.)
MAX_CELLS = 500_000  # data cells: a sheet's header row comes on top
XLSX_MAX_COLUMNS = 16_384  # column XFD: no header row is wider
# What an XLSX may unpack to (its zip directory's declared sizes, which bound what is inflated):
# a 10 MB upload of real data unpacks to well under this, a zip bomb does not.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Text starting with one of these is run as a formula by Excel and LibreOffice when it comes from
# a CSV (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class TableError(ValueError):
    """A file that cannot be read as a table; the message says why, in words a user understands."""


def _neutralised(text: str) -> str:
    """OWASP's defence for CSV: text a spreadsheet would run as a formula gets a leading `'`.

    Text that already starts with quotes before such a character gets one more, so that
    `_restored` gives back exactly what went out for every text.
    """
    return "'" + text if text.lstrip("'").startswith(FORMULA_TRIGGERS) else text


def _restored(text: str) -> str:
    """Undo `_neutralised` on a CSV cell read back."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def _cell(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return _xlsx_escaped(value)
    return value


# OOXML's own escape for text (ECMA-376 ST_Xstring), which Excel and LibreOffice decode: a
# character as _xHHHH_. XML 1.0 cannot hold most control characters (openpyxl refuses them) and
# every XML parser turns a CR into LF (a line break typed in a browser is CR LF), so these go out
# escaped; so does the underscore of a literal "_x0041_", to read back as typed.
_XLSX_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x0d\x0e-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
_XLSX_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _xlsx_escaped(text: str) -> str:
    return _XLSX_UNSAFE.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


def _xlsx_unescaped(text: str) -> str:
    def character(match):
        code = int(match.group(1), 16)
        # A lone surrogate is no character: the text cannot be stored, so keep it as written.
        return match.group() if 0xD800 <= code <= 0xDFFF else chr(code)

    return _XLSX_ESCAPE.sub(character, text) if "_x" in text else text


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


def _csv_text(value) -> str:
    # Only text is neutralised: a negative number stays a number (-5, not '-5).
    return _neutralised(value) if isinstance(value, str) else _text(value)


def csv_response(filename: str, columns: list[str], rows: list[dict]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with å, ä, ö correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_text(row.get(column)) for column in columns])
    return response


def xlsx_response(filename: str, sheets: list[tuple[str, list[str], list[dict]]]) -> HttpResponse:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(columns)
        widths = [len(column) for column in columns]
        for number, row in enumerate(rows, start=2):
            values = [_cell(row.get(column)) for column in columns]
            sheet.append(values)
            for index, value in enumerate(values):
                widths[index] = max(widths[index], min(len(_text(value)), 60))
                if isinstance(value, str):
                    # openpyxl makes text starting with "=" a formula; in a string cell no
                    # spreadsheet program runs it, whatever it starts with.
                    sheet.cell(row=number, column=index + 1).data_type = "s"
                elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                    # By the value, not the column's name: cost_to_date is kronor, not a date.
                    sheet.cell(row=number, column=index + 1).number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width + 2
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

    Values are as the file holds them (str, int, float, bool, datetime, None); an XLSX formula
    gives its stored result. Row numbers are those the spreadsheet program shows, blank rows
    included. Refuses, with a message, what it cannot read safely: too large (bytes, rows or
    cells), not a spreadsheet, empty, a formula with no stored result, an error value, merged
    cells, a NUL character.
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


class _CellBudget:
    """Counts the data cells read from one file (rows x used columns) and stops at MAX_CELLS;
    each sheet's first row, its header, is not counted."""

    def __init__(self) -> None:
        self.left = MAX_CELLS

    def spend(self, cells: int, *, header: bool = False) -> None:
        if header:
            return
        self.left -= cells
        if self.left < 0:
            raise _too_many_cells()


def _too_many_cells() -> TableError:
    return TableError(
        _("The file has more than %(max)s cells (rows × columns); split it into smaller files.")
        % {"max": number_format(MAX_CELLS, force_grouping=True)}
    )


def _sheet(name: str, lines: Iterable[tuple[int, list]]) -> Sheet | None:
    """The first non-blank line is the header; None for a sheet with nothing in it."""
    headers = None
    rows = []
    for number, line in lines:
        if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in line):
            continue
        for index, value in enumerate(line):
            if isinstance(value, str) and "\x00" in value:
                raise TableError(_nul_message(name, number, index, headers))
        if headers is None:
            headers = [_text(h).strip().lower() for h in line]
            continue
        if len(rows) == MAX_ROWS:
            raise TableError(
                _("The file has more than %(max)s rows.")
                % {"max": number_format(MAX_ROWS, force_grouping=True)}
            )
        values = {headers[i]: line[i] for i in range(min(len(headers), len(line))) if headers[i]}
        rows.append((number, values))
    if headers is None:
        return None
    return Sheet(name, headers, rows)


def _nul_message(sheet: str, number: int, index: int, headers: list[str] | None) -> str:
    # PostgreSQL cannot store a NUL in text; refuse it here, where the place can still be named.
    cell = f"{get_column_letter(index + 1)}{number}"
    if headers and index < len(headers) and headers[index]:
        cell += f" ({headers[index]})"
    if sheet:
        return _("Cell %(cell)s in sheet “%(sheet)s” holds a NUL character; remove it.") % {
            "cell": cell,
            "sheet": sheet,
        }
    return _("Cell %(cell)s holds a NUL character; remove it.") % {"cell": cell}


def _read_csv(content: bytes) -> Sheet:
    # A NUL in the header line means a binary file (or UTF-16); one further on is a bad cell.
    if b"\x00" in content[:4096].split(b"\n", 1)[0]:
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
    sheet = _sheet("", _csv_lines(csv.reader(io.StringIO(text), delimiter=delimiter)))
    if sheet is None:
        raise TableError(_("The file has no rows."))
    return sheet


def _csv_lines(reader) -> Iterator[tuple[int, list]]:
    """(row number in a spreadsheet program, values): a record with a line break is one row."""
    budget = _CellBudget()
    try:
        for number, line in enumerate(reader, start=1):
            budget.spend(max(len(line), 1), header=number == 1)
            yield number, [_restored(v) if v[:1] == "'" else v for v in line]
    except csv.Error as error:
        raise TableError(
            _("The CSV file could not be read: %(error)s") % {"error": error}
        ) from error


class _CellParser(WorkSheetParser):
    """openpyxl's streaming sheet parser, telling a formula with no stored result from a blank.

    With data_only=True both come out as None; only the first is a cell we cannot read. A text
    result may be empty (t="str", <v></v>); any other type with an empty or missing <v> (openpyxl
    writes <v/>) was never calculated.
    """

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if (
            cell["value"] is None
            and element.get("t") != "str"
            and element.find(FORMULA_TAG) is not None
        ):
            cell["data_type"] = "f"
        return cell


def _read_xlsx(content: bytes) -> dict[str, Sheet]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_unpacked(archive)
    except TableError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as error:
        raise TableError(_("This is not a readable Excel (XLSX) file.")) from error
    try:
        # read_only streams each sheet instead of building every cell as an object;
        # data_only gives a formula's stored result (how LibreOffice writes TRUE and FALSE).
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise TableError(_("This is not a readable Excel (XLSX) file.")) from error
    try:
        budget = _CellBudget()
        sheets = {}
        for worksheet in workbook.worksheets:
            sheet = _sheet(worksheet.title, _xlsx_lines(workbook, worksheet, budget))
            if sheet is not None:
                sheets[worksheet.title.strip().lower()] = sheet
    except TableError:
        raise
    except Exception as error:  # a damaged sheet: bad XML, a missing shared string ...
        raise TableError(_("This is not a readable Excel (XLSX) file.")) from error
    finally:
        workbook.close()
    if not sheets:
        raise TableError(_("The file has no rows."))
    return sheets


# A cell, a row or a shared string in the XML of any part, with or without a namespace prefix.
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?(c|row|si)[\s/>]")
_CHUNK = 1024 * 1024


def _check_unpacked(archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb and a sheet of too many cells before openpyxl parses anything.

    openpyxl reads every shared string when it opens a workbook, and a whole sheet when the
    sheet does not declare its size; counting the tags in the inflated bytes is a hundred times
    faster than parsing them. The zip directory's sizes bound what is inflated.
    """
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError(
            _("The Excel file unpacks to %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(unpacked / 1024**2), "limit": MAX_UNPACKED_BYTES // 1024**2}
        )
    counts = {b"c": 0, b"row": 0, b"si": 0}
    for info in archive.infolist():
        if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels")):
            continue
        with archive.open(info) as stream:
            tail = b""
            while True:
                chunk = stream.read(_CHUNK)
                data = tail + chunk
                # A tag starting in the last 64 bytes may be cut off: count it with the next chunk.
                cut = max(len(data) - 64, 0) if chunk else len(data)
                for match in _ELEMENT.finditer(data):
                    if match.start() < cut:
                        counts[match.group(1)] += 1
                if max(counts.values()) > MAX_CELLS + XLSX_MAX_COLUMNS:
                    raise _too_many_cells()
                if not chunk:
                    break
                tail = data[cut:]


def _xlsx_lines(workbook, worksheet, budget: _CellBudget) -> Iterator[tuple[int, list]]:
    """(row number, values) of one sheet, streaming; refuses what cannot be read as a value."""
    title = worksheet.title
    # ReadOnlyWorksheet pads every row to the declared width and fills skipped rows, and hides
    # whether a blank is a formula without a result: run its parser on the sheet ourselves.
    with workbook._archive.open(worksheet._worksheet_path) as source:
        parser = _CellParser(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for index, (number, cells) in enumerate(parser.parse()):
            width = max((cell["column"] for cell in cells), default=1)
            budget.spend(width, header=index == 0)
            line = [None] * width
            for cell in cells:
                if cell["data_type"] == "f":
                    raise TableError(
                        _(
                            "Cell %(cell)s in sheet “%(sheet)s” holds a formula with no stored "
                            "result; open the file in your spreadsheet program and save it again, "
                            "or paste values only."
                        )
                        % {"cell": _coordinate(cell), "sheet": title}
                    )
                if cell["data_type"] == "e":
                    raise TableError(
                        _(
                            "Cell %(cell)s in sheet “%(sheet)s” holds the error %(error)s; "
                            "correct or clear it."
                        )
                        % {"cell": _coordinate(cell), "sheet": title, "error": cell["value"]}
                    )
                value = cell["value"]
                line[cell["column"] - 1] = (
                    _xlsx_unescaped(value) if isinstance(value, str) else value
                )
            yield number, line
        # <mergeCells> follows the cells in the sheet's XML; the parser has it once they are read.
        merged = parser.merged_cells.mergeCell if parser.merged_cells else []
        if merged:
            raise TableError(
                _("Sheet “%(sheet)s” has merged cells (%(range)s); unmerge them and try again.")
                % {"sheet": title, "range": merged[0].ref}
            )


def _coordinate(cell: dict) -> str:
    return f"{get_column_letter(cell['column'])}{cell['row']}"
