"""Text that looks like a formula leaves the app as text, and the app's own export reads back."""

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from initiatives.models import Initiative
from portfolio import tabular
from tests.conftest import make_initiative

FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"]
# Quotes already in front of such text must survive the CSV neutralisation and its undoing.
EDGE_CASES = ["'=1+1", "''@x", "'plain", "'", "-", "a=b"]
COLUMNS = ["title", "amount"]


def exported(fmt: str, texts: list[str]) -> bytes:
    rows = [{"title": text, "amount": Decimal(-5)} for text in texts]
    if fmt == "xlsx":
        return tabular.xlsx_response("t", [("t", COLUMNS, rows)]).content
    return tabular.csv_response("t", COLUMNS, rows).content


def test_formula_like_text_is_a_string_cell_in_the_xlsx_export():
    content = exported("xlsx", FORMULA_LIKE)
    sheet = load_workbook(io.BytesIO(content))["t"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.data_type for cell in cells] == ["s"] * len(FORMULA_LIKE)
    assert cells[0].value == '=HYPERLINK("http://x","y")'
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")


def test_formula_like_text_gets_a_leading_quote_in_the_csv_export():
    content = exported("csv", FORMULA_LIKE).decode("utf-8-sig")
    titles = [row[0] for row in csv.reader(io.StringIO(content))][1:]
    assert titles == ["'" + text for text in FORMULA_LIKE]


def test_negative_numbers_stay_numbers_in_both_exports():
    sheet = load_workbook(io.BytesIO(exported("xlsx", ["x"])))["t"]
    assert (sheet["B2"].value, sheet["B2"].data_type) == (-5, "n")
    rows = list(csv.reader(io.StringIO(exported("csv", ["x"]).decode("utf-8-sig"))))
    assert rows[1] == ["x", "-5"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_formula_like_text_reads_back_unchanged(fmt):
    texts = FORMULA_LIKE + EDGE_CASES
    content = exported(fmt, texts)
    sheet = next(iter(tabular.read_table(SimpleUploadedFile(f"t.{fmt}", content)).values()))
    assert [values["title"] for _number, values in sheet.rows] == texts


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_line_breaks_and_control_characters_read_back_unchanged(fmt):
    # A browser sends a textarea's line breaks as CR LF; XML would turn the CR into LF, and
    # openpyxl refuses control characters outright (a 500 on export).
    texts = ["one\r\ntwo", "tab\tand\nline", "a\x01b\x1fc", "_x0041_ stays", "_x005F_"]
    content = exported(fmt, texts)
    sheet = next(iter(tabular.read_table(SimpleUploadedFile(f"t.{fmt}", content)).values()))
    assert [values["title"] for _number, values in sheet.rows] == texts


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_initiative_with_formula_like_text_exports_and_imports_back_unchanged(
    client_for, office, own_department, fmt
):
    make_initiative(own_department, ref="F-1", title='=HYPERLINK("http://x","y")',
                    summary="+1", tags="-1+2", hypothesis="@SUM(A1)")  # fmt: skip
    client = client_for(office)
    response = client.get(reverse("portfolio:initiatives_export"), {"format": fmt})
    assert response.status_code == 200
    before = list(Initiative.objects.values("title", "summary", "tags", "hypothesis"))
    response = client.post(
        reverse("portfolio:import"),
        {"kind": "initiatives", "file": SimpleUploadedFile(f"i.{fmt}", response.content)},
    )
    assert response.status_code == 302, response.content[:500]
    plan = client.get(response["Location"]).context["plan"]
    assert plan.ok, (plan.file_errors, plan.errors)
    assert (len(plan.creates), len(plan.updates), plan.unchanged) == (0, 0, 1)
    assert list(Initiative.objects.values("title", "summary", "tags", "hypothesis")) == before
