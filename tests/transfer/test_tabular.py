"""read_table: real files from real spreadsheet programs, big and hostile files, row numbers."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from portfolio import tabular
from portfolio.tabular import TableError, read_table

FILES = Path(__file__).parent / "files"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def read(content: bytes, name: str = "upload") -> dict[str, tabular.Sheet]:
    return read_table(SimpleUploadedFile(name, content))


def refusal(content: bytes) -> str:
    with pytest.raises(TableError) as error:
        read(content)
    return str(error.value)


def xlsx(rows: list[list], merge: str | None = None) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    if merge:
        workbook.active.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(sheet_data: str, dimension: str | None = None) -> bytes:
    """A workbook whose one sheet is the given <sheetData> XML, as another program wrote it."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([])))
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = f'<worksheet xmlns="{NS}">{declared}<sheetData>{sheet_data}</sheetData></worksheet>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            target.writestr(info.filename, data)
    return out.getvalue()


def numbered(sheet: tabular.Sheet) -> list[tuple[int, str]]:
    return [(number, values["title"]) for number, values in sheet.rows]


# Real files from real spreadsheet programs (tests/transfer/files/make_fixtures.py made them).


def test_an_export_saved_again_by_libreoffice_reads_like_the_export():
    original = read((FILES / "export.xlsx").read_bytes())["initiatives"]
    saved = read((FILES / "libreoffice-saved.xlsx").read_bytes())["initiatives"]
    # LibreOffice writes booleans as formula cells (<f>TRUE()</f> with a stored result).
    assert b"TRUE()</f>" in zipfile.ZipFile(FILES / "libreoffice-saved.xlsx").read(
        "xl/worksheets/sheet1.xml"
    )
    assert saved.headers == original.headers
    assert saved.rows == original.rows
    assert saved.rows[0][1]["must_do"] is True and saved.rows[1][1]["must_do"] is False


def test_an_export_saved_as_ods_and_then_xlsx_by_libreoffice_reads_like_the_export():
    original = read((FILES / "export.xlsx").read_bytes())["initiatives"]
    saved = read((FILES / "libreoffice-from-ods.xlsx").read_bytes())["initiatives"]
    assert saved.headers == original.headers
    # The ODS step itself drops a leading tab (LibreOffice's doing, not ours); all else is equal.
    differing = [
        (number, column)
        for (number, theirs), (_n, ours) in zip(saved.rows, original.rows, strict=True)
        for column in ours
        if theirs[column] != ours[column]
    ]
    assert differing == [(8, "title"), (8, "summary")]


def test_a_csv_export_saved_again_by_libreoffice_reads_like_the_export():
    original = read((FILES / "export.csv").read_bytes(), "export.csv")[""]
    saved = read((FILES / "libreoffice-saved.csv").read_bytes(), "saved.csv")[""]
    assert saved.headers == original.headers
    # Booleans come back upper case (TRUE); reading them is the importer's business.
    lowered = [(n, {k: v.lower() if v in ("TRUE", "FALSE") else v for k, v in values.items()})
               for n, values in saved.rows]  # fmt: skip
    assert lowered == original.rows
    assert numbered(saved)[2] == (4, '=HYPERLINK("http://x","y")')


# Formulas, errors and merged cells.


def test_a_formula_with_a_stored_result_gives_the_result():
    content = with_sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>title</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>must_do</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>budget</t></is></c></row>'
        '<row r="2"><c r="A2" t="str"><f>"A"&amp;"B"</f><v>AB</v></c>'
        '<c r="B2" t="b"><f>FALSE()</f><v>0</v></c><c r="C2"><f>2*3</f><v>6</v></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>Tom</t></is></c>'
        '<c r="B3" t="str"><f>""</f><v></v></c></row>',
        dimension="A1:C3",
    )
    rows = read(content)["sheet"].rows
    assert rows[0] == (2, {"title": "AB", "must_do": False, "budget": 6})
    assert rows[1] == (3, {"title": "Tom", "must_do": None})


def test_a_formula_without_a_stored_result_is_refused_naming_the_cell():
    message = refusal(xlsx([["ref", "title"], ["A-1", "T"], ["A-2", "=1+1"]]))
    assert "Cell B3" in message and "formula with no stored result" in message


def test_an_error_value_is_refused_naming_the_cell():
    content = with_sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>title</t></is></c></row>'
        '<row r="2"><c r="A2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    )
    assert "Cell A2" in refusal(content) and "#DIV/0!" in refusal(content)


def test_merged_cells_are_still_refused_when_reading_streaming():
    message = refusal(xlsx([["ref", "title"], ["A-1", "T"]], merge="A2:B2"))
    assert "merged cells (A2:B2)" in message


# Row numbers are those the spreadsheet program shows.


def test_csv_row_numbers_count_blank_lines_and_a_line_break_inside_a_cell_is_one_row():
    content = b'title,summary\nOne,x\n\n,\nTwo,"two\nlines"\nThree,y\n'
    assert numbered(read(content)[""]) == [(2, "One"), (5, "Two"), (6, "Three")]


def test_xlsx_row_numbers_count_blank_rows_and_rows_above_the_header():
    content = xlsx([[None], ["title"], ["One"], [None], ["Two"]])
    assert numbered(read(content)["sheet"]) == [(3, "One"), (5, "Two")]


# NUL characters (PostgreSQL cannot store them).


def test_a_nul_in_a_csv_cell_is_refused_naming_the_cell_and_column():
    message = refusal(b"ref,title\nA-1,fine\nA-2,bad\x00title\n")
    assert message == "Cell B3 (title) holds a NUL character; remove it."


def test_a_nul_in_an_xlsx_cell_is_refused_naming_the_sheet_and_cell():
    content = with_sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>title</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>bad_x0000_</t></is></c></row>'
    )
    assert refusal(content) == "Cell A2 (title) in sheet “Sheet” holds a NUL character; remove it."


def test_a_nul_in_the_first_line_means_not_a_csv():
    assert "not a CSV or Excel" in refusal(b"\xff\xfer\x00e\x00f\x00\n\x00")


# Limits: bytes, rows and cells, checked while reading.


def test_the_documented_maximum_is_read():
    header = "".join(f'<c t="inlineStr"><is><t>c{n}</t></is></c>' for n in range(26))
    row = "<row>" + "<c><v>1</v></c>" * 26 + "</row>"
    sheets = read(with_sheet_xml(f"<row>{header}</row>" + row * 10_000))
    assert len(sheets["sheet"].rows) == 10_000
    lines = ["initiative_ref,benefit_title,date,value,note"] + [
        f"SYN-{n // 50:06d},Timmar,2026-01-01,{n},"
        for n in range(tabular.MAX_ROWS)
    ]  # fmt: skip
    assert len(read("\n".join(lines).encode())[""].rows) == 50_000


def test_more_rows_than_the_limit_are_refused_saying_the_limit(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ROWS", 3)
    assert len(read(b"title\n1\n2\n3\n")[""].rows) == 3
    assert refusal(b"title\n1\n2\n3\n4\n") == "The file has more than 3 rows."


@pytest.mark.parametrize("dimension", ["A1:ALL1000", None, "A1"])
def test_a_small_file_of_a_million_cells_is_refused_before_it_is_parsed(monkeypatch, dimension):
    row = "<row>" + "<c><v>1</v></c>" * 1000 + "</row>"
    content = with_sheet_xml(row * 1000, dimension=dimension)
    assert len(content) < 50_000

    def parse(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(tabular, "load_workbook", parse)
    assert refusal(content) == (
        "The file has more than 500,000 cells (rows × columns); split it into smaller files."
    )


def test_one_far_away_cell_per_row_counts_as_the_whole_row(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_CELLS", 100_000)
    # A header and seven data rows: 7 x 16,384 data cells.
    rows = "".join(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(1, 9))
    assert "more than 100,000 cells" in refusal(with_sheet_xml(rows, dimension="XFD1:XFD8"))


def test_a_csv_with_more_cells_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_CELLS", 6)
    assert len(read(b"a,b\n1,2\n3,4\n5,6\n")[""].rows) == 3
    assert "more than 6 cells" in refusal(b"a,b,c\n1,2,3\n4,5,6\n7,8,9\n")


def test_the_header_row_does_not_count_against_the_cell_limit(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_CELLS", 6)
    assert len(read(b"a,b,c,d,e,f,g,h\n1,2,3,4,5,6\n")[""].rows) == 1


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 1024 * 1024)
    content = with_sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>title</t></is></c></row>' + " " * 2**21
    )
    assert refusal(content).startswith("The Excel file unpacks to 2 MB; the limit is 1 MB.")


def test_values_are_raw_and_dates_are_datetimes():
    content = xlsx([["title", "date", "n", "x"], ["T", dt.date(2026, 1, 2), 3, 1.5]])
    assert read(content)["sheet"].rows == [
        (2, {"title": "T", "date": dt.datetime(2026, 1, 2), "n": 3, "x": 1.5})
    ]
