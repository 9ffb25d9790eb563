"""Cost lines in and out: the initiative export's "cost lines" sheet and the cost lines' own CSV,
and their import (issue 14): lines in a file replace the initiative's lines, all or nothing, and
the money columns become their sums."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from benefits.models import PortfolioSetting
from initiatives import costs
from initiatives.costs import LineValues
from initiatives.models import CostLine, Initiative
from portfolio.models import ImportBatch
from tests.conftest import make_initiative, make_user
from tests.transfer.test_export_import import confirm, download, preview, upload

FILES = Path(__file__).resolve().parents[1] / "transfer" / "files"
HEADER = "initiative_ref,year,kind,planned,actual,payer_department,payer_other,note"
FORMULA = '=HYPERLINK("http://x","y")'


def save_lines(initiative, lines, by):
    """The initiative's lines as the page saves them (its money columns their sums)."""
    initiative.refresh_from_db()
    costs.cost_lines_save(
        initiative=initiative,
        lines=[LineValues(**line) for line in lines],
        opened_version=initiative.version,
        by=by,
    )
    initiative.refresh_from_db()
    return initiative


def line(year, kind, planned, actual=None, payer_id=None, payer_other="", note=""):
    return {"year": year, "kind": kind, "planned": planned, "actual": actual,
            "payer_id": payer_id, "payer_other": payer_other, "note": note}  # fmt: skip


def lines_of(initiative):
    return [
        (item.year, item.kind, item.planned, item.actual, item.payer_id, item.payer_other,
         item.note)
        for item in CostLine.objects.filter(initiative=initiative).order_by("year", "kind", "id")
    ]  # fmt: skip


def money(initiative):
    initiative.refresh_from_db()
    return initiative.budget, initiative.running_cost, initiative.cost_to_date


def snapshot():
    """Every initiative and cost line as stored, ids and versions included."""
    initiatives = list(Initiative.objects.order_by("ref").values())
    for row in initiatives:
        row.pop("updated_at")
    return (
        initiatives,
        list(CostLine.objects.order_by("id").values()),
        CostLine.history.count(),
        Initiative.history.count(),
    )


@pytest.fixture
def portfolio(own_department, other_department, office):
    robot = make_initiative(own_department, ref="DIG-2026-001", title="Skolmjölksroboten",
                            planned_start=dt.date(2026, 1, 1), stage="pilot")  # fmt: skip
    save_lines(robot, [
        line(2026, "investment", 400_000, 150_000, own_department.pk, note="Licens; åäö"),
        line(2027, "running", 20_000, None, own_department.pk),
        line(2027, "running", 5_000, None, None, "Region Stockholm", FORMULA),
    ], office)  # fmt: skip
    lights = make_initiative(other_department, ref="DIG-2026-002", title="Smarta trafikljus",
                             planned_start=dt.date(2027, 3, 1))  # fmt: skip
    save_lines(lights, [
        line(2027, "investment", 600_000, None, other_department.pk, note="-fas 1"),
        line(2028, "investment", 0, 12_500, None, "+Kommunförbundet"),
    ], office)  # fmt: skip
    make_initiative(own_department, ref="DIG-2026-003", title="Utan kostnader")
    archived = make_initiative(own_department, ref="DIG-2026-004", title="Arkiverad")
    save_lines(archived, [line(2025, "investment", 1_000, None, own_department.pk)], office)
    Initiative.objects.filter(pk=archived.pk).update(
        archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    return robot, lights, archived


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


# --- Export -----------------------------------------------------------------------------------


def test_the_xlsx_export_has_a_sheet_of_cost_lines_one_row_a_line(client_for, executive, portfolio):
    content = download(client_for(executive), "initiatives_export", "xlsx")
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["initiatives", "cost lines"]
    sheet = workbook["cost lines"]
    assert [cell.value for cell in sheet[1]] == HEADER.split(",")
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        ["DIG-2026-001", 2026, "investment", 400_000, 150_000, "UTB", None, "Licens; åäö"],
        ["DIG-2026-001", 2027, "running", 20_000, None, "UTB", None, None],
        ["DIG-2026-001", 2027, "running", 5_000, None, None, "Region Stockholm", FORMULA],
        ["DIG-2026-002", 2027, "investment", 600_000, None, "TK", None, "-fas 1"],
        ["DIG-2026-002", 2028, "investment", 0, 12_500, None, "+Kommunförbundet", None],
    ]
    # Text that looks like a formula is a string cell: no spreadsheet program runs it.
    assert sheet["H4"].data_type == "s" and sheet["G6"].data_type == "s"


def test_the_cost_lines_csv_follows_the_list_filter_and_keeps_formulas_as_text(
    client_for, executive, portfolio, other_department
):
    content = download(client_for(executive), "cost_lines_export", "csv",
                       {"department": other_department.pk})  # fmt: skip
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    assert "'-fas 1" in text and "'+Kommunförbundet" in text  # neutralised for a spreadsheet
    rows = csv_rows(content)
    assert [(r["initiative_ref"], r["year"], r["planned"], r["actual"]) for r in rows] == [
        ("DIG-2026-002", "2027", "600000", ""),
        ("DIG-2026-002", "2028", "0", "12500"),
    ]
    all_rows = csv_rows(download(client_for(executive), "cost_lines_export", "csv"))
    assert len(all_rows) == 5
    assert all_rows[2]["note"] == "'" + FORMULA


def test_the_initiative_list_links_to_the_cost_lines_csv_with_its_filter(
    client_for, executive, portfolio
):
    page = client_for(executive).get(reverse("initiatives:list"), {"q": "robot"})
    url = reverse("portfolio:cost_lines_export")
    assert f'href="{url}?q=robot&amp;format=csv"' in page.text
    assert "Cost lines (CSV)" in page.text


def test_archived_initiatives_lines_are_exported_to_the_office_only(
    client_for, office, executive, portfolio
):
    query = {"show": "all"}
    refs = {r["initiative_ref"] for r in csv_rows(
        download(client_for(office), "cost_lines_export", "csv", query))}  # fmt: skip
    assert "DIG-2026-004" in refs
    refs = {r["initiative_ref"] for r in csv_rows(
        download(client_for(executive), "cost_lines_export", "csv", query))}  # fmt: skip
    assert refs == {"DIG-2026-001", "DIG-2026-002"}


def test_the_cost_lines_export_needs_a_role(client_for, portfolio):
    url = reverse("portfolio:cost_lines_export")
    assert client_for(None).get(url).status_code == 302
    assert client_for(make_user(None)).get(url).status_code == 403


def test_the_exports_take_the_same_number_of_queries_for_few_or_many_lines(
    client_for, executive, own_department, office, django_assert_num_queries
):
    def make(n):
        for _ in range(n):
            save_lines(make_initiative(own_department), [
                line(year, "running", 100, None, own_department.pk) for year in range(2026, 2031)
            ], office)  # fmt: skip

    PortfolioSetting.current()
    client = client_for(executive)
    make(2)
    # session, user and role; the hourly rate (the list's filter), the initiatives, their lines
    with django_assert_num_queries(6) as few:
        client.get(reverse("portfolio:cost_lines_export"), {"format": "csv"})
    # the same and the council goals
    with django_assert_num_queries(7) as few_xlsx:
        client.get(reverse("portfolio:initiatives_export"), {"format": "xlsx"})
    make(40)
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("portfolio:cost_lines_export"), {"format": "csv"})
    assert len(csv_rows(response.content)) == 42 * 5
    with django_assert_num_queries(len(few_xlsx)):
        client.get(reverse("portfolio:initiatives_export"), {"format": "xlsx"})


# --- Round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,fmt,query",
    [("initiatives_export", "xlsx", {}), ("initiatives_export", "xlsx", {"show": "all"}),
     ("cost_lines_export", "csv", {}), ("cost_lines_export", "csv", {"show": "all"})],
)  # fmt: skip
def test_an_exported_file_imports_back_unchanged(client_for, office, portfolio, name, fmt, query):
    client = client_for(office)
    content = download(client, name, fmt, query)
    before = snapshot()
    page = preview(client, upload(client, "initiatives", content, f"export.{fmt}"))
    plan = page.context["plan"]
    assert plan.ok, (plan.file_errors, plan.errors)
    assert (len(plan.creates), len(plan.updates)) == (0, 0)
    assert not plan.extra["notices"]
    assert "The file changes nothing" in page.text
    confirm(client, page)
    assert snapshot() == before


def test_a_file_saved_again_by_libreoffice_imports_and_then_changes_nothing(
    client_for, office, own_department, other_department
):
    """tests/transfer/files/make_cost_line_fixtures.py: our export, saved by LibreOffice Calc."""
    client = client_for(office)
    content = (FILES / "cost-lines-libreoffice.xlsx").read_bytes()
    page = preview(client, upload(client, "initiatives", content, "saved.xlsx"))
    plan = page.context["plan"]
    assert plan.ok, (plan.file_errors, plan.errors)
    assert len(plan.creates) == 2
    # LO-002's budget (999,999) disagrees with its lines: the lines win, and the preview says so.
    notices = [(n.sheet, n.row, n.column) for n in plan.extra["notices"]]
    assert notices == [("initiatives", 3, "budget")]
    assert "999" in page.text and "600" in page.text
    confirm(client, page)
    robot, lights = Initiative.objects.get(ref="LO-001"), Initiative.objects.get(ref="LO-002")
    utb, tk = own_department.pk, other_department.pk
    assert lines_of(robot) == [
        (2026, "investment", 400_000, 150_000, utb, "", "Licens; åäö"),
        (2027, "running", 20_000, None, utb, "", ""),
        (2027, "running", 5_000, None, None, "Region Stockholm", FORMULA),
    ]
    assert lines_of(lights) == [
        (2027, "investment", 600_000, None, tk, "", "-fas 1"),
        (2028, "investment", 0, 12_500, None, "+Kommunförbundet", ""),
    ]
    assert money(robot) == (400_000, 25_000, 150_000)
    assert money(lights) == (600_000, None, 12_500)  # no krona counted twice
    before = snapshot()
    page = preview(client, upload(client, "initiatives", content, "saved.xlsx"))
    assert (len(page.context["plan"].creates), len(page.context["plan"].updates)) == (0, 0)
    # And the cost lines alone, as LibreOffice saves their CSV.
    content = (FILES / "cost-lines-libreoffice.csv").read_bytes()
    page = preview(client, upload(client, "initiatives", content, "saved.csv"))
    plan = page.context["plan"]
    assert plan.ok, (plan.file_errors, plan.errors)
    assert (len(plan.creates), len(plan.updates), plan.unchanged) == (0, 0, 2)
    confirm(client, page)
    assert snapshot() == before


# --- Import -----------------------------------------------------------------------------------


def test_the_lines_in_a_file_replace_the_initiatives_lines_and_its_money(
    client_for, office, portfolio, own_department
):
    robot, lights, _archived = portfolio
    kept = CostLine.objects.get(initiative=robot, year=2026)
    dropped = list(
        CostLine.objects.filter(initiative=robot, year=2027).values_list("pk", flat=True)
    )
    version = robot.version
    client = client_for(office)
    text = (
        f"{HEADER}\n"
        "DIG-2026-001,2026,investment,400000,150000,UTB,,Licens; åäö\n"
        "dig-2026-001,2028,Running,30 000,,utbildningsförvaltningen,,\n"
    ).encode()
    page = preview(client, upload(client, "initiatives", text, "lines.csv"))
    plan = page.context["plan"]
    assert plan.ok, plan.errors
    assert (len(plan.updates), plan.unchanged) == (1, 0)
    assert "cost lines" in page.text
    batch = confirm(client, page)
    assert batch.result["updated"] == 1
    assert lines_of(robot) == [
        (2026, "investment", 400_000, 150_000, own_department.pk, "", "Licens; åäö"),
        (2028, "running", 30_000, None, own_department.pk, "", ""),
    ]
    assert CostLine.objects.filter(pk=kept.pk).exists()  # an unchanged line keeps its row
    assert money(robot) == (400_000, 30_000, 150_000)
    robot.refresh_from_db()
    assert robot.version == version + 1
    gone = CostLine.history.filter(id__in=dropped, history_type="-")
    assert gone.count() == 2 and {h.history_user for h in gone} == {office}
    added = CostLine.history.get(initiative_id=robot.pk, year=2028, history_type="+")
    assert added.history_user == office
    assert lines_of(lights) != []  # an initiative not in the file keeps its lines


def test_the_cost_lines_win_over_the_money_columns_of_the_same_initiative(
    client_for, office, portfolio, own_department
):
    robot = portfolio[0]
    client = client_for(office)
    content = download(client, "initiatives_export", "xlsx")
    workbook = load_workbook(io.BytesIO(content))
    rows = workbook["initiatives"]
    headers = [cell.value for cell in rows[1]]
    rows.cell(row=2, column=headers.index("budget") + 1, value=999_999)
    rows.cell(row=2, column=headers.index("title") + 1, value="Skolmjölksroboten 2")
    lines = workbook["cost lines"]
    lines["D2"] = 450_000  # the 2026 investment
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = preview(client, upload(client, "initiatives", buffer.getvalue(), "edited.xlsx"))
    plan = page.context["plan"]
    assert plan.ok, plan.errors
    assert [(n.row, n.column) for n in plan.extra["notices"]] == [(2, "budget")]
    confirm(client, page)
    robot.refresh_from_db()
    assert robot.title == "Skolmjölksroboten 2"
    assert money(robot) == (450_000, 25_000, 150_000)
    assert sum(planned for _y, kind, planned, *_ in lines_of(robot) if kind == "investment") == (
        450_000
    )


def test_money_columns_without_lines_in_the_file_still_become_lines(
    client_for, office, portfolio, own_department
):
    """The rule before cost lines could be imported: a budget in a row adjusts the lines."""
    robot = portfolio[0]
    client = client_for(office)
    text = b"ref,title,department,budget\nDIG-2026-001,Skolmj\xc3\xb6lksroboten,UTB,500000\n"
    confirm(client, preview(client, upload(client, "initiatives", text, "money.csv")))
    assert money(robot)[0] == 500_000
    assert lines_of(robot)[0][:3] == (2026, "investment", 500_000)


def test_a_new_initiative_gets_the_lines_the_file_gives_it(
    client_for, office, own_department, other_department
):
    client = client_for(office)
    workbook_rows = (
        "ref,title,department,planned_start,budget,running_cost\n"
        "NY-1,Ny e-tjänst,UTB,2027-01-01,100,100\n"
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "initiatives"
    for row in csv.reader(io.StringIO(workbook_rows)):
        sheet.append(row)
    lines = workbook.create_sheet("cost lines")
    lines.append(HEADER.split(","))
    lines.append(["NY-1", 2027, "investment", 80_000, None, "TK", None, None])
    lines.append(["NY-1", 2028, "running", 7_000, None, None, "Region", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = preview(client, upload(client, "initiatives", buffer.getvalue(), "new.xlsx"))
    plan = page.context["plan"]
    assert plan.ok, plan.errors
    confirm(client, page)
    new = Initiative.objects.get(ref="NY-1")
    assert lines_of(new) == [
        (2027, "investment", 80_000, None, other_department.pk, "", ""),
        (2028, "running", 7_000, None, None, "Region", ""),
    ]
    assert money(new) == (80_000, 7_000, None)


@pytest.mark.parametrize(
    "row,column,message",
    [
        ("NOPE-1,2026,investment,1,,UTB,,", "initiative_ref", "Unknown initiative"),
        ("DIG-2026-001,1989,investment,1,,UTB,,", "year", "greater than or equal to 1990"),
        ("DIG-2026-001,2101,investment,1,,UTB,,", "year", "less than or equal to 2100"),
        ("DIG-2026-001,2026.5,investment,1,,UTB,,", "year", "whole number"),
        ("DIG-2026-001,,investment,1,,UTB,,", "year", "required"),
        ("DIG-2026-001,2026,capex,1,,UTB,,", "kind", "is not one of"),
        ("DIG-2026-001,2026,investment,-5,,UTB,,", "planned", "cannot be negative"),
        ("DIG-2026-001,2026,investment,mycket,,UTB,,", "planned", "not a number"),
        ("DIG-2026-001,2026,investment,1,2.5,UTB,,", "actual", "whole kronor"),
        ("DIG-2026-001,2026,investment,,,UTB,,", "planned", "planned or an actual"),
        ("DIG-2026-001,2026,investment,1,,NOPE,,", "payer_department", "Unknown department"),
        ("DIG-2026-001,2026,investment,1,,UTB,Regionen,", "payer_other", "not both"),
        ("DIG-2026-001,2026,investment,1,,,,", "payer_department", "department that pays"),
        ("DIG-2026-004,2026,investment,1,,UTB,,", "initiative_ref", "archived"),
    ],
)
def test_every_bad_cell_is_named_by_row_and_column_and_nothing_is_written(
    client_for, office, portfolio, row, column, message
):
    client = client_for(office)
    before = snapshot()
    text = f"{HEADER}\nDIG-2026-002,2029,running,1,,TK,,\n{row}\n".encode()
    page = preview(client, upload(client, "initiatives", text, "bad.csv"))
    plan = page.context["plan"]
    errors = [(e.row, e.column, e.message) for e in plan.errors]
    assert len(errors) == 1, errors
    assert errors[0][:2] == (3, column) and message in errors[0][2]
    assert message in page.text.replace("&#x27;", "'")
    confirm(client, page)
    assert snapshot() == before


def test_in_a_workbook_the_bad_cells_name_their_sheet(client_for, office, portfolio):
    client = client_for(office)
    content = download(client, "initiatives_export", "xlsx")
    workbook = load_workbook(io.BytesIO(content))
    workbook["cost lines"]["C3"] = "capex"
    workbook["initiatives"]["B2"] = None  # the title is required
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = preview(client, upload(client, "initiatives", buffer.getvalue(), "bad.xlsx"))
    errors = [(e.sheet, e.row, e.column) for e in page.context["plan"].errors]
    assert errors == [("cost lines", 3, "kind"), ("initiatives", 2, "title")]
    assert "cost lines: 3" in page.text


def test_one_bad_line_among_many_writes_nothing(client_for, office, own_department):
    client = client_for(office)
    initiatives = [make_initiative(own_department, ref=f"M-{n:03d}") for n in range(50)]
    rows = [HEADER] + [
        f"{initiative.ref},{year},running,{year},,UTB,,"
        for initiative in initiatives
        for year in range(2026, 2030)
    ]
    good = rows[150]
    rows[150] = good.replace(",UTB,", ",,")  # neither payer
    text = "\n".join(rows).encode()
    page = preview(client, upload(client, "initiatives", text, "many.csv"))
    assert [(e.row, e.column) for e in page.context["plan"].errors] == [(151, "payer_department")]
    confirm(client, page)
    assert not CostLine.objects.exists()
    assert not Initiative.objects.filter(budget__isnull=False).exists()
    rows[150] = good
    page = preview(client, upload(client, "initiatives", "\n".join(rows).encode(), "many.csv"))
    batch = confirm(client, page)
    assert batch.result["updated"] == 50
    assert CostLine.objects.count() == 200
    assert money(initiatives[7]) == (None, 2029, None)


def test_an_initiative_has_at_most_200_lines(client_for, office, own_initiative):
    client = client_for(office)
    rows = [HEADER] + [f"DIG-2026-001,2026,running,{n},,UTB,," for n in range(201)]
    page = preview(client, upload(client, "initiatives", "\n".join(rows).encode(), "x.csv"))
    assert [(e.row, e.column) for e in page.context["plan"].errors] == [(202, "initiative_ref")]


@pytest.mark.parametrize("role", ["head", "executive"])
def test_only_the_office_imports_cost_lines(client_for, users_by_role, role, portfolio):
    before = snapshot()
    client = client_for(users_by_role[role])
    text = f"{HEADER}\nDIG-2026-001,2026,investment,1,,UTB,,\n".encode()
    assert upload(client, "initiatives", text, "lines.csv").status_code == 403
    assert not ImportBatch.objects.exists()
    assert snapshot() == before


@pytest.mark.parametrize("count", [5, 60])
def test_checking_and_applying_cost_lines_makes_the_same_queries_for_few_or_many(
    client_for, office, own_department, count, django_assert_num_queries
):
    PortfolioSetting.current()  # the settings' row, as in any database in use
    initiatives = [make_initiative(own_department, ref=f"Q-{n:03d}") for n in range(count)]
    for initiative in initiatives:
        CostLine.objects.create(initiative=initiative, year=2026, kind="investment",
                                planned=5, payer=own_department)  # fmt: skip
    client = client_for(office)
    rows = [HEADER] + [
        f"{initiative.ref},{year},running,100,,UTB,,Not"
        for initiative in initiatives
        for year in (2026, 2027)
    ]
    # session, user and role; departments; the batch
    with django_assert_num_queries(5):
        response = upload(client, "initiatives", "\n".join(rows).encode(), "q.csv")
    # session, user and role; the batch; initiatives, their scores, departments, cost lines
    with django_assert_num_queries(8):
        page = client.get(response["Location"])
    assert len(page.context["plan"].updates) == count
    # session, user and role; the batch; queuing and running the task (import_queue,
    # import_start, import_apply) as for any import; the plan again under the lock; the
    # initiatives' money and their history in one statement each; the dropped lines' history
    # and the lines; the new lines and their history; the batch read again
    with django_assert_num_queries(38):
        confirm(client, page)
    assert CostLine.objects.count() == 2 * count
    assert money(initiatives[-1]) == (None, 100, None)
